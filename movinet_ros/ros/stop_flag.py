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
The stop flag of the ROS executables: SIGINT / SIGTERM only recorded, never raised.

This module imports nothing but the standard library, so the entry modules
(``node_entry``, ``video_publisher_entry``) install the flag before the heavy imports (rclpy,
TFLite, OpenCV take a few tenths of a second): a signal at any moment is a clean exit 0.
"""

import signal

__all__ = ['install_stop_flag']


def install_stop_flag(stop_requested: list[int] | None = None) -> list[int]:
    """Make SIGINT / SIGTERM only append to ``stop_requested`` (a new list if None)."""
    flag: list[int] = [] if stop_requested is None else stop_requested
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda received, frame: flag.append(received))
    return flag
