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
A small ROS 2 graph for tests: processes started with a test's own domain, and a probe node.

Built from testbed.process_graph (tools/testbed), as the benchmark is. Every process and the
in-process probe share one ROS_DOMAIN_ID and the localhost-only Fast DDS profile, so tests
neither see each other nor leave the machine. Every wait is bounded in time.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
import subprocess
import time
from typing import Any

from helpers.constants import CAMERA, NS_PER_SEC
from testbed.process_graph import Probe, ProcessGroup

EXECUTABLE_MODULES = {
    'movinet_node': 'movinet_ros.ros.node_entry',
    'video_publisher': 'movinet_ros.ros.video_publisher_entry',
}


class RosGraph:
    """Processes of one test plus an in-process node to observe and poke them."""

    def __init__(self, env: Mapping[str, str]) -> None:
        self.env = dict(env)
        self._group = ProcessGroup(self.env)
        self.processes = self._group.processes
        self._probe = Probe(self.env, 'test_probe')
        self.context = self._probe.context
        self.node = self._probe.node
        self.executor = self._probe.executor

    def start(self, executable: str, *ros_args: str) -> subprocess.Popen:
        """Start a package executable as its own process with ``--ros-args`` arguments."""
        return self._group.start_module(EXECUTABLE_MODULES[executable], *ros_args)

    def start_command(self, command: list[str],
                      env_overrides: Mapping[str, str] | None = None) -> subprocess.Popen:
        """Start ``command`` in the graph's domain, with ``env_overrides`` in its environment."""
        return self._group.start_command(command, env_overrides)

    def start_movinet_node(self, model_path, labels_path, camera: str,
                           *extra: str) -> subprocess.Popen:
        """Start movinet_node on ``camera`` and wait until it subscribes and publishes."""
        process = self.start('movinet_node', '-p', f'model_path:={model_path}',
                             '-p', f'labels_path:={labels_path}', '-r', f'image:={camera}',
                             *extra)
        ready = self.spin_until(
            lambda: process.poll() is not None or self.node.count_publishers('/actions') > 0
            and (self.node.count_subscribers(camera) > 0
                 or self.node.count_subscribers(camera + '/compressed') > 0), 30)
        assert ready and process.poll() is None, 'node did not come up:\n' + self.output(
            process)
        return process

    def output(self, process: subprocess.Popen) -> str:
        """Everything the process printed so far (stdout and stderr)."""
        return self._group.output(process)

    def spin_until(self, condition: Callable[[], bool], timeout: float) -> bool:
        """Spin the probe until ``condition()`` holds or ``timeout`` seconds pass."""
        return self._probe.spin_until(condition, timeout)

    def spin_for(self, seconds: float) -> None:
        """Spin the probe for a fixed time."""
        self._probe.spin_for(seconds)

    def call(self, client, request, timeout: float = 10.0, *,
             resend_sec: float | None = None) -> Any:
        """
        Call a service and wait for its answer, bounded.

        ``resend_sec``: for queries only (get_state), send again after this long without an
        answer. wait_for_service sees the server's request reader, not whether the server
        has discovered our response reader yet; rmw_fastrtps waits only briefly for that and
        then drops the response, which a loaded machine hits now and then.
        """
        assert client.wait_for_service(timeout_sec=timeout), f'{client.srv_name} not available'
        deadline = time.monotonic() + timeout
        while True:
            future = client.call_async(request)
            left = deadline - time.monotonic()
            wait = left if resend_sec is None else min(resend_sec, left)
            if self.spin_until(future.done, max(wait, 0.0)):
                return future.result()
            assert time.monotonic() < deadline, f'{client.srv_name} did not answer'

    # stop(process, sig=SIGINT, timeout=20.0) -> exit code, or None where it had to be killed.
    stop = staticmethod(ProcessGroup.stop)

    def close(self) -> None:
        """Stop every process (20 s before killing), then the probe."""
        self._group.close(timeout=20.0)
        self._probe.close()


def start_node(graph: RosGraph, model_path, labels_path, *extra: str) -> subprocess.Popen:
    """Start movinet_node on CAMERA (/camera/image_raw) and wait until it is up."""
    return graph.start_movinet_node(model_path, labels_path, CAMERA, *extra)


def stamp_ns(header) -> int:
    """Return a std_msgs/Header's stamp in nanoseconds."""
    return header.stamp.sec * NS_PER_SEC + header.stamp.nanosec


def status_values(status: Any) -> dict[str, str]:
    """Return a DiagnosticStatus's key/values as a dict."""
    return {kv.key: kv.value for kv in status.values}


def counter(status: Any, key: str) -> int:
    """Return one integer counter of a movinet DiagnosticStatus."""
    return int(status_values(status)[key])


def observe(graph: Any, depth: int = 200) -> tuple[list[Any], list[Any]]:
    """Subscribe the probe to /actions and the node's /diagnostics statuses (reliable)."""
    # Imported here: the helpers that start processes must not need the message build.
    from diagnostic_msgs.msg import DiagnosticArray
    from movinet_ros_interfaces.msg import ActionRecognition
    from rclpy.qos import QoSProfile, ReliabilityPolicy
    reliable = QoSProfile(depth=depth, reliability=ReliabilityPolicy.RELIABLE)
    actions: list[Any] = []
    statuses: list[Any] = []
    graph.node.create_subscription(ActionRecognition, '/actions', actions.append, reliable)
    graph.node.create_subscription(
        DiagnosticArray, '/diagnostics',
        lambda array: statuses.extend(s for s in array.status if 'movinet' in s.name), reliable)
    return actions, statuses
