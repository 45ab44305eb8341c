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
JPEG and PNG headers: which codec the data is, and the image size it claims.

These walk the segment (JPEG) or chunk (PNG) structure only, never the compressed pixels,
so the size can be checked before a decoder allocates anything. Data cut before its end
marker (JPEG EOI, PNG IEND) is rejected here; data cut inside the entropy-coded segment
but given an EOI is the decoder's to find (see ``compressed``).
"""

from dataclasses import dataclass

from movinet_ros.core.frames.errors import FrameDecodeError
from movinet_ros.core.frames.fields import hex_head
import numpy as np

_JPEG_NAMES = frozenset({'jpeg', 'jpg', 'jpe'})
_PNG_NAMES = frozenset({'png'})
JPEG_MAGIC = b'\xff\xd8'
PNG_MAGIC = b'\x89PNG\r\n\x1a\n'
# Start-of-frame markers carry the image size; C4, C8 and CC share the range but are not SOF.
_JPEG_SOF_MARKERS = frozenset(range(0xC0, 0xD0)) - {0xC4, 0xC8, 0xCC}
# Markers without a length field: TEM and the restart markers RST0-RST7.
_JPEG_STANDALONE_MARKERS = frozenset({0x01, *range(0xD0, 0xD8)})
_JPEG_EOI = b'\xff\xd9'
_JPEG_SOS = 0xDA


def codec(image_format: str, buffer: memoryview) -> str:
    """Return 'jpeg' or 'png' from ``format`` and the magic bytes, or raise FrameDecodeError."""
    # image_transport writes "<encoding>; <codec> compressed <encoding>"; plain "jpeg" too.
    words = image_format.split(';')[-1].split()
    name = words[0].lower() if words else ''
    starts_jpeg = buffer[:2] == JPEG_MAGIC
    starts_png = buffer[:8] == PNG_MAGIC
    if not name:
        if starts_jpeg:
            return 'jpeg'
        if starts_png:
            return 'png'
        raise FrameDecodeError(
            f'CompressedImage format {image_format!r} names no codec and the data starts '
            f'with {hex_head(buffer)}, neither JPEG (ff d8) nor PNG (89 50 4e 47)')
    if name in _JPEG_NAMES:
        if not starts_jpeg:
            raise FrameDecodeError(
                f'CompressedImage format {image_format!r} says JPEG, but the data starts '
                f'with {hex_head(buffer)}, not the JPEG marker ff d8')
        return 'jpeg'
    if name in _PNG_NAMES:
        if not starts_png:
            raise FrameDecodeError(
                f'CompressedImage format {image_format!r} says PNG, but the data starts '
                f'with {hex_head(buffer)}, not the PNG signature 89 50 4e 47')
        return 'png'
    raise FrameDecodeError(
        f'unsupported CompressedImage format {image_format!r} (codec {name!r}); '
        'supported: jpeg, png')


@dataclass(frozen=True)
class JpegHeader:
    """What a JPEG's frame header (SOF) says: its size and number of colour components."""

    width: int
    height: int
    # 1 grey, 3 YCbCr or RGB, 4 CMYK or YCCK; 0 when the SOF segment is too short to say.
    components: int


def jpeg_header(buffer: memoryview, image_format: str) -> JpegHeader:
    """
    Return the JPEG's size and components from its SOF segment; reject data cut before EOI.

    The one read of the header: the decoder is chosen from the components it returns.
    """
    described = f'JPEG data (format {image_format!r}, {buffer.nbytes} bytes)'
    # A complete JPEG ends with the EOI marker; some drivers pad the buffer with zeros.
    end = buffer.nbytes
    if buffer[end - 2:end] != _JPEG_EOI:
        nonzero_from_end = np.frombuffer(buffer, dtype=np.uint8)[::-1] != 0
        end -= int(np.argmax(nonzero_from_end)) if nonzero_from_end.any() else end
    if end < 4 or buffer[end - 2:end] != _JPEG_EOI:
        raise FrameDecodeError(f'{described} is truncated: it does not end with EOI (ff d9)')
    position = 2
    # Every pass moves `position` forward by at least one byte, so the loop is bounded.
    while position + 4 <= end:
        if buffer[position] != 0xFF:
            raise FrameDecodeError(
                f'{described} is corrupt: expected a marker at byte {position}, found '
                f'{buffer[position]:02x}')
        marker = buffer[position + 1]
        if marker == 0xFF:
            position += 1  # fill byte before a marker
            continue
        if marker in _JPEG_STANDALONE_MARKERS:
            position += 2
            continue
        if marker == _JPEG_SOS or marker == 0xD9:
            break
        length = int.from_bytes(buffer[position + 2:position + 4], 'big')
        if marker in _JPEG_SOF_MARKERS and position + 9 <= end and length >= 7:
            height = int.from_bytes(buffer[position + 5:position + 7], 'big')
            width = int.from_bytes(buffer[position + 7:position + 9], 'big')
            components = buffer[position + 9] if position + 10 <= end and length >= 8 else 0
            return JpegHeader(width, height, components)
        if length < 2:
            raise FrameDecodeError(
                f'{described} is corrupt: segment ff {marker:02x} at byte {position} has '
                f'length {length}')
        position += 2 + length
    raise FrameDecodeError(f'{described} is corrupt: no frame header (SOF) before the image data')


def png_header_size(buffer: memoryview, image_format: str) -> tuple[int, int]:
    """Return (width, height) from IHDR, rejecting data cut before the IEND chunk."""
    described = f'PNG data (format {image_format!r}, {buffer.nbytes} bytes)'
    ihdr = len(PNG_MAGIC)
    if buffer.nbytes < ihdr + 16 or bytes(buffer[ihdr + 4:ihdr + 8]) != b'IHDR':
        raise FrameDecodeError(f'{described} is corrupt or truncated: no IHDR chunk first')
    size = (int.from_bytes(buffer[ihdr + 8:ihdr + 12], 'big'),
            int.from_bytes(buffer[ihdr + 12:ihdr + 16], 'big'))
    position = ihdr
    # Each chunk is length(4) type(4) payload crc(4); every pass moves forward >= 12 bytes.
    while position + 12 <= buffer.nbytes:
        length = int.from_bytes(buffer[position:position + 4], 'big')
        if bytes(buffer[position + 4:position + 8]) == b'IEND':
            return size
        position += 12 + length
    raise FrameDecodeError(f'{described} is truncated: it ends before the IEND chunk')
