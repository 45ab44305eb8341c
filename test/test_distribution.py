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

"""The suite runs on the ROS 2 distribution it was set up for (make test ROS_DISTRO=...)."""

import json
import os
import pathlib
import subprocess
import sys

import pytest

REPO_ROOT = pathlib.Path(__file__).resolve().parents[1]
# rclpy's major version of each distribution's wheels, and the folders make setup uses.
DISTRIBUTIONS = {'kilted': ('9', ''), 'jazzy': ('7', '-jazzy')}
PROBE = """
import importlib.metadata, json, os, sys, rclpy, movinet_ros_interfaces, movinet_ros.ros.node
print(json.dumps({'rclpy': importlib.metadata.version('ros-rclpy'),
                  'python': os.path.realpath(sys.prefix),
                  'messages': movinet_ros_interfaces.__file__,
                  'distro': os.environ.get('ROS_DISTRO')}))
"""


def test_node_environment_is_the_distribution_set_up(ros_env):
    distro = os.environ.get('ROS_DISTRO', 'kilted')
    if distro not in DISTRIBUTIONS:
        pytest.skip(f'ROS_DISTRO={distro}: not a wheels distribution of make setup')
    major, suffix = DISTRIBUTIONS[distro]
    # What a node process the tests start sees: the same interpreter and environment.
    process = subprocess.run([sys.executable, '-c', PROBE], env=ros_env, capture_output=True,
                             text=True, timeout=60)
    assert process.returncode == 0, process.stderr
    seen = json.loads(process.stdout.strip().splitlines()[-1])
    assert seen['distro'] == distro
    assert seen['rclpy'].split('.')[0] == major, seen
    assert seen['python'] == os.path.realpath(REPO_ROOT / f'.venv{suffix}'), seen
    assert seen['messages'].startswith(str(REPO_ROOT / f'install{suffix}')), seen
