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
Start-up edges: a signal during the imports, label lists set before configure.

The console script ``movinet_node`` runs ``movinet_ros.ros.node_entry``, which installs the
stop flag before importing the node: SIGINT at any moment is a clean exit 0. The console
script ``video_publisher`` does the same through ``movinet_ros.ros.video_publisher_entry``.
"""

import ast
import importlib.metadata
import os
import signal
import subprocess
import sys
import time

from movinet_ros.ros.node import MovinetNode
import pytest
import rclpy
from rclpy.context import Context
from rclpy.parameter import Parameter


def _wait_for_cpu_time(process: subprocess.Popen, seconds: float, timeout: float = 30.0) -> None:
    """Wait until ``process`` has run ``seconds`` of CPU time (or exited, or ``timeout``)."""
    # CPU time, not wall time: on a loaded machine a start-up takes longer on the clock,
    # while the point it has reached follows from the work it has done.
    ticks_per_sec = os.sysconf('SC_CLK_TCK')
    deadline = time.monotonic() + timeout
    while process.poll() is None and time.monotonic() < deadline:
        try:
            with open(f'/proc/{process.pid}/stat', encoding='ascii') as stat:
                fields = stat.read().rsplit(')', 1)[1].split()
        except OSError:
            return
        # utime and stime: fields 14 and 15 of stat(5), counted from the state (field 3).
        if (int(fields[11]) + int(fields[12])) / ticks_per_sec >= seconds:
            return
        time.sleep(0.005)


def assert_sigint_after_cpu_time_exits_cleanly(command, env, cpu_sec):
    """Start ``command``, send SIGINT once it has run ``cpu_sec`` of CPU: exit 0, no trace."""
    process = subprocess.Popen(command, env={**os.environ, **env}, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True)
    _wait_for_cpu_time(process, cpu_sec)
    process.send_signal(signal.SIGINT)
    try:
        output, _ = process.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        output, _ = process.communicate()
        pytest.fail(f'{command[2]} did not exit after SIGINT:\n' + output)
    assert process.returncode == 0, output
    assert 'Traceback' not in output and 'KeyboardInterrupt' not in output, output


@pytest.mark.ros
@pytest.mark.parametrize('cpu_sec', [0.05, 0.15, 0.3, 0.6])
def test_sigint_early_in_start_up_exits_cleanly(ros_env, model_path, labels_path, cpu_sec):
    assert_sigint_after_cpu_time_exits_cleanly(
        [sys.executable, '-m', 'movinet_ros.ros.node_entry', '--ros-args',
         '-p', f'model_path:={model_path}', '-p', f'labels_path:={labels_path}'],
        ros_env, cpu_sec)


@pytest.fixture
def unconfigured(ros_env, labels_path):
    context = Context()
    rclpy.init(context=context, domain_id=int(ros_env['ROS_DOMAIN_ID']))
    node = MovinetNode(context=context, parameter_overrides=[
        Parameter('labels_path', value=str(labels_path)), Parameter('autostart', value=False)])
    yield node
    node.destroy_node()
    rclpy.try_shutdown(context=context)


def test_unknown_allowlist_label_is_refused_before_configure(unconfigured):
    result = unconfigured.set_parameters([Parameter('label_allowlist', value=['carving icee'])])
    assert not result[0].successful
    assert 'carving icee' in result[0].reason, result[0].reason
    assert not unconfigured.get_parameter_or('label_allowlist', None).value
    result = unconfigured.set_parameters([Parameter('label_denylist', value=['no such'])])
    assert not result[0].successful and 'no such' in result[0].reason
    ok = unconfigured.set_parameters([Parameter('label_allowlist', value=['carving ice'])])
    assert ok[0].successful, ok[0].reason


def test_label_lists_are_not_held_against_an_unreadable_label_file(ros_env, tmp_path):
    context = Context()
    rclpy.init(context=context, domain_id=int(ros_env['ROS_DOMAIN_ID']))
    node = MovinetNode(context=context, parameter_overrides=[
        Parameter('labels_path', value=str(tmp_path / 'missing.txt')),
        Parameter('autostart', value=False)])
    try:
        # configure reports the missing file itself; the list is checked then.
        result = node.set_parameters([Parameter('label_allowlist', value=['anything'])])
        assert result[0].successful
    finally:
        node.destroy_node()
        rclpy.try_shutdown(context=context)


ENTRY = 'movinet_ros.ros.video_publisher_entry'


@pytest.mark.ros
@pytest.mark.parametrize('cpu_sec', [0.05, 0.15, 0.3, 0.6])
def test_sigint_early_in_video_publisher_start_up_exits_cleanly(ros_env, clip_path, cpu_sec):
    # What the console script runs (its own wrapper's imports come first, out of reach).
    scripts = {entry.name: entry.value
               for entry in importlib.metadata.entry_points(group='console_scripts')}
    assert scripts['video_publisher'] == f'{ENTRY}:main'
    assert_sigint_after_cpu_time_exits_cleanly(
        [sys.executable, '-m', ENTRY, '--ros-args', '-p', f'video:={clip_path}'], ros_env, cpu_sec)


# Runs node_entry as `python -m` does (as __main__), then lists which package modules were
# loaded: an import back into the entry module would load it a second time, under its name.
RUN_AS_MAIN = """
import runpy, sys
sys.argv = ['movinet_node', '--help']
try:
    runpy.run_module('movinet_ros.ros.node_entry', run_name='__main__', alter_sys=True)
except SystemExit as stop:
    assert stop.code == 0, stop.code
print(sorted(name for name in sys.modules if name.startswith('movinet_ros.')))
"""


def test_node_entry_run_as_main_is_loaded_once():
    process = subprocess.run([sys.executable, '-c', RUN_AS_MAIN], capture_output=True,
                             text=True, timeout=120)
    assert process.returncode == 0, process.stderr
    loaded = ast.literal_eval(process.stdout.strip().splitlines()[-1])
    assert 'movinet_ros.ros.node' in loaded and 'movinet_ros.ros.spin' in loaded, loaded
    assert 'movinet_ros.ros.node_entry' not in loaded
