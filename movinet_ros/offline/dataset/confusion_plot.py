# Copyright 2026 movinet_ros maintainers
#
# Licensed under the Apache License, Version 2.0 (the "License");
# you may not use this file except in compliance with the License.
# You may obtain a copy of the License at
#
#     http://www.apache.org/licenses/LICENSE-2.0
#
# Unless required by applicable law or agreed to in writing, software
# distributed under the License is distributed on an "AS IS" BASIS,
# WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.
# See the License for the specific language governing permissions and
# limitations under the License.


"""
Draw a confusion matrix of a dataset evaluation as an image.

Rows are the true labels that occur, columns the same labels followed by the labels that
were only ever predicted (a 600-class model mostly errs into classes the dataset does not
have) and last ``NO_PREDICTION``. Only labels that occur are drawn, so a 50-class dataset
gives a 50-odd-row matrix, not a 600-row one. Cell colour is the share of the row (the
class's recall on the diagonal), so rare and common classes read alike; each non-empty
cell is labelled with its clip count. The figure grows with the number of labels, keeping
every tick label legible.

matplotlib is used through its object API with the Agg canvas, as in :mod:`.plots`.
"""

from collections.abc import Mapping
import os
from pathlib import Path

from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from movinet_ros.offline.scoring.frame_metrics import NO_PREDICTION
import numpy as np

DPI = 100
# Inches per matrix cell: the smallest keeps 7-point tick labels apart (50 classes give a
# 1500-pixel matrix); few labels get larger cells, up to the largest.
CELL_IN = 0.26
MAX_CELL_IN = 0.5
# Room for the tick labels (rotated below, beside), the colour bar and the title.
MARGIN_WIDTH_IN = 3.4
MARGIN_HEIGHT_IN = 2.8
MIN_WIDTH_IN = 6.0
TICK_FONT = 7
# Counts are printed in the cells up to this many columns; beyond, colour alone.
MAX_ANNOTATED_COLUMNS = 80


def matrix_labels(confusion: Mapping[str, Mapping[str, int]]) -> tuple[list[str], list[str]]:
    """Return (row labels, column labels): true labels sorted, then predicted-only ones."""
    rows = sorted(confusion)
    predicted = {label for row in confusion.values() for label in row}
    extra = sorted(predicted - set(rows) - {NO_PREDICTION})
    columns = rows + extra + ([NO_PREDICTION] if NO_PREDICTION in predicted else [])
    return rows, columns


def plot_confusion(confusion: Mapping[str, Mapping[str, int]], out_path: str | os.PathLike[str],
                   title: str = '') -> Path:
    """Save the confusion matrix (true label -> predicted label -> count); return the path."""
    rows, columns = matrix_labels(confusion)
    counts = np.array([[confusion[row].get(column, 0) for column in columns] for row in rows],
                      dtype=np.int64).reshape(len(rows), len(columns))
    totals = counts.sum(axis=1, keepdims=True)
    shares = np.divide(counts, totals, out=np.zeros(counts.shape), where=totals > 0)

    cell = min(MAX_CELL_IN, max(CELL_IN, 8.0 / max(len(columns), 1)))
    width = max(MIN_WIDTH_IN, cell * len(columns) + MARGIN_WIDTH_IN)
    height = cell * max(len(rows), 2) + MARGIN_HEIGHT_IN
    figure = Figure(figsize=(width, height), dpi=DPI, layout='constrained')
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    if rows:
        _draw(figure, axes, rows, columns, counts, shares)
    else:
        axes.set_axis_off()
        axes.text(0.5, 0.5, 'no scored clip', ha='center', va='center',
                  transform=axes.transAxes, color='0.4')
    if title:
        figure.suptitle(title, fontsize=TICK_FONT + 3)
    path = Path(out_path)
    figure.savefig(path, dpi=DPI, bbox_inches='tight')
    return path


def _draw(figure: Figure, axes: Axes, rows: list[str], columns: list[str], counts: np.ndarray,
          shares: np.ndarray) -> None:
    image = axes.imshow(shares, cmap='Blues', vmin=0.0, vmax=1.0, aspect='equal',
                        interpolation='nearest')
    axes.set_xticks(range(len(columns)), columns, rotation=90, fontsize=TICK_FONT)
    axes.set_yticks(range(len(rows)), rows, fontsize=TICK_FONT)
    axes.set_xlabel('predicted (top-1)')
    axes.set_ylabel('true label')
    # The labels the dataset has: a line where the predicted-only columns begin.
    if len(columns) > len(rows):
        axes.axvline(len(rows) - 0.5, color='0.5', linewidth=0.8)
    if len(columns) <= MAX_ANNOTATED_COLUMNS:
        for (row, column), count in np.ndenumerate(counts):
            if count:
                axes.text(column, row, str(count), ha='center', va='center',
                          fontsize=TICK_FONT - 1,
                          color='white' if shares[row, column] > 0.6 else 'black')
    # A bar as tall as a small matrix, half the height of a large one.
    colorbar = figure.colorbar(image, ax=axes, shrink=1.0 if len(rows) <= 10 else 0.5,
                               aspect=20, pad=0.02)
    colorbar.set_label("share of the row's clips", fontsize=TICK_FONT)
    colorbar.ax.tick_params(labelsize=TICK_FONT)
