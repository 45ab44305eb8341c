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
What a run over a recording leaves: one record per processed frame, and the run's counts.

A :class:`ProcessedFrame` is made once from the pipeline's Recognition and is what every
output reads: predictions and events CSV, the result bag (the node's message fields, via
:mod:`movinet_ros.core.messages`), the summary and the dataset scores.
"""

from collections.abc import Collection, Sequence
from dataclasses import dataclass, field

from movinet_ros.core.events import ActionEvent, EventKind
from movinet_ros.core.pipeline import PipelineStats, Recognition
from movinet_ros.core.postprocess import Hypothesis, Ranker, RankingConfig
from movinet_ros.core.stamps import NS_PER_SEC
from movinet_ros.offline.scoring.frame_metrics import FramePrediction
import numpy as np

# Classes ranked per frame for the timeline: wide enough that every curve worth drawing
# stays unbroken, small enough to keep per-frame memory constant.
TIMELINE_RANKED = 32
# Labels per frame the metrics score (top-5 accuracy), whatever top_k reports.
SCORED_RANKS = 5

_NO_TIMELINE = (np.zeros(0, np.intp), np.zeros(0, np.float32))


@dataclass(frozen=True)
class ProcessedFrame:
    """
    What the pipeline made of one frame it processed, with where the frame came from.

    ``stamp_ns`` is the stamp the pipeline was given: the header stamp, or the log time when
    the header stamp is zero. ``hypotheses`` is the reported top-k (also ``ranking``);
    ``timeline`` holds the class ids and probabilities of the TIMELINE_RANKED most likely
    classes (unordered), kept for the timeline plot and the top-5 scores.
    """

    stamp_ns: int
    log_time_ns: int
    frame_id: str
    hypotheses: tuple[Hypothesis, ...]
    frames_in_state: int
    inference_ms: float
    timeline: tuple[np.ndarray, np.ndarray] = field(default=_NO_TIMELINE, compare=False,
                                                    repr=False)
    reset: str = ''
    total_ms: float = 0.0

    @classmethod
    def of(cls, recognition: Recognition, *, log_time_ns: int, frame_id: str,
           timeline: tuple[np.ndarray, np.ndarray]) -> 'ProcessedFrame':
        """Record a Recognition of a frame logged (or stamped) at ``log_time_ns``."""
        return cls(stamp_ns=recognition.stamp_ns, log_time_ns=log_time_ns, frame_id=frame_id,
                   hypotheses=recognition.hypotheses,
                   frames_in_state=recognition.frames_in_state,
                   inference_ms=recognition.inference_ms, timeline=timeline,
                   reset=recognition.reset_reason.value if recognition.reset_reason else '',
                   total_ms=recognition.total_ms)

    @property
    def ranking(self) -> tuple[Hypothesis, ...]:
        """Return the reported top-k, best first."""
        return self.hypotheses


class MostLikely:
    """Pick the TIMELINE_RANKED most likely reportable classes; 15x cheaper than ranking."""

    def __init__(self, labels: Sequence[str], ranking: RankingConfig,
                 also: Collection[int] = ()):
        """Rank the reportable classes; the class ids in ``also`` are always kept too."""
        # The Ranker decides which classes are reportable, here as in the pipeline.
        self._ids = np.array(Ranker(labels, ranking).allowed_ids, dtype=np.intp)
        self._first = len(self._ids) - min(TIMELINE_RANKED, len(self._ids))
        self._also = np.array(sorted(set(also)), dtype=np.intp)

    def __call__(self, probabilities: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        scores = probabilities[self._ids]
        top = self._ids[np.argpartition(scores, self._first)[self._first:]]
        if self._also.size:
            top = np.union1d(top, self._also)
        return top, probabilities[top]


def stats_since(before: PipelineStats, after: PipelineStats) -> PipelineStats:
    """Return what each counter of ``after`` added since ``before`` (one run's share)."""
    return PipelineStats(**{name: getattr(after, name) - getattr(before, name)
                            for name in vars(after)})


@dataclass
class BagRun:
    """Everything one pass of the pipeline over a topic produced, and what it counted."""

    bags: list[str]
    topic: str
    frames: list[ProcessedFrame] = field(default_factory=list)
    stats: PipelineStats = field(default_factory=PipelineStats)
    frames_read: int = 0
    zero_stamp_frames: int = 0
    first_stamp_ns: int | None = None
    last_stamp_ns: int | None = None
    loop_sec: float = 0.0
    # RGB frames the model saw, index-aligned with ``frames``; only kept on request.
    pictures: list[np.ndarray] = field(default_factory=list)
    # START and END events as the node publishes them, in order; then an END for every
    # event still going at the last frame.
    events: list[ActionEvent] = field(default_factory=list)

    def saw_stamp(self, stamp_ns: int) -> None:
        """Note the stamp of a frame read (processed or not)."""
        if self.first_stamp_ns is None:
            self.first_stamp_ns = stamp_ns
        self.last_stamp_ns = stamp_ns

    @property
    def duration_sec(self) -> float | None:
        """Return the time from the first stamp read to the last, None before any."""
        if self.first_stamp_ns is None or self.last_stamp_ns is None:
            return None
        return (self.last_stamp_ns - self.first_stamp_ns) / NS_PER_SEC

    def event_spans(self) -> list[tuple[ActionEvent, ActionEvent]]:
        """Return each event as its (START, END) pair, in order of START."""
        starts: dict[tuple[int, int], ActionEvent] = {}
        spans = []
        for event in self.events:
            key = (event.class_id, event.start_ns)
            if event.kind == EventKind.START:
                starts[key] = event
            elif key in starts:
                spans.append((starts.pop(key), event))
        return sorted(spans, key=lambda pair: (pair[0].stamp_ns, pair[0].class_id))

    def predictions(self) -> list[FramePrediction]:
        """Return the reported top-k of every processed frame."""
        return [FramePrediction(frame.stamp_ns, tuple(h.label for h in frame.hypotheses),
                                tuple(h.score for h in frame.hypotheses))
                for frame in self.frames]

    def scored_predictions(self, labels: Sequence[str],
                           score_threshold: float) -> list[FramePrediction]:
        """
        Return every processed frame's best SCORED_RANKS labels, for the metrics.

        The reported ranking stops at top_k, which would turn top-5 accuracy into top-k
        accuracy; these come from the frame's most likely allowed classes instead, ordered
        as the pipeline ranks (score, then lower class id) and cut at the score threshold,
        so their first label is the reported top-1.
        """
        predictions = []
        for frame in self.frames:
            ids, scores = frame.timeline
            best = np.lexsort((ids, -scores))[:SCORED_RANKS]
            best = best[scores[best] >= score_threshold]
            predictions.append(FramePrediction(frame.stamp_ns,
                                               tuple(labels[i] for i in ids[best]),
                                               tuple(scores[best])))
        return predictions

    def timeline_predictions(self, labels: Sequence[str]) -> list[FramePrediction]:
        """Return the wider per-frame probabilities the timeline plot draws."""
        return [FramePrediction(frame.stamp_ns, tuple(labels[i] for i in frame.timeline[0]),
                                tuple(frame.timeline[1]))
                for frame in self.frames]
