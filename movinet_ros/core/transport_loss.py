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
How many of a camera's frames never arrived: from the DDS layer's count and from the stamps.

Two estimates over the last ``window_sec``, the larger one wins. The DDS layer counts the
samples it knows it lost (``add_lost``: rclpy's message-lost event; a best-effort image
larger than Fast DDS's shared-memory segment is mostly lost in UDP fragments, and then
hardly a frame arrives). And a camera stamps its frames at a steady interval: the interval
is a low percentile of the gaps between consecutive received stamps over a long history
(frames that arrive back to back show it; jitter and losses only make gaps longer), and the
frames expected over the window follow from the gaps, which also sees losses DDS does not
report on a best-effort subscription (a bridge on the way); on a reliable one the gaps are
jitter or the node's own lag, and only DDS's count is loss (``clear(stamps=False)``).
Frames the node's own throttle drops were received, so they are never loss. Gaps longer
than ``pause_sec`` are a camera that paused, not loss. Nor are the frames that came while
the node was busy (a processed frame, another camera's): its keep-last subscription keeps
only the newest of them, so ``add`` takes how long the node was busy before the frame, and the
frames that time explains are not loss.

``LossEpisodes`` decides when that share is worth a warning: once when a loss episode starts
(the share rises above the threshold), again for every later episode, at most once per
``min_interval_sec``; an episode ends when the share falls back or nothing was heard for a
whole window.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
import enum
import functools
import threading
from typing import Any, TypeVar

import numpy as np

__all__ = ['LossChange', 'LossEpisodes', 'LossEstimator']

# The interval is the 5th percentile of the recent gaps: robust to a few early frames.
_INTERVAL_PERCENTILE = 5.0
_MIN_GAPS = 10


_Method = TypeVar('_Method', bound=Callable[..., Any])


def _locked(method: _Method) -> _Method:
    """Run the method under the instance's lock."""
    @functools.wraps(method)
    def locked(self: LossEstimator, *args: Any, **kwargs: Any) -> Any:
        with self._lock:
            return method(self, *args, **kwargs)
    return locked  # type: ignore[return-value]


class LossEstimator:
    """Estimate the share of a camera's frames lost in transport from received stamps."""

    def __init__(self, *, window_sec: float = 10.0, pause_sec: float = 2.0,
                 history: int = 600) -> None:
        self._window_ns = int(window_sec * 1e9)
        self._pause_ns = int(pause_sec * 1e9)
        self._gaps: deque[int] = deque(maxlen=history)
        # (stamp, gap to the previous stamp, node busy before it) of the frames received
        # within the window.
        self._recent: deque[tuple[int, int, int]] = deque()
        self._last_ns: int | None = None
        self._use_stamps = True
        # (receive time, frames) received and reported lost by DDS within the window.
        self._arrivals: deque[int] = deque()
        self._lost: deque[tuple[int, int]] = deque()
        # The node's diagnostics run on their own thread (so that a slow decode cannot stall
        # them) and read the ratio while the image callback adds stamps.
        self._lock = threading.RLock()

    @_locked
    def add_lost(self, count: int, now_ns: int) -> None:
        """Record ``count`` frames the DDS layer reported lost at receive time ``now_ns``."""
        if count > 0:
            self._lost.append((now_ns, count))
        self._expire(now_ns)

    def _expire(self, now_ns: int) -> None:
        while self._arrivals and now_ns - self._arrivals[0] > self._window_ns:
            self._arrivals.popleft()
        while self._lost and now_ns - self._lost[0][0] > self._window_ns:
            self._lost.popleft()

    @_locked
    def add(self, stamp_ns: int, now_ns: int | None = None, *, busy_ns: int = 0) -> None:
        """
        Record a received frame's stamp, received at ``now_ns`` (a monotonic clock).

        ``busy_ns``: how long the node spent in callbacks since the frame before, when it
        took no frame. Stamps may come in any order; a stamp going back starts the stamp
        estimate over.
        """
        if now_ns is not None:
            self._arrivals.append(now_ns)
            self._expire(now_ns)
        last = self._last_ns
        if last is not None and stamp_ns <= last:
            if stamp_ns < last:
                self.reset()
            else:
                return
        gap = 0 if last is None else stamp_ns - last
        self._last_ns = stamp_ns
        if 0 < gap <= self._pause_ns:
            self._gaps.append(gap)
        self._recent.append((stamp_ns, gap, busy_ns))
        while self._recent and stamp_ns - self._recent[0][0] > self._window_ns:
            self._recent.popleft()

    @_locked
    def reset(self) -> None:
        """Forget the stamps seen (a new stream); DDS's counts stay in their window."""
        self._gaps.clear()
        self._recent.clear()
        self._last_ns = None

    @_locked
    def clear(self, *, stamps: bool = True) -> None:
        """
        Forget everything, DDS's counts too: a new subscription starts its own count.

        ``stamps``: whether gaps in the stamps count from now on. Not for a reliable
        subscription: DDS delivers its every sample or reports it lost, so a gap there is
        the camera's own jitter or the node falling behind, not transport loss.
        """
        self.reset()
        self._arrivals.clear()
        self._lost.clear()
        self._use_stamps = stamps

    @property
    @_locked
    def frame_interval_ns(self) -> int | None:
        """Return the camera's estimated frame interval, None until enough frames came."""
        if len(self._gaps) < _MIN_GAPS:
            return None
        return max(1, int(np.percentile(np.fromiter(self._gaps, np.int64),
                                        _INTERVAL_PERCENTILE)))

    @_locked
    def loss_ratio(self, now_ns: int | None = None, *,
                   last_sec: float | None = None) -> float | None:
        """
        Return the share (0..1) of frames lost over the window, None if unknown yet.

        ``last_sec``: over only the last seconds of the window (with ``now_ns``): a loss that
        just began shows there before it outweighs the window's earlier frames.
        """
        if now_ns is not None:
            self._expire(now_ns)
        since = None if now_ns is None or last_sec is None else now_ns - int(last_sec * 1e9)
        reported = None
        lost = sum(count for at, count in self._lost if since is None or at >= since)
        if lost:
            arrivals = sum(1 for at in self._arrivals if since is None or at >= since)
            reported = lost / (lost + arrivals)
        estimated = self._stamp_estimate(last_sec) if self._use_stamps else None
        if reported is None or estimated is None:
            return reported if estimated is None else estimated
        return max(reported, estimated)

    def _stamp_estimate(self, last_sec: float | None) -> float | None:
        interval = self.frame_interval_ns
        recent = list(self._recent)
        if last_sec is not None and recent:
            recent = [r for r in recent if r[0] >= recent[-1][0] - int(last_sec * 1e9)]
        if interval is None or len(recent) < 2:
            return None
        received = len(recent) - 1  # the first frame only opens the window
        expected = 0
        for _, gap, busy in recent[1:]:
            if gap > self._pause_ns:
                expected += 1  # a pause is one frame late, not frames lost
                continue
            # Of the frames that came while the node was busy, the subscription kept the last.
            overwritten = max(0, round(busy / interval) - 1)
            expected += max(1, round(gap / interval) - overwritten)
        return max(0.0, 1.0 - received / expected)


class LossChange(enum.Enum):
    """What a new loss share means for the warnings."""

    NONE = 'none'
    WARN = 'warn'  # a loss episode started (or its warning was held back): say it now
    OVER = 'over'  # an episode that was warned of ended


class LossEpisodes:
    """
    Say a camera's loss once per episode, rate-limited, instead of once per camera.

    ``update`` takes the share (0..1, None while unknown) every time it is looked at. An
    episode starts when the share rises above ``threshold`` and ends when it falls back to
    it, or when ``quiet_sec`` pass without an update (no frame and no loss report: the
    camera stopped, which is not loss). The start of an episode is due a warning at once
    unless one was given within ``min_interval_sec``; then it comes when that time is up,
    if the episode still goes on.
    """

    def __init__(self, *, threshold: float, min_interval_sec: float = 60.0,
                 quiet_sec: float = 10.0) -> None:
        self._threshold = threshold
        self._min_interval_ns = int(min_interval_sec * 1e9)
        self._quiet_ns = int(quiet_sec * 1e9)
        self._ongoing = False
        self._warned = False  # of the ongoing episode
        self._last_warning_ns: int | None = None
        self._last_update_ns: int | None = None

    @property
    def ongoing(self) -> bool:
        """Return whether a loss episode goes on."""
        return self._ongoing

    def end(self) -> None:
        """End any episode (a new subscription counts afresh); the rate limit stays."""
        self._ongoing = self._warned = False
        self._last_update_ns = None

    def update(self, ratio: float | None, now_ns: int) -> LossChange:
        """Take the share lost at ``now_ns`` (a monotonic clock); return what to say."""
        if self._last_update_ns is not None and now_ns - self._last_update_ns > self._quiet_ns:
            # The camera went quiet: whatever comes next is a new episode.
            self.end()
        self._last_update_ns = now_ns
        if ratio is None or ratio <= self._threshold:
            change = LossChange.OVER if self._ongoing and self._warned else LossChange.NONE
            self._ongoing = self._warned = False
            return change
        self._ongoing = True
        if self._warned or (self._last_warning_ns is not None
                            and now_ns - self._last_warning_ns < self._min_interval_ns):
            return LossChange.NONE
        self._warned = True
        self._last_warning_ns = now_ns
        return LossChange.WARN
