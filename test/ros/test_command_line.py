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
The executables' command lines as users type them.

Help piped into ``head``, misspelt parameters (``-p target_fsp:=10``, a params file's), and
the error of a missing model.
"""

import subprocess
import sys

import pytest

NODE = 'movinet_ros.ros.node_entry'
PUBLISHER = 'movinet_ros.ros.video_publisher'
CLI = 'movinet_ros.cli'
TIMEOUT_SEC = 60


@pytest.mark.parametrize('module, args', [
    (NODE, ['--help']), (PUBLISHER, ['--help']), (CLI, ['--help']),
    (CLI, ['eval-dataset', '--help']),
])
def test_help_into_a_reader_that_went_away_exits_quietly(ros_env, module, args):
    # What `--help | head -1` does once head has its line: the pipe's reader is gone before
    # the help is written (here closed at once, so every write hits the closed pipe).
    process = subprocess.Popen([sys.executable, '-m', module, *args], env=ros_env,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    process.stdout.close()
    _, stderr = process.communicate(timeout=TIMEOUT_SEC)
    assert process.returncode == 0, stderr.decode()
    assert stderr == b'', stderr.decode()


def test_help_piped_into_head_in_a_shell_prints_its_first_line_only(ros_env):
    done = subprocess.run(f'"{sys.executable}" -m {NODE} --help | head -1; '
                          'echo "exit ${PIPESTATUS[0]}"', shell=True, executable='/bin/bash',
                          env=ros_env, capture_output=True, text=True, timeout=TIMEOUT_SEC)
    assert done.stdout.splitlines() == [
        'usage: movinet_node [-h] [--ros-args -p NAME:=VALUE ... -r image:=TOPIC ...]',
        'exit 0'], done
    assert done.stderr == ''


def _warnings(output):
    return [line for line in output.splitlines() if 'unknown parameter' in line]


@pytest.mark.ros
def test_misspelt_parameters_on_the_command_line_and_in_a_params_file_are_named(
        ros_env, tmp_path):
    params = tmp_path / 'params.yaml'
    params.write_text(
        'movinet:\n  ros__parameters:\n    lables_path: labels.txt\n    top_k: 3\n'
        '    qos_overrides:\n      /image:\n        subscription:\n'
        '          reliability: reliable\n'
        '/**:\n  ros__parameters:\n    use_sim_time: false\n    xyzzy: 1\n',
        encoding='utf-8')
    # No model: the node says which parameters it does not know, then why it cannot run.
    done = subprocess.run([sys.executable, '-m', NODE, '--ros-args', '-p', 'target_fsp:=10',
                           '--params-file', str(params)], env=ros_env, capture_output=True,
                          text=True, timeout=TIMEOUT_SEC)
    output = done.stdout + done.stderr
    assert done.returncode == 2, output
    warnings = _warnings(output)
    assert len(warnings) == 3, output
    assert all(line.startswith('[WARN]') for line in warnings), warnings
    said = '\n'.join(warnings)
    assert "unknown parameter 'target_fsp' is ignored: did you mean target_fps?" in said
    assert "unknown parameter 'lables_path' is ignored: did you mean labels_path?" in said
    # Nothing near it: no guess, only where the list is.
    assert "unknown parameter 'xyzzy' is ignored: movinet_node --help lists" in said
    errors = [line for line in output.splitlines() if 'configure failed: ' in line]
    assert len(errors) == 1 and 'no model given: set model_path' in errors[0], output


@pytest.mark.ros
def test_video_publisher_names_a_misspelt_parameter(ros_env, tmp_path):
    done = subprocess.run([sys.executable, '-m', PUBLISHER, '--ros-args', '-p', 'fsp:=5',
                           '-p', f'video:={tmp_path / "none.mp4"}'], env=ros_env,
                          capture_output=True, text=True, timeout=TIMEOUT_SEC)
    output = done.stdout + done.stderr
    assert done.returncode == 2, output
    assert _warnings(output) == [line for line in output.splitlines() if
                                 "unknown parameter 'fsp' is ignored: did you mean fps?" in line]
    assert len(_warnings(output)) == 1, output


@pytest.mark.ros
def test_a_correct_command_line_warns_of_no_unknown_parameter(
        ros_env, model_path, labels_path):
    # A configure failure after the declarations ends the process: no camera needed.
    done = subprocess.run([sys.executable, '-m', NODE, '--ros-args',
                           '-p', f'model_path:={model_path}', '-p', f'labels_path:={labels_path}',
                           '-p', 'top_k:=0', '-p', 'use_sim_time:=false',
                           '-p', 'qos_overrides./camera.subscription.depth:=1'],
                          env=ros_env, capture_output=True, text=True, timeout=TIMEOUT_SEC)
    output = done.stdout + done.stderr
    assert done.returncode == 2 and 'top_k must be' in output, output
    assert _warnings(output) == [], output
