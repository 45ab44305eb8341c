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
``streams`` copies of the stream state, each on an interpreter of its own, whose resets are
staggered over a window of ``context_sec``: copy j starts ``j * context_sec / streams``
after the stream's first frame and is reset every ``context_sec`` from then on, so at any
moment the copies have seen the last few seconds at staggered lengths.

Each copy's class probabilities come from ``BoundedContext.copy_probabilities`` (by default
the softmax of the model's logits; a scorer given to the context, e.g. a trained head on
the copy's pooled features, may replace it). A combination rule (``RULES``, chosen by
``ContextConfig.rule``) turns the probabilities of the copies that have seen at least
``MIN_FRAMES`` frames into the published ones. The default, ``most_confident``, publishes
the copy whose top-1 is the most probable: a copy that has seen only the new action is sure
of it and wins at once, and a sure copy is never diluted by a mix with an unsure one (a
mean of the copies pulls the true class's probability down on real footage). Measured with
``scripts/context_rules.py`` against the other rules and layouts; with it, 2 copies over
6 s hold what 3 did, at one invoke less per processed frame.

While the stream is younger than the context, only the first copy (which has seen all of
it) is published: a clip shorter than the context gives exactly the unbounded result.
``context_sec`` 0 keeps one state that is never reset (clip-level use). ``frames_in_state``
is the frames the published probabilities rest on: those of the copy the rule published
(for a mean: of the oldest copy in the mix).

The schedule runs on the frames' stamps, not on frame counts, so it means seconds whatever
the input rate or the share of frames lost. How to measure switching:
docs/node.md, "Temporal context".
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
import math

from movinet_ros.core.errors import ContextConfigError
from movinet_ros.core.model import StreamModel
from movinet_ros.core.postprocess import softmax
import numpy as np

__all__ = [
    'BoundedContext', 'CombineRule', 'ContextConfig', 'ContextConfigError', 'CopyScorer',
    'DEFAULT_CONTEXT_RULE', 'DEFAULT_CONTEXT_SEC', 'DEFAULT_CONTEXT_STREAMS', 'MIN_FRAMES',
    'RULES', 'geometric_mean', 'inverse_frames_mean', 'logits_probabilities', 'most_confident',
    'oldest_copy', 'uniform_mean',
]

DEFAULT_CONTEXT_SEC = 6.0
DEFAULT_CONTEXT_STREAMS = 3
MAX_CONTEXT_STREAMS = 8
# A copy with fewer frames is too unsure to be combined (MoViNet needs a few frames).
MIN_FRAMES = 5

# A rule turns the ready copies' probabilities and frame counts (oldest first, at least
# one) into the published probabilities and the frames those rest on (frames_in_state).
CombineRule = Callable[[Sequence[np.ndarray], Sequence[int]], tuple[np.ndarray, int]]
# Scores of one copy that has just stepped: (the copy, its logits) -> class probabilities.
CopyScorer = Callable[[StreamModel, np.ndarray], np.ndarray]


def logits_probabilities(copy: StreamModel, logits: np.ndarray) -> np.ndarray:
    """Return the softmax of the model's own logits (the default per-copy scores)."""
    probabilities: np.ndarray = softmax(logits)
    return probabilities


def most_confident(probabilities: Sequence[np.ndarray],
                   frames: Sequence[int]) -> tuple[np.ndarray, int]:
    """Publish the copy whose top-1 is the most probable: no mix dilutes a sure copy."""
    best = max(range(len(probabilities)), key=lambda index: float(probabilities[index].max()))
    return probabilities[best], frames[best]


def inverse_frames_mean(probabilities: Sequence[np.ndarray],
                        frames: Sequence[int]) -> tuple[np.ndarray, int]:
    """Publish the mean weighted by 1 / each copy's frames: the youngest weighs the most."""
    weights = np.array([1.0 / count for count in frames], probabilities[0].dtype)
    return _weighted(probabilities, weights), max(frames)


def uniform_mean(probabilities: Sequence[np.ndarray],
                 frames: Sequence[int]) -> tuple[np.ndarray, int]:
    """Publish the plain mean of the copies."""
    return _weighted(probabilities, np.ones(len(probabilities), probabilities[0].dtype)), \
        max(frames)


def geometric_mean(probabilities: Sequence[np.ndarray],
                   frames: Sequence[int]) -> tuple[np.ndarray, int]:
    """Publish the normalised geometric mean: a class must be likely in every copy."""
    logs = np.log(np.maximum(np.stack(probabilities), np.finfo(np.float32).tiny))
    return softmax(logs.mean(axis=0)), max(frames)


def oldest_copy(probabilities: Sequence[np.ndarray],
                frames: Sequence[int]) -> tuple[np.ndarray, int]:
    """Publish the copy that has seen the most frames."""
    oldest = max(range(len(frames)), key=lambda index: frames[index])
    return probabilities[oldest], frames[oldest]


def _weighted(probabilities: Sequence[np.ndarray], weights: np.ndarray) -> np.ndarray:
    mean: np.ndarray = np.einsum('i,ij->j', weights / weights.sum(), np.stack(probabilities))
    return mean


RULES: dict[str, CombineRule] = {
    'most_confident': most_confident,
    'inverse_frames_mean': inverse_frames_mean,
    'uniform_mean': uniform_mean,
    'geometric_mean': geometric_mean,
    'oldest': oldest_copy,
}
DEFAULT_CONTEXT_RULE = 'most_confident'


@dataclass(frozen=True)
class ContextConfig:
    """How much history the published scores rest on; ``context_sec`` 0 is unbounded."""

    context_sec: float = DEFAULT_CONTEXT_SEC
    streams: int = DEFAULT_CONTEXT_STREAMS
    # A name in RULES: how the copies' probabilities become the published ones.
    rule: str = DEFAULT_CONTEXT_RULE

    def __post_init__(self) -> None:
        if not (math.isfinite(self.context_sec) and self.context_sec >= 0.0):
            raise ContextConfigError(
                f'context_sec must be >= 0 (0: unbounded), got {self.context_sec}')
        if isinstance(self.streams, bool) or not isinstance(self.streams, int) \
                or not 1 <= self.streams <= MAX_CONTEXT_STREAMS:
            raise ContextConfigError(
                f'context_streams must be an integer in [1, {MAX_CONTEXT_STREAMS}], '
                f'got {self.streams!r}')
        if self.rule not in RULES:
            raise ContextConfigError(
                f'context rule must be one of {", ".join(RULES)}, got {self.rule!r}')

    @property
    def bounded(self) -> bool:
        """Tell whether the history is bounded; if not, one state is carried forever."""
        return self.context_sec > 0.0


class BoundedContext:
    """
    Step several staggered copies of one stream state and combine their probabilities.

    ``copy_probabilities`` turns a copy's step into class probabilities (default: the
    softmax of the model's logits; a trained head on the copy's pooled features may take
    its place) and ``rule`` (default: the config's) combines the ready copies'.
    """

    def __init__(self, model: StreamModel, config: ContextConfig = ContextConfig(), *,
                 scorer: CopyScorer | None = None,
                 rule: CombineRule | None = None) -> None:
        self.config = config
        self.scorer = logits_probabilities if scorer is None else scorer
        self.rule = RULES[config.rule] if rule is None else rule
        count = config.streams if config.bounded else 1
        # An interpreter per copy: sharing one would swap every state in and out of it on
        # every copy's step, which costs more than the invoke's share it saves in memory.
        self._copies = [model] + [model.clone() for _ in range(count - 1)]
        self._window_ns = int(config.context_sec * 1e9)
        self._offsets_ns = [j * self._window_ns // count for j in range(count)]
        # Per copy, the index of the window it is in (-1: not started yet).
        self._generations = [-1] * count
        self._start_ns: int | None = None
        self.frames_in_state = 0
        # The copies (indices into ``models``, oldest first) the last step's rule combined.
        self.combined: tuple[int, ...] = ()

    @property
    def state_frames(self) -> tuple[int, ...]:
        """Frames each copy of the state has seen since its last reset."""
        return tuple(copy.frames_in_state for copy in self._copies)

    @property
    def models(self) -> tuple[StreamModel, ...]:
        """Return the copies of the stream state, the first one being the model given."""
        return tuple(self._copies)

    def copy_probabilities(self, copy: StreamModel, logits: np.ndarray) -> np.ndarray:
        """Return the class probabilities of ``copy`` after the step that gave ``logits``."""
        return self.scorer(copy, logits)

    def reset(self) -> None:
        """Start every copy over: the next frame begins a new stream."""
        for copy in self._copies:
            copy.reset()
        self._generations = [-1] * len(self._copies)
        self._start_ns = None
        self.frames_in_state = 0

    def _step_copy(self, copy: StreamModel, model_input: np.ndarray) -> np.ndarray:
        return self.copy_probabilities(copy, copy.step(model_input))

    def step(self, model_input: np.ndarray, stamp_ns: int) -> np.ndarray:
        """Feed one prepared frame stamped ``stamp_ns``; return the published probabilities."""
        if not self.config.bounded:
            probabilities = self._step_copy(self._copies[0], model_input)
            self.frames_in_state = self._copies[0].frames_in_state
            self.combined = (0,)
            return probabilities
        if self._start_ns is None:
            self._start_ns = stamp_ns
        elapsed = max(0, stamp_ns - self._start_ns)
        seen: list[tuple[int, int, np.ndarray]] = []  # (copy index, frames, probabilities)
        for index, copy in enumerate(self._copies):
            offset = self._offsets_ns[index]
            if elapsed < offset:
                continue
            generation = (elapsed - offset) // self._window_ns
            if generation != self._generations[index]:
                if self._generations[index] >= 0:
                    copy.reset()
                self._generations[index] = generation
            frames = copy.frames_in_state + 1
            seen.append((index, frames, self._step_copy(copy, model_input)))
        if elapsed < self._window_ns:
            # Younger than the context: the first copy has seen the whole stream.
            self.combined = (seen[0][0],)
            _, self.frames_in_state, probabilities = seen[0]
            return probabilities
        ready = [item for item in seen if item[1] >= MIN_FRAMES]
        if not ready:
            ready = [max(seen, key=lambda item: item[1])]
        ready.sort(key=lambda item: -item[1])
        self.combined = tuple(index for index, _, _ in ready)
        probabilities, self.frames_in_state = self.rule(
            [p for _, _, p in ready], [frames for _, frames, _ in ready])
        return probabilities
        ready = [(frames, p) for frames, p in seen if frames >= MIN_FRAMES]
        if not ready:
            ready = [max(seen, key=lambda item: item[0])]
        ready.sort(key=lambda item: -item[0])
        probabilities, self.frames_in_state = self.rule(
            [p for _, p in ready], [frames for frames, _ in ready])
        return probabilities
