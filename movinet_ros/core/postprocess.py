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
Turn model logits into ranked hypotheses: softmax, then top-k of the allowed classes.

Scores are the softmax over all classes; allow and deny lists only choose which classes may
be reported, they do not renormalise the scores, so a score means the same thing whatever
the filter.
"""

from collections.abc import Sequence
from dataclasses import dataclass
import difflib

from movinet_ros.core.errors import LabelError, RankingConfigError
import numpy as np


@dataclass(frozen=True)
class Hypothesis:
    """One recognised action: class index, its label and its softmax score."""

    class_id: int
    label: str
    score: float


@dataclass(frozen=True)
class RankingConfig:
    """Which hypotheses to report; empty allowlist means every class."""

    top_k: int = 5
    score_threshold: float = 0.0
    allowlist: tuple[str, ...] = ()
    denylist: tuple[str, ...] = ()


def softmax(logits: np.ndarray) -> np.ndarray:
    """
    Return the softmax over the last axis, stable for large logits.

    float32 and float64 inputs keep their type; other inputs are computed in float64.
    """
    logits = np.asarray(logits)
    if logits.dtype not in (np.float32, np.float64):
        logits = logits.astype(np.float64)
    if logits.size == 0:
        raise RankingConfigError('softmax of an empty array')
    exps: np.ndarray = np.exp(logits - logits.max(axis=-1, keepdims=True))
    exps /= exps.sum(axis=-1, keepdims=True)
    return exps


def _unknown_labels_message(kind: str, unknown: Sequence[str], labels: Sequence[str]) -> str:
    described = []
    for name in unknown:
        close = difflib.get_close_matches(name, labels, n=3)
        hint = f' (did you mean {" or ".join(repr(match) for match in close)}?)' if close else ''
        described.append(f'{name!r}{hint}')
    return f'unknown labels in the {kind}: {", ".join(described)}'


class Ranker:
    """Rank probabilities into the top-k allowed hypotheses above a score threshold."""

    def __init__(self, labels: Sequence[str], config: RankingConfig):
        """Validate ``config`` against ``labels`` (LabelError, RankingConfigError)."""
        top_k = config.top_k
        if isinstance(top_k, bool) or not isinstance(top_k, (int, np.integer)) or top_k < 1:
            raise RankingConfigError(f'top_k must be an integer >= 1, got {top_k!r}')
        threshold = config.score_threshold
        if isinstance(threshold, bool) or not isinstance(threshold, (int, float, np.floating)) \
                or not 0.0 <= threshold <= 1.0:
            raise RankingConfigError(
                f'score_threshold must be within [0, 1], got {config.score_threshold!r}')
        self.labels = tuple(labels)
        known = set(self.labels)
        for kind, names in (('allowlist', config.allowlist), ('denylist', config.denylist)):
            unknown = [name for name in dict.fromkeys(names) if name not in known]
            if unknown:
                raise LabelError(_unknown_labels_message(kind, unknown, self.labels))
        allowed = set(config.allowlist) if config.allowlist else known
        allowed -= set(config.denylist)
        if not allowed:
            raise RankingConfigError('the allowlist and denylist leave no class to report')
        self.config = config
        # Ascending ids, so positions in the allowed subset order ties by class id.
        self._allowed_ids = np.array(
            [class_id for class_id, label in enumerate(self.labels) if label in allowed],
            dtype=np.intp)
        self._filters = len(self._allowed_ids) < len(self.labels)
        self._top_k = min(int(top_k), len(self._allowed_ids))

    @property
    def allowed_ids(self) -> tuple[int, ...]:
        """Return the class ids the allow and deny lists let through, ascending."""
        return tuple(int(class_id) for class_id in self._allowed_ids)

    def rank(self, probabilities: np.ndarray) -> list[Hypothesis]:
        """Return up to top_k allowed hypotheses with score >= threshold, best first."""
        if probabilities.shape != (len(self.labels),):
            raise RankingConfigError(
                f'expected {len(self.labels)} probabilities, one per label, got shape '
                f'{probabilities.shape}')
        scores = probabilities[self._allowed_ids] if self._filters else probabilities
        k = self._top_k
        if k < len(scores):
            # Everything tied with the k-th best stays a candidate so ties go to lower ids.
            kth_best = scores[np.argpartition(scores, len(scores) - k)[len(scores) - k]]
            candidates = np.flatnonzero(scores >= kth_best)
        else:
            candidates = np.arange(len(scores))
        best = candidates[np.lexsort((candidates, -scores[candidates]))[:k]]
        threshold = self.config.score_threshold
        hypotheses = []
        for position in best:
            score = float(scores[position])
            if score < threshold:
                break
            class_id = int(self._allowed_ids[position]) if self._filters else int(position)
            hypotheses.append(Hypothesis(class_id, self.labels[class_id], score))
        return hypotheses
