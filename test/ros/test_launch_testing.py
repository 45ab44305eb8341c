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

The model and labels come from a params_file alone, so a launch that replaced them with its
argument defaults would leave the node unconfigured; target_fps is set in the params_file
and as a launch argument, and the argument must win.

Runs wherever launch_testing is importable (ROS 2 from apt: `colcon test` or
`launch_test test/ros/test_launch_testing.py`); skipped with the reason elsewhere.
"""

import pathlib
import tempfile
import unittest

import pytest
import yaml

launch_testing = pytest.importorskip(
    'launch_testing', reason='launch_testing is not installed here (no PyPI wheels); '
    'this test runs on ROS 2 installs from apt')
import launch  # noqa: E402, I100
from launch.actions import IncludeLaunchDescription  # noqa: E402
from launch.launch_description_sources import PythonLaunchDescriptionSource  # noqa: E402
import launch_testing.actions  # noqa: E402
import launch_testing.asserts  # noqa: E402

ROOT = pathlib.Path(__file__).resolve().parents[2]
SHARED = ROOT.parent / 'shared' / 'models'
MODEL = SHARED / 'movinet_a0_stream_int8.tflite'
LABELS = SHARED / 'kinetics600_label_map.txt'

if not MODEL.is_file():
    pytest.skip(f'{MODEL} is absent', allow_module_level=True)

# Removed when the test process exits.
PARAMS_DIR = tempfile.TemporaryDirectory(prefix='movinet_launch_test_')


@pytest.mark.launch_test
def generate_test_description():
    params_file = pathlib.Path(PARAMS_DIR.name) / 'params.yaml'
    params_file.write_text(yaml.safe_dump({'/**': {'ros__parameters': {
        'model_path': str(MODEL), 'labels_path': str(LABELS), 'target_fps': 4.0}}}))
    include = IncludeLaunchDescription(
        PythonLaunchDescriptionSource(str(ROOT / 'launch' / 'movinet.launch.py')),
        launch_arguments={'params_file': str(params_file), 'target_fps': '3'}.items())
    return launch.LaunchDescription([include, launch_testing.actions.ReadyToTest()])


class TestNodeBecomesActive(unittest.TestCase):

    def test_node_reports_active(self, proc_output):
        proc_output.assertWaitFor('active:', timeout=60, stream='stderr')

    def test_launch_argument_wins_over_params_file(self, proc_output):
        # The 'configured: model ...' line; '4 fps' would mean the params_file value won.
        proc_output.assertWaitFor(', 3 fps, raw transport', timeout=60, stream='stderr')


@launch_testing.post_shutdown_test()
class TestShutdown(unittest.TestCase):

    def test_exit_codes(self, proc_info):
        launch_testing.asserts.assertExitCodes(proc_info)
