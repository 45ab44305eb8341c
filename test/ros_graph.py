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

Every process and the in-process probe share one ROS_DOMAIN_ID and the localhost-only
Fast DDS profile, so tests neither see each other nor leave the machine. Every wait is
bounded in time.
"""

import os
import signal
import subprocess
import sys
import tempfile
import time
from typing import Callable, Dict, IO, List, Optional

from movinet_ros.ros.dds import PROFILE_VARIABLES
import rclpy
from rclpy.context import Context
from rclpy.executors import SingleThreadedExecutor

EXECUTABLE_MODULES = {
    'movinet_node': 'movinet_ros.ros.node',
    'video_publisher': 'movinet_ros.ros.video_publisher',
}


class RosGraph:
    """Processes of one test plus an in-process node to observe and poke them."""

    def __init__(self, env: Dict[str, str]) -> None:
        self.env = env
        self.processes: List[subprocess.Popen] = []
        self._logs: Dict[int, IO[str]] = {}
        for key in ('ROS_AUTOMATIC_DISCOVERY_RANGE', *PROFILE_VARIABLES,
                    'RMW_IMPLEMENTATION'):
            if key in env:
                os.environ[key] = env[key]
        self.context = Context()
        rclpy.init(context=self.context, domain_id=int(env['ROS_DOMAIN_ID']))
        self.node = rclpy.create_node('test_probe', context=self.context)
        self.executor = SingleThreadedExecutor(context=self.context)
        self.executor.add_node(self.node)

    def start(self, executable: str, *ros_args: str) -> subprocess.Popen:
        """Start a package executable as its own process with ``--ros-args`` arguments."""
        command = [sys.executable, '-m', EXECUTABLE_MODULES[executable]]
        if ros_args:
            command += ['--ros-args', *ros_args]
        return self.start_command(command)

    def start_command(self, command: List[str],
                      env_overrides: Optional[Dict[str, str]] = None) -> subprocess.Popen:
        """Start ``command`` in the graph's domain, with ``env_overrides`` in its environment."""
        # Output goes to files, not pipes: a chatty process must never block on a full pipe.
        log = tempfile.TemporaryFile(mode='w+')
        process = subprocess.Popen(command, env={**self.env, **(env_overrides or {})},
                                   stdout=log, stderr=subprocess.STDOUT, text=True)
        self.processes.append(process)
        self._logs[process.pid] = log
        return process

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
        log = self._logs[process.pid]
        log.flush()
        log.seek(0)
        return log.read()

    def spin_until(self, condition: Callable[[], bool], timeout: float) -> bool:
        """Spin the probe until ``condition()`` holds or ``timeout`` seconds pass."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if condition():
                return True
            self.executor.spin_once(timeout_sec=0.05)
        return condition()

    def spin_for(self, seconds: float) -> None:
        """Spin the probe for a fixed time."""
        self.spin_until(lambda: False, seconds)

    def call(self, client, request, timeout: float = 10.0):
        """Call a service and wait for its answer, bounded."""
        assert client.wait_for_service(timeout_sec=timeout), f'{client.srv_name} not available'
        future = client.call_async(request)
        assert self.spin_until(future.done, timeout), f'{client.srv_name} did not answer'
        return future.result()

    @staticmethod
    def stop(process: subprocess.Popen, sig: int = signal.SIGINT,
             timeout: float = 20.0) -> Optional[int]:
        """Send ``sig`` and wait; kill if it does not exit in time (returns None then)."""
        if process.poll() is None:
            process.send_signal(sig)
            try:
                process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)
                return None
        return process.returncode

    def close(self) -> None:
        """Stop every process, then the probe."""
        for process in self.processes:
            self.stop(process)
        for log in self._logs.values():
            log.close()
        self.executor.shutdown()
        self.node.destroy_node()
        rclpy.try_shutdown(context=self.context)
