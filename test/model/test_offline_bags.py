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


"""Tests of movinet_ros.offline.bags.bag_io: video to bag, images back, recognition result bags."""

import json
import pathlib

import cv2
from helpers.clips import clip_frames
from helpers.constants import CAMERA, REPO_ROOT
from movinet_ros.core.frames import message_to_rgb
from movinet_ros.core.postprocess import Hypothesis
from movinet_ros.offline.bags import bag_io as bags
from movinet_ros.offline.bags.bag_io import BagError, read_image_messages
from movinet_ros.offline.scoring.frame_records import ProcessedFrame
from movinet_ros.offline.video import frame_stamp_ns, video_info
import numpy as np
import pytest
from rosbags.highlevel import AnyReader
from rosbags.rosbag1 import Writer as Ros1Writer
from rosbags.typesys import get_typestore, Stores

SOURCE_MSG_DIR = REPO_ROOT / 'movinet_ros_interfaces' / 'msg'
TOPIC = CAMERA


def _record(stamp_ns, frame_id, hypotheses, frames_in_state, inference_ms):
    """Return what eval records of one processed frame: (class_id, label, score) ranked."""
    return ProcessedFrame(stamp_ns=stamp_ns, log_time_ns=stamp_ns, frame_id=frame_id,
                          hypotheses=tuple(Hypothesis(*h) for h in hypotheses),
                          frames_in_state=frames_in_state, inference_ms=inference_ms)


@pytest.mark.parametrize('storage', ['mcap', 'sqlite3'])
@pytest.mark.parametrize('compressed', [False, True], ids=['raw', 'compressed'])
def test_video_bag_round_trip(tmp_path, clip_path, storage, compressed):
    info = video_info(clip_path)
    frames = clip_frames(clip_path, rgb=False)
    start_ns = 1_650_000_000_250_000_000
    out = tmp_path / 'bag'
    written = bags.write_video_bag(clip_path, out, TOPIC, storage=storage,
                                   compressed=compressed, frame_id='cam_optical',
                                   start_ns=start_ns)

    assert written == len(frames) == info.frame_count == 131
    assert bags.count_messages(out, TOPIC) == written
    images = list(read_image_messages(out, TOPIC))
    assert len(images) == written
    stamps = [img.stamp_ns for img in images]
    assert stamps == [frame_stamp_ns(i, info.fps, start_ns) for i in range(written)]
    assert all(b > a for a, b in zip(stamps, stamps[1:]))
    period_ns = 1e9 / info.fps
    assert all(abs((b - a) - period_ns) <= 1 for a, b in zip(stamps, stamps[1:]))
    assert [img.log_time_ns for img in images] == stamps
    assert {img.msg.header.frame_id for img in images} == {'cam_optical'}

    for image, frame in zip(images, frames):
        pixels = cv2.cvtColor(message_to_rgb(image.msg), cv2.COLOR_RGB2BGR)
        assert pixels.shape == frame.shape
        if compressed:
            assert image.msg.format == bags.JPEG_FORMAT
            error = np.abs(pixels.astype(np.int16) - frame.astype(np.int16))
            assert error.mean() < 4.0
        else:
            assert image.msg.encoding == 'bgr8'
            assert image.msg.step == frame.shape[1] * 3
            assert bytes(image.msg.data) == frame.tobytes()


def test_frames_bag_keeps_the_given_stamps_and_pixels_and_a_failure_leaves_no_bag(tmp_path):
    # Uneven stamps, as a stream spliced from two clips has; sizes that differ mid-stream.
    stamps = [200_000_000, 400_000_000, 650_000_000, 5_000_000_000]
    frames = [np.full((48 + 16 * (i // 2), 64, 3), 40 * i, np.uint8) for i in range(4)]
    out = tmp_path / 'bag'
    assert bags.write_frames_bag(zip(stamps, frames), out, TOPIC, frame_id='cam') == 4
    images = list(read_image_messages(out, TOPIC))
    assert [img.stamp_ns for img in images] == [img.log_time_ns for img in images] == stamps
    assert [bytes(img.msg.data) for img in images] == [f.tobytes() for f in frames]
    assert {img.msg.header.frame_id for img in images} == {'cam'}

    def broken():
        yield stamps[0], frames[0]
        raise RuntimeError('camera gone')
    with pytest.raises(RuntimeError, match='camera gone'):
        bags.write_frames_bag(broken(), tmp_path / 'partial', TOPIC, compressed=True)
    assert not (tmp_path / 'partial').exists()
    with pytest.raises(BagError, match='exists already'):
        bags.write_frames_bag(zip(stamps, frames), out, TOPIC)


def test_max_frames_and_default_start(tmp_path, clip_path):
    out = tmp_path / 'bag'
    assert bags.write_video_bag(clip_path, out, TOPIC, max_frames=7) == 7
    images = list(read_image_messages(out, TOPIC))
    assert len(images) == 7
    assert images[0].stamp_ns == bags.DEFAULT_START_NS


def test_single_mcap_file_reads_like_the_directory(tmp_path, clip_path):
    out = tmp_path / 'bag'
    bags.write_video_bag(clip_path, out, TOPIC, max_frames=5)
    mcap_files = list(out.glob('*.mcap'))
    assert len(mcap_files) == 1
    from_file = [img.stamp_ns for img in read_image_messages(mcap_files[0], TOPIC)]
    assert from_file == [img.stamp_ns for img in read_image_messages(out, TOPIC)]


def test_refuses_to_overwrite_and_unknown_storage(tmp_path, clip_path):
    out = tmp_path / 'bag'
    out.mkdir()
    with pytest.raises(BagError, match='exists already'):
        bags.write_video_bag(clip_path, out, TOPIC)
    with pytest.raises(BagError, match='unknown bag storage'):
        bags.write_video_bag(clip_path, tmp_path / 'other', TOPIC, storage='rosbag1')
    assert not (tmp_path / 'other').exists()


def test_missing_video_leaves_no_bag(tmp_path):
    from movinet_ros.offline.video import VideoError
    with pytest.raises(VideoError, match='missing.mp4'):
        bags.write_video_bag(tmp_path / 'missing.mp4', tmp_path / 'bag', TOPIC)
    assert not (tmp_path / 'bag').exists()


def test_missing_bag(tmp_path):
    with pytest.raises(BagError, match='does not exist') as err:
        read_image_messages(tmp_path / 'nope', TOPIC)
    assert 'nope' in str(err.value)
    with pytest.raises(BagError, match='does not exist'):
        bags.count_messages(tmp_path / 'nope', TOPIC)


def test_folder_that_is_not_a_bag(tmp_path):
    with pytest.raises(BagError, match='cannot read bag'):
        read_image_messages(tmp_path, TOPIC)


@pytest.mark.parametrize('size', [2**64 - 1, 2**62, 10**6], ids=['overflow', 'huge', 'past end'])
def test_an_mcap_with_a_bad_record_size_is_a_bag_error(tmp_path, size):
    # rosbags raises OverflowError or MemoryError for these; readers must see one error type.
    bag = tmp_path / 'bad.mcap'
    bag.write_bytes(b'\x89MCAP0\r\n\x01' + size.to_bytes(8, 'little') + b'ros2')
    with pytest.raises(BagError, match='cannot read bag'):
        read_image_messages(bag, TOPIC)
    with pytest.raises(BagError, match='cannot read bag'):
        bags.count_messages(bag, TOPIC)


def test_missing_topic_lists_image_topics(tmp_path, clip_path):
    out = tmp_path / 'bag'
    bags.write_video_bag(clip_path, out, TOPIC, max_frames=2)
    with pytest.raises(BagError) as err:
        read_image_messages(out, '/camera/image_rect')
    message = str(err.value)
    assert '/camera/image_rect' in message and TOPIC in message
    assert 'image topics there' in message
    with pytest.raises(BagError, match='/camera/image_rect'):
        bags.count_messages(out, '/camera/image_rect')


def test_wrong_message_type_and_no_image_topic(tmp_path):
    out = tmp_path / 'results'
    with bags.RecognitionBagWriter(out, '/actions') as writer:
        writer.write(_record(5, 'cam', [], 1, 1.0), model='m', num_classes=600)
    with pytest.raises(BagError, match='carries movinet_ros_interfaces/msg/ActionRecognition'):
        read_image_messages(out, '/actions')
    with pytest.raises(BagError, match='no image topic; topics there: /actions'):
        read_image_messages(out, TOPIC)
    assert bags.count_messages(out, '/actions') == 1


RESULTS = [
    (1_700_000_000_000_000_000, [(147, 'carving ice', 0.75), (12, 'skiing', 0.125)], 4, 2.5),
    (1_700_000_000_033_792_049, [], 5, 3.0),
    (1_700_000_001_999_999_999, [(3, 'a', 1.0), (4, 'b', 0.0), (5, 'c, "quoted"', 0.5)], 6,
     11.25),
]


@pytest.mark.parametrize('storage', ['mcap', 'sqlite3'])
def test_recognition_bag_reads_back_with_embedded_definitions(tmp_path, storage):
    out = tmp_path / 'results'
    with bags.RecognitionBagWriter(out, '/movinet/actions', storage=storage) as writer:
        for stamp, hypotheses, frames, inference_ms in RESULTS:
            writer.write(_record(stamp, 'camera_optical', hypotheses, frames, inference_ms),
                         model='a0.tflite', num_classes=600)
    assert writer.count == len(RESULTS)

    # No default typestore: the definitions must come from the bag itself.
    with AnyReader([out]) as reader:
        connections = [c for c in reader.connections if c.topic == '/movinet/actions']
        assert [c.msgtype for c in connections] == [bags.RECOGNITION_TYPE]
        assert 'ActionHypothesis[] results' in connections[0].msgdef.data
        messages = [(t, reader.deserialize(raw, c.msgtype))
                    for c, t, raw in reader.messages(connections=connections)]

    assert len(messages) == len(RESULTS)
    for (log_time, msg), (stamp, hypotheses, frames, inference_ms) in zip(messages, RESULTS):
        assert log_time == stamp
        assert bags.stamp_to_ns(msg.header.stamp) == stamp
        assert msg.header.frame_id == 'camera_optical'
        assert [(h.class_id, h.label, h.score) for h in msg.results] == hypotheses
        assert (msg.model, msg.frames_in_state, msg.num_classes) == ('a0.tflite', frames, 600)
        assert msg.inference_ms == inference_ms


def test_recognition_type_hash_matches_rosidl(tmp_path):
    packages = pytest.importorskip('ament_index_python.packages')
    # The build on the ament path: install/ of Kilted, install-jazzy/ of Jazzy (scripts/env.sh).
    try:
        share = packages.get_package_share_directory('movinet_ros_interfaces')
    except LookupError:
        pytest.skip('movinet_ros_interfaces is not built (run make setup)')
    generated = pathlib.Path(share) / 'msg' / 'ActionRecognition.json'
    hashes = {h['type_name']: h['hash_string']
              for h in json.loads(generated.read_text())['type_hashes']}
    out = tmp_path / 'results'
    with bags.RecognitionBagWriter(out, '/actions', msg_dir=SOURCE_MSG_DIR) as writer:
        writer.write(_record(1, 'c', [(1, 'x', 0.5)], 1, 3.0), model='m', num_classes=2)
    with AnyReader([out]) as reader:
        (connection,) = reader.connections
    assert connection.digest == hashes[bags.RECOGNITION_TYPE]
    typestore = bags.recognition_typestore()
    assert typestore.hash_rihs01(bags.HYPOTHESIS_TYPE) == hashes[bags.HYPOTHESIS_TYPE]


def test_recognition_message_deserialises_with_rclpy():
    serialization = pytest.importorskip('rclpy.serialization')
    interfaces = pytest.importorskip('movinet_ros_interfaces.msg')
    typestore = bags.recognition_typestore()
    types = typestore.types
    msg = types[bags.RECOGNITION_TYPE](
        header=types['std_msgs/msg/Header'](
            stamp=types['builtin_interfaces/msg/Time'](sec=12, nanosec=34), frame_id='cam'),
        results=[types[bags.HYPOTHESIS_TYPE](class_id=7, label='juggling balls', score=0.5)],
        model='a0', frames_in_state=9, num_classes=600, inference_ms=4.5)
    raw = bytes(typestore.serialize_cdr(msg, bags.RECOGNITION_TYPE))
    ros_msg = serialization.deserialize_message(raw, interfaces.ActionRecognition)
    assert (ros_msg.header.stamp.sec, ros_msg.header.stamp.nanosec) == (12, 34)
    assert [(r.class_id, r.label, r.score) for r in ros_msg.results] == [
        (7, 'juggling balls', 0.5)]
    assert (ros_msg.frames_in_state, ros_msg.num_classes, ros_msg.inference_ms) == (9, 600, 4.5)


def test_interface_definitions_are_found_and_missing_ones_reported(tmp_path):
    folder = bags.find_interface_msg_dir()
    assert (folder / 'ActionRecognition.msg').read_text() == (
        SOURCE_MSG_DIR / 'ActionRecognition.msg').read_text()
    with pytest.raises(BagError, match='ActionHypothesis.msg'):
        bags.recognition_typestore(tmp_path)


def test_recognition_writer_refuses_existing_bag(tmp_path):
    with pytest.raises(BagError, match='exists already'):
        with bags.RecognitionBagWriter(tmp_path, '/actions'):
            pass


def _write_ros1_bag(path, frames, stamps):
    typestore = get_typestore(Stores.ROS1_NOETIC)
    types = typestore.types
    msgtype = bags.IMAGE_TYPE
    with Ros1Writer(path) as writer:
        connection = writer.add_connection(TOPIC, msgtype, typestore=typestore)
        for seq, (frame, stamp) in enumerate(zip(frames, stamps)):
            sec, nanosec = divmod(stamp, 1_000_000_000)
            msg = types[msgtype](
                header=types['std_msgs/msg/Header'](
                    seq=seq, stamp=types['builtin_interfaces/msg/Time'](sec=sec, nanosec=nanosec),
                    frame_id='cam'),
                height=frame.shape[0], width=frame.shape[1], encoding='bgr8', is_bigendian=0,
                step=frame.shape[1] * 3, data=frame.reshape(-1))
            writer.write(connection, stamp, typestore.serialize_ros1(msg, msgtype))


def test_ros1_bags_read_as_one_recording(tmp_path, clip_path):
    frames = clip_frames(clip_path, rgb=False, limit=10)
    stamps = [1_600_000_000_000_000_000 + i * 40_000_000 for i in range(len(frames))]
    # Even frames in one bag, odd ones in another: reading both must interleave them.
    first, second = tmp_path / 'even.bag', tmp_path / 'odd.bag'
    _write_ros1_bag(first, frames[0::2], stamps[0::2])
    _write_ros1_bag(second, frames[1::2], stamps[1::2])

    assert bags.count_messages(first, TOPIC) == 5
    assert bags.count_messages([first, second], TOPIC) == 10
    images = list(read_image_messages([second, first], TOPIC))
    assert [img.stamp_ns for img in images] == stamps
    assert [img.log_time_ns for img in images] == stamps
    for image, frame in zip(images, frames):
        assert np.array_equal(cv2.cvtColor(message_to_rgb(image.msg), cv2.COLOR_RGB2BGR), frame)
