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
Replay the images of recorded bags through a recognition pipeline, as the node would see them.

:func:`run_bags` feeds every image message of a topic, in log-time order, to the same
``RecognitionPipeline`` the live node uses, through the same entry
(:func:`~movinet_ros.core.serialized_frame.process_frame`), so a bag gives the results the node
would have published while it was recorded:

- Frames are throttled by their header stamps (``target_fps``); a stamp that goes
  backwards (a bag recorded in a loop) or a gap longer than ``reset_gap_sec`` resets the
  model state, exactly as in the node.
- A message whose ``header.stamp`` is zero is stamped with its log time instead, the bag's
  record of when it was received; the node uses the time of receipt for such frames.
- A frame that cannot be deserialised or converted is counted as rejected and skipped;
  it never stops the run.
- Action events follow the node's rules: no message for longer than the event settings'
  ``input_timeout_sec`` of log time (the recorder's time of receipt, as the node's steady
  clock is its own) ends every ongoing event with reason ``input stopped`` at the last
  frame seen, before the stream goes on; an event still going at the last frame ends there
  (reason ``ongoing at the end``).

Messages are read ahead in a thread (:mod:`.reading`); results do not depend on it:
messages reach the pipeline in the bag's order, and the pipeline alone decides what it
processes.
"""

from collections.abc import Collection
from dataclasses import replace
import time
from typing import Any

import cv2
from movinet_ros.core.events import EventConfig, EventDetector, REASON_INPUT_STOPPED
from movinet_ros.core.frames import FrameError
from movinet_ros.core.pipeline import Recognition, RecognitionPipeline
from movinet_ros.core.serialized_frame import process_frame
from movinet_ros.offline.bags.bag_io import BagPaths
from movinet_ros.offline.bags.reading import (
    as_paths, BagMessage, open_bag_messages, QUEUE_SIZE, standard_typestore)
from movinet_ros.offline.scoring.frame_records import (
    BagRun, MostLikely, ProcessedFrame, stats_since)
import numpy as np

# The end of an event still going at the last frame.
REASON_ONGOING = 'ongoing at the end'
# Kept pictures are scaled down to this height when taller (they feed an animation).
ANIMATION_HEIGHT = 240


def run_bags(bag_paths: BagPaths, topic: str, pipeline: RecognitionPipeline,
             *, keep_pictures: int = 0, progress: bool = False,
             queue_size: int = QUEUE_SIZE,
             event_config: EventConfig | None = None,
             also_ranked: Collection[int] = ()) -> BagRun:
    """
    Feed every image of ``topic`` to ``pipeline`` in log-time order; return what it said.

    The pipeline is reset first, so a pipeline can be reused and each run starts fresh.
    Several bags are read as one recording, merged by log time. ``keep_pictures`` keeps
    the RGB frames of the first that many processed frames (for an animation); the action
    events come from ``event_config`` (default settings; the ranking's label lists). With
    ``progress`` a tqdm bar is drawn on stderr. The frames' timelines always hold the
    classes of ``also_ranked`` (e.g. the true ones, to score their probability). Raises
    BagError for a missing or unreadable bag or topic; bad frames are counted in
    ``stats.rejected`` and skipped.
    """
    paths = as_paths(bag_paths)
    # Loading the message types is the library's one-time import cost (0.2 s), not reading.
    standard_typestore()
    # The loop's time covers opening and indexing the bags too.
    started = time.perf_counter()
    reading = open_bag_messages(paths, topic, config=pipeline.config, queue_size=queue_size)
    messages = reading.messages
    pipeline.reset()
    before = replace(pipeline.stats)
    run = BagRun(bags=[str(p) for p in paths], topic=topic)
    most_likely = MostLikely(pipeline.labels, pipeline.config.ranking, also_ranked)
    ranking = pipeline.config.ranking
    detector = EventDetector(pipeline.labels, event_config or EventConfig(
        allowlist=ranking.allowlist, denylist=ranking.denylist))
    timeout_ns = round(detector.config.input_timeout_sec * 1e9)
    last_log_ns: int | None = None
    bar = _progress_bar(reading.count) if progress else None
    try:
        for message in messages:
            run.frames_read += 1
            if bar is not None:
                bar.update()
            if last_log_ns is not None and message.log_time_ns - last_log_ns > timeout_ns:
                run.events += detector.end_all(REASON_INPUT_STOPPED)
            last_log_ns = message.log_time_ns
            recognition = _recognise(pipeline, message, run)
            if recognition is None:
                continue
            run.frames.append(ProcessedFrame.of(
                recognition, log_time_ns=message.log_time_ns, frame_id=message.frame_id,
                timeline=most_likely(recognition.probabilities)))
            if len(run.pictures) < keep_pictures and (rgb := recognition.rgb()) is not None:
                run.pictures.append(_picture(rgb))
            run.events += detector.update(recognition)
    finally:
        messages.close()
        if bar is not None:
            bar.close()
    run.loop_sec = time.perf_counter() - started
    # At the last frame seen, as the node ends its events when it stops.
    run.events += detector.end_all(REASON_ONGOING)
    run.stats = stats_since(before, pipeline.stats)
    return run


def _recognise(pipeline: RecognitionPipeline, message: BagMessage,
               run: BagRun) -> Recognition | None:
    """Run one message; return the Recognition when the model saw it, else None."""
    if message.stamp_ns is not None:
        run.zero_stamp_frames += message.zero_stamp
        run.saw_stamp(message.stamp_ns)
    try:
        return process_frame(pipeline, message.serialized)
    except FrameError:
        return None  # counted in stats.rejected by process_frame or the pipeline


def _picture(rgb: np.ndarray) -> np.ndarray:
    height, width = rgb.shape[:2]
    if height <= ANIMATION_HEIGHT:
        return np.array(rgb, copy=True)
    size = (max(1, round(width * ANIMATION_HEIGHT / height)), ANIMATION_HEIGHT)
    return np.asarray(cv2.resize(rgb, size, interpolation=cv2.INTER_AREA))


def _progress_bar(total: int) -> Any:
    from tqdm import tqdm
    return tqdm(total=total, unit='frame', desc='eval', dynamic_ncols=True)
