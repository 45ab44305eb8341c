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
Tests of ``movinet-ros eval-dataset`` on a dataset of real recordings.

The dataset is made at test time from the two clips in ../shared: bags (mcap and sqlite3,
raw and compressed, a bare .mcap file, a ROS 1 bag, one with two annotated segments) and
video files (mirrored, re-timed, the clip itself by absolute path), plus one broken entry.
Every recording's result is compared with a single ``eval`` or ``classify`` run of it, and
the outputs of one worker, two workers and Ray with each other, byte for byte.
"""

import contextlib
import csv
import io
import json
import os
import pathlib
import shutil
import subprocess
import sys

import cv2
from helpers.clips import clip_frames
from helpers.constants import (
    CAMERA, CLIP_PATH, LABELS_PATH, MODEL_PATH, OTHER_CLIP_LABEL, OTHER_CLIP_PATH, require,
    SHARED_DIR)
from movinet_ros import cli
from movinet_ros.offline.bags import bag_io as bags
from movinet_ros.offline.bags.bag_io import read_image_messages, write_video_bag
from movinet_ros.offline.video import read_video
from PIL import Image
import pytest
from rosbags.rosbag1 import Writer as Ros1Writer
from rosbags.rosbag2 import Writer
from rosbags.typesys import get_typestore, Stores

TOPIC = CAMERA
COMPRESSED_TOPIC = CAMERA + '/compressed'
CARVING = 'carving ice'
PUSHDOWN = OTHER_CLIP_LABEL
RUN_CLI = 'import sys; from movinet_ros.cli import main; sys.exit(main(sys.argv[1:]))'
RAY_TIMEOUT_SEC = 240
# The module-scoped fixtures cannot use conftest's function-scoped ones: the paths direct.
CLIPS = (CLIP_PATH, OTHER_CLIP_PATH)


def _write_video(path, frames, fps, fourcc):
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*fourcc), fps,
                             (frames[0].shape[1], frames[0].shape[0]))
    assert writer.isOpened(), f'OpenCV cannot write {path}'
    for frame in frames:
        writer.write(frame)
    writer.release()
    return path


def _write_ros1_bag(source_bag, topic, path):
    """Copy a raw rosbag2 into a ROS 1 bag with the same stamps and pixels."""
    store = get_typestore(Stores.ROS1_NOETIC)
    with Ros1Writer(path) as writer:
        connection = writer.add_connection(topic, bags.IMAGE_TYPE, typestore=store)
        for seq, image in enumerate(read_image_messages(source_bag, topic)):
            msg = image.msg
            ros1_msg = store.types[bags.IMAGE_TYPE](
                header=store.types['std_msgs/msg/Header'](
                    seq=seq, stamp=store.types['builtin_interfaces/msg/Time'](
                        sec=msg.header.stamp.sec, nanosec=msg.header.stamp.nanosec),
                    frame_id=msg.header.frame_id),
                height=msg.height, width=msg.width, encoding=msg.encoding,
                is_bigendian=msg.is_bigendian, step=msg.step, data=msg.data)
            writer.write(connection, image.log_time_ns,
                         store.serialize_ros1(ros1_msg, bags.IMAGE_TYPE))
    return path


def _write_concatenated_bag(path, clips, topic):
    """Write the clips one after the other (at the first one's size) into one bag."""
    store = bags.ros2_typestore()
    first = clip_frames(clips[0], rgb=False)
    size = (first[0].shape[1], first[0].shape[0])
    stamp = bags.DEFAULT_START_NS
    boundaries = []
    with Writer(path, version=8, storage_plugin=bags.STORAGES['mcap']) as writer:
        connection = writer.add_connection(topic, bags.IMAGE_TYPE, typestore=store)
        for clip in clips:
            start = stamp
            frames = list(read_video(clip, start_ns=start))
            period = frames[1].stamp_ns - frames[0].stamp_ns
            for frame in frames:
                bgr = cv2.resize(frame.bgr, size, interpolation=cv2.INTER_AREA)
                msg = bags.image_message(store, bgr, frame.stamp_ns, 'camera')
                writer.write(connection, frame.stamp_ns,
                             store.serialize_cdr(msg, bags.IMAGE_TYPE))
            stamp = frames[-1].stamp_ns + period
            boundaries.append(((start - bags.DEFAULT_START_NS) / 1e9,
                               (stamp - bags.DEFAULT_START_NS) / 1e9))
    return boundaries


@pytest.fixture(scope='module')
def dataset(tmp_path_factory):
    """Make a manifest of real recordings from the shared clips; say what each one is."""
    require(*CLIPS)
    clip, other = CLIPS
    root = tmp_path_factory.mktemp('dataset')
    for folder in ('bags', 'videos', 'annotations'):
        (root / folder).mkdir()
    write_video_bag(clip, root / 'bags' / 'carving_raw', TOPIC)
    write_video_bag(clip, root / 'bags' / 'carving_compressed', COMPRESSED_TOPIC,
                    storage='sqlite3', compressed=True)
    write_video_bag(other, root / 'bags' / 'pushdown', TOPIC, compressed=True)
    _write_ros1_bag(root / 'bags' / 'carving_raw', TOPIC, root / 'bags' / 'carving.bag')
    carving = clip_frames(clip, rgb=False)
    _write_video(root / 'videos' / 'carving_mirrored.avi', [cv2.flip(f, 1) for f in carving],
                 29.6, 'MJPG')
    pushdown = clip_frames(other, rgb=False)
    # Twice as fast: the throttle takes other frames, so the predictions change.
    _write_video(root / 'videos' / 'pushdown_fast.mp4', pushdown, 10.0, 'mp4v')
    boundaries = _write_concatenated_bag(root / 'bags' / 'carving_then_pushdown',
                                         [clip, other], TOPIC)
    truth = root / 'annotations' / 'carving_then_pushdown.csv'
    truth.write_text('start,end,label\n' + ''.join(
        f'{start:.6f},{end:.6f},{label}\n'
        for (start, end), label in zip(boundaries, (CARVING, PUSHDOWN))), encoding='utf-8')
    # Fixed bytes: random ones made rosbags raise a different error type on some runs.
    (root / 'bags' / 'broken.mcap').write_bytes(b'\x89MCAP0\r\n' + bytes(range(256)) * 8)

    # (recording, label, annotations, topic as written; how a single run reads it)
    rows = [
        ('bags/carving_raw', CARVING, '', '', ('eval', 'bags/carving_raw', TOPIC)),
        ('bags/carving_compressed', CARVING, '', COMPRESSED_TOPIC,
         ('eval', 'bags/carving_compressed', COMPRESSED_TOPIC)),
        ('bags/pushdown/pushdown.mcap', PUSHDOWN, '', TOPIC,
         ('eval', 'bags/pushdown/pushdown.mcap', TOPIC)),
        ('bags/carving.bag', CARVING, '', '', ('eval', 'bags/carving.bag', TOPIC)),
        ('videos/carving_mirrored.avi', CARVING, '', '',
         ('classify', 'videos/carving_mirrored.avi')),
        ('videos/pushdown_fast.mp4', PUSHDOWN, '', '', ('classify', 'videos/pushdown_fast.mp4')),
        (str(other), PUSHDOWN, '', '', ('classify', str(other))),
        ('bags/carving_then_pushdown', '', 'annotations/carving_then_pushdown.csv', TOPIC,
         ('eval', 'bags/carving_then_pushdown', TOPIC)),
        ('bags/broken.mcap', CARVING, '', '', None),
    ]
    manifest = root / 'manifest.csv'
    with open(manifest, 'w', newline='', encoding='utf-8') as stream:
        stream.write('# a dataset made from the shared clips\n')
        writer = csv.writer(stream, lineterminator='\n')
        writer.writerow(['recording', 'label', 'annotations', 'topic'])
        writer.writerows(row[:4] for row in rows)
    return {'root': root, 'manifest': manifest, 'rows': rows, 'truth': truth}


def _model_args(model_path, labels_path):
    return ['--model', str(model_path), '--labels', str(labels_path)]


def _eval_dataset(dataset, out, model_path, labels_path, *extra):
    return cli.main(['eval-dataset', str(dataset['manifest']), '--out', str(out),
                     *_model_args(model_path, labels_path), *extra])


@pytest.fixture(scope='module')
def reference(dataset, tmp_path_factory):
    """Evaluate the dataset once with --jobs 1; return (output folder, stdout)."""
    require(MODEL_PATH, LABELS_PATH)
    out = tmp_path_factory.mktemp('reference') / 'out'
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        assert _eval_dataset(dataset, out, MODEL_PATH, LABELS_PATH, '--jobs', '1') == 0
    return out, printed.getvalue()


def _rows(path):
    with open(path, newline='', encoding='utf-8') as stream:
        return list(csv.DictReader(stream))


def _ranking(row, top_k=5):
    return [(row[f'label_{rank}'], row[f'score_{rank}']) for rank in range(1, top_k + 1)]


def _whole_recording_truth(path, bag, topic, label):
    stamps = [image.stamp_ns for image in read_image_messages(bag, topic)]
    # Past the last frame: one segment holds every frame of the recording.
    path.write_text(f'start,end,label\n0,{(stamps[-1] - stamps[0]) / 1e9 + 1:.6f},{label}\n',
                    encoding='utf-8')
    return path


def _single_run(kind_and_args, label, root, tmp_path, model, truth, capsys):
    """Run one recording through eval or classify; return [(ranking, segment or None)]."""
    kind, recording, *topic = kind_and_args
    path = pathlib.Path(recording) if os.path.isabs(recording) else root / recording
    if kind == 'classify':
        assert cli.main(['classify', str(path), *model, '--json']) == 0
        result = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
        ranking = [(r['label'], f'{r["score"]:.6f}') for r in result['results']]
        return [(ranking, None, result['frames_read'])]
    out = tmp_path / path.name
    annotations = truth if not label else _whole_recording_truth(
        tmp_path / f'{path.name}.csv', path, topic[0], label)
    assert cli.main(['eval', str(path), '--topic', topic[0], *model, '--out', str(out),
                     '--annotations', str(annotations)]) == 0
    capsys.readouterr()
    summary = json.loads((out / 'summary.json').read_text(encoding='utf-8'))
    predictions = _rows(out / 'predictions.csv')
    runs = []
    for segment in summary['segments']:
        inside = [row for row in predictions if float(row['time_sec']) < segment['end']]
        runs.append((_ranking(inside[-1]), segment, summary['frames_read']))
    return runs


@pytest.mark.model
def test_one_and_two_jobs_give_the_same_files_and_the_single_run_results(
        dataset, reference, tmp_path, model_path, labels_path, capsys):
    reference_out, stdout = reference
    out = tmp_path / 'two_jobs'
    assert _eval_dataset(dataset, out, model_path, labels_path, '--jobs', '2') == 0
    printed = capsys.readouterr().out
    for name in ('results.csv', 'summary.json'):
        assert (out / name).read_bytes() == (reference_out / name).read_bytes(), name
    timing = json.loads((out / 'timing.json').read_text(encoding='utf-8'))
    assert timing['backend'] == 'processes' and timing['jobs'] == 2
    assert timing['evaluated'] == len(dataset['rows']) and timing['skipped'] == 0
    assert timing['recordings_per_sec'] > 0
    assert '9 recordings, 1 failed' in stdout and '9 recordings, 1 failed' in printed

    rows = _rows(reference_out / 'results.csv')
    summary = json.loads((reference_out / 'summary.json').read_text(encoding='utf-8'))
    model = _model_args(model_path, labels_path)
    by_recording = {}
    for row in rows:
        by_recording.setdefault(row['recording'], []).append(row)
    assert list(by_recording) == [row[0] for row in dataset['rows']], 'manifest order'

    for recording, label, _, _, single in dataset['rows']:
        results = by_recording[recording]
        if single is None:
            continue
        runs = _single_run(single, label, dataset['root'], tmp_path, model,
                           dataset['truth'], capsys)
        assert len(results) == len(runs), recording
        for row, (ranking, segment, frames_read) in zip(results, runs):
            assert row['error'] == ''
            assert _ranking(row) == ranking, recording
            assert row['prediction'] == ranking[0][0]
            assert row['score'] == ranking[0][1]
            assert row['correct'] == ('true' if row['prediction'] == row['label'] else 'false')
            assert int(row['frames_read']) == frames_read
            if segment is not None:
                assert row['label'] == segment['label']
                assert row['prediction'] == segment['predicted']
                assert row['correct_top5'] == ('true' if segment['correct_top5'] else 'false')
                assert int(row['frames']) == segment['frames'] > 0
                ttc = segment['time_to_correct_sec']
                assert row['time_to_correct_sec'] == ('' if ttc is None else f'{ttc:.6f}')
    # What the shared README says the model makes of the clip, in every form but mirrored.
    for recording in ('bags/carving_raw', 'bags/carving_compressed', 'bags/carving.bag'):
        assert by_recording[recording][0]['prediction'] == CARVING
    assert [row['label'] for row in by_recording['bags/carving_then_pushdown']] == \
        [CARVING, PUSHDOWN]

    [broken] = by_recording['bags/broken.mcap']
    assert 'cannot read bag' in broken['error'] and broken['prediction'] == ''
    assert summary['recordings'] == 9 and summary['failed'] == 1
    assert summary['scored_recordings'] == 8
    assert [f['recording'] for f in summary['failures']] == ['bags/broken.mcap']
    assert summary['failures'][0]['line'] == 11  # a comment and the header come first
    scored = [row for row in rows if not row['error']]
    assert summary['samples'] == len(scored) == 9
    assert summary['top1_accuracy'] == sum(r['correct'] == 'true' for r in scored) / 9
    assert summary['top5_accuracy'] == sum(r['correct_top5'] == 'true' for r in scored) / 9
    for label in (CARVING, PUSHDOWN):
        mine = [row for row in scored if row['label'] == label]
        figures = summary['per_class'][label]
        assert figures['support'] == len(mine)
        assert figures['recall'] == sum(r['correct'] == 'true' for r in mine) / len(mine)
        assert sum(summary['confusion'][label].values()) == len(mine)
    assert summary['frames_read'] == sum(
        int(by_recording[name][0]['frames_read']) for name in by_recording
        if name != 'bags/broken.mcap')
    with Image.open(reference_out / 'confusion.png') as image:
        assert image.format == 'PNG' and min(image.size) > 300


@pytest.mark.model
def test_a_rerun_skips_what_is_done(tmp_path, model_path, labels_path, clip_path, capsys):
    videos = {name: tmp_path / name for name in ('a.mp4', 'b.mp4')}
    for path in videos.values():
        shutil.copy(clip_path, path)
    manifest = tmp_path / 'manifest.csv'
    manifest.write_text('recording,label\na.mp4,carving ice\nb.mp4,carving ice\n'
                        'missing.mp4,carving ice\n', encoding='utf-8')
    dataset = {'manifest': manifest}
    out = tmp_path / 'out'
    assert _eval_dataset(dataset, out, model_path, labels_path, '--jobs', '1') == 0
    first = (out / 'results.csv').read_bytes()
    capsys.readouterr()

    # A skipped recording is not read again: an unreadable file keeps its first result.
    videos['a.mp4'].write_bytes(b'')
    assert _eval_dataset(dataset, out, model_path, labels_path, '--jobs', '2') == 0
    assert 'evaluated 1 ' in capsys.readouterr().out
    timing = json.loads((out / 'timing.json').read_text(encoding='utf-8'))
    assert (timing['evaluated'], timing['skipped'], timing['failed']) == (1, 2, 1)
    assert (out / 'results.csv').read_bytes() == first

    # A new label is a new question: that recording runs again, the other is skipped.
    manifest.write_text('recording,label\na.mp4,carving ice\nb.mp4,ice skating\n'
                        'missing.mp4,carving ice\n', encoding='utf-8')
    assert _eval_dataset(dataset, out, model_path, labels_path, '--jobs', '1') == 0
    timing = json.loads((out / 'timing.json').read_text(encoding='utf-8'))
    assert (timing['evaluated'], timing['skipped']) == (2, 1)
    rows = {row['recording']: row for row in _rows(out / 'results.csv')}
    assert rows['b.mp4']['label'] == 'ice skating' and rows['b.mp4']['correct'] == 'false'
    assert rows['a.mp4']['prediction'] == CARVING

    assert _eval_dataset(dataset, out, model_path, labels_path, '--force', '--jobs', '1') == 0
    timing = json.loads((out / 'timing.json').read_text(encoding='utf-8'))
    assert (timing['evaluated'], timing['skipped'], timing['failed']) == (3, 0, 2)
    assert _rows(out / 'results.csv')[0]['error'].startswith('cannot open video file')

    # Other settings, other results: nothing is skipped.
    assert _eval_dataset(dataset, tmp_path / 'out', model_path, labels_path, '--fps', '2',
                         '--jobs', '1') == 0
    timing = json.loads((out / 'timing.json').read_text(encoding='utf-8'))
    assert timing['skipped'] == 0


@pytest.mark.model
def test_ray_gives_the_same_files(dataset, reference, tmp_path, model_path, labels_path):
    pytest.importorskip('ray', reason='Ray is not installed (pip install ".[ray]")')
    reference_out, _ = reference
    out = tmp_path / 'ray'
    env = dict(os.environ, RAY_USAGE_STATS_ENABLED='0')
    env.pop('RAY_ADDRESS', None)
    process = subprocess.run(
        [sys.executable, '-c', RUN_CLI, 'eval-dataset', str(dataset['manifest']), '--out',
         str(out), *_model_args(model_path, labels_path), '--jobs', '2', '--ray'],
        capture_output=True, text=True, timeout=RAY_TIMEOUT_SEC, env=env)
    assert process.returncode == 0, process.stderr[-3000:]
    for name in ('results.csv', 'summary.json'):
        assert (out / name).read_bytes() == (reference_out / name).read_bytes(), name
    timing = json.loads((out / 'timing.json').read_text(encoding='utf-8'))
    assert timing['backend'] == 'ray (local)' and timing['evaluated'] == 9
    assert 'on ray (local), jobs 2' in process.stdout


@pytest.mark.parametrize('case, expected', [
    ('bad_header', "header 'file,label' has unknown column 'file'"),
    ('both', 'give either a label or an annotations file for a.mp4, not both'),
    ('missing_manifest', 'cannot read manifest'),
    ('missing_model', 'model file not found'),
    ('no_ray', '--ray needs Ray, which is not installed'),
])
def test_start_up_errors_say_what_is_wrong(tmp_path, model_path, labels_path, clip_path,
                                           capsys, monkeypatch, case, expected):
    shutil.copy(clip_path, tmp_path / 'a.mp4')
    manifest = tmp_path / 'manifest.csv'
    manifest.write_text('recording,label\na.mp4,carving ice\n', encoding='utf-8')
    extra = ['--jobs', '1']
    if case == 'bad_header':
        manifest.write_text('file,label\na.mp4,carving ice\n', encoding='utf-8')
    elif case == 'both':
        manifest.write_text('recording,label,annotations\na.mp4,carving ice,a.csv\n',
                            encoding='utf-8')
    elif case == 'missing_manifest':
        manifest = tmp_path / 'absent.csv'
    elif case == 'missing_model':
        model_path = tmp_path / 'absent.tflite'
    elif case == 'no_ray':
        monkeypatch.setitem(sys.modules, 'ray', None)  # import ray fails, as where absent
        monkeypatch.delenv('RAY_ADDRESS', raising=False)
        extra = ['--ray']
    out = tmp_path / 'out'
    code = _eval_dataset({'manifest': manifest}, out, model_path, labels_path, *extra)
    lines = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(lines) == 1
    assert lines[0].startswith('movinet-ros eval-dataset: error: ')
    assert expected in lines[0]
    assert not (out / 'results.csv').exists()


@pytest.mark.model
def test_real_footage_benchmark_beside_the_bare_model(tmp_path, model_path, labels_path,
                                                      capsys):
    # Public footage nobody in this project made, scored by the defaults and, in the same
    # run, by the bare model as the TFLite reference app feeds it (every frame, one state).
    manifest = SHARED_DIR / 'clips' / 'real' / 'manifest.csv'
    require(manifest)
    out = tmp_path / 'out'
    assert _eval_dataset({'manifest': manifest}, out, model_path, labels_path,
                         '--reference', '--jobs', '1') == 0
    printed = capsys.readouterr().out
    summary = json.loads((out / 'summary.json').read_text(encoding='utf-8'))
    bare = json.loads((out / 'reference' / 'summary.json').read_text(encoding='utf-8'))
    assert (summary['context_sec'], bare['context_sec'], bare['target_fps']) == (6.0, 0.0, 0.0)
    assert summary['samples'] == bare['samples'] == 6 and summary['failed'] == 0
    assert summary['top1_accuracy'] * 6 >= 5 - 1e-9, printed
    assert summary['mean_true_probability'] >= bare['mean_true_probability'] - 0.05, printed

    rows = _rows(out / 'results.csv')
    bare_rows = _rows(out / 'reference' / 'results.csv')
    for row in rows + bare_rows:
        probability = float(row['true_probability'])
        assert 0.0 <= probability <= 1.0
        if row['correct'] == 'true':
            assert probability == float(row['score'])  # the true class is top-1
        else:
            assert probability <= float(row['score'])
    assert summary['mean_true_probability'] == pytest.approx(
        sum(float(row['true_probability']) for row in rows) / 6, abs=1e-6)
    # The table: one line per clip with both results, then the overall line.
    for row, bare_row in zip(rows, bare_rows, strict=True):
        line = next(line for line in printed.splitlines()
                    if line.startswith(f'| {row["recording"]} |'))
        cells = [cell.strip() for cell in line.strip('|').split('|')]
        assert cells[1:3] == [row['label'], row['prediction']]
        assert cells[5] == f'{float(row["true_probability"]):.2f}'
        assert cells[6] == bare_row['prediction']
        assert cells[9] == f'{float(bare_row["true_probability"]):.2f}'
    overall = next(line for line in printed.splitlines() if line.startswith('| overall |'))
    assert f'{summary["mean_true_probability"]:.2f}' in overall
