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
launch_testing: movinet.launch.py starts the node and it becomes active with the real model.

Runs wherever launch_testing is importable (ROS 2 from apt: `colcon test` or
`launch_test test/test_launch_testing.py`); skipped with the reason elsewhere.
"""

import pathlib
import unittest

import pytest

launch_testing = pytest.importorskip(
    'launch_testing', reason='launch_testing is not installed here (no PyPI wheels); '
    'this test runs on ROS 2 installs from apt')
import launch  # noqa: E402, I100
from launch.actions import IncludeLaunchDescription  # noqa: E402
from launch.launch_description_sources import PythonLaunchDescriptionSource  # noqa: E402
import launch_testing.actions  # noqa: E402
import launch_testing.asserts  # noqa: E402

ROOT = pathlib.Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / 'shared' / 'models'
MODEL = SHARED / 'movinet_a0_stream_int8.tflite'
LABELS = SHARED / 'kinetics600_label_map.txt'

if not MODEL.is_file():
    pytest.skip(f'{MODEL} is absent', allow_module_level=True)


@pytest.mark.launch_test
def generate_test_description():
    include = IncludeLaunchDescription(
        PythonLaunchDescriptionSource(str(ROOT / 'launch' / 'movinet.launch.py')),
        launch_arguments={'model_path': str(MODEL), 'labels_path': str(LABELS)}.items())
    return launch.LaunchDescription([include, launch_testing.actions.ReadyToTest()])


class TestNodeBecomesActive(unittest.TestCase):

    def test_node_reports_active(self, proc_output):
        proc_output.assertWaitFor('active:', timeout=60, stream='stderr')


@launch_testing.post_shutdown_test()
class TestShutdown(unittest.TestCase):

    def test_exit_codes(self, proc_info):
        launch_testing.asserts.assertExitCodes(proc_info)
