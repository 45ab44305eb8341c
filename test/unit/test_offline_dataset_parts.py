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
Tests of the parts of dataset evaluation that need no model: manifest, metrics, plot.

The metrics are checked on hand-made outcomes with known answers, and for independence
from the order the outcomes come in (what makes ``--jobs`` irrelevant to the summary).
"""

import json
import pathlib

from hypothesis import given, settings, strategies as st
from movinet_ros.offline.dataset.class_metrics import class_report, Outcome
from movinet_ros.offline.dataset.confusion_plot import CELL_IN, DPI, matrix_labels, plot_confusion
from movinet_ros.offline.dataset.manifest import load_manifest, ManifestError
from movinet_ros.offline.dataset.recording import RecordingResult, Sample
from movinet_ros.offline.scoring.frame_metrics import NO_PREDICTION
from PIL import Image
import pytest


def _manifest(tmp_path, text):
    path = tmp_path / 'sets' / 'manifest.csv'
    path.parent.mkdir(exist_ok=True)
    path.write_text(text, encoding='utf-8')
    return path


def test_manifest_rows_resolve_against_the_manifest_folder(tmp_path):
    path = _manifest(tmp_path, '# clips and bags\n'
                               'Topic, Recording ,LABEL,annotations\n'
                               '\n'
                               ',clips/a.mp4, carving ice ,\n'
                               '/cam,/data/bag_1,,truth/bag_1.csv\n'
                               ',"clips/b, c.mp4","juggling, balls",\n')
    entries = load_manifest(path)
    folder = path.parent.absolute()
    assert [(e.index, e.line, e.name) for e in entries] == \
        [(0, 4, 'clips/a.mp4'), (1, 5, '/data/bag_1'), (2, 6, 'clips/b, c.mp4')]
    first, second, third = entries
    assert (first.recording, first.label, first.annotations, first.topic) == \
        (folder / 'clips' / 'a.mp4', 'carving ice', None, None)
    assert (second.recording, second.label, second.annotations, second.topic) == \
        (pathlib.Path('/data/bag_1'), None,
         folder / 'truth' / 'bag_1.csv', '/cam')
    assert third.label == 'juggling, balls'


def test_manifest_without_topic_column(tmp_path):
    [entry] = load_manifest(_manifest(tmp_path, 'recording,label\nx.mcap,situp\n'))
    assert entry.topic is None and entry.label == 'situp'


@pytest.mark.parametrize('text, expected', [
    ('', 'is empty'),
    ('# only a comment\n', 'is empty'),
    ('recording,label\n', 'lists no recording'),
    ('recording,topic\na.mp4,/cam\n', 'neither a label nor an annotations column'),
    ('label,topic\nsitup,/cam\n', 'no recording column'),
    ('recording,label,label\na,b,c\n', "column 'label' twice"),
    ('recording,label,camera\na,b,c\n', "unknown column 'camera'"),
    ('recording,label\na.mp4\n', 'line 2: expected 2 cells'),
    ('recording,label\n,situp\n', 'line 2: the recording is empty'),
    ('recording,label,annotations\na.mp4,,\n', 'found neither'),
    ('recording,label,annotations\na.mp4,situp,a.csv\n', 'not both'),
])
def test_malformed_manifests_name_the_problem(tmp_path, text, expected):
    with pytest.raises(ManifestError, match='manifest') as error:
        load_manifest(_manifest(tmp_path, text))
    assert expected in str(error.value)


def test_manifest_that_is_not_utf8(tmp_path):
    path = tmp_path / 'm.csv'
    path.write_bytes(b'recording,label\n\xff\xfe.mp4,situp\n')
    with pytest.raises(ManifestError, match='not UTF-8 CSV'):
        load_manifest(path)


def test_class_report_on_known_outcomes():
    outcomes = [Outcome('a', 'a', True), Outcome('a', 'b', True), Outcome('a', 'a', True),
                Outcome('b', 'b', True), Outcome('b', 'x', False), Outcome('c', None, False)]
    report = class_report(outcomes)
    assert report['samples'] == 6 and report['classes'] == 3
    assert report['top1_accuracy'] == pytest.approx(3 / 6)
    assert report['top5_accuracy'] == pytest.approx(4 / 6)
    # Recalls 2/3, 1/2 and 0: their mean, not the share of right clips.
    assert report['mean_class_accuracy'] == pytest.approx((2 / 3 + 1 / 2 + 0) / 3)
    assert report['per_class'] == {
        'a': {'precision': 1.0, 'recall': 2 / 3, 'support': 3, 'predicted': 2},
        'b': {'precision': 0.5, 'recall': 0.5, 'support': 2, 'predicted': 2},
        'c': {'precision': None, 'recall': 0.0, 'support': 1, 'predicted': 0},
        'x': {'precision': 0.0, 'recall': None, 'support': 0, 'predicted': 1},
    }
    assert report['confusion'] == {'a': {'a': 2, 'b': 1}, 'b': {'b': 1, 'x': 1},
                                   'c': {NO_PREDICTION: 1}}


def test_class_report_of_nothing():
    report = class_report([])
    assert report['samples'] == 0 and report['per_class'] == {} and report['confusion'] == {}
    assert report['top1_accuracy'] is None and report['mean_class_accuracy'] is None


outcome_lists = st.lists(st.builds(Outcome, st.sampled_from('abcd'),
                                   st.one_of(st.none(), st.sampled_from('abcde')),
                                   st.booleans()), max_size=30)


@settings(max_examples=60, deadline=None)
@given(outcome_lists, st.randoms())
def test_class_report_does_not_depend_on_order(outcomes, random):
    shuffled = list(outcomes)
    random.shuffle(shuffled)
    assert repr(class_report(shuffled)) == repr(class_report(outcomes))


def test_matrix_puts_the_dataset_labels_first_and_no_prediction_last():
    rows, columns = matrix_labels({'b': {'b': 2, 'z': 1}, 'a': {NO_PREDICTION: 1, 'c': 1}})
    assert rows == ['a', 'b']
    assert columns == ['a', 'b', 'c', 'z', NO_PREDICTION]


def test_confusion_plot_grows_with_the_labels(tmp_path):
    labels = [f'class number {i}' for i in range(50)]
    confusion = {label: {label: 3, labels[(i + 1) % 50]: 1} for i, label in enumerate(labels)}
    big = plot_confusion(confusion, tmp_path / 'big.png', title='fifty')
    small = plot_confusion({'a': {'a': 1}}, tmp_path / 'small.png')
    with Image.open(big) as image, Image.open(small) as other:
        assert image.format == other.format == 'PNG'
        # At least one cell per label at the figure's resolution: 50 rows stay apart.
        assert image.size[1] >= 50 * CELL_IN * DPI
        assert image.size[0] > other.size[0] and image.size[1] > other.size[1]
    plot_confusion({}, tmp_path / 'empty.png')  # no scored clip: still a picture
    assert (tmp_path / 'empty.png').stat().st_size > 0


def test_results_survive_their_json_form():
    sample = Sample('carving ice', 0.0, 4.4, 'carving ice', True, True,
                    (('carving ice', 0.984), ('sawing wood', 0.01)), 22, 1.01)
    result = RecordingResult('a.mp4', '', (sample,), 131, 22, 0, 4.39, '', seconds=0.2)
    again = RecordingResult.from_dict(json.loads(json.dumps(result.to_dict())))
    assert again == result and again.samples[0].ranking == sample.ranking
