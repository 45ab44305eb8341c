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
The one reader of serialised camera messages (core.cdr_header): stamp, frame_id and sizes.

Messages are serialised by rosbags, as a bag or DDS holds them, and then cut or corrupted
byte by byte: every damaged message is one WireError (a FrameError), never another error.
"""

import struct

from movinet_ros.core.cdr_header import (
    checked_frame_id, header_stamp_ns, restamped_cdr, ros1_header_stamp_ns,
    serialized_stamp_ns)
from movinet_ros.core.frames import FrameError
from movinet_ros.core.frames.errors import WireError
from movinet_ros.offline.bags.bag_io import ros2_typestore
import numpy as np
import pytest

STORE = ros2_typestore()
STAMP_NS = 1_700_000_000_123_456_789


def _header(frame_id):
    header_type = STORE.types['std_msgs/msg/Header']
    time_type = STORE.types['builtin_interfaces/msg/Time']
    return header_type(stamp=time_type(sec=STAMP_NS // 10**9, nanosec=STAMP_NS % 10**9),
                       frame_id=frame_id)


def _image(frame_id='front_optical'):
    image_type = STORE.types['sensor_msgs/msg/Image']
    message = image_type(header=_header(frame_id), height=2, width=3, encoding='rgb8',
                         is_bigendian=0, step=9, data=np.arange(18, dtype=np.uint8))
    return bytes(STORE.serialize_cdr(message, 'sensor_msgs/msg/Image'))


def _compressed(frame_id='cam'):
    compressed_type = STORE.types['sensor_msgs/msg/CompressedImage']
    message = compressed_type(header=_header(frame_id), format='jpeg',
                              data=np.frombuffer(b'\xff\xd8 not a real jpeg \xff\xd9',
                                                 dtype=np.uint8))
    return bytes(STORE.serialize_cdr(message, 'sensor_msgs/msg/CompressedImage'))


@pytest.mark.parametrize('data, type_name, frame_id', [
    (_image(), 'Image', 'front_optical'), (_image(''), 'Image', ''),
    (_compressed(), 'CompressedImage', 'cam')])
def test_stamp_and_frame_id_are_read_from_the_bytes(data, type_name, frame_id):
    assert header_stamp_ns(data) == STAMP_NS
    assert serialized_stamp_ns(data) == STAMP_NS
    assert checked_frame_id(data, type_name) == frame_id


@pytest.mark.parametrize('data, type_name', [(_image(), 'Image'),
                                             (_compressed(), 'CompressedImage')])
def test_every_cut_of_a_message_is_one_wire_error(data, type_name):
    for end in range(len(data)):
        with pytest.raises(WireError):
            checked_frame_id(data[:end], type_name)
    assert issubclass(WireError, FrameError)


def test_a_sequence_longer_than_the_bytes_names_what_overruns():
    data = bytearray(_compressed())
    # The data sequence's length is the last uint32 before its bytes.
    length_at = len(data) - len(b'\xff\xd8 not a real jpeg \xff\xd9') - 4
    struct.pack_into('<I', data, length_at, 1 << 30)
    with pytest.raises(WireError, match='declares a data sequence of 1073741824 bytes'):
        checked_frame_id(bytes(data), 'CompressedImage')


def test_big_endian_cdr_and_restamping_keep_the_byte_order():
    big = b'\x00\x00\x00\x00' + struct.pack('>iI', 12, 34) + b'\x00' * 8
    assert header_stamp_ns(big) == 12 * 10**9 + 34
    again = restamped_cdr(big, 5 * 10**9 + 6)
    assert again[4:12] == struct.pack('>iI', 5, 6) and again[12:] == big[12:]
    assert header_stamp_ns(restamped_cdr(_image(), 7)) == 7


@pytest.mark.parametrize('data, match', [
    (b'\x00\x01\x00\x00' + b'\x00' * 4, 'too short for a header'),
    (b'\x00\x07\x00\x00' + b'\x00' * 8, 'unknown CDR encapsulation 0007'),
    (b'\x00\x01\x00\x00' + struct.pack('<iI', 1, 10**9), 'not below 1e9'),
])
def test_unreadable_headers_say_why(data, match):
    with pytest.raises(WireError, match=match):
        header_stamp_ns(data)
    with pytest.raises(WireError):
        restamped_cdr(data, 0)


def test_ros1_stamp_follows_the_sequence_number():
    data = struct.pack('<III', 99, 3, 4) + b'rest'
    assert ros1_header_stamp_ns(data) == 3 * 10**9 + 4
    assert serialized_stamp_ns(data, ros2=False) == 3 * 10**9 + 4
    with pytest.raises(WireError, match='too short'):
        ros1_header_stamp_ns(data[:11])
