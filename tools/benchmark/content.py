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


"""Real frames for the measurements: the clip's frames, resized as a camera would send them."""

import pathlib

from benchmark import BenchmarkError
import cv2
from movinet_ros.offline.video import read_video, VideoError
from movinet_ros.ros.message_conversion import pixels_to_image_msg, stamp_from_ns
import numpy as np
from sensor_msgs.msg import Image

FRAME_PERIOD_NS = 33_333_333  # 30 Hz


def clip_frames(clip_path: str | pathlib.Path, size: tuple[int, int] | None = None,
                limit: int | None = None) -> list[np.ndarray]:
    """Return up to ``limit`` BGR frames of the clip, resized to ``size`` (width, height)."""
    try:
        frames = [frame.bgr for frame in read_video(str(clip_path), max_frames=limit)]
    except VideoError as error:
        raise BenchmarkError(f'cannot read the benchmark clip: {error}') from error
    if size is None:
        return frames
    # The video publisher resizes the same way, so these are the frames a node receives.
    return [cv2.resize(bgr, size, interpolation=cv2.INTER_LINEAR) for bgr in frames]


def bgr_image(bgr: np.ndarray, stamp_ns: int, frame_id: str = 'camera') -> Image:
    """Wrap BGR pixels as an rclpy sensor_msgs/Image (bgr8), stamped ``stamp_ns``."""
    return pixels_to_image_msg(bgr, 'bgr8', stamp_from_ns(stamp_ns), frame_id)
