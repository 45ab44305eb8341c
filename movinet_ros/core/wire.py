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
Read (and write) a message's header stamp straight from its serialised bytes.

sensor_msgs/Image and CompressedImage both start with a std_msgs/Header, so the throttle can
decide on a frame before paying for its deserialisation. ROS 2 bytes are CDR: a 4-byte
encapsulation header, then stamp.sec int32 and stamp.nanosec uint32 in the byte order the
encapsulation names. ROS 1 bytes start with the header's uint32 seq, then stamp.secs and
stamp.nsecs as little-endian uint32.
"""

import struct

from movinet_ros.core.frames.errors import WireError
from movinet_ros.core.stamps import NS_PER_SEC, split_ns, to_ns

# Encapsulation header (4 bytes) then std_msgs/Header: stamp.sec int32, stamp.nanosec uint32.
_ENCAPSULATION_BYTES = 4
_STAMP = {True: struct.Struct('<iI'), False: struct.Struct('>iI')}
# ROS 1: uint32 seq (4 bytes), then the stamp.
_ROS1_SEQ_BYTES = 4
_ROS1_STAMP = struct.Struct('<II')


def _valid_stamp_ns(sec: int, nanosec: int) -> int:
    if nanosec >= NS_PER_SEC:
        # Not a time: taken as is it would reach into the next second's stamps.
        raise WireError(f'header.stamp.nanosec {nanosec} is not below 1e9 (invalid stamp)')
    return to_ns(sec, nanosec)


def header_stamp_ns(cdr: bytes) -> int:
    """
    Return ``header.stamp`` in nanoseconds of a serialised message whose first field is a Header.

    sensor_msgs/Image and CompressedImage both start with the header, so the throttle can
    decide on a frame before paying for its deserialisation.
    """
    if len(cdr) < _ENCAPSULATION_BYTES + _STAMP[True].size:
        raise WireError(f'serialised message of {len(cdr)} bytes is too short for a header')
    kind = cdr[1]
    if cdr[0] != 0 or kind not in (0, 1):
        raise WireError(f'unknown CDR encapsulation {bytes(cdr[:2]).hex()}')
    sec, nanosec = _STAMP[kind == 1].unpack_from(cdr, _ENCAPSULATION_BYTES)
    return _valid_stamp_ns(sec, nanosec)


def ros1_header_stamp_ns(data: bytes) -> int:
    """Return ``header.stamp`` in nanoseconds of a ROS 1 message whose first field is a Header."""
    if len(data) < _ROS1_SEQ_BYTES + _ROS1_STAMP.size:
        raise WireError(f'serialised ROS 1 message of {len(data)} bytes is too short for a '
                        'header')
    sec, nanosec = _ROS1_STAMP.unpack_from(data, _ROS1_SEQ_BYTES)
    return _valid_stamp_ns(sec, nanosec)


def serialized_stamp_ns(data: bytes, *, ros2: bool = True) -> int:
    """Return ``header.stamp`` of CDR (``ros2``) or ROS 1 bytes; WireError when unreadable."""
    return header_stamp_ns(data) if ros2 else ros1_header_stamp_ns(data)


def restamped_cdr(cdr: bytes, stamp_ns: int) -> bytes:
    """Return a copy of CDR bytes with ``header.stamp`` set to ``stamp_ns`` (their byte order)."""
    header_stamp_ns(cdr)  # the same checks as reading: a header must be there
    buffer = bytearray(cdr)
    _STAMP[cdr[1] == 1].pack_into(buffer, _ENCAPSULATION_BYTES, *split_ns(stamp_ns))
    return bytes(buffer)
