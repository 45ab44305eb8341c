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


"""Label map loading and the label-count check, on small files and the real Kinetics-600 map."""

from movinet_ros.core.errors import MovinetError
from movinet_ros.core.labels import check_label_count, LabelError, load_labels
import pytest


def write(tmp_path, data: bytes, name='labels.txt'):
    path = tmp_path / name
    path.write_bytes(data)
    return path


def test_one_label_a_line_whitespace_stripped(tmp_path):
    path = write(tmp_path, b'  abseiling \r\nacting in play\n\tcarving ice\n')
    assert load_labels(path) == ['abseiling', 'acting in play', 'carving ice']


def test_accepts_str_path_and_no_final_newline(tmp_path):
    path = write(tmp_path, b'a\nb')
    assert load_labels(str(path)) == ['a', 'b']


def test_trailing_blank_lines_are_ignored(tmp_path):
    path = write(tmp_path, b'a\nb\n\n  \n\n')
    assert load_labels(path) == ['a', 'b']


def test_non_ascii_utf8_and_byte_order_mark(tmp_path):
    path = write(tmp_path, '\ufeffcafé\nNaïve dance\n'.encode('utf-8'))
    assert load_labels(path) == ['café', 'Naïve dance']


def test_blank_line_in_the_middle_names_its_line(tmp_path):
    path = write(tmp_path, b'a\nb\n\nc\n')
    with pytest.raises(LabelError, match=r'line 3 is blank.*shift'):
        load_labels(path)


def test_blank_first_line_is_an_error(tmp_path):
    with pytest.raises(LabelError, match='line 1 is blank'):
        load_labels(write(tmp_path, b'\na\n'))


@pytest.mark.parametrize('data', [b'', b'\n', b'  \n\n\t\n'])
def test_empty_file(tmp_path, data):
    with pytest.raises(LabelError, match='empty'):
        load_labels(write(tmp_path, data))


def test_missing_file(tmp_path):
    with pytest.raises(LabelError, match='not found'):
        load_labels(tmp_path / 'absent.txt')


def test_directory_is_not_a_label_file(tmp_path):
    with pytest.raises(LabelError, match='cannot read'):
        load_labels(tmp_path)


def test_non_utf8_names_line_and_byte_offset(tmp_path):
    # Latin-1 'é' (0xe9) on line 2, at byte 6.
    path = write(tmp_path, b'abcd\nx\xe9y\n')
    with pytest.raises(LabelError, match=r'line 2 \(byte offset 6\).*must be UTF-8'):
        load_labels(path)


def test_non_utf8_offset_counts_the_byte_order_mark(tmp_path):
    path = write(tmp_path, b'\xef\xbb\xbfab\n\xff\n')
    with pytest.raises(LabelError, match=r'line 2 \(byte offset 6\)'):
        load_labels(path)


def test_duplicates_are_named(tmp_path):
    path = write(tmp_path, b'a\nb\na\nc\nb\n')
    with pytest.raises(LabelError, match=r"duplicate labels \['a', 'b'\]"):
        load_labels(path)


def test_duplicates_after_stripping(tmp_path):
    with pytest.raises(LabelError, match='duplicate'):
        load_labels(write(tmp_path, b'a\n a \n'))


def test_label_error_is_a_movinet_error():
    assert issubclass(LabelError, MovinetError)


def test_count_matches():
    check_label_count(['a', 'b'], 2)


def test_count_mismatch_names_both_numbers_and_the_matching_map(tmp_path):
    with pytest.raises(LabelError) as caught:
        check_label_count(['x'] * 400, 600, tmp_path / 'k400.txt')
    message = str(caught.value)
    assert '400 labels' in message and '600 classes' in message
    assert 'Kinetics-600' in message and 'k400.txt' in message


def test_count_mismatch_for_an_unknown_class_count():
    with pytest.raises(LabelError, match=r'3 labels but the model has 5 classes.*5 lines'):
        check_label_count(['a', 'b', 'c'], 5)


@pytest.mark.model
def test_real_kinetics600_map(labels_path):
    labels = load_labels(labels_path)
    assert len(labels) == 600
    assert len(set(labels)) == 600
    assert all(label == label.strip() and label for label in labels)
    assert 'carving ice' in labels
    check_label_count(labels, 600, labels_path)
    with pytest.raises(LabelError, match='Kinetics-400'):
        check_label_count(labels, 400, labels_path)
