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
Decide which frames the model sees, from message stamps alone.

MoViNet stream models were trained on clips sampled at 5 fps, so a 30 fps camera must be
thinned to every 6th frame. Decisions use header stamps in nanoseconds, never the wall
clock, so live streams, sim time and bag replays at any speed give the same answer.

The rule for stamps that do not move forward:
- a stamp equal to the previous frame's stamp is a duplicate and is dropped;
- a stamp earlier than the latest one by less than ``BACKWARD_JITTER_SHARE`` of the target
  frame interval (100 ms at 5 fps) is jitter or a frame out of order: it is dropped as
  late (counted), the stream goes on;
- a stamp earlier by more (a bag played in a loop, a clock jump) restarts the stream: the
  model state is reset and the frame is processed as the first of a new stream. A looped
  bag therefore gives the same results on every loop.
A gap longer than ``reset_gap_sec`` between consecutive frames, or a change of frame size,
also resets the state: the old temporal context no longer describes the scene.

Resets never bypass the rate bound: given the time each frame was received
(``received_ns``, a steady clock), for ``reset_gap_sec`` after a reset the stamps are not
trusted alone: a frame received less than the minimum interval (0.9 of a target period)
after the last processed one is held back (throttled; a reset it would cause is kept for
the next frame processed). So stamps that keep restarting (two cameras interleaved, a
clock that jumps back and forth) never push the output above the stamps' own bound, while
a clean stream, a bag played at 10x included, is decided by its stamps alone. Offline
tools pass no receipt time and get the stamps-only rule.
"""

from dataclasses import dataclass
import enum
from typing import Any

from movinet_ros.core.errors import ThrottleConfigError

# Accept a frame once 0.9 of a period has passed, as the TFLite reference apps do, so
# jitter in camera stamps does not push every other frame out.
DEFAULT_TOLERANCE = 0.9
DEFAULT_TARGET_FPS = 5.0
DEFAULT_RESET_GAP_SEC = 2.0
# A stamp this share of the target frame interval (or less) behind the latest one is late,
# not a new stream: half an interval covers camera jitter (+-20 ms at 30 Hz) and one frame
# out of order, and is far below any clock jump or bag loop. With target_fps 0 (every
# frame) the share is of the default target's interval.
BACKWARD_JITTER_SHARE = 0.5
# A receipt time before any frame: no receipt-clock bound in force.
_NEVER_NS = -(1 << 62)


class ResetReason(enum.Enum):
    """Why the model's stream state had to start over."""

    STAMP_BACKWARDS = 'stamp went backwards'
    GAP = 'gap between frames longer than reset_gap_sec'
    SIZE_CHANGE = 'frame size changed'


@dataclass(frozen=True)
class ThrottleDecision:
    """Whether to run the model on a frame, and whether to reset its state first."""

    process: bool
    reset: ResetReason | None = None
    duplicate: bool = False
    late: bool = False


class StampThrottle:
    """Thin a stream of stamped frames to a target rate and detect stream breaks."""

    # The stream's state, set by restart(): stamps and receipt time of the latest frames.
    _last_seen_ns: int | None
    _last_processed_ns: int | None
    _last_received_ns: int | None
    _pending: ResetReason | None
    # Receipt time until which the receipt clock bounds the rate: a reset's time plus
    # reset_gap_sec, so only a stream whose stamps keep resetting is held to it.
    _guard_until_ns: int
    # State before the latest decision to process, for cancel().
    _before_take: tuple[Any, ...]
    _last_size: tuple[int, int] | None

    def __init__(self, target_fps: float = DEFAULT_TARGET_FPS,
                 reset_gap_sec: float = DEFAULT_RESET_GAP_SEC,
                 tolerance: float = DEFAULT_TOLERANCE) -> None:
        if not target_fps >= 0.0:
            raise ThrottleConfigError(
                f'target_fps must be >= 0 (0 processes every frame), got {target_fps}')
        if not reset_gap_sec > 0.0:
            raise ThrottleConfigError(f'reset_gap_sec must be > 0, got {reset_gap_sec}')
        if not 0.0 < tolerance <= 1.0:
            raise ThrottleConfigError(f'tolerance must be in (0, 1], got {tolerance}')
        self.target_fps = float(target_fps)
        self.reset_gap_sec = float(reset_gap_sec)
        self._min_interval_ns = (
            int(tolerance * 1e9 / target_fps) if target_fps > 0.0 else 0)
        self._reset_gap_ns = int(reset_gap_sec * 1e9)
        self._late_ns = int(BACKWARD_JITTER_SHARE * 1e9 / (target_fps or DEFAULT_TARGET_FPS))
        self.restart()

    def decide(self, stamp_ns: int, received_ns: int | None = None) -> ThrottleDecision:
        """
        Classify the frame stamped ``stamp_ns``; call once per received frame, in order.

        ``received_ns`` (a steady clock, optional) bounds the rate of frames that start a
        new stream, which stamps alone cannot.
        """
        previous = self._last_seen_ns
        if previous is None:
            return self._take(stamp_ns, None, received_ns)
        if stamp_ns == previous:
            return ThrottleDecision(process=False, duplicate=True)
        if stamp_ns < previous:
            if previous - stamp_ns <= self._late_ns:
                return ThrottleDecision(process=False, late=True)
            return self._take(stamp_ns, ResetReason.STAMP_BACKWARDS, received_ns)
        if stamp_ns - previous > self._reset_gap_ns:
            return self._take(stamp_ns, ResetReason.GAP, received_ns)
        if (self._last_processed_ns is None
                or stamp_ns - self._last_processed_ns >= self._min_interval_ns):
            return self._take(stamp_ns, None, received_ns)
        self._last_seen_ns = stamp_ns
        return ThrottleDecision(process=False)

    def cancel(self) -> None:
        """
        Undo the latest decision to process: the frame was rejected, as if it never came.

        Its slot goes to the next frame, and a reset it would have caused is decided again
        on the next frame (which is just as far after the stream's last frame).
        """
        (self._last_seen_ns, self._last_processed_ns, self._last_received_ns,
         self._pending, self._guard_until_ns) = self._before_take

    def check_size(self, size: tuple[int, int]) -> ResetReason | None:
        """Record the (width, height) of a processed frame; report a change of size."""
        previous, self._last_size = self._last_size, size
        if previous is not None and previous != size:
            return ResetReason.SIZE_CHANGE
        return None

    def restart(self) -> None:
        """Forget the stream: the next frame is processed as the first of a new one."""
        self._last_seen_ns = None
        self._last_processed_ns = None
        self._last_received_ns = None
        self._pending = None
        self._guard_until_ns = _NEVER_NS
        self._before_take = (None, None, None, None, _NEVER_NS)
        self._last_size = None

    def _take(self, stamp_ns: int, reset: ResetReason | None,
              received_ns: int | None) -> ThrottleDecision:
        if received_ns is not None and reset is not None:
            self._guard_until_ns = received_ns + self._reset_gap_ns
        if (received_ns is not None and self._last_received_ns is not None
                and received_ns < self._guard_until_ns
                # The stamps' own bound, tolerance included: a camera whose frames arrive
                # as they are stamped is never held back by it.
                and received_ns - self._last_received_ns < self._min_interval_ns):
            # Stamps reset the stream lately, and this frame comes too soon after the last
            # processed one on the receipt clock: held back. A reset it would have caused
            # is kept for the next frame processed.
            self._pending = reset or self._pending
            self._last_seen_ns = stamp_ns
            if reset is not None:
                self._last_processed_ns = None
            return ThrottleDecision(process=False)
        self._before_take = (self._last_seen_ns, self._last_processed_ns,
                             self._last_received_ns, self._pending, self._guard_until_ns)
        reset, self._pending = reset or self._pending, None
        self._last_seen_ns = self._last_processed_ns = stamp_ns
        if received_ns is not None:
            self._last_received_ns = received_ns
        return ThrottleDecision(process=True, reset=reset)
