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


"""Frames of the real clips, and bags of the always-on switch stream (benchmark.switching)."""

from __future__ import annotations

import pathlib

from benchmark.switching import (  # noqa: F401 (re-exported for the tests)
    carving_frames, carving_frames_native, CARVING_ICE, frames_until_top1, other_frames,
    switch_stream, write_switch_bag)
import cv2
from movinet_ros.offline.video import read_video
import numpy as np


def stamped_clip_frames(path: pathlib.Path, *, rgb: bool = True, stride: int = 1,
                        limit: int | None = None) -> list[tuple[int, np.ndarray]]:
    """
    Return (stamp ns, pixels) of every ``stride``-th of the clip's first ``limit`` frames.

    Pixels are RGB (contiguous) with ``rgb``, else BGR as OpenCV and camera drivers give them;
    stamps are the clip's own (frame index / fps). A clip without a frame fails the test.
    """
    frames = [(frame.stamp_ns, cv2.cvtColor(frame.bgr, cv2.COLOR_BGR2RGB) if rgb else frame.bgr)
              for frame in read_video(path, max_frames=limit) if frame.index % stride == 0]
    assert frames, f'no frames read from {path}'
    return frames


def clip_frames(path: pathlib.Path, *, rgb: bool = True, stride: int = 1,
                limit: int | None = None) -> list[np.ndarray]:
    """Return only the pixels of the frames stamped_clip_frames gives."""
    return [pixels for _, pixels in stamped_clip_frames(path, rgb=rgb, stride=stride,
                                                        limit=limit)]
