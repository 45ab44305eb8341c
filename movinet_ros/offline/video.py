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
Read video files frame by frame with stamps derived from the file's frame rate.

Frame ``i`` of a file with frame rate ``fps`` is stamped ``start_ns + round(i * 1e9 / fps)``
nanoseconds, so replaying a file always gives the same stamps. A path made only of digits
(e.g. ``'0'``) opens that camera device instead; its stamps follow the frame rate the driver
reports, not the wall clock.
"""

from collections.abc import Iterator
from dataclasses import dataclass
import math
import os
from pathlib import Path

import cv2
from movinet_ros.core.stamps import NS_PER_SEC
from movinet_ros.offline.errors import VideoError
import numpy as np


# A file path, or a camera device index given as an int or a string of digits.
VideoSource = str | os.PathLike[str] | int


@dataclass(frozen=True)
class VideoFrame:
    """One decoded frame: its 0-based index, its stamp and its BGR pixels (H x W x 3, uint8)."""

    index: int
    stamp_ns: int
    bgr: np.ndarray


@dataclass(frozen=True)
class VideoInfo:
    """Properties a video container reports; ``frame_count`` is 0 when it is unknown."""

    fps: float
    frame_count: int
    width: int
    height: int


def frame_stamp_ns(index: int, fps: float, start_ns: int = 0) -> int:
    """Return the stamp of frame ``index`` of a video played at ``fps`` from ``start_ns``."""
    return start_ns + round(index * NS_PER_SEC / fps)


def _source(path: VideoSource) -> str | int:
    if isinstance(path, int):
        return path
    text = os.fspath(path)
    if text.isdigit():
        return int(text)
    if not Path(text).is_file():
        raise VideoError(f'video file {text} does not exist')
    return text


def _open(path: VideoSource) -> tuple[cv2.VideoCapture, float]:
    source = _source(path)
    capture = cv2.VideoCapture(source)
    if not capture.isOpened():
        capture.release()
        kind = 'camera device' if isinstance(source, int) else 'video file'
        raise VideoError(f'cannot open {kind} {source}: OpenCV found no decoder for it')
    fps = capture.get(cv2.CAP_PROP_FPS)
    if not math.isfinite(fps) or fps <= 0:
        capture.release()
        raise VideoError(f'{source} reports no usable frame rate ({fps}); '
                         'frame stamps cannot be derived from it')
    return capture, fps


def video_info(path: VideoSource) -> VideoInfo:
    """
    Return frame rate, frame count and frame size of a video file or camera device.

    Raises VideoError when the file is missing, cannot be decoded or has no frame rate.
    """
    capture, fps = _open(path)
    try:
        count = capture.get(cv2.CAP_PROP_FRAME_COUNT)
        return VideoInfo(
            fps=fps,
            frame_count=int(count) if math.isfinite(count) and count > 0 else 0,
            width=int(capture.get(cv2.CAP_PROP_FRAME_WIDTH)),
            height=int(capture.get(cv2.CAP_PROP_FRAME_HEIGHT)),
        )
    finally:
        capture.release()


def read_video(path: VideoSource, max_frames: int | None = None,
               start_ns: int = 0) -> Iterator[VideoFrame]:
    """
    Yield the frames of a video file (or camera device) in order, at most ``max_frames``.

    The file is opened and checked when this is called, so a missing file, a file OpenCV
    cannot decode or one without a frame rate raises VideoError here, before iteration. A
    file that opens but from which not one frame decodes raises VideoError on iteration.
    """
    if max_frames is not None and max_frames < 0:
        raise ValueError(f'max_frames must be None or >= 0, not {max_frames}')
    capture, fps = _open(path)
    return _frames(capture, fps, path, max_frames, start_ns)


def _frames(capture: cv2.VideoCapture, fps: float, path: VideoSource,
            max_frames: int | None, start_ns: int) -> Iterator[VideoFrame]:
    try:
        index = 0
        while max_frames is None or index < max_frames:
            ok, bgr = capture.read()
            if not ok or bgr is None:
                break
            yield VideoFrame(index=index, stamp_ns=frame_stamp_ns(index, fps, start_ns), bgr=bgr)
            index += 1
        if index == 0 and max_frames != 0:
            raise VideoError(f'no frame could be decoded from {path}')
    finally:
        capture.release()
