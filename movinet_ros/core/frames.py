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
Convert sensor_msgs/Image and sensor_msgs/CompressedImage messages to HxWx3 uint8 RGB.

Messages are duck-typed: rclpy messages (``data`` is ``array.array('B')``), rosbags messages
(``data`` is a numpy uint8 array) and any object with the same attributes whose ``data``
exposes a contiguous byte buffer all work.

Raw images are read the way cv_bridge's ``imgmsg_to_cv2`` reads them: rows start every
``step`` bytes (row padding is skipped), ``len(data)`` must be at least ``step * height``
(trailing bytes are ignored) and ``is_bigendian`` gives the byte order of 16-bit pixels.
Pixels are read through a strided numpy view of the message buffer, never a copy of it,
and OpenCV's colour conversion or decoder writes the result directly.

Every header number is checked before anything is allocated, so a message that claims
100000x100000 pixels with ten bytes of data costs nothing. All failures raise a subclass
of ``FrameError`` whose message names the encoding or format and the numbers involved.
The returned array is always new, C-contiguous and writeable; it never shares memory with
the message.
"""

from dataclasses import dataclass
from typing import Any, Optional, Protocol

import cv2
from movinet_ros.core.errors import MovinetError
import numpy as np
import numpy.typing as npt

MAX_DIMENSION: int = 16384
# A JPEG needs at least about one bit per 8x8 block: a flat 4096x4096 frame is 64 pixels per
# byte baseline, 170 progressive. 2048 leaves a wide margin and stops a few hundred bytes that
# claim 16384x16384 from making OpenCV allocate and fill gigabytes for seconds.
MAX_JPEG_PIXELS_PER_BYTE: int = 2048

RgbFrame = npt.NDArray[np.uint8]


class FrameError(MovinetError, ValueError):
    """Base: a frame that cannot be converted."""


class UnsupportedEncodingError(FrameError):
    """An Image encoding this module does not convert."""


class FrameSizeError(FrameError):
    """Image sizes that are zero, absurd, or inconsistent with step and data length."""


class FrameDecodeError(FrameError):
    """CompressedImage data that is empty, truncated, corrupt or in an unknown format."""


class ImageLike(Protocol):
    """The sensor_msgs/Image attributes this module reads."""

    height: int
    width: int
    encoding: str
    is_bigendian: int
    step: int
    data: Any


class CompressedImageLike(Protocol):
    """The sensor_msgs/CompressedImage attributes this module reads."""

    format: str  # noqa: A003 (the message field's name)
    data: Any


@dataclass(frozen=True)
class _Layout:
    bytes_per_pixel: int
    # OpenCV conversion of the 8-bit view to RGB; None means the view is already RGB.
    cv_code: Optional[int]
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

_JPEG_NAMES = frozenset({'jpeg', 'jpg', 'jpe'})
_PNG_NAMES = frozenset({'png'})
_JPEG_MAGIC = b'\xff\xd8'
_PNG_MAGIC = b'\x89PNG\r\n\x1a\n'
# Start-of-frame markers carry the image size; C4, C8 and CC share the range but are not SOF.
_JPEG_SOF_MARKERS = frozenset(range(0xC0, 0xD0)) - {0xC4, 0xC8, 0xCC}
# Markers without a length field: TEM and the restart markers RST0-RST7.
_JPEG_STANDALONE_MARKERS = frozenset({0x01, *range(0xD0, 0xD8)})
_JPEG_EOI = b'\xff\xd9'
_JPEG_SOS = 0xDA
# Decode straight to RGB where OpenCV can (>= 4.11), saving a conversion pass.
_IMREAD_RGB: Optional[int] = getattr(cv2, 'IMREAD_COLOR_RGB', None)


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
    cv_code: Optional[int]
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
        return _rgb_result(rgb, self.described)


def image_to_rgb(msg: ImageLike) -> RgbFrame:
    """
    Convert a sensor_msgs/Image to a new HxWx3 uint8 RGB array.

    Raises UnsupportedEncodingError for an encoding outside ``SUPPORTED_ENCODINGS``,
    FrameSizeError for sizes that are zero, larger than ``MAX_DIMENSION``, or do not fit
    ``step`` and the data length, and FrameError for a message without the Image fields.
    mono16 keeps the high byte of each sample (value // 256) in the byte order that
    ``is_bigendian`` names.
    """
    return image_pixels(msg).to_rgb()


def image_pixels(msg: ImageLike) -> Pixels:
    """
    Check a sensor_msgs/Image and return its pixels as a view, without converting them.

    Raises what ``image_to_rgb`` raises, for the same reasons, before touching a pixel.
    """
    encoding = _field(msg, 'encoding')
    layout = _LAYOUTS.get(encoding) if isinstance(encoding, str) else None
    if layout is None:
        raise UnsupportedEncodingError(
            f'unsupported Image encoding {encoding!r}; supported: '
            f'{", ".join(SUPPORTED_ENCODINGS)}')
    height = _size_field(msg, 'height', encoding)
    width = _size_field(msg, 'width', encoding)
    step = _size_field(msg, 'step', encoding)
    big_endian = _field(msg, 'is_bigendian')
    if not isinstance(big_endian, (int, np.integer, np.bool_)):
        raise FrameError(
            f'{encoding} image is_bigendian must be 0 or 1, got {type(big_endian).__name__}')
    geometry = f'{encoding} image {width}x{height} (step {step})'
    if width == 0 or height == 0:
        raise FrameSizeError(f'{geometry} has no pixels')
    if width > MAX_DIMENSION or height > MAX_DIMENSION:
        raise FrameSizeError(
            f'{geometry} exceeds the {MAX_DIMENSION} pixel limit per side')
    row_bytes = width * layout.bytes_per_pixel
    if step < row_bytes:
        raise FrameSizeError(
            f'{geometry}: step {step} is shorter than a row of {width} pixels x '
            f'{layout.bytes_per_pixel} bytes = {row_bytes} bytes')
    if layout.even_width and width % 2:
        raise FrameSizeError(
            f'{geometry}: width {width} is odd, but {encoding} packs pixels in pairs')
    buffer = _byte_buffer(msg, f'{encoding} Image')
    needed = step * height
    if buffer.nbytes < needed:
        raise FrameSizeError(
            f'{geometry}: data has {buffer.nbytes} bytes, expected at least '
            f'step {step} x height {height} = {needed}')

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


def compressed_to_rgb(msg: CompressedImageLike) -> RgbFrame:
    """
    Decode a sensor_msgs/CompressedImage (JPEG or PNG) to a new HxWx3 uint8 RGB array.

    ``format`` may be a bare codec name ("jpeg", "png") or image_transport's form
    ("rgb8; jpeg compressed bgr8"); an empty format is resolved by the data's magic bytes.
    Raises FrameDecodeError for empty, truncated or corrupt data, an unknown format or data
    that does not match its format, and FrameSizeError when the image header claims sides
    of zero or more than ``MAX_DIMENSION`` pixels (checked before decoding).
    """
    image_format = _field(msg, 'format')
    if not isinstance(image_format, str):
        raise FrameDecodeError(
            f'CompressedImage format must be a string, got {type(image_format).__name__}')
    buffer = _byte_buffer(msg, f'CompressedImage (format {image_format!r})')
    if buffer.nbytes == 0:
        raise FrameDecodeError(f'CompressedImage (format {image_format!r}) has no data')
    codec = _codec(image_format, buffer)
    if codec == 'jpeg':
        width, height = _jpeg_header_size(buffer, image_format)
    else:
        width, height = _png_header_size(buffer, image_format)
    described = f'{codec} image (format {image_format!r}) of {width}x{height}'
    if width == 0 or height == 0:
        raise FrameSizeError(f'{described} has no pixels')
    if width > MAX_DIMENSION or height > MAX_DIMENSION:
        raise FrameSizeError(f'{described} exceeds the {MAX_DIMENSION} pixel limit per side')
    if codec == 'jpeg' and width * height > MAX_JPEG_PIXELS_PER_BYTE * buffer.nbytes:
        raise FrameDecodeError(
            f'{described} is corrupt: {buffer.nbytes} bytes of JPEG data cannot hold '
            f'{width * height} pixels')

    encoded = np.frombuffer(buffer, dtype=np.uint8)
    try:
        decoded = cv2.imdecode(encoded, cv2.IMREAD_COLOR if _IMREAD_RGB is None else _IMREAD_RGB)
    except cv2.error as error:
        raise FrameDecodeError(f'OpenCV failed to decode {described}: {error}') from None
    if decoded is None:
        raise FrameDecodeError(
            f'OpenCV could not decode {described} from {buffer.nbytes} bytes (corrupt data)')
    if decoded.ndim == 2:
        decoded = cv2.cvtColor(decoded, cv2.COLOR_GRAY2RGB)
    elif _IMREAD_RGB is None:
        decoded = cv2.cvtColor(decoded, cv2.COLOR_BGR2RGB)
    return _rgb_result(decoded, described)


def message_to_rgb(msg: object) -> RgbFrame:
    """
    Convert an Image or CompressedImage message, told apart by its attributes.

    An object with ``encoding`` and ``height`` is an Image, one with ``format`` a
    CompressedImage; anything else raises FrameError naming its type.
    """
    frame = message_to_pixels(msg)
    return frame.to_rgb() if isinstance(frame, Pixels) else frame


def message_to_pixels(msg: object) -> Pixels | RgbFrame:
    """
    Check an Image and return its Pixels, or decode a CompressedImage to RGB.

    The cheapest form for a consumer that resizes anyway (see preprocess.Preprocessor): a
    raw frame is converted only after it has been made small, where that gives the same
    result. Raises like ``message_to_rgb``.
    """
    if hasattr(msg, 'encoding') and hasattr(msg, 'height'):
        return image_pixels(msg)  # type: ignore[arg-type]
    if hasattr(msg, 'format'):
        return compressed_to_rgb(msg)  # type: ignore[arg-type]
    raise FrameError(
        f'cannot convert a {type(msg).__module__}.{type(msg).__qualname__}: expected a '
        'sensor_msgs/Image (encoding, height, ...) or CompressedImage (format, data)')


def _field(msg: object, name: str) -> Any:
    try:
        return getattr(msg, name)
    except AttributeError:
        raise FrameError(
            f'{type(msg).__qualname__} has no {name!r} field; not an image message') from None


def _size_field(msg: object, name: str, encoding: str) -> int:
    value = _field(msg, name)
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise FrameSizeError(
            f'{encoding} image {name} must be an integer, got {type(value).__name__} '
            f'{value!r}')
    if value < 0:
        raise FrameSizeError(f'{encoding} image {name} is negative: {value}')
    return int(value)


def _byte_buffer(msg: object, described: str) -> memoryview:
    data = _field(msg, 'data')
    try:
        view = memoryview(data)
    except (TypeError, ValueError, BufferError):
        raise FrameError(
            f'{described} data is a {type(data).__name__}, which exposes no byte buffer'
        ) from None
    if not view.c_contiguous:
        raise FrameError(f'{described} data buffer is not contiguous')
    # Flat bytes whatever the exporter's shape and item type (numpy arrays, array.array).
    return view if view.format == 'B' and view.ndim == 1 else view.cast('B')


def _codec(image_format: str, buffer: memoryview) -> str:
    # image_transport writes "<encoding>; <codec> compressed <encoding>"; plain "jpeg" too.
    words = image_format.split(';')[-1].split()
    name = words[0].lower() if words else ''
    starts_jpeg = buffer[:2] == _JPEG_MAGIC
    starts_png = buffer[:8] == _PNG_MAGIC
    if not name:
        if starts_jpeg:
            return 'jpeg'
        if starts_png:
            return 'png'
        raise FrameDecodeError(
            f'CompressedImage format {image_format!r} names no codec and the data starts '
            f'with {_hex_head(buffer)}, neither JPEG (ff d8) nor PNG (89 50 4e 47)')
    if name in _JPEG_NAMES:
        if not starts_jpeg:
            raise FrameDecodeError(
                f'CompressedImage format {image_format!r} says JPEG, but the data starts '
                f'with {_hex_head(buffer)}, not the JPEG marker ff d8')
        return 'jpeg'
    if name in _PNG_NAMES:
        if not starts_png:
            raise FrameDecodeError(
                f'CompressedImage format {image_format!r} says PNG, but the data starts '
                f'with {_hex_head(buffer)}, not the PNG signature 89 50 4e 47')
        return 'png'
    raise FrameDecodeError(
        f'unsupported CompressedImage format {image_format!r} (codec {name!r}); '
        'supported: jpeg, png')


def _jpeg_header_size(buffer: memoryview, image_format: str) -> tuple[int, int]:
    """Return (width, height) from the SOF segment, rejecting data cut before its end."""
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
            return width, height
        if length < 2:
            raise FrameDecodeError(
                f'{described} is corrupt: segment ff {marker:02x} at byte {position} has '
                f'length {length}')
        position += 2 + length
    raise FrameDecodeError(f'{described} is corrupt: no frame header (SOF) before the image data')


def _png_header_size(buffer: memoryview, image_format: str) -> tuple[int, int]:
    """Return (width, height) from IHDR, rejecting data cut before the IEND chunk."""
    described = f'PNG data (format {image_format!r}, {buffer.nbytes} bytes)'
    ihdr = len(_PNG_MAGIC)
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


def _hex_head(buffer: memoryview) -> str:
    return ' '.join(f'{byte:02x}' for byte in buffer[:8]) or 'nothing'


def _rgb_result(image: Any, described: str) -> RgbFrame:
    # OpenCV's outputs are fresh arrays; this guards the output contract, not the input.
    if image.ndim != 3 or image.shape[2] != 3 or image.dtype != np.uint8:
        raise FrameError(
            f'{described} converted to shape {image.shape} {image.dtype}, not HxWx3 uint8')
    return image
