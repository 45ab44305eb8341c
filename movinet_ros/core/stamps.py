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
Stamps as integer nanoseconds: the one place they are split into, or made of, sec + nanosec.

Everything in the package carries a stamp as one ``int`` of nanoseconds; ROS messages carry
``builtin_interfaces/Time`` (``sec``, ``nanosec``). These are the only conversions between
the two, whichever library built the message (rclpy, rosbags) or read its bytes.
"""

from typing import Protocol

NS_PER_SEC = 1_000_000_000


class Stamp(Protocol):
    """A ``builtin_interfaces/Time`` of any message library: seconds and nanoseconds."""

    @property
    def sec(self) -> int:
        """Return the whole seconds."""

    @property
    def nanosec(self) -> int:
        """Return the nanoseconds within the second."""


def to_ns(sec: int, nanosec: int) -> int:
    """Return ``sec`` seconds plus ``nanosec`` nanoseconds as integer nanoseconds."""
    return int(sec) * NS_PER_SEC + int(nanosec)


def stamp_to_ns(stamp: Stamp) -> int:
    """Return a ``builtin_interfaces/msg/Time`` (any message library) as nanoseconds."""
    return to_ns(stamp.sec, stamp.nanosec)


def split_ns(stamp_ns: int) -> tuple[int, int]:
    """Split nanoseconds into (sec, nanosec), nanosec in [0, 1e9), as Time holds them."""
    sec, nanosec = divmod(int(stamp_ns), NS_PER_SEC)
    return sec, nanosec
