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
Time the node can rely on whatever ``use_sim_time`` says.

The node's diagnostics and no-input timers run on the steady clock: under sim time with
no /clock the ROS clock stands at 0 and its timers never fire. ``SimClockWatch`` says
when that is the case (use_sim_time true, no /clock for ``NO_CLOCK_WARN_SEC``), and
``stand_in_stamp_ns`` gives zero-stamped frames a time that always moves: the ROS time if
it runs, else the steady clock.
"""

from collections.abc import Callable
import time
from typing import Any

from movinet_ros.ros.log_limits import LogLimiter, ONCE

# Sim time on and no /clock message for this long: a WARN in the log and /diagnostics.
NO_CLOCK_WARN_SEC = 3.0


class SimClockWatch:
    """Watch whether a node on sim time gets its /clock."""

    def __init__(self, node: Any, *, clock: Callable[[], float] = time.monotonic) -> None:
        self._node = node
        self._clock = clock
        self._since = clock()
        self._warning = LogLimiter(ONCE, clock=clock)

    def _sim_time(self) -> bool:
        return bool(self._node.get_parameter('use_sim_time').value)

    def ros_time_runs(self) -> bool:
        """Whether the node's ROS clock moves (not sim time, or a /clock has arrived)."""
        return not self._sim_time() or self._node.get_clock().now().nanoseconds != 0

    def problem(self) -> str | None:
        """Say what is wrong with the node's time (for /diagnostics), None if nothing."""
        if self.ros_time_runs():
            self._since = self._clock()
            return None
        silent = self._clock() - self._since
        if silent < NO_CLOCK_WARN_SEC:
            return None
        return (f'use_sim_time is true but no /clock arrived for {silent:.0f} s: ROS time '
                'stands at 0 (play the bag with --clock, or start the simulator, or set '
                'use_sim_time:=false)')

    def check(self) -> str | None:
        """Return ``problem()``; log it as a WARN the first time it appears."""
        problem = self.problem()
        if problem is None:
            self._warning.reset()
        elif self._warning.due():
            self._node.get_logger().warning(problem)
        return problem

    def stand_in_stamp_ns(self) -> int:
        """Return a stamp for a zero-stamped frame: ROS time if it runs, else steady time."""
        # One clock read, no parameter read (called for every frame of a camera without
        # stamps): ROS time stands at 0 only on sim time before the first /clock.
        now: int = self._node.get_clock().now().nanoseconds
        return now if now != 0 else time.monotonic_ns()
