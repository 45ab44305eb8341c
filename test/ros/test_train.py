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
``movinet-ros train``: heads of one's own actions, on the real model and real clips.

Trained on the first half of each recording, a head must name the second halves' frames
as the pipeline processes them (the node's throttle and context); the same training must
give the same bytes on one process, two worker processes and Ray; bad input must end in
one line, exit code 2 and an untouched output folder.
"""

import json
import os
import statistics
import subprocess
import sys

from helpers.constants import (
    CAMERA, CLIP_PATH, LABELS_PATH, MODEL_PATH, NS_PER_SEC, OTHER_CLIP_PATH, require,
    SHARED_DIR)
from helpers.nodes import stamp_ns
from movinet_ros import cli
from movinet_ros.core.head import load_head
from movinet_ros.core.pipeline import RecognitionPipeline
from movinet_ros.offline.dataset.recording import run_video
from movinet_ros.offline.video import read_video
import pytest

REAL = SHARED_DIR / 'clips' / 'real'
GESTURES = {'rock': REAL / 'rps_rock.mp4', 'paper': REAL / 'rps_paper.mp4',
            'scissors': REAL / 'rps_scissors.mp4'}
# The user's own names for two Kinetics clips.
OWN_NAMES = {'chiselling': CLIP_PATH, 'gym': OTHER_CLIP_PATH}
RUN_CLI = 'import sys; from movinet_ros.cli import main; sys.exit(main(sys.argv[1:]))'
RAY_TIMEOUT_SEC = 240
MIN_FRAME_ACCURACY = 0.9

pytestmark = pytest.mark.model


def _half_sec(path):
    """Return the middle of a clip in seconds, as the annotation files write it."""
    frames = list(read_video(path))
    return round(frames[-1].stamp_ns / NS_PER_SEC / 2, 3)


def _write_halves(folder, clips, half):
    """Write the manifest of the first (half 0) or second (1) half of every clip."""
    folder.mkdir(parents=True, exist_ok=True)
    rows = ['recording,annotations']
    for label, path in clips.items():
        middle = _half_sec(path)
        start, end = (0.0, middle) if half == 0 else (middle, 2 * middle + 1.0)
        annotations = folder / f'{label}_{half}.csv'
        annotations.write_text(f'start,end,label\n{start:.3f},{end:.3f},{label}\n')
        rows.append(f'{path},{annotations.name}')
    manifest = folder / f'half{half}.csv'
    manifest.write_text('\n'.join(rows) + '\n')
    return manifest


def _train(manifest, out, *extra):
    return cli.main(['train', str(manifest), '--model', str(MODEL_PATH), '--out', str(out),
                     *extra])


def _frames_right(head_path, clips):
    """Return (right, scored) over the second halves' processed frames, per the pipeline."""
    pipeline = RecognitionPipeline.from_files(MODEL_PATH, None, head_path=head_path)
    right = scored = 0
    for label, path in clips.items():
        run = run_video(path, pipeline)
        middle_ns = round(_half_sec(path) * NS_PER_SEC) + run.first_stamp_ns
        for frame in run.frames:
            if frame.stamp_ns >= middle_ns:
                scored += 1
                right += frame.hypotheses[0].label == label
    return right, scored


@pytest.fixture(scope='module')
def gestures(tmp_path_factory):
    """Train the gesture head once (one process) for the tests of this module."""
    for path in (MODEL_PATH, *GESTURES.values()):
        require(path)
    root = tmp_path_factory.mktemp('gestures')
    manifest = _write_halves(root, GESTURES, 0)
    out = root / 'head'
    assert _train(manifest, out, '--jobs', '1') == 0
    return {'root': root, 'manifest': manifest, 'out': out, 'head': out / 'head.json'}


def test_gesture_head_names_the_second_halves(gestures, capsys):
    right, scored = _frames_right(gestures['head'], GESTURES)
    assert scored >= 25, scored
    assert right / scored >= MIN_FRAME_ACCURACY, (right, scored)
    summary = json.loads((gestures['out'] / 'summary.json').read_text())
    assert summary['classes'] == sorted(GESTURES)
    assert summary['held_out_frames'] > 0 and summary['top1_accuracy'] is not None
    assert set(summary['per_class']) <= set(GESTURES)
    assert sum(map(sum, (row.values() for row in summary['confusion'].values()))) == \
        summary['held_out_frames']
    assert (gestures['out'] / 'confusion.png').stat().st_size > 0
    head = load_head(gestures['head'])
    assert head.labels == tuple(sorted(GESTURES)) and head.num_features > 0
    assert sorted(os.listdir(gestures['out'])) == ['confusion.png', 'head.json',
                                                   'summary.json']
    assert not [name for name in os.listdir(gestures['root']) if 'partial' in name]


def test_head_on_classify_and_eval_dataset(gestures, tmp_path, capsys):
    path = GESTURES['scissors']
    assert cli.main(['classify', str(path), '--model', str(MODEL_PATH), '--head',
                     str(gestures['head']), '--json']) == 0
    captured = capsys.readouterr()
    result = json.loads(captured.out.strip().splitlines()[-1])
    assert result['results'][0]['label'] == 'scissors'
    assert {hypothesis['label'] for hypothesis in result['results']} <= set(GESTURES)
    assert 'warning' not in captured.err
    test_manifest = _write_halves(gestures['root'] / 'test', GESTURES, 1)
    out = tmp_path / 'eval'
    assert cli.main(['eval-dataset', str(test_manifest), '--model', str(MODEL_PATH),
                     '--head', str(gestures['head']), '--out', str(out), '--jobs', '1']) == 0
    summary = json.loads((out / 'summary.json').read_text())
    assert summary['top1_accuracy'] == 1.0 and summary['samples'] == 3
    # Other pipeline settings than the training's: a warning naming both.
    assert cli.main(['classify', str(path), '--model', str(MODEL_PATH), '--head',
                     str(gestures['head']), '--fps', '10', '--json']) == 0
    warning = capsys.readouterr().err
    assert 'trained with fps 5' in warning and 'this run uses fps 10' in warning


@pytest.mark.parametrize('backend', ['jobs', 'ray'])
def test_parallel_and_ray_give_identical_heads(gestures, tmp_path, backend):
    out = tmp_path / backend
    if backend == 'jobs':
        assert _train(gestures['manifest'], out, '--jobs', '2') == 0
    else:
        pytest.importorskip('ray', reason='Ray is not installed (pip install ".[ray]")')
        env = dict(os.environ, RAY_USAGE_STATS_ENABLED='0')
        env.pop('RAY_ADDRESS', None)
        process = subprocess.run(
            [sys.executable, '-c', RUN_CLI, 'train', str(gestures['manifest']), '--model',
             str(MODEL_PATH), '--out', str(out), '--jobs', '2', '--ray'],
            capture_output=True, text=True, timeout=RAY_TIMEOUT_SEC, env=env)
        assert process.returncode == 0, process.stderr[-3000:]
    assert (out / 'head.json').read_bytes() == gestures['head'].read_bytes()


@pytest.fixture(scope='module')
def own_names(tmp_path_factory):
    """Train a head naming two Kinetics clips with the user's words, once."""
    for path in (MODEL_PATH, *OWN_NAMES.values()):
        require(path)
    root = tmp_path_factory.mktemp('own_names')
    out = root / 'head'
    assert _train(_write_halves(root, OWN_NAMES, 0), out, '--jobs', '1') == 0
    return out / 'head.json'


def test_own_names_on_kinetics_clips(own_names):
    right, scored = _frames_right(own_names, OWN_NAMES)
    assert scored >= 20 and right / scored >= MIN_FRAME_ACCURACY, (right, scored)


@pytest.mark.ros
def test_live_node_publishes_the_heads_names(graph, own_names):
    """A camera process plays both clips; the node with head_path names them, 5 Hz, events."""
    from movinet_ros_interfaces.msg import ActionEvent, ActionRecognition
    from rclpy.qos import QoSProfile, ReliabilityPolicy
    reliable = QoSProfile(depth=200, reliability=ReliabilityPolicy.RELIABLE)
    actions, events = [], []
    graph.node.create_subscription(ActionRecognition, '/actions', actions.append, reliable)
    graph.node.create_subscription(ActionEvent, '/action_events', events.append, reliable)
    node = graph.start('movinet_node', '-p', f'model_path:={MODEL_PATH}',
                       '-p', f'head_path:={own_names}', '-r', f'image:={CAMERA}')
    assert graph.spin_until(
        lambda: node.poll() is not None or graph.node.count_publishers('/actions') > 0
        and graph.node.count_subscribers(CAMERA) > 0, 30), graph.output(node)
    assert node.poll() is None, graph.output(node)
    seen = {}
    for label, path in OWN_NAMES.items():
        first = len(actions)
        camera = graph.start('video_publisher', '-p', f'video:={path}', '-p', 'loop:=false',
                             '-p', 'wait_for_subscribers:=1', '-r', f'image:={CAMERA}')
        assert graph.spin_until(lambda: camera.poll() is not None, 60), graph.output(camera)
        graph.spin_for(1.0)
        assert camera.returncode == 0, graph.output(camera)
        seen[label] = actions[first:]
    for label, messages in seen.items():
        assert len(messages) >= 15, (label, len(messages), graph.output(node))
        labels = {result.label for message in messages for result in message.results}
        assert labels <= set(OWN_NAMES), labels
        stamps = [stamp_ns(message.header) for message in messages]
        intervals = [(b - a) / NS_PER_SEC for a, b in zip(stamps, stamps[1:])]
        assert 0.18 <= statistics.median(intervals) <= 0.24, intervals
        # The second half of each clip is what the head did not see in training.
        tail = messages[len(messages) // 2:]
        right = sum(message.results[0].label == label for message in tail)
        assert right / len(tail) >= MIN_FRAME_ACCURACY, (label, right, len(tail))
    started = {event.label for event in events if event.kind == ActionEvent.START}
    assert started == set(OWN_NAMES), [(e.kind, e.label) for e in events]
    assert graph.stop(node) == 0


def test_several_recordings_a_class_are_held_out_by_recording(gestures, tmp_path, capsys):
    """Each clip's halves as two recordings: train's own report scores the second halves."""
    second = _write_halves(gestures['root'] / 'second', GESTURES, 1)
    rows = gestures['manifest'].read_text().splitlines()[1:]
    rows += [f'{row.split(",")[0]},second/{row.split(",")[1]}'
             for row in second.read_text().splitlines()[1:]]
    manifest = gestures['root'] / 'both.csv'
    manifest.write_text('recording,annotations\n' + '\n'.join(rows) + '\n')
    capsys.readouterr()
    assert _train(manifest, tmp_path / 'head', '--jobs', '1') == 0
    printed = capsys.readouterr().out
    summary = json.loads((tmp_path / 'head' / 'summary.json').read_text())
    assert summary['held_out'].startswith('by recording'), summary['held_out']
    _, scored = _frames_right(gestures['head'], GESTURES)
    assert summary['held_out_frames'] == scored
    assert summary['top1_accuracy'] >= MIN_FRAME_ACCURACY, summary['confusion']
    assert f'{scored} frames, top-1 {summary["top1_accuracy"]:.3f}' in printed, printed


def test_open_set_frames_come_out_as_the_background_class(gestures, tmp_path):
    """Two clips of other actions as a class of their own: unseen actions land there."""
    others = [REAL / 'arm_wrestling.mp4', REAL / 'cleaning_pool.mp4']
    unseen = [CLIP_PATH, OTHER_CLIP_PATH]
    for path in (*others, *unseen):
        require(path)
    rows = ['recording,label,annotations']
    rows += [f'{path},,{gestures["root"] / f"{label}_0.csv"}' for label, path in GESTURES.items()]
    rows += [f'{path},nothing,' for path in others]
    manifest = tmp_path / 'with_nothing.csv'
    manifest.write_text('\n'.join(rows) + '\n')
    out = tmp_path / 'head'
    assert _train(manifest, out, '--jobs', '1') == 0
    right, scored = _frames_right(out / 'head.json', GESTURES)
    assert right / scored >= MIN_FRAME_ACCURACY, (right, scored)
    pipeline = RecognitionPipeline.from_files(MODEL_PATH, None, head_path=out / 'head.json')
    labels = [frame.hypotheses[0].label for path in unseen
              for frame in run_video(path, pipeline).frames]
    assert labels.count('nothing') / len(labels) >= MIN_FRAME_ACCURACY, labels


def test_background_takes_the_frames_outside_every_segment(gestures, tmp_path):
    out = tmp_path / 'head'
    assert _train(gestures['manifest'], out, '--jobs', '1', '--background', 'other') == 0
    summary = json.loads((out / 'summary.json').read_text())
    assert summary['classes'] == sorted([*GESTURES, 'other'])
    assert summary['background'] == 'other'
    # Every processed frame is labelled: the first halves by their segments, the rest other.
    assert summary['labelled_frames'] == summary['frames_processed']
    first_halves = sum(summary['frames_per_class'][label] for label in GESTURES)
    assert summary['frames_per_class']['other'] == summary['frames_processed'] - first_halves
    assert load_head(out / 'head.json').background == 'other'


def _one_error_line(capsys):
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1, lines
    return lines[0]


def test_a_head_for_another_model_or_corrupt_is_refused(gestures, tmp_path, capsys):
    document = json.loads(gestures['head'].read_text())
    document['model_sha256'] = '0' * 64
    other = tmp_path / 'other.json'
    other.write_text(json.dumps(document))
    truncated = tmp_path / 'truncated.json'
    truncated.write_bytes(gestures['head'].read_bytes()[:500])
    not_a_head = tmp_path / 'labels.json'
    not_a_head.write_text('{"labels": ["a", "b"]}')
    for head, expected in ((other, 'trained on another model'),
                           (truncated, 'truncated or corrupt'),
                           (not_a_head, 'not a movinet_ros head')):
        assert cli.main(['classify', str(GESTURES['rock']), '--model', str(MODEL_PATH),
                         '--head', str(head)]) == 2
        line = _one_error_line(capsys)
        assert expected in line and line.startswith('movinet-ros classify: error:'), line


def test_bad_training_input_leaves_out_untouched(tmp_path, capsys):
    require(MODEL_PATH)
    require(GESTURES['rock'])
    out = tmp_path / 'out'
    out.mkdir()
    (out / 'keep.txt').write_text('earlier run')
    one_class = tmp_path / 'one.csv'
    one_class.write_text(f'recording,label\n{GESTURES["rock"]},rock\n')
    (tmp_path / 'ghost.csv').write_text('start,end,label\n0,1,rock\n60,61,ghost\n')
    no_frames = tmp_path / 'ghost_manifest.csv'
    no_frames.write_text(f'recording,annotations\n{GESTURES["rock"]},ghost.csv\n')
    for manifest, expected in ((one_class, 'a head tells at least two apart'),
                               (no_frames, "no processed frame shows 'ghost'")):
        assert _train(manifest, out, '--jobs', '1') == 2
        line = _one_error_line(capsys)
        assert expected in line and line.startswith('movinet-ros train: error:'), line
        assert os.listdir(out) == ['keep.txt']
        assert sorted(os.listdir(tmp_path)) == sorted(
            ['out', 'one.csv', 'ghost.csv', 'ghost_manifest.csv'])


def test_labels_or_head_is_required(capsys):
    require(LABELS_PATH)
    with pytest.raises(SystemExit) as raised:
        cli.main(['classify', str(CLIP_PATH), '--model', str(MODEL_PATH)])
    assert raised.value.code == 2
    assert 'one of the arguments --labels --head is required' in capsys.readouterr().err
