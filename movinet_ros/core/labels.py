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
Load a class label map (one name a line, line N = class N-1) and check it fits the model.

A label file that silently disagrees with the model shifts or mislabels every class, so
anything doubtful is an error: a blank line before the last label, a duplicate name, bytes
that are not UTF-8, or a count that differs from the model's number of classes.
"""

import codecs
import collections
from collections.abc import Sequence
import pathlib

from movinet_ros.core.errors import LabelError

# Class counts of the label maps MoViNet models are published with.
_KNOWN_LABEL_MAPS = {400: 'Kinetics-400', 600: 'Kinetics-600', 700: 'Kinetics-700'}


def load_labels(path: str | pathlib.Path) -> list[str]:
    """
    Read the labels of ``path``, one per line, surrounding whitespace stripped.

    Trailing blank lines are ignored; any other blank line, a duplicate, an empty file or
    bytes that are not UTF-8 raise LabelError. A UTF-8 byte order mark is accepted.
    """
    path = pathlib.Path(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise LabelError(
            f'label file not found: {path}; set labels_path (movinet-ros: --labels) to the '
            "model's label map, one class name per line") from None
    except OSError as error:
        raise LabelError(f'cannot read label file {path}: {error}') from error
    start = len(codecs.BOM_UTF8) if raw.startswith(codecs.BOM_UTF8) else 0
    try:
        text = raw[start:].decode('utf-8')
    except UnicodeDecodeError as error:
        offset = start + error.start
        line = raw.count(b'\n', 0, offset) + 1
        raise LabelError(
            f'{path}: line {line} (byte offset {offset}) is not valid UTF-8; the label '
            'file must be UTF-8 encoded') from None
    # split('\n') rather than splitlines(): the latter also splits on characters such as
    # U+2028 that may occur inside a name and would shift the class ids.
    labels = [line.strip() for line in text.split('\n')]
    while labels and not labels[-1]:
        labels.pop()
    if not labels:
        raise LabelError(
            f'label file is empty: {path}; it must name one class per line, in the order of '
            "the model's outputs")
    blank = [number for number, label in enumerate(labels, start=1) if not label]
    if blank:
        raise LabelError(
            f'{path}: line {blank[0]} is blank; every line up to the last label must name a '
            'class, otherwise all later class ids shift')
    duplicates = [label for label, count in collections.Counter(labels).items() if count > 1]
    if duplicates:
        raise LabelError(f'{path}: duplicate labels {duplicates}; each class needs its own name')
    return labels


def check_label_count(labels: Sequence[str], num_classes: int,
                      labels_path: str | pathlib.Path | None = None) -> None:
    """Raise LabelError unless there is exactly one label per model class."""
    if len(labels) == num_classes:
        return
    source = f'label file {labels_path}' if labels_path is not None else 'the label list'
    matching = _KNOWN_LABEL_MAPS.get(num_classes)
    advice = (f'use the {matching} label map' if matching else
              f'use a label file with {num_classes} lines, one per class in the order the '
              'model was trained with')
    raise LabelError(
        f'{source} has {len(labels)} labels but the model has {num_classes} classes; '
        f'{advice}')
