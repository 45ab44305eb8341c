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


"""Tests of offline evaluation (``evaluate_bags``) and the eval and video2bag commands."""

import csv
import dataclasses
import functools
import json
import threading

from helpers.constants import CAMERA, CLIP_FRAMES
from movinet_ros import cli
from movinet_ros.core.pipeline import PipelineConfig
from movinet_ros.core.postprocess import Hypothesis, RankingConfig
from movinet_ros.offline.bags import bag_io as bags
from movinet_ros.offline.bags.bag_io import read_image_messages, write_video_bag
from movinet_ros.offline.bags.evaluate import bag_messages, evaluate_bags, ProcessedFrame, run_bags
from PIL import Image
import pytest
from rosbags.highlevel import AnyReader
from rosbags.rosbag1 import Writer as Ros1Writer
from rosbags.rosbag2 import Writer
from rosbags.typesys import get_typestore, Stores

RAW_TOPIC = CAMERA
COMPRESSED_TOPIC = CAMERA + '/compressed'
TOP_K = 5
EXPECTED_LABEL = 'carving ice'


@pytest.fixture(scope='module')
def bag_store(tmp_path_factory):
    """Bags made from the clip, written once per module and shared by the tests."""
    return {'root': tmp_path_factory.mktemp('bags'), 'made': {}}


@pytest.fixture
def clip_bag(bag_store, clip_path):
    """Return make(storage, compressed) -> (bag path, topic), each written only once."""
    def make(storage='mcap', compressed=False):
        key = (storage, compressed)
        topic = COMPRESSED_TOPIC if compressed else RAW_TOPIC
        if key not in bag_store['made']:
            path = bag_store['root'] / f'clip_{storage}_{"compressed" if compressed else "raw"}'
            write_video_bag(clip_path, path, topic, storage=storage, compressed=compressed)
            bag_store['made'][key] = path
        return bag_store['made'][key], topic
    return make


@pytest.fixture
def new_pipeline(new_pipeline):
    """Return conftest's factory of fresh pipelines, here at 5 fps, top-5."""
    return functools.partial(new_pipeline, target_fps=5.0, ranking=RankingConfig(top_k=TOP_K))


def _stamps(bag, topic):
    return [image.stamp_ns for image in read_image_messages(bag, topic)]


def _annotation_file(path, bag, topic, label=EXPECTED_LABEL):
    stamps = _stamps(bag, topic)
    period_ns = (stamps[-1] - stamps[0]) / (len(stamps) - 1)
    duration = (stamps[-1] - stamps[0] + period_ns) / 1e9
    path.write_text(f'start,end,label\n0,{duration:.6f},{label}\n', encoding='utf-8')
    return path


def _csv_rows(path):
    with open(path, newline='', encoding='utf-8') as stream:
        return list(csv.DictReader(stream))


def _ranked(row):
    return [(row[f'label_{rank}'], row[f'score_{rank}']) for rank in range(1, TOP_K + 1)]


def _direct_results(pipeline, bag, topic):
    """Feed the bag's deserialised messages straight to a pipeline, as the node would."""
    results = []
    for image in read_image_messages(bag, topic):
        result = pipeline.process(image.msg, image.stamp_ns)
        if result is not None:
            results.append((result.stamp_ns, result.frames_in_state,
                            [(h.label, f'{h.score:.6f}') for h in result.hypotheses]))
    return results


@pytest.mark.parametrize('storage', ['mcap', 'sqlite3'])
@pytest.mark.parametrize('compressed', [False, True], ids=['raw', 'compressed'])
def test_eval_matches_the_pipeline_fed_directly(tmp_path, clip_bag, new_pipeline, storage,
                                                compressed):
    bag, topic = clip_bag(storage, compressed)
    annotations = _annotation_file(tmp_path / 'truth.csv', bag, topic)
    out = tmp_path / 'out'

    summary = evaluate_bags(bag, topic, new_pipeline(), annotations_path=annotations,
                            out_dir=out)

    written = json.loads((out / 'summary.json').read_text(encoding='utf-8'))
    assert written['clip_top1_accuracy'] == 1.0
    assert written['clip_top5_accuracy'] == 1.0
    assert 0.0 < written['frame_top1_accuracy'] <= written['frame_top5_accuracy'] <= 1.0
    assert written['frames_read'] == CLIP_FRAMES
    assert written['frames_rejected'] == 0
    assert written['state_resets'] == 0
    assert written['model'] == 'movinet_a0_stream_int8.tflite'
    assert written['topic'] == topic and written['bags'] == [str(bag)]
    assert written['target_fps'] == 5.0
    [segment] = written['segments']
    assert segment['label'] == segment['predicted'] == EXPECTED_LABEL
    assert segment['correct'] is True and segment['start'] == 0.0
    assert segment['time_to_correct_sec'] is not None
    assert set(written['inference_ms']) >= {'mean', 'p50', 'p95'}
    assert written['confusion'][EXPECTED_LABEL][EXPECTED_LABEL] >= 1
    assert written['segments'] == summary['segments']

    direct = _direct_results(new_pipeline(), bag, topic)
    rows = _csv_rows(out / 'predictions.csv')
    assert written['frames_processed'] == len(rows) == len(direct)
    assert 20 <= len(rows) <= 24  # 4.4 s of 29.6 fps video at 5 fps
    first_stamp = _stamps(bag, topic)[0]
    for row, (stamp_ns, frames_in_state, ranked) in zip(rows, direct):
        assert int(row['stamp_ns']) == stamp_ns
        assert row['time_sec'] == f'{(stamp_ns - first_stamp) / 1e9:.6f}'
        assert int(row['frames_in_state']) == frames_in_state
        assert row['reset'] == ''
        assert _ranked(row) == ranked
    assert Image.open(out / 'timeline.png').format == 'PNG'


def test_two_runs_are_byte_identical_and_have_no_timings(tmp_path, clip_bag, new_pipeline):
    bag, topic = clip_bag()
    pipeline = new_pipeline()
    # The same pipeline twice: each run starts from a fresh stream state.
    evaluate_bags(bag, topic, pipeline, out_dir=tmp_path / 'first')
    evaluate_bags(bag, topic, pipeline, out_dir=tmp_path / 'second')
    first = (tmp_path / 'first' / 'predictions.csv').read_bytes()
    assert first == (tmp_path / 'second' / 'predictions.csv').read_bytes()
    header = first.decode().splitlines()[0].split(',')
    assert header[:4] == ['stamp_ns', 'time_sec', 'frames_in_state', 'reset']
    assert header[4:] == [f'{kind}_{rank}' for rank in range(1, TOP_K + 1)
                          for kind in ('label', 'score')]


def test_top5_accuracy_scores_five_labels_whatever_top_k_reports(
        tmp_path, clip_bag, new_pipeline):
    bag, topic = clip_bag()
    annotations = _annotation_file(tmp_path / 'clip.csv', bag, topic)
    summaries = {}
    for top_k in (1, 5):
        pipeline = new_pipeline(ranking=RankingConfig(top_k=top_k))
        summaries[top_k] = evaluate_bags(bag, topic, pipeline, annotations_path=annotations,
                                         out_dir=tmp_path / f'top{top_k}')
        rows = _csv_rows(tmp_path / f'top{top_k}' / 'predictions.csv')
        assert f'label_{top_k}' in rows[0] and f'label_{top_k + 1}' not in rows[0]
    for key in ('clip_top1_accuracy', 'clip_top5_accuracy', 'frame_top1_accuracy',
                'frame_top5_accuracy'):
        assert summaries[1][key] == summaries[5][key], key
    # On this clip the first frames have the label in their top-5 but not on top.
    assert summaries[1]['frame_top5_accuracy'] > summaries[1]['frame_top1_accuracy']


def test_without_annotations_accuracies_are_null(tmp_path, clip_bag, new_pipeline):
    bag, topic = clip_bag()
    out = tmp_path / 'out'
    summary = evaluate_bags(bag, topic, new_pipeline(), out_dir=out)
    for key in ('clip_top1_accuracy', 'clip_top5_accuracy', 'frame_top1_accuracy',
                'frame_top5_accuracy'):
        assert summary[key] is None
    assert summary['segments'] == [] and summary['confusion'] == {}
    assert summary['annotations'] is None
    assert summary['frames_read'] == CLIP_FRAMES
    assert summary['frames_processed'] == len(_csv_rows(out / 'predictions.csv')) > 0
    assert summary['inference_ms']['count'] == summary['frames_processed']
    assert summary['speed']['processed_frames_per_sec'] > 0
    assert (out / 'timeline.png').stat().st_size > 0
    assert json.loads((out / 'summary.json').read_text(encoding='utf-8')) == summary


def test_result_bag_holds_the_predictions(tmp_path, clip_bag, new_pipeline):
    bag, topic = clip_bag()
    out = tmp_path / 'out'
    summary = evaluate_bags(bag, topic, new_pipeline(), out_dir=out, write_bag=True)
    rows = _csv_rows(out / 'predictions.csv')

    with AnyReader([out / 'actions_bag']) as reader:
        assert list(reader.topics) == ['/actions']
        assert reader.topics['/actions'].msgtype == bags.RECOGNITION_TYPE
        messages = [(log_time, reader.deserialize(raw, connection.msgtype))
                    for connection, log_time, raw in reader.messages()]
    assert len(messages) == len(rows) == summary['frames_processed']
    for row, (log_time, msg) in zip(rows, messages):
        stamp_ns = bags.stamp_to_ns(msg.header.stamp)
        assert stamp_ns == int(row['stamp_ns']) == log_time
        assert msg.header.frame_id == 'camera'
        assert msg.model == 'movinet_a0_stream_int8.tflite'
        assert msg.num_classes == 600
        assert msg.frames_in_state == int(row['frames_in_state'])
        assert [(h.label, f'{h.score:.6f}') for h in msg.results] == _ranked(row)


def test_animation_has_one_frame_per_processed_frame(tmp_path, clip_bag, new_pipeline):
    bag, topic = clip_bag(compressed=True)
    gif = tmp_path / 'live.gif'
    summary = evaluate_bags(bag, topic, new_pipeline(), out_dir=tmp_path / 'out',
                            animate=gif)
    with Image.open(gif) as animation:
        assert animation.n_frames == summary['frames_processed'] == summary['animation_frames']
        assert animation.size[1] >= 240


def test_animation_is_limited(tmp_path, clip_bag, new_pipeline):
    bag, topic = clip_bag()
    gif = tmp_path / 'short.gif'
    evaluate_bags(bag, topic, new_pipeline(), out_dir=tmp_path / 'out', animate=gif,
                  max_animation_frames=4)
    with Image.open(gif) as animation:
        assert animation.n_frames == 4


def _copy_bag(source, target, topic, transform):
    """Write the messages of ``source`` into a new mcap bag through ``transform``."""
    with AnyReader([source], default_typestore=bags.ros2_typestore()) as reader:
        items = [(connection.msgtype, log_time, raw)
                 for connection, log_time, raw in reader.messages()]
        typestore = reader.typestore
    with Writer(target, version=8, storage_plugin=bags.STORAGES['mcap']) as writer:
        connection = writer.add_connection(topic, items[0][0], typestore=typestore)
        for log_time, raw in transform(items, typestore):
            writer.write(connection, log_time, raw)
    return target


def test_looped_bag_gives_the_same_predictions_on_every_loop(tmp_path, clip_bag,
                                                             new_pipeline):
    bag, topic = clip_bag()

    def twice(items, typestore):
        span = items[-1][1] - items[0][1] + 1
        # Log times go on; header stamps start over, as a bag played in a loop records.
        return [(log_time + loop * span, raw) for loop in range(2) for _, log_time, raw in items]

    looped = _copy_bag(bag, tmp_path / 'looped', topic, twice)
    summary = evaluate_bags(looped, topic, new_pipeline(), out_dir=tmp_path / 'out')
    rows = _csv_rows(tmp_path / 'out' / 'predictions.csv')

    assert summary['frames_read'] == 2 * CLIP_FRAMES
    assert summary['state_resets'] == 1
    half = len(rows) // 2
    assert len(rows) == 2 * half
    first, second = rows[:half], rows[half:]
    assert second[0]['reset'] == 'stamp went backwards'
    assert all(row['reset'] == '' for row in first + second[1:])
    for one, other in zip(first, second):
        assert one['stamp_ns'] == other['stamp_ns']
        assert one['frames_in_state'] == other['frames_in_state']
        assert _ranked(one) == _ranked(other)


def test_zero_stamps_use_the_log_time(tmp_path, clip_bag, new_pipeline):
    bag, topic = clip_bag()

    def unstamped(items, typestore):
        zero = typestore.types['builtin_interfaces/msg/Time'](sec=0, nanosec=0)
        for msgtype, log_time, raw in items:
            msg = typestore.deserialize_cdr(raw, msgtype)
            msg = dataclasses.replace(msg, header=dataclasses.replace(msg.header, stamp=zero))
            yield log_time, typestore.serialize_cdr(msg, msgtype)

    zeroed = _copy_bag(bag, tmp_path / 'zeroed', topic, unstamped)
    assert set(_stamps(zeroed, topic)) == {0}
    summary = evaluate_bags(zeroed, topic, new_pipeline(), out_dir=tmp_path / 'zeroed_out')
    evaluate_bags(bag, topic, new_pipeline(), out_dir=tmp_path / 'stamped_out')

    assert summary['zero_stamp_frames'] == CLIP_FRAMES
    assert summary['first_stamp_ns'] == _stamps(bag, topic)[0]
    assert (tmp_path / 'zeroed_out' / 'predictions.csv').read_bytes() == \
        (tmp_path / 'stamped_out' / 'predictions.csv').read_bytes()


def test_bad_frames_are_counted_and_skipped(tmp_path, clip_bag, new_pipeline):
    bag, topic = clip_bag()
    stamps = _stamps(bag, topic)
    clean = [stamps.index(frame.stamp_ns) for frame in run_bags(bag, topic, new_pipeline()).frames]
    # Rejecting the first frame frees its slot, so every later slot moves one frame on; a
    # frame is only decoded, and so only found bad, when the throttle lets it through.
    truncated = clean[15] + 1

    def damaged(items, typestore):
        for index, (msgtype, log_time, raw) in enumerate(items):
            if index == 0:
                # Deserialises, but no converter knows the encoding.
                msg = typestore.deserialize_cdr(raw, msgtype)
                raw = typestore.serialize_cdr(dataclasses.replace(msg, encoding='weird8'),
                                              msgtype)
            elif index == 60:
                raw = raw[:6]  # not even a whole header stamp
            elif index == truncated:
                raw = raw[:40]  # a header, then the bytes stop
            yield log_time, raw

    broken = _copy_bag(bag, tmp_path / 'broken', topic, damaged)
    pipeline = new_pipeline()
    run = run_bags(broken, topic, pipeline)
    processed = [frame.stamp_ns for frame in run.frames]
    assert run.frames_read == CLIP_FRAMES
    assert run.stats.rejected == 3
    assert len(run.frames) == run.stats.processed > 15
    assert processed[0] == stamps[1]
    assert stamps[truncated] not in processed and stamps[truncated + 1] in processed
    # Reading (and decoding) ahead in a thread or not changes nothing.
    here = run_bags(broken, topic, new_pipeline(), queue_size=0)
    assert here.stats == run.stats
    assert [(f.stamp_ns, f.frame_id, f.ranking) for f in here.frames] == \
        [(f.stamp_ns, f.frame_id, f.ranking) for f in run.frames]
    summary = evaluate_bags(broken, topic, pipeline, out_dir=tmp_path / 'out')
    assert summary['frames_rejected'] == 3
    assert summary['frames_read'] == CLIP_FRAMES
    assert summary['frames_processed'] == len(processed)


def test_results_do_not_depend_on_the_decode_forecast(clip_bag, new_pipeline):
    bag, topic = clip_bag(compressed=True)
    outcomes = []
    # The reader decodes what a throttle at the forecast rate would pass; the pipeline at
    # 5 fps decodes whatever the forecast missed, and ignores what it decoded in vain.
    for forecast_fps in (5.0, 1.0, 0.0):
        pipeline = new_pipeline()
        results = []
        for message in bag_messages(bag, topic, PipelineConfig(target_fps=forecast_fps)):
            result = pipeline.process(message.frame(), message.stamp_ns)
            if result is not None:
                results.append((result.stamp_ns, result.hypotheses))
        outcomes.append(results)
    assert len(outcomes[0]) > 15
    assert outcomes[0] == outcomes[1] == outcomes[2]


def test_topic_without_messages(tmp_path, new_pipeline):
    bag = tmp_path / 'empty'
    with Writer(bag, version=8, storage_plugin=bags.STORAGES['mcap']) as writer:
        writer.add_connection(RAW_TOPIC, bags.IMAGE_TYPE, typestore=bags.ros2_typestore())
    annotations = tmp_path / 'truth.csv'
    annotations.write_text('start,end,label\n0,1,carving ice\n', encoding='utf-8')
    out = tmp_path / 'out'
    summary = evaluate_bags(bag, RAW_TOPIC, new_pipeline(), annotations_path=annotations,
                            out_dir=out, write_bag=True, animate=tmp_path / 'none.gif')
    assert summary['frames_read'] == summary['frames_processed'] == 0
    assert summary['clip_top1_accuracy'] == 0.0  # a segment without frames counts as wrong
    assert summary['frame_top1_accuracy'] is None
    assert summary['inference_ms']['mean'] is None
    assert summary['animation_frames'] == 0 and not (tmp_path / 'none.gif').exists()
    assert len((out / 'predictions.csv').read_text().splitlines()) == 1
    assert (out / 'timeline.png').is_file()


def test_a_failing_run_stops_the_reader_thread(clip_bag, new_pipeline):
    bag, topic = clip_bag()
    pipeline = new_pipeline()
    process = pipeline.process
    calls = []

    def failing(frame, stamp_ns, received_ns=None):
        calls.append(stamp_ns)
        if len(calls) == 10:
            raise RuntimeError('model fell over')
        return process(frame, stamp_ns, received_ns)

    pipeline.process = failing
    before = {thread.name for thread in threading.enumerate()}
    with pytest.raises(RuntimeError, match='fell over'):
        run_bags(bag, topic, pipeline)
    assert 'bag-reader' not in {thread.name for thread in threading.enumerate()} - before
    assert len(calls) == 10


def test_ros1_bag_gives_the_rosbag2_predictions(tmp_path, clip_bag, new_pipeline):
    bag, topic = clip_bag()
    ros1_store = get_typestore(Stores.ROS1_NOETIC)
    path = tmp_path / 'clip.bag'
    with Ros1Writer(path) as writer:
        connection = writer.add_connection(topic, bags.IMAGE_TYPE, typestore=ros1_store)
        for seq, image in enumerate(read_image_messages(bag, topic)):
            msg = image.msg
            ros1_msg = ros1_store.types[bags.IMAGE_TYPE](
                header=ros1_store.types['std_msgs/msg/Header'](
                    seq=seq, stamp=ros1_store.types['builtin_interfaces/msg/Time'](
                        sec=msg.header.stamp.sec, nanosec=msg.header.stamp.nanosec),
                    frame_id=msg.header.frame_id),
                height=msg.height, width=msg.width, encoding=msg.encoding,
                is_bigendian=msg.is_bigendian, step=msg.step, data=msg.data)
            writer.write(connection, image.log_time_ns,
                         ros1_store.serialize_ros1(ros1_msg, bags.IMAGE_TYPE))

    evaluate_bags(path, topic, new_pipeline(), out_dir=tmp_path / 'ros1')
    evaluate_bags(bag, topic, new_pipeline(), out_dir=tmp_path / 'ros2')
    assert (tmp_path / 'ros1' / 'predictions.csv').read_bytes() == \
        (tmp_path / 'ros2' / 'predictions.csv').read_bytes()


def _eval_args(bag, topic, model_path, labels_path, out, *extra):
    return ['eval', str(bag), '--topic', topic, '--model', str(model_path), '--labels',
            str(labels_path), '--out', str(out), *extra]


def test_eval_command(tmp_path, clip_bag, model_path, labels_path, capsys):
    bag, topic = clip_bag()
    annotations = _annotation_file(tmp_path / 'truth.csv', bag, topic)
    out = tmp_path / 'out'
    code = cli.main(_eval_args(bag, topic, model_path, labels_path, out, '--annotations',
                               str(annotations), '--top-k', '3', '--write-bag'))
    captured = capsys.readouterr()
    assert code == 0
    assert f'{CLIP_FRAMES} frames read' in captured.out
    assert 'clip top-1 1.000' in captured.out
    assert captured.err == ''  # no progress bar when stderr is not a terminal
    assert (out / 'actions_bag' / 'metadata.yaml').is_file()
    header = _csv_rows(out / 'predictions.csv')[0].keys()
    assert list(header)[-2:] == ['label_3', 'score_3']


@pytest.mark.parametrize('case, expected', [
    ('missing_bag', 'does not exist'),
    ('missing_topic', f'image topics there: {RAW_TOPIC}'),
    ('not_images', f'carries {bags.RECOGNITION_TYPE}'),
    ('unknown_label', "'carving  ice' is not in the label map"),
    ('bad_annotation_header', "is not 'start,end,label'"),
    ('missing_model', 'model'),
    ('bad_animation', '.gif'),
    ('existing_result_bag', 'exists already'),
    ('out_is_a_file', 'cannot create the output folder'),
])
def test_eval_command_errors(tmp_path, clip_bag, model_path, labels_path, capsys, case,
                             expected):
    bag, topic = clip_bag()
    out = tmp_path / 'out'
    extra = []
    if case == 'missing_bag':
        bag = tmp_path / 'no_such_bag'
    elif case == 'missing_topic':
        topic = '/camera/other'
    elif case == 'not_images':
        bag, topic = tmp_path / 'results', '/actions'
        with bags.RecognitionBagWriter(bag, topic) as writer:
            writer.write(ProcessedFrame(stamp_ns=1, log_time_ns=1, frame_id='camera',
                                        hypotheses=(Hypothesis(0, 'abseiling', 0.5),),
                                        frames_in_state=1, inference_ms=5.0),
                         model='model', num_classes=600)
    elif case == 'unknown_label':
        extra = ['--annotations', str(_annotation_file(tmp_path / 'a.csv', bag, topic,
                                                       label='carving  ice'))]
    elif case == 'bad_annotation_header':
        (tmp_path / 'a.csv').write_text('begin,finish,label\n0,1,carving ice\n')
        extra = ['--annotations', str(tmp_path / 'a.csv')]
    elif case == 'missing_model':
        model_path = tmp_path / 'missing.tflite'
    elif case == 'bad_animation':
        extra = ['--animate', str(tmp_path / 'movie.avi')]
    elif case == 'existing_result_bag':
        (out / 'actions_bag').mkdir(parents=True)
        extra = ['--write-bag']
    elif case == 'out_is_a_file':
        out = tmp_path / 'taken'
        out.write_text('')
    code = cli.main(_eval_args(bag, topic, model_path, labels_path, out, *extra))
    lines = capsys.readouterr().err.strip().splitlines()
    assert code == 2
    assert len(lines) == 1
    assert lines[0].startswith('movinet-ros eval: error: ')
    assert expected in lines[0]
    assert not (out / 'predictions.csv').exists()
    if case in ('missing_bag', 'missing_topic', 'not_images'):
        assert not out.exists()  # the run failed: the folder it made is gone again


def test_video2bag_command(tmp_path, clip_path, capsys):
    out = tmp_path / 'camera_bag'
    code = cli.main(['video2bag', str(clip_path), str(out), '--topic', '/cam/image',
                     '--storage', 'sqlite3', '--compressed', '--frame-id', 'lens'])
    assert code == 0
    assert f'wrote {CLIP_FRAMES} sensor_msgs/msg/CompressedImage' in capsys.readouterr().out
    images = list(read_image_messages(out, '/cam/image'))
    assert len(images) == CLIP_FRAMES
    assert {image.msg.header.frame_id for image in images} == {'lens'}
    assert all(hasattr(image.msg, 'format') for image in images)

    code = cli.main(['video2bag', str(clip_path), str(out), '--topic', '/cam/image'])
    lines = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(lines) == 1 and 'exists already' in lines[0]
