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
Score per-frame action predictions against annotated segments.

Inputs are the processed frames (the ones the model ran on) with their ranked top-k labels,
and the ground-truth segments of :mod:`movinet_ros.offline.scoring.annotations`. A frame belongs to
a segment when ``segment.start_ns <= frame.stamp_ns < segment.end_ns``; frames outside every
segment are not scored. Segments from an annotation file never overlap; if overlapping
segments are passed anyway, a frame is scored once for each segment holding it.

Metrics:

- Clip accuracy (as the MoViNet paper scores streams): the prediction at the segment's last
  processed frame, i.e. after the model has seen the whole segment. Top-1 is right when its
  best label is the segment's label, top-5 when the label is among its first five labels
  (among all of them when fewer than five were kept). A segment without any processed frame
  or whose last frame has no label (everything under the score threshold) counts as wrong,
  and stays in the denominator.
- Frame accuracy: the same test at every processed frame inside a segment.
- Time to correct: seconds from the segment's start to the first frame of the final run of
  frames whose top-1 is right, i.e. from which on it stays right until the segment ends;
  None when the last frame of the segment is wrong or the segment has no frame.
- Confusion: true label -> top-1 label -> number of frames (``NO_PREDICTION`` when a frame
  has no label).
- Events (``event_scores``): predicted action events against the segments, ActivityNet
  style: an event and a segment of the same label match when their temporal IoU is at
  least 0.5, each at most once, the pairs of highest IoU first; precision is matched
  events over predicted events, recall matched segments over segments.

Report times (``SegmentResult.start``/``end``) are seconds from an origin: the caller's
``origin_ns`` (pass the stamp of the first image, the same origin relative annotations use),
else the first processed frame.
"""

from bisect import bisect_left
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from typing import Any

from movinet_ros.core.stamps import NS_PER_SEC
from movinet_ros.offline.scoring.annotations import Segment
import numpy as np

# Predicted label of a frame whose top-k is empty (nothing passed the score threshold).
NO_PREDICTION = '<none>'


@dataclass(frozen=True)
class FramePrediction:
    """The ranked labels (best first) and their scores the model gave one processed frame."""

    stamp_ns: int
    top_labels: tuple[str, ...]
    top_scores: tuple[float, ...]

    def __post_init__(self) -> None:
        object.__setattr__(self, 'top_labels', tuple(self.top_labels))
        object.__setattr__(self, 'top_scores', tuple(float(s) for s in self.top_scores))
        if len(self.top_labels) != len(self.top_scores):
            raise ValueError(f'{len(self.top_labels)} labels but {len(self.top_scores)} '
                             f'scores for the frame stamped {self.stamp_ns}')

    @property
    def top1(self) -> str | None:
        """Return the best label, or None when no label was kept."""
        return self.top_labels[0] if self.top_labels else None

    def hit(self, label: str, k: int = 1) -> bool:
        """Return whether ``label`` is among the first ``k`` labels."""
        return label in self.top_labels[:k]


@dataclass(frozen=True)
class SegmentResult:
    """How one annotated segment was recognised; times in seconds from the report's origin."""

    label: str
    start: float
    end: float
    predicted: str | None
    correct: bool
    correct_top5: bool
    time_to_correct_sec: float | None
    frames: int


@dataclass(frozen=True)
class EvalReport:
    """Accuracies (None when there is nothing to score), per-segment results and confusion."""

    clip_top1_accuracy: float | None
    clip_top5_accuracy: float | None
    frame_top1_accuracy: float | None
    frame_top5_accuracy: float | None
    segments: list[SegmentResult]
    # Switching: over the segments after the first (each a change of action in the stream),
    # the mean time_to_correct_sec of those that became right, and how many never did.
    mean_time_to_correct_sec: float | None
    switches_never_correct: int
    confusion: dict[str, dict[str, int]]
    frames_total: int
    frames_annotated: int
    origin_ns: int

    def to_dict(self) -> dict[str, Any]:
        """Return the report as plain dicts and lists, ready for json.dump."""
        return asdict(self)


def _by_stamp(predictions: Iterable[FramePrediction]) -> list[FramePrediction]:
    return sorted(predictions, key=lambda p: p.stamp_ns)


def _inside(ordered: Sequence[FramePrediction], stamps: Sequence[int],
            segment: Segment) -> Sequence[FramePrediction]:
    return ordered[bisect_left(stamps, segment.start_ns):bisect_left(stamps, segment.end_ns)]


def frames_in_segment(predictions: Iterable[FramePrediction],
                      segment: Segment) -> list[FramePrediction]:
    """Return the processed frames inside ``segment`` ([start_ns, end_ns)), by stamp."""
    ordered = _by_stamp(predictions)
    return list(_inside(ordered, [p.stamp_ns for p in ordered], segment))


def clip_prediction(predictions: Iterable[FramePrediction],
                    segment: Segment) -> FramePrediction | None:
    """Return the segment's last processed frame, or None when it has none."""
    inside = frames_in_segment(predictions, segment)
    return inside[-1] if inside else None


def _time_to_correct(inside: Sequence[FramePrediction], segment: Segment) -> float | None:
    first_right = None
    for frame in reversed(inside):
        if frame.top1 != segment.label:
            break
        first_right = frame
    if first_right is None:
        return None
    return (first_right.stamp_ns - segment.start_ns) / NS_PER_SEC


def time_to_correct_sec(predictions: Iterable[FramePrediction], segment: Segment) -> float | None:
    """Return seconds from the segment's start until its top-1 is right for good, or None."""
    return _time_to_correct(frames_in_segment(predictions, segment), segment)


def _scored_frames(predictions: Iterable[FramePrediction],
                   segments: Iterable[Segment]) -> list[tuple[str, FramePrediction]]:
    ordered = _by_stamp(predictions)
    stamps = [p.stamp_ns for p in ordered]
    return [(segment.label, frame) for segment in segments
            for frame in _inside(ordered, stamps, segment)]


def frame_accuracy(predictions: Iterable[FramePrediction], segments: Iterable[Segment],
                   k: int = 1) -> float | None:
    """Return the share of frames inside segments whose top-``k`` holds the true label."""
    scored = _scored_frames(predictions, segments)
    if not scored:
        return None
    return sum(frame.hit(label, k) for label, frame in scored) / len(scored)


def confusion_counts(predictions: Iterable[FramePrediction],
                     segments: Iterable[Segment]) -> dict[str, dict[str, int]]:
    """Return true label -> predicted top-1 label -> frame count over frames in segments."""
    confusion: dict[str, dict[str, int]] = {}
    for label, frame in _scored_frames(predictions, segments):
        row = confusion.setdefault(label, {})
        predicted = frame.top1 if frame.top1 is not None else NO_PREDICTION
        row[predicted] = row.get(predicted, 0) + 1
    return confusion


def _share(hits: Sequence[bool]) -> float | None:
    return sum(hits) / len(hits) if hits else None


def evaluate(predictions: Iterable[FramePrediction], segments: Iterable[Segment],
             origin_ns: int | None = None) -> EvalReport:
    """
    Score predictions against annotated segments.

    ``origin_ns`` is the time origin of the report's segment times; it defaults to the first
    processed frame (or the first segment's start when there is no frame).
    """
    ordered = _by_stamp(predictions)
    segments = sorted(segments, key=lambda s: (s.start_ns, s.end_ns))
    stamps = [p.stamp_ns for p in ordered]
    if origin_ns is None:
        origin_ns = stamps[0] if stamps else (segments[0].start_ns if segments else 0)

    results = []
    frame_top1: list[bool] = []
    frame_top5: list[bool] = []
    for segment in segments:
        inside = _inside(ordered, stamps, segment)
        last = inside[-1] if inside else None
        results.append(SegmentResult(
            label=segment.label,
            start=(segment.start_ns - origin_ns) / NS_PER_SEC,
            end=(segment.end_ns - origin_ns) / NS_PER_SEC,
            predicted=last.top1 if last is not None else None,
            correct=last is not None and last.hit(segment.label, 1),
            correct_top5=last is not None and last.hit(segment.label, 5),
            time_to_correct_sec=_time_to_correct(inside, segment),
            frames=len(inside),
        ))
        frame_top1.extend(frame.hit(segment.label, 1) for frame in inside)
        frame_top5.extend(frame.hit(segment.label, 5) for frame in inside)

    switches = [r.time_to_correct_sec for r in results[1:]]
    switched = [t for t in switches if t is not None]
    return EvalReport(
        clip_top1_accuracy=_share([r.correct for r in results]),
        clip_top5_accuracy=_share([r.correct_top5 for r in results]),
        frame_top1_accuracy=_share(frame_top1),
        frame_top5_accuracy=_share(frame_top5),
        segments=results,
        mean_time_to_correct_sec=sum(switched) / len(switched) if switched else None,
        switches_never_correct=len(switches) - len(switched),
        confusion=confusion_counts(ordered, segments),
        frames_total=len(ordered),
        frames_annotated=len(frame_top1),
        origin_ns=origin_ns,
    )


def latency_stats(values_ms: Iterable[float]) -> dict[str, float | int | None]:
    """Return count, mean, median (p50), 95th percentile and max; None values when empty."""
    values = np.asarray(list(values_ms), dtype=np.float64)
    if values.size == 0:
        return {'count': 0, 'mean': None, 'p50': None, 'p95': None, 'max': None}
    return {
        'count': int(values.size),
        'mean': float(values.mean()),
        'p50': float(np.percentile(values, 50)),
        'p95': float(np.percentile(values, 95)),
        'max': float(values.max()),
    }


EVENT_IOU = 0.5


@dataclass(frozen=True)
class PredictedSpan:
    """One predicted event as the metrics see it: its label and [start_ns, end_ns)."""

    label: str
    start_ns: int
    end_ns: int


def temporal_iou(a_start: int, a_end: int, b_start: int, b_end: int) -> float:
    """Return the intersection over union of two time intervals (0 when disjoint)."""
    inter = min(a_end, b_end) - max(a_start, b_start)
    union = max(a_end, b_end) - min(a_start, b_start)
    return inter / union if inter > 0 and union > 0 else 0.0


def event_scores(events: Iterable[PredictedSpan], segments: Iterable[Segment],
                 iou: float = EVENT_IOU) -> dict[str, Any]:
    """Return event-level precision, recall and F1 (None without events or segments)."""
    events, segments = list(events), list(segments)
    pairs = sorted(((temporal_iou(e.start_ns, e.end_ns, s.start_ns, s.end_ns), i, j)
                    for i, e in enumerate(events) for j, s in enumerate(segments)
                    if e.label == s.label), reverse=True)
    used_events: set[int] = set()
    used_segments: set[int] = set()
    for overlap, i, j in pairs:
        if overlap >= iou and i not in used_events and j not in used_segments:
            used_events.add(i)
            used_segments.add(j)
    matched = len(used_events)
    precision = matched / len(events) if events else None
    recall = matched / len(segments) if segments else None
    f1 = None
    if precision is not None and recall is not None:
        f1 = 2 * precision * recall / (precision + recall) if matched else 0.0
    return {'precision': precision, 'recall': recall, 'f1': f1, 'iou': iou,
            'matched': matched, 'predicted': len(events), 'annotated': len(segments)}
