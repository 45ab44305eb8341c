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


"""Encoded images for the decoders, and encoded images whose headers lie about their size."""

from __future__ import annotations

import zlib

import cv2
from movinet_ros.core.frames import MAX_JPEG_PIXELS_PER_BYTE
import numpy as np

# The side of the decompression bombs of issue 17: the largest side a header may claim.
BOMB_SIDE = 16384


def encode(extension: str, image: np.ndarray, *params: int) -> bytes:
    """Encode ``image`` (BGR) as ``extension`` ('.jpg', '.png') with OpenCV ``params``."""
    ok, encoded = cv2.imencode(extension, image, list(params))
    assert ok
    return encoded.tobytes()


def with_jpeg_size(jpeg: bytes, width: int, height: int) -> bytes:
    """Return ``jpeg`` with the size in its baseline frame header (SOF0) replaced."""
    data = bytearray(jpeg)
    position = 2
    while data[position + 1] != 0xC0:  # walk the segments: marker, 2-byte length, payload
        position += 2 + int.from_bytes(data[position + 2:position + 4], 'big')
    data[position + 5:position + 9] = height.to_bytes(2, 'big') + width.to_bytes(2, 'big')
    return bytes(data)


def with_png_size(png: bytes, width: int, height: int) -> bytes:
    """Return ``png`` with the size in its IHDR chunk replaced (its CRC left stale)."""
    ihdr = png.index(b'IHDR') + 4
    return png[:ihdr] + width.to_bytes(4, 'big') + height.to_bytes(4, 'big') + png[ihdr + 8:]


def jpeg(bgr: np.ndarray, quality: int = 95) -> bytes:
    """Encode a BGR frame as JPEG at ``quality``."""
    return encode('.jpg', bgr, cv2.IMWRITE_JPEG_QUALITY, quality)


def eoi_cut(data: bytes) -> bytes:
    """Cut the frame to a third of its bytes and close it with EOI, as in the issue."""
    return data[:len(data) // 3] + b'\xff\xd9'


def png_chunk(kind: bytes, payload: bytes) -> bytes:
    return (len(payload).to_bytes(4, 'big') + kind + payload
            + zlib.crc32(kind + payload).to_bytes(4, 'big'))


def zeros_png(side: int) -> bytes:
    """Build a valid 8-bit grey PNG of side x side zeros: all-zero rows deflated, streamed."""
    deflate = zlib.compressobj(9)
    row = bytes(side + 1)  # filter byte 0, then the row's pixels
    idat = b''.join(deflate.compress(row) for _ in range(side)) + deflate.flush()
    header = side.to_bytes(4, 'big') * 2 + bytes([8, 0, 0, 0, 0])
    return (b'\x89PNG\r\n\x1a\n' + png_chunk(b'IHDR', header) + png_chunk(b'IDAT', idat)
            + png_chunk(b'IEND', b''))


def oversized_jpeg_bytes() -> bytes:
    """Return about 140 KB of real JPEG whose header claims 16384x16384."""
    noisy = np.random.default_rng(3).integers(0, 256, (480, 320, 3), dtype=np.uint8)
    data = jpeg(cv2.GaussianBlur(noisy, (3, 3), 0), quality=97)
    assert 130_000 < len(data) < 150_000, len(data)
    # Enough bytes to pass the bytes-per-pixel plausibility check: only the budget stops it.
    assert BOMB_SIDE ** 2 <= MAX_JPEG_PIXELS_PER_BYTE * len(data)
    return with_jpeg_size(data, BOMB_SIDE, BOMB_SIDE)
