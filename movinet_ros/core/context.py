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
A bounded temporal context for a stream that never ends.

MoViNet stream models pool their features with cumulative averages since the last reset,
so after a minute of one action a new one hardly moves the output. ``BoundedContext`` keeps
``streams`` copies of the stream state (forks of one interpreter) whose resets are staggered
over a window of ``context_sec``: copy j starts ``j * context_sec / streams`` after the
stream's first frame and is reset every ``context_sec`` from then on, so at any moment the
copies have seen the last few seconds at staggered lengths. The published probabilities
are the mean of the copies that have seen at least ``MIN_FRAMES`` frames, each weighted by
1 / its frame count, so a fresh copy that sees the new action carries the most weight while
the older ones keep the result steady.

While the stream is younger than the context, only the first copy (which has seen all of
it) is published: a clip shorter than the context gives exactly the unbounded result.
``context_sec`` 0 keeps one state that is never reset (clip-level use).

The schedule runs on the frames' stamps, not on frame counts, so it means seconds whatever
the input rate or the share of frames lost. Measurements behind the defaults: README,
"Always-on streams".
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
import math

from movinet_ros.core.errors import ContextConfigError
from movinet_ros.core.model import StreamModel
from movinet_ros.core.postprocess import softmax
import numpy as np

__all__ = [
    'BoundedContext', 'ContextConfig', 'ContextConfigError', 'DEFAULT_CONTEXT_SEC',
    'DEFAULT_CONTEXT_STREAMS', 'MIN_FRAMES', 'Scorer',
]

# Class probabilities of the state a stream holds after its step (e.g. a head of one's own
# actions on the pooled features); without one, the softmax of the model's logits.
Scorer = Callable[[StreamModel], np.ndarray]

DEFAULT_CONTEXT_SEC = 6.0
DEFAULT_CONTEXT_STREAMS = 3
MAX_CONTEXT_STREAMS = 8
# A copy with fewer frames is too unsure to be averaged in (MoViNet needs a few frames).
MIN_FRAMES = 5


@dataclass(frozen=True)
class ContextConfig:
    """How much history the published scores rest on; ``context_sec`` 0 is unbounded."""

    context_sec: float = DEFAULT_CONTEXT_SEC
    streams: int = DEFAULT_CONTEXT_STREAMS

    def __post_init__(self) -> None:
        if not (math.isfinite(self.context_sec) and self.context_sec >= 0.0):
            raise ContextConfigError(
                f'context_sec must be >= 0 (0: unbounded), got {self.context_sec}')
        if isinstance(self.streams, bool) or not isinstance(self.streams, int) \
                or not 1 <= self.streams <= MAX_CONTEXT_STREAMS:
            raise ContextConfigError(
                f'context_streams must be an integer in [1, {MAX_CONTEXT_STREAMS}], '
                f'got {self.streams!r}')

    @property
    def bounded(self) -> bool:
        """Tell whether the history is bounded; if not, one state is carried forever."""
        return self.context_sec > 0.0


class BoundedContext:
    """Step several staggered copies of one stream state and combine their probabilities."""

    def __init__(self, model: StreamModel, config: ContextConfig = ContextConfig(), *,
                 scorer: Scorer | None = None) -> None:
        self.config = config
        self._scorer = scorer
        count = config.streams if config.bounded else 1
        self._copies = [model] + [model.fork() for _ in range(count - 1)]
        self._window_ns = int(config.context_sec * 1e9)
        self._offsets_ns = [j * self._window_ns // count for j in range(count)]
        # Per copy, the index of the window it is in (-1: not started yet).
        self._generations = [-1] * count
        self._start_ns: int | None = None
        self.frames_in_state = 0

    @property
    def state_frames(self) -> tuple[int, ...]:
        """Frames each copy of the state has seen since its last reset."""
        return tuple(copy.frames_in_state for copy in self._copies)

    @property
    def models(self) -> tuple[StreamModel, ...]:
        """Return the copies of the stream state, the first one being the model given."""
        return tuple(self._copies)

    def reset(self) -> None:
        """Start every copy over: the next frame begins a new stream."""
        for copy in self._copies:
            copy.reset()
        self._generations = [-1] * len(self._copies)
        self._start_ns = None
        self.frames_in_state = 0

    def _score(self, copy: StreamModel, model_input: np.ndarray) -> np.ndarray:
        logits = copy.step(model_input)
        return softmax(logits) if self._scorer is None else self._scorer(copy)

    def step(self, model_input: np.ndarray, stamp_ns: int) -> np.ndarray:
        """Feed one prepared frame stamped ``stamp_ns``; return the published probabilities."""
        if not self.config.bounded:
            probabilities = self._score(self._copies[0], model_input)
            self.frames_in_state = self._copies[0].frames_in_state
            return probabilities
        if self._start_ns is None:
            self._start_ns = stamp_ns
        elapsed = max(0, stamp_ns - self._start_ns)
        seen: list[tuple[int, np.ndarray]] = []
        for index, copy in enumerate(self._copies):
            offset = self._offsets_ns[index]
            if elapsed < offset:
                continue
            generation = (elapsed - offset) // self._window_ns
            if generation != self._generations[index]:
                if self._generations[index] >= 0:
                    copy.reset()
                self._generations[index] = generation
            seen.append((copy.frames_in_state + 1, self._score(copy, model_input)))
        if elapsed < self._window_ns:
            # Younger than the context: the first copy has seen the whole stream.
            self.frames_in_state, probabilities = seen[0]
            return probabilities
        ready = [(frames, p) for frames, p in seen if frames >= MIN_FRAMES]
        if not ready:
            ready = [max(seen, key=lambda item: item[0])]
        weights = np.array([1.0 / frames for frames, _ in ready], ready[0][1].dtype)
        self.frames_in_state = max(frames for frames, _ in ready)
        mean: np.ndarray = np.einsum('i,ij->j', weights / weights.sum(),
                                     np.stack([p for _, p in ready]))
        return mean
