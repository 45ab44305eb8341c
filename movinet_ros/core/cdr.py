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
Check a serialised camera message's sizes before rclpy deserialises it, reading its frame_id.

rclpy's deserialiser, given a string or sequence whose declared length runs past the
buffer, raises and also prints "sequence size exceeds remaining buffer" to raw stderr
from C, once per broken frame. Walking the few variable-length fields of sensor_msgs
Image and CompressedImage first turns such a frame into one clear FrameError instead.
"""

import struct

from movinet_ros.core.frames import FrameError

_ENCAPSULATION_BYTES = 4
_UINT32 = {True: struct.Struct('<I'), False: struct.Struct('>I')}
# After the encapsulation: the Header's stamp (sec, nanosec), then its frame_id string.
_FRAME_ID_OFFSET = 8
# Field layout after the header's frame_id: 'u' a uint32, 'b' a byte, 's' a string, 'q' a
# byte sequence (uint8[]).
_LAYOUTS = {'Image': 'uusbuq', 'CompressedImage': 'sq'}


class _Reader:
    """A cursor over CDR bytes that checks every length against what is left."""

    def __init__(self, cdr: bytes, type_name: str) -> None:
        if len(cdr) < _ENCAPSULATION_BYTES + _FRAME_ID_OFFSET or cdr[0] != 0 \
                or cdr[1] not in (0, 1):
            raise FrameError(f'{len(cdr)} bytes are not a serialised {type_name}')
        self.cdr, self.type_name = cdr, type_name
        self.little = cdr[1] == 1
        self.position = _ENCAPSULATION_BYTES + _FRAME_ID_OFFSET

    def uint32(self) -> int:
        # CDR aligns to the field's size, counted from after the encapsulation.
        self.position += -(self.position - _ENCAPSULATION_BYTES) % 4
        self._need(4, 'a field')
        value: int = _UINT32[self.little].unpack_from(self.cdr, self.position)[0]
        self.position += 4
        return value

    def skip(self, count: int, what: str) -> bytes:
        self._need(count, what)
        start, self.position = self.position, self.position + count
        return self.cdr[start:self.position]

    def _need(self, count: int, what: str) -> None:
        left = len(self.cdr) - self.position
        if count > left:
            raise FrameError(
                f'serialised {self.type_name} of {len(self.cdr)} bytes declares {what} of '
                f'{count} bytes where only {max(left, 0)} remain (truncated or corrupt)')


def checked_frame_id(cdr: bytes, type_name: str) -> str:
    """
    Return the header.frame_id of a serialised Image / CompressedImage, its sizes checked.

    Raises FrameError when a string or sequence overruns the bytes. One walk does both: the
    frame_id is the first of the strings checked.
    """
    reader = _Reader(cdr, type_name)
    frame_id = reader.skip(reader.uint32(), 'a header.frame_id')
    for kind in _LAYOUTS.get(type_name, ''):
        if kind == 'u':
            reader.uint32()
        elif kind == 'b':
            reader.skip(1, 'a field')
        else:
            reader.skip(reader.uint32(), 'a string' if kind == 's' else 'a data sequence')
    return frame_id.rstrip(b'\0').decode('utf-8', 'replace')
