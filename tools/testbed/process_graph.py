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
A ROS 2 graph of separate processes on this machine: their environment, the processes, a probe.

``graph_environment`` gives child processes one ROS domain and the localhost-only Fast DDS
profile; ``ProcessGroup`` starts them (output to files, never pipes) and stops them all;
``Probe`` is a node in this process, on the same domain, to observe and poke them. The
benchmark (tools/benchmark/graph.py) and the tests' RosGraph are both built from these.
Every wait is bounded in time.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
import ctypes
import os
import signal
import subprocess
import sys
import tempfile
import time
from typing import IO

from movinet_ros.ros.dds_profile import profile_environment, PROFILE_VARIABLES
import rclpy
from rclpy.context import Context
from rclpy.executors import SingleThreadedExecutor
from rclpy.signals import SignalHandlerOptions

__all__ = ['dds_variables', 'graph_environment', 'Probe', 'ProcessGroup', 'STOP_TIMEOUT_SEC']

STOP_TIMEOUT_SEC = 10.0
EVERY_SEC = 0.5
_SPIN_STEP_SEC = 0.02
_PR_SET_PDEATHSIG = 1


def dds_variables(domain_id: int, profile_path: str | os.PathLike) -> dict[str, str]:
    """Return the variables that keep DDS traffic on this machine, in domain ``domain_id``."""
    return {
        'ROS_AUTOMATIC_DISCOVERY_RANGE': 'LOCALHOST',
        **profile_environment(profile_path),
        'RMW_IMPLEMENTATION': 'rmw_fastrtps_cpp',
        'ROS_DOMAIN_ID': str(domain_id),
    }


def graph_environment(dds: Mapping[str, str],
                      base: Mapping[str, str] | None = None) -> dict[str, str]:
    """
    Return the whole environment of a child process: ``base`` (os.environ) with ``dds``.

    ROS_LOCALHOST_ONLY (superseded by the discovery range) and the profile variable of the
    other Fast DDS version are dropped, so a shell's own settings never reach the graph;
    output is unbuffered, so a process's log is complete when it is read.
    """
    env = dict(os.environ if base is None else base)
    env.pop('ROS_LOCALHOST_ONLY', None)
    for variable in PROFILE_VARIABLES:
        env.pop(variable, None)
    env.update(dds)
    env['PYTHONUNBUFFERED'] = '1'
    return env


def _die_with_parent() -> None:
    # A test or benchmark killed outright must not leave nodes publishing: Linux sends the
    # child SIGTERM when this process dies (rclpy nodes shut down on it).
    try:
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)
    except (OSError, AttributeError):
        pass


class ProcessGroup:
    """Child processes on one graph, each with its output in a temporary file."""

    def __init__(self, env: Mapping[str, str]) -> None:
        self.env = dict(env)
        self.processes: list[subprocess.Popen] = []
        self._logs: dict[int, IO[str]] = {}

    def start_module(self, module: str, *ros_args: str) -> subprocess.Popen:
        """Start ``python -m module`` with ``--ros-args ros_args`` (when given)."""
        command = [sys.executable, '-m', module]
        if ros_args:
            command += ['--ros-args', *ros_args]
        return self.start_command(command)

    def start_command(self, command: list[str],
                      env_overrides: Mapping[str, str] | None = None) -> subprocess.Popen:
        """Start ``command`` in the graph's environment, with ``env_overrides`` on top."""
        # Output goes to files, not pipes: a chatty process must never block on a full pipe.
        log = tempfile.TemporaryFile(mode='w+')
        process = subprocess.Popen(
            command, env={**self.env, **(env_overrides or {})}, stdout=log,
            stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, text=True,
            preexec_fn=_die_with_parent if sys.platform.startswith('linux') else None)
        self.processes.append(process)
        self._logs[process.pid] = log
        return process

    def output(self, process: subprocess.Popen, tail: int | None = None) -> str:
        """Return what the process printed so far (stdout and stderr), its last ``tail``."""
        log = self._logs[process.pid]
        log.flush()
        log.seek(0)
        text = log.read()
        return text if tail is None else text[-tail:]

    @staticmethod
    def stop(process: subprocess.Popen, sig: int = signal.SIGINT,
             timeout: float = 20.0) -> int | None:
        """Send ``sig`` and wait; kill if it does not exit in time (returns None then)."""
        if process.poll() is None:
            process.send_signal(sig)
            try:
                process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=STOP_TIMEOUT_SEC)
                return None
        return process.returncode

    def close(self, timeout: float = STOP_TIMEOUT_SEC) -> None:
        """Stop every process: SIGINT to all, newest first, then SIGKILL after ``timeout``."""
        for process in reversed(self.processes):
            if process.poll() is None:
                process.send_signal(signal.SIGINT)
        deadline = time.monotonic() + timeout
        for process in reversed(self.processes):
            try:
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=STOP_TIMEOUT_SEC)
        for log in self._logs.values():
            log.close()
        self.processes.clear()
        self._logs.clear()

    def __enter__(self) -> ProcessGroup:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


class Probe:
    """A node in this process on the graph's domain, spun only while someone waits."""

    def __init__(self, env: Mapping[str, str], name: str) -> None:
        # rcl reads the discovery range, the profile and the RMW from this process's
        # environment when it initialises, so the probe joins the graph as its children do.
        for key in ('ROS_AUTOMATIC_DISCOVERY_RANGE', *PROFILE_VARIABLES, 'RMW_IMPLEMENTATION'):
            if key in env:
                os.environ[key] = env[key]
        self.context = Context()
        # The host program (pytest, the benchmark) keeps its own Ctrl-C handling.
        rclpy.init(context=self.context, domain_id=int(env['ROS_DOMAIN_ID']),
                   signal_handler_options=SignalHandlerOptions.NO)
        self.node = rclpy.create_node(name, context=self.context)
        self.executor = SingleThreadedExecutor(context=self.context)
        self.executor.add_node(self.node)

    def spin_until(self, condition: Callable[[], bool], timeout: float, *,
                   every: Callable[[], None] | None = None) -> bool:
        """Spin until ``condition()`` or ``timeout`` s; call ``every`` each EVERY_SEC."""
        deadline = time.monotonic() + timeout
        next_call = time.monotonic()
        while time.monotonic() < deadline:
            if condition():
                return True
            if every is not None and time.monotonic() >= next_call:
                every()
                next_call += EVERY_SEC
            self.executor.spin_once(timeout_sec=_SPIN_STEP_SEC)
        return condition()

    def spin_for(self, seconds: float, *, every: Callable[[], None] | None = None) -> None:
        """Spin for a fixed time."""
        self.spin_until(lambda: False, seconds, every=every)

    def close(self) -> None:
        """Destroy the probe and its context."""
        self.executor.shutdown()
        self.node.destroy_node()
        rclpy.try_shutdown(context=self.context)

    def __enter__(self) -> Probe:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()
