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
Entry point of ``movinet_node``: signal handlers first, the heavy imports after.

Importing the node (rclpy, TFLite, OpenCV) takes a few tenths of a second; a SIGINT in
that time would end the process with a KeyboardInterrupt traceback and code 130. Here the
stop flag is in place before any of it (``ros.stop_flag`` imports only the standard
library), so a signal at any moment is a clean exit 0. Nothing imports this module back,
so ``python -m movinet_ros.ros.node_entry`` loads it once.
"""

import sys

from movinet_ros.ros.stop_flag import install_stop_flag


def main(args: list[str] | None = None) -> int:
    """Install the stop flag, import the node, and run it (exit 0 if stopped meanwhile)."""
    stop_requested = install_stop_flag()
    from movinet_ros.ros import node  # noqa: I100 - imported after the handlers on purpose
    if stop_requested:
        return 0
    return node.main(args, stop_requested)


if __name__ == '__main__':
    sys.exit(main())
