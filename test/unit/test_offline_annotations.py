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


"""Tests of offline.scoring.annotations: CSV parsing, time bases, errors, label checks."""

from movinet_ros.core.errors import MovinetError
from movinet_ros.offline.scoring.annotations import (
    AnnotationError, check_labels, load_annotations, Segment)
import pytest

FIRST_NS = 1_700_000_000_500_000_000
LABELS = ['carving ice', 'juggling balls', 'skiing (not slalom or crosscountry)', 'sneezing']


def _load(tmp_path, text, first_ns=FIRST_NS):
    path = tmp_path / 'labels.csv'
    path.write_text(text, encoding='utf-8')
    return load_annotations(path, first_ns)


def test_relative_segments_resolve_against_first_stamp(tmp_path):
    segments = _load(tmp_path, 'start,end,label\n0,1.5,carving ice\n1.5,2.000000001,sneezing\n')
    assert segments == [
        Segment('carving ice', FIRST_NS, FIRST_NS + 1_500_000_000),
        Segment('sneezing', FIRST_NS + 1_500_000_000, FIRST_NS + 2_000_000_001),
    ]
    assert [s.line for s in segments] == [2, 3]


def test_absolute_segments_keep_nanosecond_precision(tmp_path):
    segments = _load(tmp_path, 'start_abs,end_abs,label\n'
                     '1700000000.123456789,1700000001.000000001,carving ice\n', first_ns=0)
    assert segments == [Segment('carving ice', 1_700_000_000_123_456_789,
                                1_700_000_001_000_000_001)]


def test_header_any_order_case_spaces_comments_quotes(tmp_path):
    text = ('# recorded in the lab\n'
            'Label, END ,Start\n'
            '\n'
            '"juggling, balls", 4.25 , 3\n'
            '# a comment row\n'
            'carving ice,1,0\n')
    segments = _load(tmp_path, text, first_ns=0)
    assert segments == [Segment('carving ice', 0, 1_000_000_000),
                        Segment('juggling, balls', 3_000_000_000, 4_250_000_000)]
    assert [s.line for s in segments] == [6, 4]


def test_header_only_and_empty_files_have_no_segments(tmp_path):
    assert _load(tmp_path, 'start,end,label\n') == []
    assert _load(tmp_path, '') == []


def test_touching_segments_are_allowed_and_half_open(tmp_path):
    first, second = _load(tmp_path, 'start,end,label\n1,2,sneezing\n0,1,carving ice\n', 0)
    assert first.label == 'carving ice'
    assert first.contains(0) and first.contains(999_999_999)
    assert not first.contains(1_000_000_000) and second.contains(1_000_000_000)
    assert not first.contains(-1)


@pytest.mark.parametrize('text, pattern', [
    ('begin,end,label\n0,1,x\n', 'line 1: header'),
    ('start,end,label,notes\n', 'line 1: header'),
    ('start,end,label\n0,1\n', 'line 2: expected 3 cells'),
    ('start,end,label\n0,1,x\nzero,1,x\n', "line 3: start 'zero' is not a number"),
    ('start,end,label\n0,nan,x\n', "line 2: end 'nan' is not a finite"),
    ('start,end,label\n2,2,x\n', 'line 2: end 2 is not after start 2'),
    ('start,end,label\n3,2,x\n', 'line 2: end 2 is not after start 3'),
    ('start,end,label\n-1,2,x\n', 'line 2: start -1 is before the first frame'),
    ('start,end,label\n0,2, \n', 'line 2: the label is empty'),
    ('start,end,label\n0,2,a\n\n1.5,3,b\n', 'line 4 \\(b\\) overlaps the one on line 2'),
])
def test_bad_rows_name_their_line(tmp_path, text, pattern):
    with pytest.raises(AnnotationError, match=pattern) as err:
        _load(tmp_path, text)
    assert 'labels.csv' in str(err.value)


def test_negative_absolute_times_are_plain_values(tmp_path):
    assert _load(tmp_path, 'start_abs,end_abs,label\n-2,-1,x\n') == [
        Segment('x', -2_000_000_000, -1_000_000_000)]


def test_missing_or_binary_file(tmp_path):
    with pytest.raises(AnnotationError, match='missing.csv'):
        load_annotations(tmp_path / 'missing.csv', 0)
    binary = tmp_path / 'binary.csv'
    binary.write_bytes(b'start,end,label\n0,1,\xff\xfe\n')
    with pytest.raises(AnnotationError, match='not UTF-8 CSV'):
        load_annotations(binary, 0)
    assert issubclass(AnnotationError, MovinetError)


def test_check_labels_accepts_known_labels():
    check_labels([Segment('carving ice', 0, 1), Segment('sneezing', 1, 2)], LABELS)
    check_labels([], LABELS)


def test_check_labels_names_lines_and_close_matches(tmp_path):
    segments = _load(tmp_path, 'start,end,label\n0,1,carving ice\n1,2,Sneezing\n'
                     '2,3,juggling ball\n3,4,knitting\n')
    with pytest.raises(AnnotationError) as err:
        check_labels(segments, LABELS)
    message = str(err.value)
    assert "line 3: label 'Sneezing' is not in the label map (did you mean 'sneezing'?)" \
        in message
    assert "line 4: label 'juggling ball'" in message and "'juggling balls'" in message
    assert "line 5: label 'knitting' is not in the label map;" not in message
    assert message.endswith("line 5: label 'knitting' is not in the label map")
    assert 'carving ice' not in message
