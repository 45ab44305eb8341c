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

"""Image and CompressedImage conversion against OpenCV's own conversions, and every error."""

import array
import tracemalloc
from types import SimpleNamespace

import cv2
from helpers.images import encode, with_jpeg_size, with_png_size
from movinet_ros.core.errors import MovinetError
from movinet_ros.core.frames import (
    compressed_to_rgb, FrameDecodeError, FrameError, FrameSizeError, image_pixels, image_to_rgb,
    MAX_DIMENSION, message_to_pixels, message_to_rgb, Pixels, SUPPORTED_ENCODINGS,
    UnsupportedEncodingError)
from movinet_ros.core.preprocess import Preprocessor, RESIZE_MODES
import numpy as np
import pytest

HEIGHT, WIDTH = 6, 10


def random_rgb(seed=0, height=HEIGHT, width=WIDTH):
    return np.random.default_rng(seed).integers(0, 256, (height, width, 3), dtype=np.uint8)


def smooth_rgb(seed=0, height=48, width=64):
    """Low-frequency colours, so JPEG round trips stay close."""
    coarse = random_rgb(seed, 4, 4)
    return cv2.resize(coarse, (width, height), interpolation=cv2.INTER_LINEAR)


def bayer_mosaic(rgb, pattern):
    """Sample one channel per pixel in the 2x2 pattern named like ROS ('rggb': R at 0,0)."""
    channel = {'r': 0, 'g': 1, 'b': 2}
    mosaic = np.empty(rgb.shape[:2], dtype=np.uint8)
    for index, letter in enumerate(pattern):
        row, col = divmod(index, 2)
        mosaic[row::2, col::2] = rgb[row::2, col::2, channel[letter]]
    return mosaic


def image_msg(encoding, pixels, pad=0, is_bigendian=0, data_type=bytes, trailing=0):
    """Lay HxW(xC) pixels out as an Image message whose rows are padded by `pad` bytes."""
    height, width = pixels.shape[:2]
    row_bytes = pixels[0].nbytes
    rows = np.zeros((height, row_bytes + pad), dtype=np.uint8)
    rows[:, :row_bytes] = np.ascontiguousarray(pixels).view(np.uint8).reshape(height, row_bytes)
    raw = rows.tobytes() + b'\xaa' * trailing
    if data_type is np.ndarray:
        data = np.frombuffer(raw, dtype=np.uint8)
    elif data_type is array.array:
        data = array.array('B', raw)
    else:
        data = data_type(raw)
    return SimpleNamespace(height=height, width=width, encoding=encoding,
                           is_bigendian=is_bigendian, step=row_bytes + pad, data=data)


def compressed_msg(image_format, data):
    return SimpleNamespace(format=image_format, data=data)


def raw_and_expected(encoding, rgb):
    """Return an encoding's pixel layout of `rgb` and OpenCV's RGB conversion of it."""
    if encoding == 'rgb8':
        return rgb, rgb
    if encoding in ('bgr8', '8UC3'):
        raw = cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR)
        return raw, cv2.cvtColor(raw, cv2.COLOR_BGR2RGB)
    if encoding == 'rgba8':
        raw = cv2.cvtColor(rgb, cv2.COLOR_RGB2RGBA)
        raw[:, :, 3] = random_rgb(9, *rgb.shape[:2])[:, :, 0]
        return raw, cv2.cvtColor(raw, cv2.COLOR_RGBA2RGB)
    if encoding in ('bgra8', '8UC4'):
        raw = cv2.cvtColor(rgb, cv2.COLOR_RGB2BGRA)
        raw[:, :, 3] = random_rgb(9, *rgb.shape[:2])[:, :, 0]
        return raw, cv2.cvtColor(raw, cv2.COLOR_BGRA2RGB)
    if encoding in ('mono8', '8UC1'):
        raw = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)
        return raw, cv2.cvtColor(raw, cv2.COLOR_GRAY2RGB)
    if encoding in ('yuv422', 'uyvy'):
        raw = cv2.cvtColor(rgb, cv2.COLOR_RGB2YUV_UYVY)
        return raw, cv2.cvtColor(raw, cv2.COLOR_YUV2RGB_UYVY)
    if encoding in ('yuv422_yuy2', 'yuyv'):
        raw = cv2.cvtColor(rgb, cv2.COLOR_RGB2YUV_YUYV)
        return raw, cv2.cvtColor(raw, cv2.COLOR_YUV2RGB_YUYV)
    if encoding.startswith('bayer_'):
        pattern = encoding[len('bayer_'):-1]
        # cv_bridge's table: OpenCV names the pattern after the second row.
        code = {'rggb': cv2.COLOR_BayerBG2RGB, 'bggr': cv2.COLOR_BayerRG2RGB,
                'gbrg': cv2.COLOR_BayerGR2RGB, 'grbg': cv2.COLOR_BayerGB2RGB}[pattern]
        raw = bayer_mosaic(rgb, pattern)
        return raw, cv2.cvtColor(raw, code)
    if encoding == 'mono16':
        raw = random_rgb(3, *rgb.shape[:2])[:, :, 0].astype(np.uint16) * 257 + 100
        return raw.astype('<u2'), cv2.cvtColor((raw >> 8).astype(np.uint8), cv2.COLOR_GRAY2RGB)
    raise AssertionError(f'no reference for {encoding}')


@pytest.mark.parametrize('encoding', SUPPORTED_ENCODINGS)
def test_each_encoding_matches_opencv_conversion(encoding):
    raw, expected = raw_and_expected(encoding, random_rgb(1))
    result = image_to_rgb(image_msg(encoding, raw))
    assert result.shape == (HEIGHT, WIDTH, 3)
    assert result.dtype == np.uint8
    np.testing.assert_array_equal(result, expected)


def test_lossless_encodings_give_back_the_original_pixels():
    rgb = random_rgb(2)
    for encoding in ('rgb8', 'bgr8', 'rgba8', 'bgra8', '8UC3', '8UC4'):
        raw, _ = raw_and_expected(encoding, rgb)
        np.testing.assert_array_equal(image_to_rgb(image_msg(encoding, raw)), rgb)


@pytest.mark.parametrize('encoding', ['yuv422', 'yuv422_yuy2'])
def test_yuv422_round_trip_is_close_to_the_original(encoding):
    rgb = smooth_rgb(3)
    raw, _ = raw_and_expected(encoding, rgb)
    result = image_to_rgb(image_msg(encoding, raw))
    assert np.abs(result.astype(int) - rgb).mean() < 3


@pytest.mark.parametrize('encoding, luma_offset', [('yuv422', 1), ('uyvy', 1),
                                                   ('yuv422_yuy2', 0), ('yuyv', 0)])
def test_yuv422_byte_order_uyvy_versus_yuyv(encoding, luma_offset):
    # Neutral chroma (128) makes every pixel grey with its own luma; reading luma from the
    # wrong byte of each pair would give one grey for all pixels instead.
    luma = np.array([[20, 60, 100, 140, 180, 220]], dtype=np.uint8)
    pairs = np.full((1, 6, 2), 128, dtype=np.uint8)
    pairs[:, :, luma_offset] = luma
    result = image_to_rgb(image_msg(encoding, pairs))
    # BT.601 video range: Y = 16..235 spans 0..255.
    expected = np.clip((luma.astype(float) - 16) * 255 / 219, 0, 255)
    assert np.abs(result - expected[:, :, None]).max() <= 2


@pytest.mark.parametrize('pattern', ['rggb', 'bggr', 'gbrg', 'grbg'])
def test_bayer_pattern_names_follow_ros_on_a_flat_colour(pattern):
    colour = np.array([200, 110, 30], dtype=np.uint8)
    flat = np.broadcast_to(colour, (8, 8, 3)).copy()
    result = image_to_rgb(image_msg(f'bayer_{pattern}8', bayer_mosaic(flat, pattern)))
    # Border pixels are extrapolated; the interior must be the exact colour.
    np.testing.assert_array_equal(result[2:-2, 2:-2], np.broadcast_to(colour, (4, 4, 3)))


@pytest.mark.parametrize('pattern', ['rggb', 'bggr', 'gbrg', 'grbg'])
def test_bayer_demosaic_is_close_to_a_smooth_original(pattern):
    rgb = smooth_rgb(4)
    result = image_to_rgb(image_msg(f'bayer_{pattern}8', bayer_mosaic(rgb, pattern)))
    assert np.abs(result[2:-2, 2:-2].astype(int) - rgb[2:-2, 2:-2]).mean() < 4


@pytest.mark.parametrize('encoding', SUPPORTED_ENCODINGS)
@pytest.mark.parametrize('pad', [1, 7, 64])
def test_padded_rows_give_the_unpadded_result(encoding, pad):
    raw, _ = raw_and_expected(encoding, random_rgb(5))
    unpadded = image_to_rgb(image_msg(encoding, raw))
    padded_msg = image_msg(encoding, raw, pad=pad)
    assert padded_msg.step == raw[0].nbytes + pad
    np.testing.assert_array_equal(image_to_rgb(padded_msg), unpadded)


@pytest.mark.parametrize('encoding', ['rgb8', 'mono16', 'yuv422'])
def test_trailing_bytes_after_the_last_row_are_ignored(encoding):
    raw, expected = raw_and_expected(encoding, random_rgb(6))
    np.testing.assert_array_equal(image_to_rgb(image_msg(encoding, raw, trailing=5)), expected)


@pytest.mark.parametrize('pad', [0, 1, 3])
def test_mono16_honours_is_bigendian(pad):
    values = np.array([[0, 255, 256, 0x1234, 0x80ff, 0xff00, 0xffff]], dtype=np.uint16)
    high_bytes = np.array([[0, 0, 1, 0x12, 0x80, 0xff, 0xff]], dtype=np.uint8)
    little = image_to_rgb(image_msg('mono16', values.astype('<u2'), pad=pad, is_bigendian=0))
    big = image_to_rgb(image_msg('mono16', values.astype('>u2'), pad=pad, is_bigendian=1))
    np.testing.assert_array_equal(little, np.dstack([high_bytes] * 3))
    np.testing.assert_array_equal(big, little)
    # The same bytes read with the other byte order take the low bytes instead.
    swapped = image_to_rgb(image_msg('mono16', values.astype('<u2'), pad=pad, is_bigendian=1))
    np.testing.assert_array_equal(swapped[:, :, 0], (values & 0xff).astype(np.uint8))


@pytest.mark.parametrize('data_type', [bytes, bytearray, array.array, np.ndarray, memoryview])
def test_any_byte_buffer_type_is_accepted(data_type):
    rgb = random_rgb(7)
    msg = image_msg('rgb8', rgb, pad=3, data_type=data_type)
    np.testing.assert_array_equal(image_to_rgb(msg), rgb)


def test_multidimensional_and_wide_numpy_buffers_are_read_as_bytes():
    rgb = random_rgb(8)
    msg = image_msg('rgb8', rgb)
    msg.data = np.frombuffer(msg.data, dtype=np.uint8).reshape(HEIGHT, -1)
    np.testing.assert_array_equal(image_to_rgb(msg), rgb)
    msg.data = np.frombuffer(rgb.tobytes(), dtype=np.uint16)
    np.testing.assert_array_equal(image_to_rgb(msg), rgb)


@pytest.mark.parametrize('encoding', ['rgb8', 'bgr8', 'mono8', 'mono16'])
def test_result_is_new_contiguous_and_writeable(encoding):
    raw, _ = raw_and_expected(encoding, random_rgb(9))
    msg = image_msg(encoding, raw, data_type=np.ndarray)
    result = image_to_rgb(msg)
    assert result.flags.c_contiguous and result.flags.writeable
    assert not np.shares_memory(result, msg.data)
    result[:] = 0
    assert msg.data.any()


def test_rosbags_messages_convert():
    from rosbags.typesys.stores.ros2_humble import (
        builtin_interfaces__msg__Time as Time, sensor_msgs__msg__CompressedImage as Compressed,
        sensor_msgs__msg__Image as Image, std_msgs__msg__Header as Header)
    header = Header(stamp=Time(sec=1, nanosec=2), frame_id='camera')
    rgb = random_rgb(10)
    bgr = cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR)
    padded = image_msg('bgr8', bgr, pad=4)
    msg = Image(header=header, height=HEIGHT, width=WIDTH, encoding='bgr8', is_bigendian=0,
                step=padded.step, data=np.frombuffer(padded.data, dtype=np.uint8))
    np.testing.assert_array_equal(image_to_rgb(msg), rgb)
    np.testing.assert_array_equal(message_to_rgb(msg), rgb)
    png = Compressed(header=header, format='bgr8; png compressed bgr8',
                     data=np.frombuffer(encode('.png', bgr), dtype=np.uint8))
    np.testing.assert_array_equal(message_to_rgb(png), rgb)


def test_rclpy_messages_convert():
    from sensor_msgs.msg import CompressedImage, Image
    rgb = random_rgb(11)
    padded = image_msg('rgb8', rgb, pad=2)
    msg = Image(height=HEIGHT, width=WIDTH, encoding='rgb8', is_bigendian=0, step=padded.step)
    msg.data = padded.data
    assert isinstance(msg.data, array.array)
    np.testing.assert_array_equal(image_to_rgb(msg), rgb)
    np.testing.assert_array_equal(message_to_rgb(msg), rgb)
    compressed = CompressedImage(format='png')
    compressed.data = encode('.png', cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR))
    np.testing.assert_array_equal(message_to_rgb(compressed), rgb)


def test_png_round_trip_is_exact():
    rgb = random_rgb(12)
    data = encode('.png', cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR))
    np.testing.assert_array_equal(compressed_to_rgb(compressed_msg('png', data)), rgb)


@pytest.mark.parametrize('image_format', ['jpeg', 'jpg', 'JPEG', 'rgb8; jpeg compressed bgr8',
                                          'bgr8; jpeg compressed bgr8', ''])
def test_jpeg_round_trip_is_close(image_format):
    rgb = smooth_rgb(13)
    data = encode('.jpg', cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR), cv2.IMWRITE_JPEG_QUALITY, 95)
    result = compressed_to_rgb(compressed_msg(image_format, data))
    assert result.shape == rgb.shape and result.dtype == np.uint8
    assert np.abs(result.astype(int) - rgb).mean() < 2
    # Colour order: a red-dominant image must stay red-dominant (BGR would swap it).
    red = np.zeros((16, 16, 3), dtype=np.uint8)
    red[:, :, 0] = 220
    decoded = compressed_to_rgb(
        compressed_msg(image_format, encode('.jpg', cv2.cvtColor(red, cv2.COLOR_RGB2BGR))))
    assert decoded[:, :, 0].min() > 200 and decoded[:, :, 2].max() < 20


@pytest.mark.parametrize('image_format', ['png', 'bgr8; png compressed bgr8', 'PNG', ''])
def test_png_formats_and_empty_format_sniffing(image_format):
    rgb = random_rgb(14)
    data = encode('.png', cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR))
    np.testing.assert_array_equal(compressed_to_rgb(compressed_msg(image_format, data)), rgb)


@pytest.mark.parametrize('extension, image_format', [('.png', 'mono8; png compressed mono8'),
                                                     ('.jpg', 'mono8; jpeg compressed mono8')])
def test_greyscale_compressed_images_expand_to_three_equal_channels(extension, image_format):
    grey = cv2.cvtColor(smooth_rgb(15), cv2.COLOR_RGB2GRAY)
    result = compressed_to_rgb(compressed_msg(image_format, encode(extension, grey)))
    assert result.shape == grey.shape + (3,)
    np.testing.assert_array_equal(result[:, :, 0], result[:, :, 1])
    np.testing.assert_array_equal(result[:, :, 0], result[:, :, 2])
    assert np.abs(result[:, :, 0].astype(int) - grey).max() <= (0 if extension == '.png' else 8)


def test_sixteen_bit_and_alpha_pngs_become_8_bit_rgb():
    values = np.random.default_rng(16).integers(0, 65536, (5, 7)).astype(np.uint16)
    result = compressed_to_rgb(compressed_msg('mono16; png compressed mono16',
                                              encode('.png', values)))
    np.testing.assert_array_equal(result, np.dstack([(values >> 8).astype(np.uint8)] * 3))
    bgra = np.dstack([cv2.cvtColor(random_rgb(17), cv2.COLOR_RGB2BGR), random_rgb(18)[:, :, 0]])
    result = compressed_to_rgb(compressed_msg('bgra8; png compressed bgra8', encode('.png', bgra)))
    np.testing.assert_array_equal(result, random_rgb(17))


def test_jpeg_zero_padding_after_eoi_is_accepted():
    rgb = smooth_rgb(19)
    data = encode('.jpg', cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR))
    expected = compressed_to_rgb(compressed_msg('jpeg', data))
    padded = compressed_to_rgb(compressed_msg('jpeg', data + bytes(1000)))
    np.testing.assert_array_equal(padded, expected)


def test_compressed_result_is_new_and_writeable():
    data = np.frombuffer(encode('.png', random_rgb(20)), dtype=np.uint8)
    result = compressed_to_rgb(compressed_msg('png', data))
    assert result.flags.c_contiguous and result.flags.writeable
    assert not np.shares_memory(result, data)


# --- errors -------------------------------------------------------------------------------

def raises(error_type, msg, *fragments):
    with pytest.raises(error_type) as caught:
        message_to_rgb(msg)
    text = str(caught.value)
    for fragment in fragments:
        assert fragment in text, f'{fragment!r} not in {text!r}'
    return caught.value


def valid_rgb8(**changes):
    msg = image_msg('rgb8', random_rgb(21))
    for name, value in changes.items():
        setattr(msg, name, value)
    return msg


def test_errors_are_frame_movinet_and_value_errors():
    for error_type in (UnsupportedEncodingError, FrameSizeError, FrameDecodeError):
        assert issubclass(error_type, FrameError)
    assert issubclass(FrameError, MovinetError) and issubclass(FrameError, ValueError)


@pytest.mark.parametrize('encoding', ['rgb16', 'bayer_rggb16', '32FC1', '', 'RGB 8', 'jpeg'])
def test_unsupported_encoding_names_it(encoding):
    error = raises(UnsupportedEncodingError, valid_rgb8(encoding=encoding), repr(encoding))
    assert 'rgb8' in str(error)  # lists what is supported


def test_non_string_encoding_is_unsupported():
    raises(UnsupportedEncodingError, valid_rgb8(encoding=None), 'None')


@pytest.mark.parametrize('height, width', [(0, 10), (6, 0), (0, 0)])
def test_zero_sizes_are_rejected(height, width):
    raises(FrameSizeError, valid_rgb8(height=height, width=width), f'{width}x{height}',
           'no pixels')


@pytest.mark.parametrize('height, width', [(100000, 100000), (MAX_DIMENSION + 1, 1),
                                           (1, MAX_DIMENSION + 1), (2**32 - 1, 2**32 - 1)])
def test_absurd_sizes_are_rejected_without_allocating(height, width):
    msg = SimpleNamespace(height=height, width=width, encoding='rgb8', is_bigendian=0,
                          step=width * 3, data=bytes(10))
    tracemalloc.start()
    try:
        raises(FrameSizeError, msg, f'{width}x{height}', str(MAX_DIMENSION))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 1_000_000


def test_largest_allowed_size_with_little_data_is_rejected_without_allocating():
    msg = SimpleNamespace(height=MAX_DIMENSION, width=MAX_DIMENSION, encoding='rgba8',
                          is_bigendian=0, step=MAX_DIMENSION * 4, data=bytes(10))
    tracemalloc.start()
    try:
        raises(FrameSizeError, msg, 'data has 10 bytes',
               f'{MAX_DIMENSION * 4} x height {MAX_DIMENSION} = {MAX_DIMENSION**2 * 4}')
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 1_000_000


def test_step_shorter_than_a_row_is_rejected():
    raises(FrameSizeError, valid_rgb8(step=WIDTH * 3 - 1), f'step {WIDTH * 3 - 1}',
           f'{WIDTH} pixels x 3 bytes = {WIDTH * 3}')


def test_mono16_step_counts_two_bytes_per_pixel():
    msg = image_msg('mono16', np.zeros((2, 4), dtype='<u2'))
    msg.step = 4
    raises(FrameSizeError, msg, 'step 4', '4 pixels x 2 bytes = 8')


def test_data_shorter_than_step_times_height_is_rejected():
    msg = valid_rgb8()
    msg.data = msg.data[:-1]
    raises(FrameSizeError, msg, f'data has {HEIGHT * WIDTH * 3 - 1} bytes',
           f'step {WIDTH * 3} x height {HEIGHT} = {HEIGHT * WIDTH * 3}')


def test_padded_step_needs_the_padding_of_every_row():
    # cv_bridge's rule: data must hold step * height bytes, last row's padding included.
    msg = image_msg('rgb8', random_rgb(22), pad=5)
    msg.data = msg.data[:-5]
    raises(FrameSizeError, msg, f'expected at least step {WIDTH * 3 + 5}')


@pytest.mark.parametrize('encoding', ['yuv422', 'yuv422_yuy2'])
def test_odd_width_yuv422_is_rejected(encoding):
    msg = SimpleNamespace(height=2, width=3, encoding=encoding, is_bigendian=0, step=6,
                          data=bytes(12))
    raises(FrameSizeError, msg, 'width 3 is odd', encoding)


@pytest.mark.parametrize('name, value', [('width', -1), ('height', -5), ('step', -30),
                                         ('width', 10.0), ('height', '6'), ('step', None),
                                         ('width', True)])
def test_non_integer_or_negative_sizes_are_rejected(name, value):
    raises(FrameSizeError, valid_rgb8(**{name: value}), name, repr(value))


@pytest.mark.parametrize('missing', ['width', 'step', 'data', 'is_bigendian'])
def test_missing_image_fields_are_named(missing):
    msg = valid_rgb8()
    delattr(msg, missing)
    raises(FrameError, msg, repr(missing))


@pytest.mark.parametrize('data', [None, 'abc' * 100, 12345, [1, 2, 3]])
def test_data_without_a_byte_buffer_is_rejected(data):
    raises(FrameError, valid_rgb8(data=data), type(data).__name__)


def test_non_contiguous_numpy_data_is_rejected():
    strided = np.zeros(HEIGHT * WIDTH * 3 * 2, dtype=np.uint8)[::2]
    raises(FrameError, valid_rgb8(data=strided), 'not contiguous')


def test_non_integer_is_bigendian_is_rejected():
    raises(FrameError, valid_rgb8(is_bigendian='yes'), 'is_bigendian')


@pytest.mark.parametrize('thing', [42, None, 'image', np.zeros((2, 2, 3), np.uint8),
                                   SimpleNamespace(data=b'x')])
def test_message_to_rgb_names_an_unknown_type(thing):
    raises(FrameError, thing, type(thing).__qualname__)


def test_message_to_rgb_dispatches_on_attributes():
    rgb = random_rgb(23)
    np.testing.assert_array_equal(message_to_rgb(image_msg('rgb8', rgb)), rgb)
    png = encode('.png', cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR))
    np.testing.assert_array_equal(message_to_rgb(compressed_msg('png', png)), rgb)


@pytest.fixture
def jpeg_bytes():
    return encode('.jpg', cv2.cvtColor(smooth_rgb(24), cv2.COLOR_RGB2BGR))


@pytest.fixture
def png_bytes():
    return encode('.png', cv2.cvtColor(smooth_rgb(24), cv2.COLOR_RGB2BGR))


@pytest.mark.parametrize('image_format', ['jpeg', 'png', ''])
def test_empty_compressed_data_is_rejected(image_format):
    raises(FrameDecodeError, compressed_msg(image_format, b''), 'no data', repr(image_format))


@pytest.mark.parametrize('image_format', ['tiff', 'h264', 'bmp', 'rgb8; webp compressed rgb8',
                                          '16UC1; compressedDepth png'])
def test_unknown_compressed_format_is_named(image_format, jpeg_bytes):
    raises(FrameDecodeError, compressed_msg(image_format, jpeg_bytes), repr(image_format))


def test_empty_format_with_unknown_magic_bytes_is_rejected():
    raises(FrameDecodeError, compressed_msg('', b'GIF89a' + bytes(50)), "format ''",
           '47 49 46 38')


def test_format_and_magic_bytes_must_agree(jpeg_bytes, png_bytes):
    raises(FrameDecodeError, compressed_msg('png', jpeg_bytes), 'says PNG', 'ff d8')
    raises(FrameDecodeError, compressed_msg('jpeg', png_bytes), 'says JPEG', '89 50 4e 47')


@pytest.mark.parametrize('cut', [1, 2, 100, 400])
def test_truncated_jpeg_is_rejected(jpeg_bytes, cut):
    raises(FrameDecodeError, compressed_msg('jpeg', jpeg_bytes[:-cut]), 'truncated',
           f'{len(jpeg_bytes) - cut} bytes')


@pytest.mark.parametrize('cut', [1, 4, 12, 13, 200])
def test_truncated_png_is_rejected(png_bytes, cut):
    raises(FrameDecodeError, compressed_msg('png', png_bytes[:-cut]), 'truncated',
           f'{len(png_bytes) - cut} bytes')


def test_jpeg_without_a_frame_header_is_rejected():
    raises(FrameDecodeError, compressed_msg('jpeg', b'\xff\xd8\xff\xd9'), 'no frame header')


def test_corrupt_png_chunks_are_rejected(png_bytes):
    no_ihdr = png_bytes[:12] + b'IDAT' + png_bytes[16:]
    raises(FrameDecodeError, compressed_msg('png', no_ihdr), 'IHDR')


def test_corrupt_image_data_that_opencv_cannot_decode_is_rejected(png_bytes):
    # Valid chunk structure, scrambled compressed pixels: the decoder itself must fail.
    start = png_bytes.index(b'IDAT') + 4
    end = png_bytes.index(b'IEND') - 8
    scrambled = png_bytes[:start] + bytes(end - start) + png_bytes[end:]
    raises(FrameDecodeError, compressed_msg('png', scrambled), 'could not decode')


def test_absurd_compressed_header_sizes_are_rejected_before_decoding(png_bytes, jpeg_bytes):
    tracemalloc.start()
    try:
        raises(FrameSizeError, compressed_msg('png', with_png_size(png_bytes, 100000, 90000)),
               '100000x90000', str(MAX_DIMENSION))
        raises(FrameSizeError, compressed_msg('jpeg', with_jpeg_size(jpeg_bytes, 65535, 40)),
               '65535x40', str(MAX_DIMENSION))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 1_000_000


def test_zero_compressed_header_sizes_are_rejected(png_bytes, jpeg_bytes):
    raises(FrameSizeError, compressed_msg('png', with_png_size(png_bytes, 0, 5)), '0x5',
           'no pixels')
    raises(FrameSizeError, compressed_msg('jpeg', with_jpeg_size(jpeg_bytes, 64, 0)),
           '64x0', 'no pixels')


def test_non_string_format_is_rejected(png_bytes):
    raises(FrameDecodeError, compressed_msg(b'png', png_bytes), 'bytes')


PER_PIXEL_ENCODINGS = ('rgb8', 'bgr8', 'rgba8', 'bgra8', 'mono8', '8UC1', '8UC3', '8UC4')


@pytest.mark.parametrize('encoding', SUPPORTED_ENCODINGS)
@pytest.mark.parametrize('resize_mode', RESIZE_MODES)
@pytest.mark.parametrize('source_size, pad', [((48, 64), 0), ((48, 64), 7), ((6, 10), 3),
                                              ((16, 16), 0)])
def test_prepared_pixels_equal_the_prepared_rgb_frame(encoding, resize_mode, source_size, pad):
    # Raw pixels that convert pixel by pixel are resized before their conversion; the
    # model must get exactly the input it gets from the converted frame.
    height, width = source_size
    raw, _ = raw_and_expected(encoding, random_rgb(4, height, width))
    pixels = image_pixels(image_msg(encoding, raw, pad=pad))
    assert pixels.per_pixel == (encoding in PER_PIXEL_ENCODINGS)
    assert pixels.size == (width, height)
    prepare = Preprocessor((16, 16), np.int8, (1 / 255, -128), resize_mode)
    from_pixels = prepare(pixels).copy()
    np.testing.assert_array_equal(from_pixels, prepare(pixels.to_rgb()))
    assert from_pixels.shape == (1, 1, 16, 16, 3)


def test_message_to_pixels_converts_only_on_request():
    raw, expected = raw_and_expected('bgr8', random_rgb(5))
    msg = image_msg('bgr8', raw, data_type=bytearray)
    pixels = message_to_pixels(msg)
    assert isinstance(pixels, Pixels)
    assert np.shares_memory(pixels.view, np.frombuffer(msg.data, np.uint8))
    np.testing.assert_array_equal(pixels.to_rgb(), expected)
    jpeg = compressed_msg('jpeg', encode('.jpg', raw))
    decoded = message_to_pixels(jpeg)
    assert isinstance(decoded, np.ndarray) and decoded.shape == (HEIGHT, WIDTH, 3)
