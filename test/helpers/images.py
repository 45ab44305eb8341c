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

import cv2
import numpy as np


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
