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
Read a dataset manifest: which recordings to evaluate, and what they show.

A manifest is a CSV file whose header names its columns, then one recording per row::

    recording,label,topic
    clips/carving_ice.mp4,carving ice,
    bags/kitchen_0001,washing dishes,/camera/image_raw
    bags/shift_0042.mcap,,/front/image/compressed

- ``recording`` (required): a rosbag2 folder, an ``.mcap`` file, a ROS 1 ``.bag`` file or a
  video file, relative to the manifest's folder (or absolute); entries hold it as an
  absolute path.
- ``label``: the action the whole recording shows (clip-level ground truth), or
- ``annotations``: a segment CSV as ``movinet-ros eval --annotations`` takes, relative to
  the manifest's folder; exactly one of the two per row. A manifest may have either column
  or both.
- ``topic`` (optional): the image topic of a bag; empty means the bag's only image topic.
  Video files have no topic.

Header names are matched case-insensitively, in any order; cells are stripped of
surrounding spaces; blank lines and lines starting with ``#`` are ignored. A malformed
manifest raises ManifestError naming the file and line. Whether a recording exists, or a
label is known, is not checked here: that is part of evaluating the row, so one bad row is
reported and the others still run.
"""

from collections.abc import Iterable
from dataclasses import dataclass
import os
from pathlib import Path

from movinet_ros.offline.errors import ManifestError
from movinet_ros.offline.scoring.annotations import csv_rows

RECORDING = 'recording'
LABEL = 'label'
ANNOTATIONS = 'annotations'
TOPIC = 'topic'
COLUMNS = (RECORDING, LABEL, ANNOTATIONS, TOPIC)


@dataclass(frozen=True)
class ManifestEntry:
    """
    One row of a manifest: a recording and its ground truth.

    ``name`` is the recording as the manifest writes it (the key of its results);
    ``recording`` and ``annotations`` are resolved against the manifest's folder.
    ``index`` is the row's position among the manifest's entries, ``line`` its line.
    """

    index: int
    line: int
    name: str
    recording: Path
    label: str | None
    annotations: Path | None
    topic: str | None


def _rows(path: Path) -> Iterable[tuple[int, list[str]]]:
    for line, row in csv_rows(path, error=ManifestError, what='manifest'):
        yield line, [cell.strip() for cell in row]


def _columns(header: list[str], source: str, line: int) -> dict[str, int]:
    names = [cell.lower() for cell in header]
    unknown = [cell for cell, name in zip(header, names) if name not in COLUMNS]
    repeated = sorted({name for name in names if names.count(name) > 1})
    if unknown or repeated or RECORDING not in names or \
            (LABEL not in names and ANNOTATIONS not in names):
        problem = (f'unknown column {unknown[0]!r}' if unknown else
                   f'column {repeated[0]!r} twice' if repeated else
                   'no recording column' if RECORDING not in names else
                   'neither a label nor an annotations column')
        raise ManifestError(
            f'{source}, line {line}: header {",".join(header)!r} has {problem}; expected '
            f'"{RECORDING},{LABEL}[,{TOPIC}]" or "{RECORDING},{ANNOTATIONS}[,{TOPIC}]"')
    return {name: names.index(name) for name in names}


def _resolve(folder: Path, text: str) -> Path:
    path = Path(text).expanduser()
    return path if path.is_absolute() else folder / path


def load_manifest(path: str | os.PathLike[str]) -> list[ManifestEntry]:
    """
    Return the entries of a manifest in file order.

    Raises ManifestError for an unreadable file, a header without the required columns, a
    row with the wrong number of cells, an empty recording, or a row with both or neither of
    label and annotations. A manifest without any row is an error too: nothing to evaluate.
    """
    manifest = Path(path)
    source = os.fspath(path)
    # Absolute, so that workers in other folders (or on other machines) find the files.
    folder = manifest.absolute().parent
    rows = iter(_rows(manifest))
    first = next(rows, None)
    if first is None:
        raise ManifestError(f'manifest {source} is empty; its first line must be a header '
                            f'such as "{RECORDING},{LABEL},{TOPIC}"')
    columns = _columns(first[1], source, first[0])
    entries: list[ManifestEntry] = []
    for line, row in rows:
        where = f'{source}, line {line}'
        if len(row) != len(columns):
            raise ManifestError(f'{where}: expected {len(columns)} cells '
                                f'({",".join(first[1])}), found {len(row)}: {row!r}')
        cell = {name: row[index] for name, index in columns.items()}
        name = cell[RECORDING]
        if not name:
            raise ManifestError(f'{where}: the recording is empty')
        label = cell.get(LABEL) or None
        annotations = cell.get(ANNOTATIONS) or None
        if (label is None) == (annotations is None):
            raise ManifestError(
                f'{where}: give either a label or an annotations file for {name}, '
                f'{"not both" if label else "found neither"}')
        entries.append(ManifestEntry(
            index=len(entries), line=line, name=name, recording=_resolve(folder, name),
            label=label,
            annotations=_resolve(folder, annotations) if annotations else None,
            topic=cell.get(TOPIC) or None))
    if not entries:
        raise ManifestError(f'manifest {source} lists no recording')
    return entries
