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
Decode limits: the pixel budget checked from headers before decoding, and corrupt JPEGs.

The bad inputs are the ones of issue 17, built from the real clip: a JPEG cut to a third and
closed with EOI (OpenCV decodes it with grey fill and libjpeg prints a warning), a 140 KB
JPEG whose header claims 16384x16384, and a 261 KB PNG of 16384x16384 zeros.
"""

import io
import time
import tracemalloc
from types import SimpleNamespace

import cv2
from helpers.images import BOMB_SIDE, eoi_cut, jpeg, oversized_jpeg_bytes, zeros_png
from movinet_ros.core.frames import (
    compressed_to_rgb, DEFAULT_MAX_PIXELS, FrameDecodeError, FrameError, FrameLimitError,
    FrameSizeError, image_to_rgb, MAX_PIXELS_LIMIT, message_to_rgb,
    PixelBudgetError)
from movinet_ros.core.frames.headers import jpeg_header
from movinet_ros.core.pipeline import PipelineConfig, RecognitionPipeline
from movinet_ros.offline.video import read_video
from movinet_ros.ros.settings import settings_from_values, SettingsError
import numpy as np
from PIL import Image as PilImage
import pytest


@pytest.fixture
def clip_frame(clip_path):
    """Return a real 640x480 BGR camera frame: the clip's 60th, scaled up."""
    return cv2.resize([frame.bgr for frame in read_video(clip_path)][60], (640, 480))


@pytest.fixture(scope='module')
def png_bomb():
    return zeros_png(BOMB_SIDE)


@pytest.fixture(scope='module')
def oversized_jpeg():
    return oversized_jpeg_bytes()


def compressed(data: bytes, image_format: str = 'bgr8; jpeg compressed bgr8'):
    return SimpleNamespace(format=image_format, data=data)


def cost(convert):
    """Run convert expecting a FrameError; return (the error, peak bytes, seconds)."""
    tracemalloc.start()
    started = time.perf_counter()
    try:
        with pytest.raises(FrameError) as caught:
            convert()
        elapsed = time.perf_counter() - started
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return caught.value, peak, elapsed


def test_the_default_budget_is_4096_squared_and_the_largest_is_the_side_limit_squared():
    assert DEFAULT_MAX_PIXELS == 4096 * 4096
    assert MAX_PIXELS_LIMIT == 16384 * 16384
    assert PipelineConfig().max_pixels == DEFAULT_MAX_PIXELS


def test_eoi_cut_jpeg_is_rejected_and_libjpeg_prints_nothing(clip_frame, capfd):
    cut = eoi_cut(jpeg(clip_frame))
    # What the old decoder did: OpenCV returns a frame (grey fill) for the damaged data.
    assert cv2.imdecode(np.frombuffer(cut, np.uint8), cv2.IMREAD_COLOR) is not None
    capfd.readouterr()
    with pytest.raises(FrameDecodeError) as caught:
        compressed_to_rgb(compressed(cut))
    assert 'premature end of data segment' in str(caught.value)
    assert 'jpeg image' in str(caught.value) and '640x480' in str(caught.value)
    out, err = capfd.readouterr()
    assert 'Corrupt JPEG' not in out + err, (out, err)


def test_intact_jpeg_decodes_as_opencv_decodes_it(clip_frame):
    data = jpeg(clip_frame)
    expected = cv2.cvtColor(cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR),
                            cv2.COLOR_BGR2RGB)
    decoded = compressed_to_rgb(compressed(data))
    assert decoded.flags.c_contiguous and decoded.flags.writeable
    # Both are libjpeg-turbo with accurate DCT and fancy upsampling: at most rounding apart.
    assert np.abs(decoded.astype(int) - expected).max() <= 2


def test_grey_and_cmyk_jpegs_decode_to_rgb(clip_frame):
    grey = cv2.cvtColor(clip_frame, cv2.COLOR_BGR2GRAY)
    rgb = compressed_to_rgb(compressed(jpeg(grey)))
    assert rgb.shape == (480, 640, 3)
    assert np.array_equal(rgb[..., 0], rgb[..., 2])
    buffer = io.BytesIO()
    PilImage.fromarray(cv2.cvtColor(clip_frame, cv2.COLOR_BGR2RGB)).convert('CMYK').save(
        buffer, format='JPEG', quality=95)
    data = buffer.getvalue()
    expected = cv2.cvtColor(cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR),
                            cv2.COLOR_BGR2RGB)
    assert np.array_equal(compressed_to_rgb(compressed(data)), expected)
    # The one read of the header tells the decoders apart: four components go to OpenCV.
    assert [jpeg_header(memoryview(encoded), 'jpeg').components
            for encoded in (jpeg(grey), jpeg(clip_frame), data)] == [1, 3, 4]


def test_jpeg_claiming_16384_squared_is_rejected_by_the_budget_before_decoding(
        oversized_jpeg):
    error, peak, elapsed = cost(lambda: compressed_to_rgb(compressed(oversized_jpeg)))
    assert isinstance(error, PixelBudgetError), error
    assert '16384x16384' in str(error) and 'max_pixels 16777216' in str(error)
    assert f'{BOMB_SIDE ** 2} pixels' in str(error)
    assert peak < 1_000_000, f'{peak} bytes allocated'
    assert elapsed < 0.5, elapsed


def test_png_bomb_of_16384_squared_is_rejected_by_the_budget_from_its_header(png_bomb):
    assert 200_000 < len(png_bomb) < 300_000, len(png_bomb)  # the 261 KB
    error, peak, elapsed = cost(lambda: compressed_to_rgb(compressed(png_bomb, 'png')))
    assert isinstance(error, PixelBudgetError), error
    assert 'png image' in str(error) and '16384x16384' in str(error)
    assert peak < 1_000_000, f'{peak} bytes allocated'
    assert elapsed < 0.5, elapsed


def test_png_just_within_a_budget_decodes_and_one_pixel_over_is_rejected():
    data = zeros_png(64)
    assert compressed_to_rgb(compressed(data, 'png'), max_pixels=64 * 64).shape == (64, 64, 3)
    with pytest.raises(PixelBudgetError, match='4096 pixels, over the pixel budget'):
        compressed_to_rgb(compressed(data, 'png'), max_pixels=64 * 64 - 1)


def test_raw_image_over_the_budget_is_rejected_after_its_data_is_checked():
    frame = np.zeros((10, 11, 3), np.uint8)
    msg = SimpleNamespace(height=10, width=11, encoding='rgb8', is_bigendian=0, step=33,
                          data=frame.tobytes())
    assert image_to_rgb(msg, max_pixels=110).shape == (10, 11, 3)
    with pytest.raises(PixelBudgetError, match=r'rgb8 image 11x10 \(step 33\) has 110 pixels'):
        message_to_rgb(msg, max_pixels=109)
    # A message whose data does not hold its claimed size says so first (the cheaper lie).
    short = SimpleNamespace(**{**vars(msg), 'data': bytes(10)})
    with pytest.raises(FrameSizeError, match='data has 10 bytes'):
        message_to_rgb(short, max_pixels=1)


@pytest.mark.parametrize('value', [0, -1, MAX_PIXELS_LIMIT + 1, 2.5, True])
def test_a_budget_out_of_range_is_refused(value):
    with pytest.raises(FrameLimitError, match='max_pixels must be an integer'):
        PipelineConfig(max_pixels=value)
    with pytest.raises(SettingsError, match='max_pixels'):
        settings_from_values({'model_path': 'm', 'labels_path': 'l', 'max_pixels': value})


def test_node_setting_reaches_the_pipeline_config():
    settings = settings_from_values({'model_path': 'm', 'labels_path': 'l', 'max_pixels': 640})
    assert settings.pipeline_config().max_pixels == 640


def test_pipeline_counts_frames_over_budget_and_bad_jpegs_as_rejected(
        model_path, labels_path, clip_frame, oversized_jpeg, png_bomb):
    pipeline = RecognitionPipeline.from_files(model_path, labels_path,
                                              PipelineConfig(max_pixels=320 * 240))
    stamp = 1_700_000_000_000_000_000
    bad = [compressed(eoi_cut(jpeg(clip_frame))), compressed(oversized_jpeg),
           compressed(png_bomb, 'png'),
           compressed(jpeg(clip_frame))]  # 640x480: intact, but over this budget
    for msg in bad:
        stamp += 200_000_000
        with pytest.raises((FrameDecodeError, PixelBudgetError)):
            pipeline.process(msg, stamp)
    small = compressed(jpeg(cv2.resize(clip_frame, (320, 240))))
    assert pipeline.process(small, stamp + 200_000_000) is not None
    assert (pipeline.stats.rejected, pipeline.stats.processed) == (len(bad), 1)
