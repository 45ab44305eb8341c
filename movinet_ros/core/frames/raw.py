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
Raw sensor_msgs/Image layouts (encodings), checked and read as views, converted to RGB.

Raw images are read the way cv_bridge's ``imgmsg_to_cv2`` reads them: rows start every
``step`` bytes (row padding is skipped), ``len(data)`` must be at least ``step * height``
(trailing bytes are ignored) and ``is_bigendian`` gives the byte order of 16-bit pixels.
Pixels are read through a strided numpy view of the message buffer, never a copy of it,
and OpenCV's colour conversion writes the result directly.

Every header number is checked before anything is allocated, so a message that claims
100000x100000 pixels with ten bytes of data costs nothing.
"""

from dataclasses import dataclass

import cv2
from movinet_ros.core.frames.errors import FrameError, FrameSizeError, UnsupportedEncodingError
from movinet_ros.core.frames.fields import (
    byte_buffer, field, rgb_result, RgbFrame, size_field)
from movinet_ros.core.frames.limits import check_budget, check_sides, DEFAULT_MAX_PIXELS
from movinet_ros.core.frames.protocols import ImageLike
import numpy as np


@dataclass(frozen=True)
class _Layout:
    bytes_per_pixel: int
    # OpenCV conversion of the 8-bit view to RGB; None means the view is already RGB.
    cv_code: int | None
    # Pixels of 2 bytes carry one 16-bit sample (mono16), not two 8-bit channels (YUV).
    sixteen_bit: bool = False
    even_width: bool = False


# OpenCV names Bayer patterns after the second row's first two pixels, so ROS rggb is
# OpenCV BG (cv_bridge's mapping); OpenCV >= 4.5 also spells the same codes as RGGB etc.
_LAYOUTS = {
    'rgb8': _Layout(3, None),
    'bgr8': _Layout(3, cv2.COLOR_BGR2RGB),
    'rgba8': _Layout(4, cv2.COLOR_RGBA2RGB),
    'bgra8': _Layout(4, cv2.COLOR_BGRA2RGB),
    'mono8': _Layout(1, cv2.COLOR_GRAY2RGB),
    'mono16': _Layout(2, cv2.COLOR_GRAY2RGB, sixteen_bit=True),
    'yuv422': _Layout(2, cv2.COLOR_YUV2RGB_UYVY, even_width=True),
    'uyvy': _Layout(2, cv2.COLOR_YUV2RGB_UYVY, even_width=True),
    'yuv422_yuy2': _Layout(2, cv2.COLOR_YUV2RGB_YUYV, even_width=True),
    'yuyv': _Layout(2, cv2.COLOR_YUV2RGB_YUYV, even_width=True),
    'bayer_rggb8': _Layout(1, cv2.COLOR_BayerBG2RGB),
    'bayer_bggr8': _Layout(1, cv2.COLOR_BayerRG2RGB),
    'bayer_gbrg8': _Layout(1, cv2.COLOR_BayerGR2RGB),
    'bayer_grbg8': _Layout(1, cv2.COLOR_BayerGB2RGB),
    # Generic OpenCV types carry no colour order; like cv_bridge's display conversion,
    # read 1, 3 and 4 channels as mono8, bgr8 and bgra8.
    '8UC1': _Layout(1, cv2.COLOR_GRAY2RGB),
    '8UC3': _Layout(3, cv2.COLOR_BGR2RGB),
    '8UC4': _Layout(4, cv2.COLOR_BGRA2RGB),
}

SUPPORTED_ENCODINGS: tuple[str, ...] = tuple(_LAYOUTS)


# Conversions that act on each pixel alone (reorder or drop channels, grey to RGB): they
# commute with resizing, so a frame can be resized first and converted small.
_PER_PIXEL_CODES = frozenset({None, cv2.COLOR_BGR2RGB, cv2.COLOR_RGBA2RGB, cv2.COLOR_BGRA2RGB,
                              cv2.COLOR_GRAY2RGB})


@dataclass(frozen=True)
class Pixels:
    """
    The pixels of a checked sensor_msgs/Image, not yet converted: a view of its buffer.

    ``view`` is HxW (one channel) or HxWxC uint8, rows ``step`` bytes apart, sharing memory
    with the message; ``cv_code`` converts it to RGB (None: it is RGB already).
    """

    view: np.ndarray
    cv_code: int | None
    described: str

    @property
    def size(self) -> tuple[int, int]:
        """Return (width, height)."""
        return self.view.shape[1], self.view.shape[0]

    @property
    def per_pixel(self) -> bool:
        """Whether the conversion commutes with resizing and OpenCV can read rows in place."""
        channels = self.view.shape[2] if self.view.ndim == 3 else 1
        return self.cv_code in _PER_PIXEL_CODES and self.view.strides[1] == channels

    def to_rgb(self) -> RgbFrame:
        """Return a new HxWx3 RGB array of the whole frame."""
        if self.cv_code is None:
            return np.array(self.view, dtype=np.uint8, order='C', copy=True)
        try:
            rgb = cv2.cvtColor(self.view, self.cv_code)
        except cv2.error as error:
            raise FrameError(f'OpenCV could not convert {self.described}: {error}') from None
        return rgb_result(rgb, self.described)


def image_to_rgb(msg: ImageLike, *, max_pixels: int = DEFAULT_MAX_PIXELS) -> RgbFrame:
    """
    Convert a sensor_msgs/Image to a new HxWx3 uint8 RGB array.

    Raises UnsupportedEncodingError for an encoding outside ``SUPPORTED_ENCODINGS``,
    FrameSizeError for sizes that are zero, larger than ``MAX_DIMENSION``, or do not fit
    ``step`` and the data length, PixelBudgetError for more than ``max_pixels`` pixels, and
    FrameError for a message without the Image fields.
    mono16 keeps the high byte of each sample (value // 256) in the byte order that
    ``is_bigendian`` names.
    """
    return image_pixels(msg, max_pixels=max_pixels).to_rgb()


def image_pixels(msg: ImageLike, *, max_pixels: int = DEFAULT_MAX_PIXELS) -> Pixels:
    """
    Check a sensor_msgs/Image and return its pixels as a view, without converting them.

    Raises what ``image_to_rgb`` raises, for the same reasons, before touching a pixel.
    """
    encoding = field(msg, 'encoding')
    layout = _LAYOUTS.get(encoding) if isinstance(encoding, str) else None
    if layout is None:
        raise UnsupportedEncodingError(
            f'unsupported Image encoding {encoding!r}; supported: '
            f'{", ".join(SUPPORTED_ENCODINGS)}')
    height = size_field(msg, 'height', encoding)
    width = size_field(msg, 'width', encoding)
    step = size_field(msg, 'step', encoding)
    big_endian = field(msg, 'is_bigendian')
    if not isinstance(big_endian, (int, np.integer, np.bool_)):
        raise FrameError(
            f'{encoding} image is_bigendian must be 0 or 1, got {type(big_endian).__name__}')
    geometry = f'{encoding} image {width}x{height} (step {step})'
    check_sides(geometry, width, height)
    row_bytes = width * layout.bytes_per_pixel
    if step < row_bytes:
        raise FrameSizeError(
            f'{geometry}: step {step} is shorter than a row of {width} pixels x '
            f'{layout.bytes_per_pixel} bytes = {row_bytes} bytes')
    if layout.even_width and width % 2:
        raise FrameSizeError(
            f'{geometry}: width {width} is odd, but {encoding} packs pixels in pairs')
    buffer = byte_buffer(msg, f'{encoding} Image')
    needed = step * height
    if buffer.nbytes < needed:
        raise FrameSizeError(
            f'{geometry}: data has {buffer.nbytes} bytes, expected at least '
            f'step {step} x height {height} = {needed}')
    # After the data check: a frame whose bytes are all there is over budget for what its
    # conversion and the model's resize would allocate, not for what it already holds.
    check_budget(geometry, width, height, max_pixels)

    # Strided view over the message bytes: rows start every `step` bytes, padding skipped.
    pixels = np.ndarray(
        shape=(height, width, layout.bytes_per_pixel), dtype=np.uint8, buffer=buffer,
        strides=(step, layout.bytes_per_pixel, 1))
    if layout.sixteen_bit:
        # value >> 8 is the sample's most significant byte, so no 16-bit array is needed.
        view = pixels[:, :, 0 if big_endian else 1]
    elif layout.bytes_per_pixel == 1:
        view = pixels[:, :, 0]
    else:
        view = pixels
    return Pixels(view, layout.cv_code, geometry)
