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


"""Frame preparation: value mapping, quantisation, resize modes and buffer reuse."""

import cv2
from hypothesis import given, settings
from hypothesis import strategies as st
from movinet_ros.core.errors import MovinetError
from movinet_ros.core.preprocess import PreprocessError, Preprocessor, RESIZE_MODES
import numpy as np
import pytest


def gradient(height, width):
    """Return an RGB image whose every pixel is distinct enough to show where it came from."""
    rows, cols = np.mgrid[0:height, 0:width]
    return np.stack([rows % 256, cols % 256, (rows + cols) % 256], axis=-1).astype(np.uint8)


def test_resize_modes():
    assert RESIZE_MODES == ('stretch', 'center_crop')


def test_float_input_maps_pixels_to_unit_range():
    frame = np.arange(256 * 3, dtype=np.uint16).reshape(16, 16, 3) % 256
    result = Preprocessor((16, 16))(frame.astype(np.uint8))
    assert result.shape == (1, 1, 16, 16, 3) and result.dtype == np.float32
    np.testing.assert_allclose(result[0, 0], frame / 255.0, rtol=0, atol=1e-7)
    assert result.min() == 0.0 and result.max() == 1.0


def test_float16_input():
    frame = np.full((4, 4, 3), 255, dtype=np.uint8)
    result = Preprocessor((4, 4), np.float16)(frame)
    assert result.dtype == np.float16 and np.all(result == 1.0)


def test_int8_quantisation_scale_1_over_255_zero_point_minus_128():
    frame = np.arange(256, dtype=np.uint8).repeat(3).reshape(16, 16, 3)
    result = Preprocessor((16, 16), np.int8, (1 / 255, -128))(frame)
    assert result.dtype == np.int8
    # x = p / 255, q = round(x / scale + zp) = p - 128.
    np.testing.assert_array_equal(result[0, 0].astype(int), frame.astype(int) - 128)


def test_quantisation_rounds_and_clips_to_the_type_range():
    frame = np.array([[[0, 1, 2], [127, 128, 255]]], dtype=np.uint8)
    # scale 2/255: q = round(p / 2) + 100, clipped to int8's 127.
    result = Preprocessor((1, 2), np.int8, (2 / 255, 100))(frame)[0, 0]
    expected = np.minimum(np.floor(frame / 2 + 0.5) + 100, 127)
    np.testing.assert_array_equal(result, expected)
    assert result.max() == 127


def test_uint8_quantisation():
    frame = np.array([[[0, 100, 255]]], dtype=np.uint8)
    result = Preprocessor((1, 1), np.uint8, (1 / 255, 0))(frame)
    np.testing.assert_array_equal(result[0, 0, 0, 0], [0, 100, 255])


def test_integer_input_without_a_scale_is_an_error():
    with pytest.raises(PreprocessError, match='scale'):
        Preprocessor((8, 8), np.int8, (0.0, 0))


@pytest.mark.parametrize('kwargs', [
    {'resize_mode': 'letterbox'}, {'input_size': (0, 8)}, {'input_size': (8,)},
    {'input_size': (8.0, 8)}, {'dtype': np.int64, 'quantization': (0.1, 0)},
    {'dtype': np.complex64}])
def test_bad_settings(kwargs):
    arguments = {'input_size': (8, 8), **kwargs}
    with pytest.raises(PreprocessError):
        Preprocessor(**arguments)


def test_bad_mode_error_is_a_value_error_and_names_the_choices():
    assert issubclass(PreprocessError, ValueError) and issubclass(PreprocessError, MovinetError)
    with pytest.raises(ValueError, match='stretch, center_crop'):
        Preprocessor((8, 8), resize_mode='fit')


@pytest.mark.parametrize('frame', [
    np.zeros((8, 8), np.uint8), np.zeros((8, 8, 4), np.uint8), np.zeros((8, 8, 3), np.float32),
    np.zeros((0, 8, 3), np.uint8), [[[0, 0, 0]]]])
def test_bad_frames(frame):
    with pytest.raises(PreprocessError, match='HxWx3 uint8'):
        Preprocessor((8, 8))(frame)


def test_stretch_matches_cv2_bilinear_when_shrinking():
    frame = gradient(120, 200)
    result = Preprocessor((30, 40))(frame)
    expected = cv2.resize(frame, (40, 30), interpolation=cv2.INTER_LINEAR) / 255.0
    np.testing.assert_allclose(result[0, 0], expected, atol=1e-6)


def test_stretch_matches_cv2_linear_when_enlarging():
    frame = gradient(20, 30)
    result = Preprocessor((40, 50))(frame)
    expected = cv2.resize(frame, (50, 40), interpolation=cv2.INTER_LINEAR) / 255.0
    np.testing.assert_allclose(result[0, 0], expected, atol=1e-6)


def test_same_size_is_not_resized():
    frame = gradient(17, 23)
    np.testing.assert_allclose(Preprocessor((17, 23))(frame)[0, 0], frame / 255.0, atol=1e-7)


def test_center_crop_keeps_the_centre_of_a_wide_frame():
    frame = np.zeros((100, 300, 3), dtype=np.uint8)
    frame[:, 100:200] = 255  # the central square is white, the sides black
    result = Preprocessor((50, 50), resize_mode='center_crop')(frame)
    assert np.all(result == 1.0)
    stretched = Preprocessor((50, 50))(frame)
    assert stretched[0, 0, :, 0].max() == 0.0  # stretch keeps the black sides


def test_center_crop_of_a_tall_frame_uses_the_model_aspect_ratio():
    frame = gradient(400, 100)
    result = Preprocessor((20, 10), resize_mode='center_crop')(frame)
    # Aspect 10/20 of a 100-wide frame is 200 rows, starting at row 100.
    expected = cv2.resize(frame[100:300], (10, 20), interpolation=cv2.INTER_LINEAR) / 255.0
    np.testing.assert_allclose(result[0, 0], expected, atol=1e-6)


def test_center_crop_of_a_frame_with_the_model_aspect_is_a_plain_resize():
    frame = gradient(60, 90)
    crop = Preprocessor((20, 30), resize_mode='center_crop')(frame).copy()
    np.testing.assert_array_equal(crop, Preprocessor((20, 30))(frame))


def test_non_contiguous_views_are_accepted():
    frame = gradient(40, 60)
    bgr_view = frame[..., ::-1]
    result = Preprocessor((20, 30))(bgr_view)
    expected = Preprocessor((20, 30))(np.ascontiguousarray(bgr_view))
    np.testing.assert_array_equal(result, expected)
    strided = Preprocessor((20, 30))(frame[::2, ::2])
    np.testing.assert_allclose(strided[0, 0], frame[::2, ::2] / 255.0, atol=1e-7)


def test_output_buffer_is_reused_and_overwritten():
    preprocess = Preprocessor((8, 8))
    first = preprocess(np.zeros((16, 16, 3), np.uint8))
    second = preprocess(np.full((16, 16, 3), 255, np.uint8))
    assert second is first
    assert np.all(first == 1.0)


@settings(max_examples=40, deadline=None)
@given(st.integers(1, 64), st.integers(1, 64), st.integers(1, 48), st.integers(1, 48),
       st.sampled_from(RESIZE_MODES))
def test_any_frame_size_gives_the_model_shape(height, width, out_height, out_width, mode):
    frame = gradient(height, width)
    result = Preprocessor((out_height, out_width), resize_mode=mode)(frame)
    assert result.shape == (1, 1, out_height, out_width, 3)
    assert 0.0 <= result.min() and result.max() <= 1.0
