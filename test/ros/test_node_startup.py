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
movinet_node's start-up as a process: ``--help``, usage errors and a failed autostart.

Scripts, launch files' ``on_exit`` and systemd can only tell a failed start from its exit
code, so each mistake must end the real process with code 2 and one line saying why.
"""

import subprocess
import sys

from movinet_ros.ros.settings import PARAMS
import pytest

MODULE = 'movinet_ros.ros.node_entry'
TIMEOUT_SEC = 60


def run_node(ros_env, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, '-m', MODULE, *args], env=ros_env,
                          capture_output=True, text=True, timeout=TIMEOUT_SEC)


def test_help_lists_every_parameter_and_exits_0(ros_env):
    done = run_node(ros_env, '--help')
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith('usage: movinet_node')
    assert 'node name "movinet"' in done.stdout
    for spec in PARAMS:
        assert f'  {spec.name}  (default ' in done.stdout, spec.name
    # The node did not start: nothing was logged.
    assert '[movinet]' not in done.stdout + done.stderr


@pytest.mark.parametrize('args, words', [
    (['model.tflite'], ["unexpected argument 'model.tflite'", '--ros-args -p model_path:=']),
    (['--ros-args', '-p', 'top_k'], ["'-p top_k'", '-p NAME:=VALUE']),
])
def test_usage_errors_are_one_line_and_exit_2(ros_env, args, words):
    done = run_node(ros_env, *args)
    assert done.returncode == 2, done
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith('movinet_node: error: '), done.stderr
    for word in words:
        assert word in lines[0], lines[0]


@pytest.mark.ros
@pytest.mark.parametrize('override, reason', [
    ('model_path:=/no/such/model.tflite', 'model file not found: /no/such/model.tflite'),
    ('top_k:=0', 'top_k must be an integer in [1, 1000], got 0'),
    ('target_fps:=abc', "target_fps must be a number in [0.0, 120.0], got 'abc'"),
])
def test_failed_configure_under_autostart_ends_the_process_with_code_2(
        ros_env, model_path, labels_path, override, reason):
    done = run_node(ros_env, '--ros-args', '-p', f'model_path:={model_path}',
                    '-p', f'labels_path:={labels_path}', '-p', override)
    output = done.stdout + done.stderr
    assert done.returncode == 2, output
    reasons = [line for line in output.splitlines() if 'configure failed: ' in line]
    assert len(reasons) == 1 and '[ERROR]' in reasons[0], output
    assert reasons[0].split('configure failed: ', 1)[1].startswith(reason), reasons[0]
    assert 'exiting with code 2' in output and 'exit_on_configure_failure:=false' in output
    assert 'Traceback' not in output
