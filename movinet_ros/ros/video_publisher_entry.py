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
Entry point of ``video_publisher``: signal handlers first, the heavy imports after.

As ``ros.node_entry`` does for the node: the stop flag (``ros.stop_flag``) is in place
before rclpy and OpenCV are imported, so a SIGINT or SIGTERM during start-up is a clean
exit 0, never a KeyboardInterrupt traceback.
"""

import sys

from movinet_ros.ros.stop_flag import install_stop_flag


def main(args: list[str] | None = None) -> int:
    """Install the stop flag, import the publisher, and run it (exit 0 if stopped meanwhile)."""
    stop_requested = install_stop_flag()
    from movinet_ros.ros import video_publisher  # noqa: I100 - after the handlers on purpose
    if stop_requested:
        return 0
    return video_publisher.main(args, stop_requested)


if __name__ == '__main__':
    sys.exit(main())
