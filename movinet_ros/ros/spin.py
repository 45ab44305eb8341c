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


"""Spin nodes until SIGINT or SIGTERM and shut down in order: exit code 0, no traceback."""

from collections.abc import Callable

from movinet_ros.ros.stop_flag import install_stop_flag
import rclpy
from rclpy.executors import SingleThreadedExecutor
from rclpy.signals import SignalHandlerOptions


def init_with_stop_flag(args: list[str] | None = None,
                        stop_requested: list[int] | None = None) -> list[int]:
    """
    Initialise rclpy with handlers that only record SIGINT / SIGTERM in the returned list.

    rclpy's own handlers shut the context down under a running callback, which surfaces as
    an exception inside it; a flag lets the spin loop stop between callbacks instead.
    ``stop_requested`` is a list already being filled (the handlers were installed before
    the imports, see ``ros.stop_flag``).
    """
    stop_requested = install_stop_flag(stop_requested)
    rclpy.init(args=args, signal_handler_options=SignalHandlerOptions.NO)
    return stop_requested


def spin_until_stopped(node, stop_requested: list[int],
                       done: Callable[[], bool] = lambda: False) -> None:
    """Spin ``node`` until a signal arrives or ``done()``; then destroy it and shut down."""
    executor = SingleThreadedExecutor()
    executor.add_node(node)
    try:
        while not stop_requested and not done() and rclpy.ok():
            executor.spin_once(timeout_sec=0.1)
    finally:
        executor.shutdown()
        node.destroy_node()
        rclpy.try_shutdown()
