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


"""Tests of movinet_ros.offline.video: frames, stamps from the frame rate, errors."""

import cv2
from movinet_ros.core.errors import MovinetError
from movinet_ros.offline import video
from movinet_ros.offline.video import frame_stamp_ns, read_video, video_info, VideoError
import numpy as np
import pytest


def _write_clip(path, count, fps=25.0, size=(32, 24)):
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*'MJPG'), fps, size)
    assert writer.isOpened()
    for i in range(count):
        writer.write(np.full((size[1], size[0], 3), i * 20 % 256, np.uint8))
    writer.release()


def test_real_clip_info_and_frames(clip_path):
    info = video_info(clip_path)
    assert (info.frame_count, info.width, info.height) == (131, 172, 172)
    assert info.fps == pytest.approx(29.59, abs=0.01)
    frames = list(read_video(clip_path, start_ns=1_000))
    assert [f.index for f in frames] == list(range(131))
    assert all(f.bgr.shape == (172, 172, 3) and f.bgr.dtype == np.uint8 for f in frames)
    assert frames[0].stamp_ns == 1_000
    assert frames[-1].stamp_ns == 1_000 + round(130 * 1e9 / info.fps)


def test_written_clip_stamps_and_limit(tmp_path):
    path = tmp_path / 'clip.avi'
    _write_clip(path, 10, fps=25.0)
    frames = list(read_video(path, max_frames=4))
    assert [f.stamp_ns for f in frames] == [0, 40_000_000, 80_000_000, 120_000_000]
    assert list(read_video(path, max_frames=0)) == []
    assert len(list(read_video(str(path)))) == 10


def test_frame_stamp_rounds_to_nanoseconds():
    assert frame_stamp_ns(1, 3.0) == 333_333_333
    assert frame_stamp_ns(2, 3.0, start_ns=5) == 666_666_672


def test_missing_and_undecodable_files(tmp_path):
    with pytest.raises(VideoError, match='missing.mp4 does not exist'):
        read_video(tmp_path / 'missing.mp4')
    with pytest.raises(VideoError, match='missing.mp4'):
        video_info(tmp_path / 'missing.mp4')
    garbage = tmp_path / 'garbage.mp4'
    garbage.write_bytes(b'not a video at all' * 10)
    with pytest.raises(VideoError, match='garbage.mp4'):
        read_video(garbage)
    assert issubclass(VideoError, MovinetError)
    with pytest.raises(ValueError, match='max_frames'):
        read_video(garbage, max_frames=-1)


def test_digit_strings_are_camera_devices(tmp_path):
    assert video._source('0') == 0
    assert video._source(3) == 3
    path = tmp_path / '7'
    with pytest.raises(VideoError, match='does not exist'):
        video._source(path)


def test_zero_frame_rate_is_rejected(monkeypatch, tmp_path):
    path = tmp_path / 'clip.avi'
    _write_clip(path, 2)
    real_capture = cv2.VideoCapture

    class NoFps:
        def __init__(self, source):
            self._capture = real_capture(source)

        def __getattr__(self, name):
            return getattr(self._capture, name)

        def get(self, prop):
            return 0.0 if prop == cv2.CAP_PROP_FPS else self._capture.get(prop)

    monkeypatch.setattr(video.cv2, 'VideoCapture', NoFps)
    with pytest.raises(VideoError, match='no usable frame rate'):
        read_video(path)
