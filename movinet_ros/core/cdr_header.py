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
Read a camera message's header (and check its sizes) straight from its serialised bytes.

sensor_msgs/Image and CompressedImage both start with a std_msgs/Header, so the throttle can
decide on a frame before paying for its deserialisation. ROS 2 bytes are CDR: a 4-byte
encapsulation header, then stamp.sec int32 and stamp.nanosec uint32 in the byte order the
encapsulation names, then the frame_id string. ROS 1 bytes start with the header's uint32
seq, then stamp.secs and stamp.nsecs as little-endian uint32.

One cursor (``_CdrReader``) walks CDR bytes for every reader here. Besides the stamp, it
checks the variable-length fields of Image and CompressedImage before rclpy deserialises
them: rclpy's deserialiser, given a string or sequence whose declared length runs past the
buffer, raises and also prints "sequence size exceeds remaining buffer" to raw stderr from
C, once per broken frame; walking the fields first turns such a frame into one WireError.
"""

import struct

from movinet_ros.core.frames.errors import WireError
from movinet_ros.core.stamps import NS_PER_SEC, split_ns, to_ns

__all__ = ['checked_frame_id', 'header_stamp_ns', 'restamped_cdr', 'ros1_header_stamp_ns',
           'serialized_stamp_ns']

# Encapsulation header (4 bytes) then std_msgs/Header: stamp.sec int32, stamp.nanosec uint32.
_ENCAPSULATION_BYTES = 4
_STAMP = {True: struct.Struct('<iI'), False: struct.Struct('>iI')}
_UINT32 = {True: struct.Struct('<I'), False: struct.Struct('>I')}
# ROS 1: uint32 seq (4 bytes), then the stamp.
_ROS1_SEQ_BYTES = 4
_ROS1_STAMP = struct.Struct('<II')
# Field layout after the header's frame_id: 'u' a uint32, 'b' a byte, 's' a string, 'q' a
# byte sequence (uint8[]).
_LAYOUTS = {'Image': 'uusbuq', 'CompressedImage': 'sq'}


def _valid_stamp_ns(sec: int, nanosec: int) -> int:
    if nanosec >= NS_PER_SEC:
        # Not a time: taken as is it would reach into the next second's stamps.
        raise WireError(f'header.stamp.nanosec {nanosec} is not below 1e9 (invalid stamp)')
    return to_ns(sec, nanosec)


class _CdrReader:
    """A cursor over the CDR bytes of a message that starts with a Header; checks lengths."""

    def __init__(self, cdr: bytes, what: str = 'message') -> None:
        if len(cdr) < _ENCAPSULATION_BYTES + _STAMP[True].size:
            raise WireError(f'serialised {what} of {len(cdr)} bytes is too short for a header')
        if cdr[0] != 0 or cdr[1] not in (0, 1):
            raise WireError(f'unknown CDR encapsulation {bytes(cdr[:2]).hex()}')
        self.cdr, self.what = cdr, what
        self.little = cdr[1] == 1
        self.position = _ENCAPSULATION_BYTES

    def stamp_ns(self) -> int:
        """Read the header stamp (the first field)."""
        sec, nanosec = _STAMP[self.little].unpack_from(self.cdr, self.position)
        self.position += _STAMP[True].size
        return _valid_stamp_ns(sec, nanosec)

    def uint32(self) -> int:
        """Read a uint32, aligned to 4 bytes counted from after the encapsulation."""
        self.position += -(self.position - _ENCAPSULATION_BYTES) % 4
        self._need(4, 'a field')
        value: int = _UINT32[self.little].unpack_from(self.cdr, self.position)[0]
        self.position += 4
        return value

    def skip(self, count: int, what: str) -> bytes:
        """Return the next ``count`` bytes, checked to be there."""
        self._need(count, what)
        start, self.position = self.position, self.position + count
        return self.cdr[start:self.position]

    def _need(self, count: int, what: str) -> None:
        left = len(self.cdr) - self.position
        if count > left:
            raise WireError(
                f'serialised {self.what} of {len(self.cdr)} bytes declares {what} of '
                f'{count} bytes where only {max(left, 0)} remain (truncated or corrupt)')


def header_stamp_ns(cdr: bytes) -> int:
    """
    Return ``header.stamp`` in nanoseconds of a serialised message whose first field is a Header.

    sensor_msgs/Image and CompressedImage both start with the header, so the throttle can
    decide on a frame before paying for its deserialisation.
    """
    return _CdrReader(cdr).stamp_ns()


def checked_frame_id(cdr: bytes, type_name: str) -> str:
    """
    Return the header.frame_id of a serialised Image / CompressedImage, its sizes checked.

    Raises WireError (a FrameError) when a string or sequence overruns the bytes. One walk
    does both: the frame_id is the first of the strings checked.
    """
    reader = _CdrReader(cdr, type_name)
    reader.skip(_STAMP[True].size, 'a header.stamp')
    frame_id = reader.skip(reader.uint32(), 'a header.frame_id')
    for kind in _LAYOUTS.get(type_name, ''):
        if kind == 'u':
            reader.uint32()
        elif kind == 'b':
            reader.skip(1, 'a field')
        else:
            reader.skip(reader.uint32(), 'a string' if kind == 's' else 'a data sequence')
    return frame_id.rstrip(b'\0').decode('utf-8', 'replace')


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
    reader = _CdrReader(cdr)
    reader.stamp_ns()  # the same checks as reading: a header must be there
    buffer = bytearray(cdr)
    _STAMP[reader.little].pack_into(buffer, _ENCAPSULATION_BYTES, *split_ns(stamp_ns))
    return bytes(buffer)
