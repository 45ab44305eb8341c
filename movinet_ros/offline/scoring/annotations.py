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
Load ground-truth action segments from a CSV file and check their labels.

The file starts with a header row naming its time base, then one segment per row::

    start,end,label
    0.0,4.2,carving ice
    4.2,7.5,"juggling, balls"

- ``start,end,label``: seconds relative to the header stamp of the first message on the
  evaluated image topic (the first frame of the recording). Negative times are rejected.
- ``start_abs,end_abs,label``: absolute seconds since the Unix epoch, compared with the
  header stamps directly (e.g. ``1700000004.2``); ``first_stamp_ns`` is then not used.

Rules:

- A segment is the half-open interval [start, end): a frame stamped exactly at ``end``
  belongs to the next segment, so segments may touch. ``end`` must be after ``start``.
- Segments must not overlap, so every annotated frame has exactly one true label; an
  overlap raises AnnotationError naming both lines. Rows may come in any order; segments
  are returned sorted by start.
- Header names are matched case-insensitively and may come in any order; cells are
  stripped of surrounding spaces; labels keep their case and must match the label map
  exactly (see :func:`check_labels`). Blank lines and lines starting with ``#`` are
  ignored. A file with only a header has no segments.
- Times are parsed as decimals and rounded to whole nanoseconds, so absolute epoch
  seconds keep their full precision.
"""

from collections.abc import Iterable, Sequence
import csv
from dataclasses import dataclass, field, replace
import decimal
import difflib
import os

from movinet_ros.core.errors import MovinetError
from movinet_ros.core.stamps import NS_PER_SEC
from movinet_ros.offline.errors import AnnotationError
RELATIVE_COLUMNS = ('start', 'end', 'label')
ABSOLUTE_COLUMNS = ('start_abs', 'end_abs', 'label')


@dataclass(frozen=True)
class Segment:
    """
    One annotated action: its label and its absolute stamps [start_ns, end_ns).

    ``line`` is the segment's line in its CSV file (0 when not loaded from a file); it is
    only used in messages and does not take part in comparisons.
    """

    label: str
    start_ns: int
    end_ns: int
    line: int = field(default=0, compare=False)

    def contains(self, stamp_ns: int) -> bool:
        """Return whether a frame stamped ``stamp_ns`` lies inside this segment."""
        return self.start_ns <= stamp_ns < self.end_ns


def _seconds_to_ns(text: str, column: str, where: str) -> int:
    try:
        seconds = decimal.Decimal(text)
    except decimal.InvalidOperation:
        raise AnnotationError(f'{where}: {column} {text!r} is not a number of seconds') \
            from None
    if not seconds.is_finite():
        raise AnnotationError(f'{where}: {column} {text!r} is not a finite number')
    return int((seconds * NS_PER_SEC).to_integral_value(decimal.ROUND_HALF_EVEN))


def _columns(header: Sequence[str], source: str, line: int) -> tuple[tuple[int, ...], bool]:
    names = [cell.strip().lower() for cell in header]
    for expected, absolute in ((RELATIVE_COLUMNS, False), (ABSOLUTE_COLUMNS, True)):
        if sorted(names) == sorted(expected):
            return tuple(names.index(name) for name in expected), absolute
    raise AnnotationError(
        f'{source}, line {line}: header {",".join(header)!r} is not '
        f'{",".join(RELATIVE_COLUMNS)!r} (seconds from the first frame) nor '
        f'{",".join(ABSOLUTE_COLUMNS)!r} (epoch seconds)')


def csv_rows(path: str | os.PathLike[str], *, error: type[MovinetError],
             what: str) -> Iterable[tuple[int, list[str]]]:
    """
    Yield (line number, cells) of a UTF-8 CSV file, skipping blank and ``#`` lines.

    A file that cannot be read or is not UTF-8 CSV raises ``error`` naming it as ``what``
    (the annotation and manifest readers share this).
    """
    try:
        with open(path, newline='', encoding='utf-8') as stream:
            reader = csv.reader(stream, skipinitialspace=True)
            for row in reader:
                if not row or not ''.join(row).strip() or row[0].lstrip().startswith('#'):
                    continue
                yield reader.line_num, row
    except OSError as err:
        raise error(f'cannot read {what} {path}: {err.strerror}') from None
    except (csv.Error, UnicodeDecodeError) as err:
        raise error(f'{what} {path} is not UTF-8 CSV: {err}') from None


def _rows(path: str | os.PathLike[str]) -> Iterable[tuple[int, list[str]]]:
    return csv_rows(path, error=AnnotationError, what='annotation file')


@dataclass(frozen=True)
class Annotations:
    """The segments of an annotation file as written: from the first frame, or absolute."""

    segments: tuple[Segment, ...]
    absolute: bool

    def anchored(self, first_stamp_ns: int) -> list[Segment]:
        """Return the segments with absolute stamps; relative ones start at ``first_stamp_ns``."""
        if self.absolute:
            return list(self.segments)
        return [replace(s, start_ns=first_stamp_ns + s.start_ns,
                        end_ns=first_stamp_ns + s.end_ns) for s in self.segments]


def load_annotations(path: str | os.PathLike[str], first_stamp_ns: int) -> list[Segment]:
    """
    Return the segments of an annotation CSV, with absolute stamps, sorted by start.

    ``first_stamp_ns`` is the header stamp of the first image of the recording; relative
    times are added to it. Raises AnnotationError naming the file and line of a bad row.
    """
    return read_annotations(path).anchored(first_stamp_ns)


def load_segments(path: str | os.PathLike[str], first_stamp_ns: int,
                  labels: Sequence[str]) -> list[Segment]:
    """Load an annotation CSV relative to ``first_stamp_ns`` and check its labels."""
    return read_annotations(path, labels).anchored(first_stamp_ns)


def read_annotations(path: str | os.PathLike[str],
                     labels: Sequence[str] | None = None) -> Annotations:
    """
    Read an annotation CSV once: its segments sorted by start, as written.

    With ``labels`` every segment's label is checked too (:func:`check_labels`). Raises
    AnnotationError naming the file and line of a bad row.
    """
    source = os.fspath(path)
    rows = iter(_rows(path))
    first = next(rows, None)
    if first is None:
        return Annotations((), absolute=False)
    columns, absolute = _columns(first[1], source, first[0])
    segments = []
    for line, row in rows:
        if len(row) != len(columns):
            raise AnnotationError(f'{source}, line {line}: expected {len(columns)} cells '
                                  f'(start, end, label), found {len(row)}: {row!r}')
        start_text, end_text, label = (row[i].strip() for i in columns)
        start_ns = _seconds_to_ns(start_text, 'start', f'{source}, line {line}')
        end_ns = _seconds_to_ns(end_text, 'end', f'{source}, line {line}')
        if not label:
            raise AnnotationError(f'{source}, line {line}: the label is empty')
        if end_ns <= start_ns:
            raise AnnotationError(f'{source}, line {line}: end {end_text} is not after '
                                  f'start {start_text}')
        if not absolute and start_ns < 0:
            raise AnnotationError(f'{source}, line {line}: start {start_text} is before the '
                                  'first frame (relative times must be >= 0)')
        segments.append(Segment(label, start_ns, end_ns, line))
    segments.sort(key=lambda s: (s.start_ns, s.end_ns))
    for earlier, later in zip(segments, segments[1:]):
        if later.start_ns < earlier.end_ns:
            raise AnnotationError(
                f'{source}: segment on line {later.line} ({later.label}) overlaps the one on '
                f'line {earlier.line} ({earlier.label}); segments may touch but not overlap')
    if labels is not None:
        check_labels(segments, labels)
    return Annotations(tuple(segments), absolute)


def check_labels(segments: Iterable[Segment], labels: Iterable[str]) -> None:
    """
    Raise AnnotationError when a segment's label is not one of ``labels``.

    The message lists every unknown label with its line and the closest known labels.
    """
    known = list(labels)
    known_set = set(known)
    by_lower = {label.lower(): label for label in known}
    problems = []
    for segment in segments:
        if segment.label in known_set:
            continue
        hints = difflib.get_close_matches(segment.label, known, n=3, cutoff=0.6)
        exact = by_lower.get(segment.label.lower())
        if exact is not None and exact not in hints:
            hints.insert(0, exact)
        where = f'line {segment.line}: ' if segment.line else ''
        hint = f' (did you mean {" or ".join(repr(h) for h in hints)}?)' if hints else ''
        problems.append(f'{where}label {segment.label!r} is not in the label map{hint}')
    if problems:
        raise AnnotationError('; '.join(problems))
