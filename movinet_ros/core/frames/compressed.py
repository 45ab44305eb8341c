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
Decode sensor_msgs/CompressedImage (JPEG, PNG) to HxWx3 uint8 RGB, within a pixel budget.

The size is read from the JPEG or PNG header and checked against the per-side limit and the
pixel budget before any decoding, so a 261 KB PNG of 16384x16384 zeros or a 140 KB JPEG
that claims 16384x16384 costs nothing. JPEGs are decoded by libjpeg-turbo through
simplejpeg in strict mode: a warning of libjpeg (a segment that ends early, as in a frame cut
short and closed with EOI, which decodes to grey fill) is raised as FrameDecodeError instead
of being printed on stderr and the damaged frame fed to the model. CMYK JPEGs, which
libjpeg-turbo does not convert to RGB, and PNGs are decoded by OpenCV.
"""

from typing import Any

import cv2
from movinet_ros.core.frames.errors import FrameDecodeError
from movinet_ros.core.frames.fields import byte_buffer, field, rgb_result, RgbFrame
from movinet_ros.core.frames.headers import codec, jpeg_header, png_header_size
from movinet_ros.core.frames.limits import check_budget, check_sides, DEFAULT_MAX_PIXELS
from movinet_ros.core.frames.protocols import CompressedImageLike
import numpy as np
import simplejpeg  # type: ignore[import-untyped]

# A JPEG needs at least about one bit per 8x8 block: a flat 4096x4096 frame is 64 pixels per
# byte baseline, 170 progressive. 2048 leaves a wide margin and stops a few hundred bytes that
# claim 16384x16384 from making a decoder allocate and fill gigabytes for seconds.
MAX_JPEG_PIXELS_PER_BYTE: int = 2048
# Decode straight to RGB where OpenCV can (>= 4.11), saving a conversion pass.
_IMREAD_RGB: int | None = getattr(cv2, 'IMREAD_COLOR_RGB', None)
# Four components are CMYK or YCCK, which libjpeg-turbo cannot turn into RGB; OpenCV does.
_OPENCV_JPEG_COMPONENTS = 4


def compressed_to_rgb(msg: CompressedImageLike, *,
                      max_pixels: int = DEFAULT_MAX_PIXELS) -> RgbFrame:
    """
    Decode a sensor_msgs/CompressedImage (JPEG or PNG) to a new HxWx3 uint8 RGB array.

    ``format`` may be a bare codec name ("jpeg", "png") or image_transport's form
    ("rgb8; jpeg compressed bgr8"); an empty format is resolved by the data's magic bytes.
    Raises FrameDecodeError for empty, truncated or corrupt data (a JPEG that libjpeg warns
    about included), an unknown format or data that does not match its format,
    FrameSizeError when the image header claims sides of zero or more than
    ``MAX_DIMENSION`` pixels, and PixelBudgetError when it claims more than
    ``max_pixels`` pixels (both checked before decoding).
    """
    image_format = field(msg, 'format')
    if not isinstance(image_format, str):
        raise FrameDecodeError(
            f'CompressedImage format must be a string, got {type(image_format).__name__}')
    buffer = byte_buffer(msg, f'CompressedImage (format {image_format!r})')
    if buffer.nbytes == 0:
        raise FrameDecodeError(f'CompressedImage (format {image_format!r}) has no data')
    name = codec(image_format, buffer)
    header = jpeg_header(buffer, image_format) if name == 'jpeg' else None
    if header is not None:
        width, height = header.width, header.height
    else:
        width, height = png_header_size(buffer, image_format)
    described = f'{name} image (format {image_format!r}) of {width}x{height}'
    check_sides(described, width, height)
    check_budget(described, width, height, max_pixels)
    if name == 'jpeg' and width * height > MAX_JPEG_PIXELS_PER_BYTE * buffer.nbytes:
        raise FrameDecodeError(
            f'{described} is corrupt: {buffer.nbytes} bytes of JPEG data cannot hold '
            f'{width * height} pixels')
    if header is not None and header.components != _OPENCV_JPEG_COMPONENTS:
        return rgb_result(_decode_jpeg(buffer, described), described)
    return rgb_result(_decode_opencv(buffer, described), described)


def _decode_jpeg(buffer: memoryview, described: str) -> Any:
    """Decode with libjpeg-turbo, its warnings raised as FrameDecodeError."""
    try:
        return simplejpeg.decode_jpeg(buffer, colorspace='RGB', strict=True)
    except ValueError as error:
        raise FrameDecodeError(f'{described} is corrupt: libjpeg: {error}') from error


def _decode_opencv(buffer: memoryview, described: str) -> Any:
    encoded = np.frombuffer(buffer, dtype=np.uint8)
    try:
        decoded = cv2.imdecode(encoded, cv2.IMREAD_COLOR if _IMREAD_RGB is None else _IMREAD_RGB)
    except cv2.error as error:
        raise FrameDecodeError(f'OpenCV failed to decode {described}: {error}') from error
    if decoded is None:
        raise FrameDecodeError(
            f'OpenCV could not decode {described} from {buffer.nbytes} bytes (corrupt data)')
    if decoded.ndim == 2:
        decoded = cv2.cvtColor(decoded, cv2.COLOR_GRAY2RGB)
    elif _IMREAD_RGB is None:
        decoded = cv2.cvtColor(decoded, cv2.COLOR_BGR2RGB)
    return decoded
