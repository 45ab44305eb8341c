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


"""Tests of movinet_ros.offline.bags.mcap_index against rosbags' general reader."""

import random
import shutil

from helpers.constants import CAMERA
from movinet_ros.offline.bags import bag_io as bags
from movinet_ros.offline.bags.mcap_index import mcap_files, topic_messages
import numpy as np
import pytest
from rosbags.highlevel import AnyReader
from rosbags.rosbag2 import CompressionFormat, CompressionMode, Writer

IMAGE_TOPIC = CAMERA
OTHER_TOPIC = '/camera/other'


def _general(paths, topic):
    with AnyReader(paths, default_typestore=bags.ros2_typestore()) as reader:
        connections = [c for c in reader.connections if c.topic == topic]
        return [(log_time, bytes(raw))
                for _, log_time, raw in reader.messages(connections=connections)]


def _fast(paths, topic):
    found = topic_messages(paths, topic)
    assert found.msgtype == bags.IMAGE_TYPE
    return [(log_time, bytes(data)) for log_time, data in found.messages]


def _write(path, log_times, storage='mcap', compression=None):
    """Write small images on two topics, in the order of ``log_times``; return the path."""
    typestore = bags.ros2_typestore()
    writer = Writer(path, version=8, storage_plugin=bags.STORAGES[storage])
    if compression is not None:
        writer.set_compression(compression, CompressionFormat.ZSTD)
    with writer:
        image = writer.add_connection(IMAGE_TOPIC, bags.IMAGE_TYPE, typestore=typestore)
        other = writer.add_connection(OTHER_TOPIC, bags.IMAGE_TYPE, typestore=typestore)
        for index, log_time in enumerate(log_times):
            pixels = np.full((4, 6, 3), index % 256, np.uint8)
            msg = bags.image_message(typestore, pixels, log_time + 7, f'frame{index}')
            connection = other if index % 3 == 2 else image
            writer.write(connection, log_time, typestore.serialize_cdr(msg, bags.IMAGE_TYPE))
    return path


def test_same_messages_as_the_general_reader(tmp_path):
    log_times = [1_000 + 40 * i for i in range(60)]
    random.Random(7).shuffle(log_times)  # written out of order: both must sort by log time
    bag = _write(tmp_path / 'bag', log_times)

    fast = _fast([bag], IMAGE_TOPIC)
    assert fast == _general([bag], IMAGE_TOPIC)
    assert len(fast) == 40
    assert [t for t, _ in fast] == sorted(t for t, _ in fast)
    assert _fast([bag], OTHER_TOPIC) == _general([bag], OTHER_TOPIC)
    assert topic_messages([bag], '/absent') is None  # the general reader says what exists


def test_several_bags_and_a_single_file_merge_by_log_time(tmp_path):
    first = _write(tmp_path / 'first', [100 * i for i in range(10)])
    second = _write(tmp_path / 'second', [100 * i + 50 for i in range(10)])
    assert _fast([first, second], IMAGE_TOPIC) == _general([first, second], IMAGE_TOPIC)
    [single] = mcap_files(first)
    assert single == first / 'first.mcap'
    assert _fast([single], IMAGE_TOPIC) == _general([single], IMAGE_TOPIC)


def test_clip_bag_messages_are_identical(tmp_path, clip_path):
    bag = tmp_path / 'clip'
    bags.write_video_bag(clip_path, bag, IMAGE_TOPIC, max_frames=40)
    fast = topic_messages([bag], IMAGE_TOPIC).messages
    assert all(isinstance(data, memoryview) for _, data in fast)  # nothing copied
    assert [(t, bytes(d)) for t, d in fast] == _general([bag], IMAGE_TOPIC)


@pytest.mark.parametrize('case', ['sqlite3', 'compressed_chunks', 'compressed_file',
                                  'no_metadata', 'ros1_file', 'empty_mcap', 'truncated'])
def test_anything_else_is_left_to_the_general_reader(tmp_path, case):
    if case == 'sqlite3':
        bag = _write(tmp_path / 'bag', [1, 2, 3], storage='sqlite3')
    elif case == 'compressed_chunks':
        bag = _write(tmp_path / 'bag', [1, 2, 3], compression=CompressionMode.STORAGE)
    elif case == 'compressed_file':
        bag = _write(tmp_path / 'bag', [1, 2, 3], compression=CompressionMode.FILE)
    elif case == 'no_metadata':
        bag = tmp_path / 'folder'
        bag.mkdir()
    elif case == 'ros1_file':
        bag = tmp_path / 'old.bag'
        bag.write_bytes(b'#ROSBAG V2.0\n')
    elif case == 'empty_mcap':
        bag = tmp_path / 'empty.mcap'
        bag.write_bytes(b'')
    else:
        source = _write(tmp_path / 'source', [10 * i for i in range(30)])
        bag = tmp_path / 'cut.mcap'
        shutil.copy(source / 'source.mcap', bag)
        with open(bag, 'r+b') as stream:
            stream.truncate(bag.stat().st_size // 2)
    assert topic_messages([bag], IMAGE_TOPIC) is None
