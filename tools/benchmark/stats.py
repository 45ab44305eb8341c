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
Figures from repeated measurements: a median with its spread, or no value and the reason.

Every figure is the median of several repeats, and its spread is the lowest and highest
repeat. Derived figures (a ratio, a difference) take their value from the parts' medians,
so they stay consistent with them, and their spread from the parts' extremes.
"""

from collections.abc import Sequence
from dataclasses import dataclass
import math


@dataclass(frozen=True)
class Figure:
    """One reported number: median of the repeats and their range, or None with a reason."""

    value: float | None
    low: float | None = None
    high: float | None = None
    reason: str = ''

    @property
    def present(self) -> bool:
        """Whether the figure was measured."""
        return self.value is not None


def missing(reason: str) -> Figure:
    """Return a figure that could not be measured, saying why."""
    return Figure(None, reason=reason)


def percentile(samples: Sequence[float], fraction: float) -> float:
    """Return the ``fraction`` (0..1) percentile of ``samples``, interpolated linearly."""
    if not samples:
        raise ValueError('percentile of no samples')
    ordered = sorted(samples)
    position = (len(ordered) - 1) * fraction
    below = math.floor(position)
    above = min(below + 1, len(ordered) - 1)
    return ordered[below] + (ordered[above] - ordered[below]) * (position - below)


def median(samples: Sequence[float]) -> float:
    """Return the median of ``samples``."""
    return percentile(samples, 0.5)


def summarize(repeats: Sequence[float]) -> Figure:
    """Return the median of per-repeat results and their min-max range."""
    if not repeats:
        return missing('no repeat produced a sample')
    return Figure(median(repeats), min(repeats), max(repeats))


def ratio(numerator: Figure, denominator: Figure) -> Figure:
    """Return numerator / denominator, with the widest ratio range the parts allow."""
    for part in (numerator, denominator):
        if not part.present:
            return missing(part.reason)
    if denominator.value <= 0 or denominator.low <= 0:
        return missing('denominator is not positive')
    return Figure(numerator.value / denominator.value, numerator.low / denominator.high,
                  numerator.high / denominator.low)


def difference(minuend: Figure, subtrahend: Figure) -> Figure:
    """Return minuend - subtrahend, with the widest range the parts allow."""
    for part in (minuend, subtrahend):
        if not part.present:
            return missing(part.reason)
    return Figure(minuend.value - subtrahend.value, minuend.low - subtrahend.high,
                  minuend.high - subtrahend.low)


def product(figure: Figure, factor: Figure, scale: float = 1.0) -> Figure:
    """Return figure * factor * scale (positive parts), with its range."""
    for part in (figure, factor):
        if not part.present:
            return missing(part.reason)
    return Figure(figure.value * factor.value * scale, figure.low * factor.low * scale,
                  figure.high * factor.high * scale)


def paired_ratio(numerators: Sequence[float], denominators: Sequence[float]) -> Figure:
    """
    Return median(numerators) / median(denominators), spread by the repeat-wise ratios.

    For repeats taken in pairs (interleaved), the ratio of each pair shows how stable the
    ratio is far better than the extremes of the two sides would.
    """
    if not numerators or len(numerators) != len(denominators) or min(denominators) <= 0:
        return missing('no paired repeats to divide')
    value = median(numerators) / median(denominators)
    pairs = [top / bottom for top, bottom in zip(numerators, denominators)] + [value]
    return Figure(value, min(pairs), max(pairs))
