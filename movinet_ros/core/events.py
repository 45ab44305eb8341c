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
Action events: per-frame scores turned into "label started at t0 / ended at t1".

``EventDetector.update`` takes one processed frame (a pipeline ``Recognition``, or its
probabilities, stamp and reset reason) and returns the events that frame decided, ENDs
before STARTs. It is pure (no ROS, no clock: only frame stamps count), so the node and
``movinet-ros eval`` give the same events for the same frames.

Per allowed label, with hysteresis:

- START when its score has been >= ``enter_score`` on every frame for ``min_duration_sec``
  (from the first such frame's stamp to the deciding frame's); the event's start is the
  first frame of that run. A score exactly at ``enter_score`` counts as above.
- END when its score has been < ``exit_score`` on every frame for ``min_gap_sec``; the
  event's end is the first frame of that run. A score exactly at ``exit_score`` keeps the
  event going; scores between the two thresholds keep it going too.
- A stream-state reset (gap, stamp backwards, size change, or ``reset``) ends every ongoing
  event with reason ``stream reset: <why>`` and forgets every candidate: scores after a
  reset rest on a new state.
- ``end_all`` ends every ongoing event for any other reason the caller knows of and the
  frames cannot tell: input that stopped coming for ``input_timeout_sec`` (the detector has
  no clock: the node times it on its steady clock, ``movinet-ros eval`` on the bag's log
  times), the node deactivating or shutting down. So every START gets its END.
- At most ``max_concurrent`` events are ongoing. Ongoing events are never pre-empted: a
  label that qualifies while every slot is taken waits (its run keeps counting) and starts
  when a slot frees, highest score first, ties to the lower class id.
"""

from collections.abc import Sequence
from dataclasses import dataclass
import enum
import math
from typing import Any

from movinet_ros.core.errors import EventConfigError
from movinet_ros.core.postprocess import Ranker, RankingConfig
import numpy as np

# The END's reason, as ActionEvent.msg lists them.
REASON_BELOW_EXIT = 'score below exit'
REASON_RESET = 'stream reset: '
REASON_NOT_ALLOWED = 'label no longer allowed'
REASON_INPUT_STOPPED = 'input stopped'
REASON_DEACTIVATED = 'node deactivated'
REASON_SHUTDOWN = 'node shutting down'


class EventKind(enum.IntEnum):
    """What happened to a label; the values are the ActionEvent message's constants."""

    START = 0
    END = 1


@dataclass(frozen=True, kw_only=True)
class EventConfig:
    """Thresholds and durations of the event detector (see the module docstring)."""

    enter_score: float = 0.5
    exit_score: float = 0.3
    min_duration_sec: float = 0.6
    min_gap_sec: float = 1.0
    max_concurrent: int = 3
    allowlist: tuple[str, ...] = ()
    denylist: tuple[str, ...] = ()
    # No frame for this long ends every ongoing event (``input stopped``); timed by the
    # caller on the time of receipt. The default is the stream's reset gap: a silence the
    # stream state would not survive anyway once frames come back.
    input_timeout_sec: float = 2.0

    def __post_init__(self) -> None:
        for name in ('enter_score', 'exit_score', 'min_duration_sec', 'min_gap_sec',
                     'input_timeout_sec'):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, float)) \
                    or not math.isfinite(value) or value < 0:
                raise EventConfigError(f'{name} must be a finite number >= 0, got {value!r}')
        if not 0.0 < self.enter_score <= 1.0:
            # 0 would start an event for every one of the model's classes.
            raise EventConfigError(
                f'enter_score must be within (0, 1], got {self.enter_score!r}')
        if self.exit_score > self.enter_score:
            raise EventConfigError(
                f'exit_score ({self.exit_score}) must not exceed enter_score '
                f'({self.enter_score}): the hysteresis needs exit <= enter')
        if self.input_timeout_sec == 0:
            raise EventConfigError('input_timeout_sec must be > 0: an event must end when '
                                   'its input stops')
        count = self.max_concurrent
        if isinstance(count, bool) or not isinstance(count, int) or count < 1:
            raise EventConfigError(f'max_concurrent must be an integer >= 1, got {count!r}')


@dataclass(frozen=True)
class ActionEvent:
    """
    One START or END of a label, decided by the frame stamped ``stamp_ns``.

    ``end_ns`` is 0 in a START; ``reason`` is empty in a START. Scores are over the event's
    frames from ``start_ns`` up to this event (an END: up to ``end_ns``, excluded).
    """

    kind: EventKind
    class_id: int
    label: str
    stamp_ns: int
    start_ns: int
    end_ns: int
    peak_score: float
    mean_score: float
    reason: str = ''


@dataclass
class _Track:
    """A label in a run at or above enter (candidate) or in an ongoing event."""

    since_ns: int
    peak: float = 0.0
    total: float = 0.0
    count: int = 0
    ongoing: bool = False
    # While ongoing: the first stamp of the current run below exit, and its scores, which
    # join the event only if the score recovers before min_gap_sec.
    below_since_ns: int | None = None
    below_total: float = 0.0
    below_count: int = 0

    def add(self, score: float) -> None:
        self.peak = max(self.peak, score)
        self.total += score
        self.count += 1

    @property
    def mean(self) -> float:
        return self.total / self.count if self.count else 0.0


@dataclass
class EventCounts:
    """Events decided since the detector was made."""

    started: int = 0
    ended: int = 0


class EventDetector:
    """Debounce per-frame scores into START and END events, one label at a time."""

    def __init__(self, labels: Sequence[str], config: EventConfig = EventConfig()) -> None:
        """Validate ``config`` against ``labels`` (EventConfigError, LabelError)."""
        self.labels = tuple(labels)
        self.counts = EventCounts()
        self._tracks: dict[int, _Track] = {}
        self._last_stamp_ns: int | None = None
        self._allowed = np.zeros(len(self.labels), dtype=bool)
        self.config = config
        self._apply(config)

    def _apply(self, config: EventConfig) -> None:
        # The ranker validates the lists (unknown labels with suggestions, nothing left).
        ranker = Ranker(self.labels, RankingConfig(allowlist=config.allowlist,
                                                   denylist=config.denylist))
        allowed = np.zeros(len(self.labels), dtype=bool)
        allowed[list(ranker.allowed_ids)] = True
        self._allowed = allowed
        self.config = config

    @property
    def ongoing(self) -> list[ActionEvent]:
        """Return a START-like view of every ongoing event, by class id."""
        return [self._event(EventKind.START, class_id, track, track.since_ns)
                for class_id, track in sorted(self._tracks.items()) if track.ongoing]

    def set_config(self, config: EventConfig, stamp_ns: int | None = None) -> list[ActionEvent]:
        """
        Apply new settings from the next frame on; return the ENDs this forces.

        Ongoing events and candidate runs carry on under the new thresholds. An ongoing
        event whose label the new lists exclude ends now (reason ``label no longer
        allowed``, end and header at ``stamp_ns``, default the last frame's stamp); a
        lower ``max_concurrent`` pre-empts nothing, new events wait for a free slot.
        """
        self._apply(config)
        stamp = stamp_ns if stamp_ns is not None else (self._last_stamp_ns or 0)
        events = []
        for class_id in sorted(self._tracks):
            if not self._allowed[class_id]:
                track = self._tracks.pop(class_id)
                if track.ongoing:
                    events.append(self._end(class_id, track, stamp, stamp, REASON_NOT_ALLOWED))
        return events

    def reset(self, why: str, stamp_ns: int | None = None) -> list[ActionEvent]:
        """End every ongoing event because the stream state starts over (``end_all``)."""
        return self.end_all(REASON_RESET + why, stamp_ns)

    def end_all(self, reason: str, stamp_ns: int | None = None) -> list[ActionEvent]:
        """
        End every ongoing event for ``reason``, by class id; forget candidates.

        Each END's end is the last frame seen (the action was last observed there), its
        header ``stamp_ns`` (default the same). The next frame starts afresh: a label still
        scoring high starts a new event after ``min_duration_sec``.
        """
        last = self._last_stamp_ns if self._last_stamp_ns is not None else (stamp_ns or 0)
        decided = stamp_ns if stamp_ns is not None else last
        events = [self._end(class_id, track, decided, last, reason)
                  for class_id, track in sorted(self._tracks.items()) if track.ongoing]
        self._tracks.clear()
        self._last_stamp_ns = None
        return events

    def update(self, recognition: Any) -> list[ActionEvent]:
        """Run one processed frame (anything with probabilities, stamp_ns, reset_reason)."""
        reason = recognition.reset_reason
        return self.update_scores(recognition.probabilities, recognition.stamp_ns,
                                  reset_reason=getattr(reason, 'value', reason))

    def update_scores(self, probabilities: np.ndarray, stamp_ns: int, *,
                      reset_reason: str | None = None) -> list[ActionEvent]:
        """Run one frame's softmax scores; return the events it decided, ENDs first."""
        scores = np.asarray(probabilities)
        if scores.shape != (len(self.labels),):
            raise EventConfigError(
                f'expected {len(self.labels)} probabilities, one per label, got shape '
                f'{scores.shape}')
        events = self.reset(reset_reason, stamp_ns) if reset_reason else []
        config = self.config
        for allowed_id in np.flatnonzero(self._allowed & (scores >= config.enter_score)):
            self._tracks.setdefault(int(allowed_id), _Track(since_ns=stamp_ns))
        for class_id in sorted(self._tracks):
            track = self._tracks[class_id]
            score = float(scores[class_id])
            if not track.ongoing:
                if score >= config.enter_score:
                    track.add(score)
                else:
                    del self._tracks[class_id]
            elif score >= config.exit_score:
                track.total += track.below_total
                track.count += track.below_count
                track.below_since_ns, track.below_total, track.below_count = None, 0.0, 0
                track.add(score)
            else:
                if track.below_since_ns is None:
                    track.below_since_ns = stamp_ns
                track.below_total += score
                track.below_count += 1
                if stamp_ns - track.below_since_ns >= _ns(config.min_gap_sec):
                    del self._tracks[class_id]
                    events.append(self._end(class_id, track, stamp_ns, track.below_since_ns,
                                            REASON_BELOW_EXIT))
        events += self._starts(scores, stamp_ns)
        self._last_stamp_ns = stamp_ns
        return events

    def _starts(self, scores: np.ndarray, stamp_ns: int) -> list[ActionEvent]:
        config = self.config
        free = config.max_concurrent - sum(track.ongoing for track in self._tracks.values())
        ready = [class_id for class_id, track in self._tracks.items()
                 if not track.ongoing
                 and stamp_ns - track.since_ns >= _ns(config.min_duration_sec)]
        ready.sort(key=lambda class_id: (-float(scores[class_id]), class_id))
        events = []
        for class_id in ready[:max(free, 0)]:
            track = self._tracks[class_id]
            track.ongoing = True
            self.counts.started += 1
            events.append(self._event(EventKind.START, class_id, track, stamp_ns))
        return events

    def _end(self, class_id: int, track: _Track, stamp_ns: int, end_ns: int,
             reason: str) -> ActionEvent:
        self.counts.ended += 1
        return self._event(EventKind.END, class_id, track, stamp_ns, end_ns, reason)

    def _event(self, kind: EventKind, class_id: int, track: _Track, stamp_ns: int,
               end_ns: int = 0, reason: str = '') -> ActionEvent:
        return ActionEvent(kind=kind, class_id=class_id, label=self.labels[class_id],
                           stamp_ns=stamp_ns, start_ns=track.since_ns, end_ns=end_ns,
                           peak_score=track.peak, mean_score=track.mean, reason=reason)

    @property
    def ongoing_count(self) -> int:
        """Return the number of ongoing events."""
        return sum(track.ongoing for track in self._tracks.values())


def _ns(seconds: float) -> int:
    # Rounded, so 1.0 s is exactly five 200 ms frame periods whatever the float error.
    return round(seconds * 1e9)


def events_from_recognitions(recognitions: Sequence[Any], labels: Sequence[str],
                             config: EventConfig = EventConfig()) -> list[ActionEvent]:
    """Return the events of a whole sequence of processed frames (for tests and tools)."""
    detector = EventDetector(labels, config)
    events: list[ActionEvent] = []
    for recognition in recognitions:
        events += detector.update(recognition)
    return events
