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
Property tests: any message converts to an (height, width, 3) uint8 array or raises FrameError.

Raw Image outcomes are predicted from the header alone (an independent statement of the
rules), so a wrong acceptance or rejection fails, not only a foreign exception. Together
the properties run more than 10,000 generated cases; each test asserts its own count.
"""

import array
import collections
from types import SimpleNamespace

import cv2
from helpers.images import encode
from hypothesis import given, settings, strategies as st
from movinet_ros.core.frames import (
    FrameDecodeError, FrameError, FrameSizeError, MAX_DIMENSION, message_to_rgb,
    SUPPORTED_ENCODINGS, UnsupportedEncodingError)
import numpy as np
import pytest

IMAGE_EXAMPLES = 5000
COMPRESSED_EXAMPLES = 2000
TRUNCATED_EXAMPLES = 2000
ABSURD_EXAMPLES = 500
ODD_OBJECT_EXAMPLES = 500

# The rules restated, not imported: bytes per pixel and which layouts pack pixel pairs.
BYTES_PER_PIXEL = {
    'rgb8': 3, 'bgr8': 3, 'rgba8': 4, 'bgra8': 4, 'mono8': 1, 'mono16': 2, 'yuv422': 2,
    'uyvy': 2, 'yuv422_yuy2': 2, 'yuyv': 2, 'bayer_rggb8': 1, 'bayer_bggr8': 1,
    'bayer_gbrg8': 1, 'bayer_grbg8': 1, '8UC1': 1, '8UC3': 3, '8UC4': 4,
}
PAIRED = {'yuv422', 'uyvy', 'yuv422_yuy2', 'yuyv'}
ABSURD = [MAX_DIMENSION + 1, 100_000, 2**31 - 1, 2**32 - 1, 2**63]
GARBAGE_ENCODINGS = ['', 'RGB8', 'rgb16', 'bgr16', 'mono32', 'bayer_rggb16', '32FC1', '16UC1',
                     'jpeg', 'rgb8 ', 'nv21', 'yuv420']
COMPRESSED_FORMATS = ['jpeg', 'jpg', 'png', '', 'JPEG', 'rgb8; jpeg compressed bgr8',
                      'bgr8; png compressed bgr8', 'mono8; jpeg compressed mono8', 'tiff',
                      'h264', 'bmp', ';', 'rgb8;', '16UC1; compressedDepth png']
DATA_TYPES = [bytes, bytearray, memoryview, 'array', 'numpy']

generated = collections.Counter()

# Weighted towards real encodings and sizes that fit, so valid frames are common too.
encoding_kinds = st.sampled_from(['supported'] * 4 + ['garbage', 'text'])
encoding_choices = {'supported': st.sampled_from(SUPPORTED_ENCODINGS),
                    'garbage': st.sampled_from(GARBAGE_ENCODINGS),
                    'text': st.text(max_size=12)}
small_sides = st.sampled_from([0] + list(range(1, 8)) * 2)
flags = st.one_of(st.integers(0, 1), st.booleans(), st.integers(0, 255))
# Strategies built once: building them inside a composite costs more than the test itself.
fallback_bytes_per_pixel = st.integers(1, 4)
step_kinds = st.sampled_from(['row'] * 4 + ['any', 'absurd'])
row_pads = st.integers(-4, 9)
any_steps = st.integers(0, 64)
absurd_values = st.sampled_from(ABSURD)
length_deltas = st.sampled_from([0, 0, 0, 1, 5, -1, -3])
short_lengths = st.integers(0, 64)
seeds = st.integers(0, 2**32 - 1)
data_types = st.sampled_from(DATA_TYPES)


def make_data(length, seed, data_type):
    raw = np.random.default_rng(seed).integers(0, 256, length, dtype=np.uint8).tobytes()
    if data_type == 'array':
        return array.array('B', raw)
    if data_type == 'numpy':
        return np.frombuffer(raw, dtype=np.uint8)
    return data_type(raw)


@st.composite
def image_messages(draw, sides=small_sides):
    encoding = draw(encoding_choices[draw(encoding_kinds)])
    height = draw(sides)
    width = draw(sides)
    bytes_per_pixel = BYTES_PER_PIXEL.get(encoding) or draw(fallback_bytes_per_pixel)
    step_kind = draw(step_kinds)
    if step_kind == 'row':
        step = max(0, width * bytes_per_pixel + draw(row_pads))
    else:
        step = draw(any_steps if step_kind == 'any' else absurd_values)
    needed = step * height
    # Keep data small: near the size the header needs, or a few bytes for absurd headers.
    length = max(0, needed + draw(length_deltas)) if needed <= 4096 else draw(short_lengths)
    data = make_data(length, draw(seeds), draw(data_types))
    return SimpleNamespace(height=height, width=width, encoding=encoding,
                           is_bigendian=draw(flags), step=step, data=data)


def expected_image_error(msg):
    """Predict the error class from the header numbers, or None when the frame is valid."""
    bytes_per_pixel = BYTES_PER_PIXEL.get(msg.encoding)
    if bytes_per_pixel is None:
        return UnsupportedEncodingError
    if (msg.height == 0 or msg.width == 0 or msg.height > MAX_DIMENSION
            or msg.width > MAX_DIMENSION or msg.step < msg.width * bytes_per_pixel
            or (msg.encoding in PAIRED and msg.width % 2)
            or memoryview(msg.data).nbytes < msg.step * msg.height):
        return FrameSizeError
    return None


def repacked_without_padding(msg):
    """Copy the message with rows packed back to back, step = width * bytes per pixel."""
    row_bytes = msg.width * BYTES_PER_PIXEL[msg.encoding]
    flat = np.frombuffer(memoryview(msg.data).cast('B'), dtype=np.uint8)
    rows = flat[:msg.step * msg.height].reshape(msg.height, msg.step)[:, :row_bytes]
    return SimpleNamespace(height=msg.height, width=msg.width, encoding=msg.encoding,
                           is_bigendian=msg.is_bigendian, step=row_bytes, data=rows.tobytes())


def assert_rgb_frame(result, height=None, width=None):
    assert isinstance(result, np.ndarray)
    assert result.ndim == 3 and result.shape[2] == 3 and result.dtype == np.uint8
    assert result.flags.c_contiguous and result.flags.writeable
    if height is not None:
        assert result.shape[:2] == (height, width)


def check_image_message(msg):
    expected_error = expected_image_error(msg)
    if expected_error is not None:
        with pytest.raises(expected_error):
            message_to_rgb(msg)
        return expected_error.__name__
    result = message_to_rgb(msg)
    assert_rgb_frame(result, msg.height, msg.width)
    # Row padding never changes the picture.
    np.testing.assert_array_equal(message_to_rgb(repacked_without_padding(msg)), result)
    if msg.encoding == 'rgb8':
        np.testing.assert_array_equal(
            result.reshape(msg.height, -1), np.frombuffer(repacked_without_padding(msg).data,
                                                          np.uint8).reshape(msg.height, -1))
    return 'converted'


@settings(max_examples=IMAGE_EXAMPLES, deadline=None)
@given(image_messages())
def image_property(msg):
    generated['image'] += 1
    generated['image ' + check_image_message(msg)] += 1


@settings(max_examples=ABSURD_EXAMPLES, deadline=None)
@given(image_messages(sides=st.one_of(st.sampled_from(ABSURD), small_sides)))
def absurd_header_property(msg):
    generated['absurd'] += 1
    generated['absurd ' + check_image_message(msg)] += 1


@st.composite
def compressed_messages(draw):
    prefix = draw(st.sampled_from([b'', b'\xff\xd8', b'\xff\xd8\xff\xc0\x00\x11\x08',
                                   b'\x89PNG\r\n\x1a\n', b'\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR']))
    body = draw(st.binary(max_size=200))
    suffix = draw(st.sampled_from([b'', b'\xff\xd9', b'\x00\x00\x00\x00IEND\xaeB`\x82']))
    image_format = draw(st.one_of(st.sampled_from(COMPRESSED_FORMATS), st.text(max_size=20)))
    data_type = draw(st.sampled_from(DATA_TYPES))
    raw = prefix + body + suffix
    data = make_data(0, 0, data_type) if not raw else (
        np.frombuffer(raw, np.uint8) if data_type == 'numpy' else
        array.array('B', raw) if data_type == 'array' else data_type(raw))
    return SimpleNamespace(format=image_format, data=data)


@settings(max_examples=COMPRESSED_EXAMPLES, deadline=None)
@given(compressed_messages())
def compressed_property(msg):
    generated['compressed'] += 1
    try:
        result = message_to_rgb(msg)
    except FrameError:
        return
    assert_rgb_frame(result)


@st.composite
def encoded_images(draw):
    height = draw(st.integers(1, 24))
    width = draw(st.integers(1, 24))
    channels = draw(st.sampled_from([1, 3]))
    seed = draw(st.integers(0, 2**32 - 1))
    image = np.random.default_rng(seed).integers(0, 256, (height, width, channels),
                                                 dtype=np.uint8)
    if draw(st.booleans()):
        image[:] = image[0, 0]  # flat images compress to the smallest files
    codec = draw(st.sampled_from(['jpeg', 'png']))
    if codec == 'jpeg':
        # Quality >= 30 keeps quantisation values below 0xff, so header bytes can never
        # look like an EOI marker (ff d9) at a cut.
        params = [cv2.IMWRITE_JPEG_QUALITY, draw(st.integers(30, 100))]
        formats = ['jpeg', 'jpg', 'rgb8; jpeg compressed bgr8', 'mono8; jpeg compressed mono8']
    else:
        params = [cv2.IMWRITE_PNG_COMPRESSION, draw(st.integers(0, 9))]
        formats = ['png', 'bgr8; png compressed bgr8']
    encoded = encode('.jpg' if codec == 'jpeg' else '.png', image, *params)
    return height, width, encoded, draw(st.sampled_from(formats + ['']))


@settings(max_examples=TRUNCATED_EXAMPLES, deadline=None)
@given(encoded_images(), st.data())
def truncated_property(encoded, data):
    generated['truncated'] += 1
    height, width, complete, image_format = encoded
    cut = data.draw(st.one_of(st.integers(0, len(complete) - 1), st.none()), label='cut')
    if cut is None:
        # The untruncated file decodes to its own size.
        assert_rgb_frame(message_to_rgb(SimpleNamespace(format=image_format, data=complete)),
                         height, width)
        return
    with pytest.raises(FrameDecodeError):
        message_to_rgb(SimpleNamespace(format=image_format, data=complete[:cut]))


field_values = st.one_of(st.none(), st.integers(-3, 8), st.text(max_size=5), st.binary(max_size=8),
                         st.sampled_from(SUPPORTED_ENCODINGS), st.floats(allow_nan=True),
                         st.lists(st.integers(0, 255), max_size=4))


@st.composite
def odd_objects(draw):
    if draw(st.booleans()):
        return draw(field_values)
    names = draw(st.sets(st.sampled_from(['height', 'width', 'encoding', 'is_bigendian', 'step',
                                          'data', 'format'])))
    return SimpleNamespace(**{name: draw(field_values) for name in names})


@settings(max_examples=ODD_OBJECT_EXAMPLES, deadline=None)
@given(odd_objects())
def odd_object_property(thing):
    generated['odd'] += 1
    try:
        result = message_to_rgb(thing)
    except FrameError:
        return
    assert_rgb_frame(result)


@pytest.mark.parametrize('name, prop, examples', [
    ('image', image_property, IMAGE_EXAMPLES),
    ('absurd', absurd_header_property, ABSURD_EXAMPLES),
    ('compressed', compressed_property, COMPRESSED_EXAMPLES),
    ('truncated', truncated_property, TRUNCATED_EXAMPLES),
    ('odd', odd_object_property, ODD_OBJECT_EXAMPLES),
])
def test_property(name, prop, examples):
    for key in [key for key in generated if key.split()[0] == name]:
        del generated[key]
    prop()
    print(f'{name}: {generated[name]} generated cases', dict(generated))
    assert generated[name] >= examples
    if name == 'image':
        # A generator that only produced rejections (or only valid frames) would prove little.
        for outcome in ('converted', 'UnsupportedEncodingError', 'FrameSizeError'):
            assert generated[f'image {outcome}'] >= examples // 20, dict(generated)
