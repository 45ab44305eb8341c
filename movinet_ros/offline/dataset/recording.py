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
Evaluate one recording of a dataset: run it through the pipeline and score what it said.

A recording is a bag (rosbag2 folder, ``.mcap`` file, ROS 1 ``.bag`` file), read by
:func:`~movinet_ros.offline.bags.replay.run_bags` exactly as ``movinet-ros eval`` reads it,
or a video file, fed frame by frame as ``movinet-ros classify`` feeds it (RGB, stamped from
the file's frame rate). Either way the pipeline is reset first, so every recording starts
from a fresh stream state whatever ran before it in the same process.

Scoring uses :mod:`movinet_ros.offline.scoring.frame_metrics`, as ``eval`` does:

- A recording with a clip-level label is one sample: a segment spanning all its processed
  frames, so its prediction is the ranking after the last frame (what ``classify``
  prints) and its time to correct counts from the first frame.
- A recording with an annotation CSV gives one sample per segment: its prediction is the
  ranking at the segment's last processed frame (``eval``'s clip accuracy).

Top-1 is right when the best label is the true one, top-5 when the true label is among the
five most likely allowed classes, whatever ``top_k`` reports (as in ``eval``).

:func:`evaluate_recording` never raises for a bad recording: a missing file, an unreadable
bag, a missing topic, an unknown label or a bad annotation file come back as the result's
``error``, so a dataset run goes on.
"""

from bisect import bisect_left
from collections.abc import Collection
from dataclasses import asdict, dataclass, field, replace
import functools
import os
from pathlib import Path
import time
from typing import Any

import cv2
from movinet_ros.core.errors import MovinetError
from movinet_ros.core.pipeline import RecognitionPipeline
from movinet_ros.offline.bags.bag_io import image_topics
from movinet_ros.offline.bags.replay import run_bags
from movinet_ros.offline.dataset.manifest import ManifestEntry
from movinet_ros.offline.errors import RecordingError
from movinet_ros.offline.scoring.annotations import (
    Annotations, check_labels, read_annotations, Segment)
from movinet_ros.offline.scoring.frame_metrics import clip_prediction, evaluate
from movinet_ros.offline.scoring.frame_records import (
    BagRun, MostLikely, ProcessedFrame, stats_since)
from movinet_ros.offline.video import read_video
import numpy as np

# Anything else that is a file is handed to OpenCV as a video.
BAG_SUFFIXES = ('.mcap', '.bag')


@dataclass(frozen=True)
class Sample:
    """
    One scored clip: a whole clip-labelled recording, or one annotated segment.

    Times are seconds from the recording's first frame. ``ranking`` is the reported top-k
    (label, score) at the frame the prediction is taken from; ``frames`` counts the
    processed frames inside the sample.
    """

    label: str
    start_sec: float
    end_sec: float
    prediction: str | None
    correct: bool
    correct_top5: bool
    ranking: tuple[tuple[str, float], ...]
    frames: int
    time_to_correct_sec: float | None
    # The true label's probability at the frame the prediction is taken from (None: none).
    true_probability: float | None = None


@dataclass(frozen=True)
class RecordingResult:
    """What one recording gave: its samples and counts, or why it could not be evaluated."""

    name: str
    topic: str
    samples: tuple[Sample, ...] = ()
    frames_read: int = 0
    frames_processed: int = 0
    frames_rejected: int = 0
    duration_sec: float | None = None
    error: str = ''
    # Wall time of the run; kept out of every deterministic output.
    seconds: float = field(default=0.0, compare=False)

    @property
    def failed(self) -> bool:
        """Whether the recording could not be evaluated."""
        return bool(self.error)

    def to_dict(self) -> dict[str, Any]:
        """Return plain data (JSON-ready); :meth:`from_dict` restores it exactly."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> 'RecordingResult':
        """Rebuild a result written by :meth:`to_dict` (e.g. read back from JSON)."""
        samples = tuple(
            Sample(**{**sample, 'ranking': tuple((str(label), float(score))
                                                 for label, score in sample['ranking'])})
            for sample in data['samples'])
        return cls(**{**data, 'samples': samples})


def is_bag(path: Path) -> bool:
    """Return whether ``path`` is read as a bag (a folder, .mcap or .bag), not as a video."""
    return path.is_dir() or path.suffix.lower() in BAG_SUFFIXES


def bag_topic(entry: ManifestEntry, default_topic: str | None) -> str:
    """Return the topic to evaluate: the row's, else ``default_topic``, else the only one."""
    topic = entry.topic or default_topic
    if topic:
        return topic
    topics = image_topics(entry.recording)
    if len(topics) == 1:
        return topics[0]
    found = f'image topics there: {", ".join(topics)}' if topics else 'it has no image topic'
    raise RecordingError(f"bag {entry.recording}: give its topic in the manifest's topic "
                         f'column or with --topic; {found}')


def run_video(path: str | os.PathLike[str], pipeline: RecognitionPipeline, *,
              also_ranked: Collection[int] = ()) -> BagRun:
    """
    Feed every frame of a video file to ``pipeline``, as ``classify`` does; return the run.

    Frames go in as RGB stamped from the file's frame rate (the first at 0). The pipeline
    is reset first. Raises VideoError for a file that is missing or cannot be decoded. The
    frames' timelines always hold the classes of ``also_ranked``.
    """
    frames = read_video(path)
    started = time.perf_counter()
    pipeline.reset()
    before = replace(pipeline.stats)
    run = BagRun(bags=[os.fspath(path)], topic='')
    most_likely = MostLikely(pipeline.labels, pipeline.config.ranking, also_ranked)
    for frame in frames:
        run.frames_read += 1
        run.saw_stamp(frame.stamp_ns)
        # Converted only if the throttle lets the frame through; the same RGB as classify's.
        recognition = pipeline.process(
            functools.partial(cv2.cvtColor, frame.bgr, cv2.COLOR_BGR2RGB), frame.stamp_ns)
        if recognition is None:
            continue
        run.frames.append(ProcessedFrame.of(
            recognition, log_time_ns=frame.stamp_ns, frame_id='',
            timeline=most_likely(recognition.probabilities)))
    run.loop_sec = time.perf_counter() - started
    run.stats = stats_since(before, pipeline.stats)
    return run


def _segments(entry: ManifestEntry, run: BagRun,
              annotations: Annotations | None) -> list[Segment]:
    if annotations is not None:
        return annotations.anchored(run.first_stamp_ns or 0)
    stamps = [frame.stamp_ns for frame in run.frames]
    stamps += [stamp for stamp in (run.first_stamp_ns, run.last_stamp_ns) if stamp is not None]
    if not stamps:
        return [Segment(entry.label or '', 0, 1)]  # nothing seen: one sample, scored wrong
    # Every processed frame lies inside, even in a bag whose stamps went backwards.
    return [Segment(entry.label or '', min(stamps), max(stamps) + 1)]


def score_run(entry: ManifestEntry, run: BagRun, pipeline: RecognitionPipeline,
              annotations: Annotations | None = None) -> tuple[Sample, ...]:
    """
    Score a run against the entry's label or annotation file; one Sample per segment.

    ``annotations`` is the entry's annotation file when already read (else it is read here).
    """
    predictions = run.scored_predictions(pipeline.labels,
                                         pipeline.config.ranking.score_threshold)
    if annotations is None and entry.annotations is not None:
        annotations = read_annotations(entry.annotations, pipeline.labels)
    segments = _segments(entry, run, annotations)
    origin = run.first_stamp_ns if run.first_stamp_ns is not None else segments[0].start_ns
    report = evaluate(predictions, segments, origin_ns=origin)
    # The ranking reported at a stamp; among equal stamps (a looped bag) the last one, as
    # the metrics take the last of them.
    ordered = sorted(run.frames, key=lambda frame: frame.stamp_ns)
    stamps = [frame.stamp_ns for frame in ordered]
    samples = []
    for segment, result in zip(sorted(segments, key=lambda s: (s.start_ns, s.end_ns)),
                               report.segments):
        clip = clip_prediction(predictions, segment)
        ranking: tuple[tuple[str, float], ...] = ()
        true_probability = None
        if clip is not None:
            frame = ordered[bisect_left(stamps, clip.stamp_ns + 1) - 1]
            ranking = tuple((h.label, float(h.score)) for h in frame.ranking)
            if segment.label in pipeline.labels:
                true_probability = _probability(frame, pipeline.labels.index(segment.label))
        samples.append(Sample(
            label=segment.label, start_sec=result.start, end_sec=result.end,
            prediction=result.predicted, correct=result.correct,
            correct_top5=result.correct_top5, ranking=ranking, frames=result.frames,
            time_to_correct_sec=result.time_to_correct_sec, true_probability=true_probability))
    return tuple(samples)


def _probability(frame: ProcessedFrame, class_id: int) -> float | None:
    ids, probabilities = frame.timeline
    where = np.flatnonzero(ids == class_id)
    return float(probabilities[where[0]]) if where.size else None


def _check_truth(entry: ManifestEntry, labels: tuple[str, ...]) -> Annotations | None:
    """Fail before the run on an unknown label or a bad annotation file, as eval does."""
    if entry.annotations is not None:
        return read_annotations(entry.annotations, labels)
    try:
        check_labels([Segment(entry.label or '', 0, 1)], labels)
    except MovinetError as error:
        raise type(error)(f'manifest line {entry.line}: {error}') from error
    return None


def run_recording(entry: ManifestEntry, pipeline: RecognitionPipeline,
                  default_topic: str | None = None,
                  annotations: Annotations | None = None) -> tuple[BagRun, str]:
    """Run the entry's recording through ``pipeline``; return the run and the topic used."""
    if not os.path.exists(entry.recording):
        raise RecordingError(f'recording {entry.recording} does not exist')
    truth = [segment.label for segment in annotations.segments] if annotations else \
        [entry.label or '']
    # The true classes' probabilities are kept, so that they can be scored.
    also = {pipeline.labels.index(label) for label in truth if label in pipeline.labels}
    if is_bag(entry.recording):
        topic = bag_topic(entry, default_topic)
        return run_bags(entry.recording, topic, pipeline, also_ranked=also), topic
    return run_video(entry.recording, pipeline, also_ranked=also), ''


def evaluate_recording(entry: ManifestEntry, pipeline: RecognitionPipeline,
                       default_topic: str | None = None) -> RecordingResult:
    """Evaluate one manifest entry; a recording that cannot be evaluated gives ``error``."""
    started = time.perf_counter()
    topic = entry.topic or ''
    try:
        annotations = _check_truth(entry, pipeline.labels)
        run, topic = run_recording(entry, pipeline, default_topic, annotations)
        samples = score_run(entry, run, pipeline, annotations)
    except Exception as error:  # noqa: B902 - one bad recording must not stop a dataset
        message = str(error) if isinstance(error, MovinetError) else \
            f'{type(error).__name__}: {error}'
        return RecordingResult(name=entry.name, topic=topic, error=message,
                               seconds=time.perf_counter() - started)
    return RecordingResult(
        name=entry.name, topic=topic, samples=samples, frames_read=run.frames_read,
        frames_processed=run.stats.processed, frames_rejected=run.stats.rejected,
        duration_sec=run.duration_sec, seconds=time.perf_counter() - started)
