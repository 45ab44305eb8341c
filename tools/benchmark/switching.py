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
An always-on stream made of the two real clips: a long history of one action, then another.

``example_video01.mp4`` (a workout, 5 fps) is looped for the history; ``carving_ice.mp4``
(29.6 fps) follows, thinned to 5 fps. Both are RGB at the carving clip's 172x172, so the
switch is no size change (which would reset the stream state and hide the problem).
``switching_table`` measures how fast a pipeline follows the switch after a history of a
given length; ``tools/switching.py`` prints it, the tests assert on the same streams.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
import functools
import pathlib

import cv2
from movinet_ros.core.pipeline import RecognitionPipeline
from movinet_ros.offline.bags.bag_io import write_frames_bag
from movinet_ros.offline.video import read_video
import numpy as np

SIZE = (172, 172)
PERIOD_NS = 200_000_000
CARVING_ICE = 'carving ice'


@functools.cache
def _rgb(path: pathlib.Path, step: int) -> tuple[np.ndarray, ...]:
    frames = []
    for frame in read_video(path):
        if frame.index % step:
            continue
        rgb = cv2.cvtColor(frame.bgr, cv2.COLOR_BGR2RGB)
        if rgb.shape[1::-1] != SIZE:
            rgb = cv2.resize(rgb, SIZE, interpolation=cv2.INTER_AREA)
        frames.append(rgb)
    return tuple(frames)


def other_frames(shared_dir: pathlib.Path) -> tuple[np.ndarray, ...]:
    """Return the workout clip's 50 frames (already 5 fps) at 172x172."""
    return _rgb(shared_dir / 'clips' / 'example_video01.mp4', 1)


def carving_frames(shared_dir: pathlib.Path) -> tuple[np.ndarray, ...]:
    """Return the carving-ice clip at about 5 fps (every 6th frame), its black first left out."""
    # Looped, the black first frame would be a cut to black every 4.4 s.
    return tuple(rgb for rgb in _rgb(shared_dir / 'clips' / 'carving_ice.mp4', 6) if rgb.any())


def carving_frames_native(shared_dir: pathlib.Path) -> tuple[np.ndarray, ...]:
    """Return the carving-ice clip at its own 29.6 fps, its black first frame left out."""
    return tuple(rgb for rgb in _rgb(shared_dir / 'clips' / 'carving_ice.mp4', 1) if rgb.any())


def switch_stream(shared_dir: pathlib.Path, history: int,
                  after: int) -> list[tuple[int, np.ndarray]]:
    """Return ``history`` looped workout frames then ``after`` looped carving frames, stamped."""
    other, carving = other_frames(shared_dir), carving_frames(shared_dir)
    frames = [other[i % len(other)] for i in range(history)]
    frames += [carving[i % len(carving)] for i in range(after)]
    return stamped(frames)


def stamped(frames: Sequence[np.ndarray]) -> list[tuple[int, np.ndarray]]:
    """Return the frames stamped at 5 fps from PERIOD_NS: (stamp ns, pixels)."""
    return [((index + 1) * PERIOD_NS, rgb) for index, rgb in enumerate(frames)]


def write_switch_bag(path: pathlib.Path, topic: str,
                     stream: list[tuple[int, np.ndarray]], *, compressed: bool = True) -> None:
    """Write ``stream`` (RGB) as a rosbag2 (mcap) of JPEG CompressedImages (else bgr8 Images)."""
    bgr = ((stamp_ns, cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR)) for stamp_ns, rgb in stream)
    write_frames_bag(bgr, path, topic, compressed=compressed)


def frames_until_top1(results, label: str = CARVING_ICE) -> int | None:
    """Count processed frames until ``label`` is top-1 (1: the first one); None if never."""
    for count, result in enumerate(results, start=1):
        if result.hypotheses and result.hypotheses[0].label == label:
            return count
    return None


def switching_row(make_pipeline: Callable[[], RecognitionPipeline], shared_dir: pathlib.Path,
                  history: int, after: int = 120) -> tuple[int | None, float]:
    """
    Run ``history`` workout frames then ``after`` carving frames through a new pipeline.

    Return the processed frames until carving ice is top-1 (None: never) and its
    probability after 60 frames of it.
    """
    pipeline = make_pipeline()
    results = [result for stamp, rgb in switch_stream(shared_dir, history, after)
               if (result := pipeline.process(rgb, stamp)) is not None]
    carving = pipeline.labels.index(CARVING_ICE)
    return (frames_until_top1(results[history:]),
            float(results[history + 59].probabilities[carving]))
