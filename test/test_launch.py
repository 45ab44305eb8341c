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
The launch file, checked as far as this machine allows.

``launch`` and ``launch_ros`` are not installable from PyPI, so the file is checked by
reading it: it must name executables the package installs, node parameters that exist,
and a config file that setup.py installs. Where ``launch`` is importable (apt ROS
installs) the description is also loaded and its arguments compared.
"""

import ast
import importlib.util
import pathlib

from movinet_ros.ros.params import PARAMS_BY_NAME
import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]
LAUNCH_FILE = ROOT / 'launch' / 'movinet.launch.py'
REQUIRED_ARGUMENTS = {'image_topic', 'input_transport', 'model_path', 'labels_path',
                      'params_file', 'namespace', 'num_threads', 'target_fps', 'log_level',
                      'start_camera'}


def launch_tree():
    return ast.parse(LAUNCH_FILE.read_text())


def keyword_strings(tree, keyword):
    return [node.value.value for node in ast.walk(tree)
            if isinstance(node, ast.keyword) and node.arg == keyword
            and isinstance(node.value, ast.Constant)]


def declared_arguments(tree):
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign) and getattr(node.targets[0], 'id', '') == 'ARGUMENTS':
            return ast.literal_eval(node.value)
    raise AssertionError('launch file has no ARGUMENTS table')


def console_scripts():
    setup = ast.parse((ROOT / 'setup.py').read_text())
    scripts = [element.value for node in ast.walk(setup) if isinstance(node, ast.List)
               for element in node.elts if isinstance(element, ast.Constant)
               and isinstance(element.value, str) and ' = ' in element.value]
    return {script.split(' = ')[0] for script in scripts}


def test_launch_file_declares_the_documented_arguments():
    arguments = declared_arguments(launch_tree())
    assert REQUIRED_ARGUMENTS <= set(arguments)
    assert arguments['target_fps'][0] == str(PARAMS_BY_NAME['target_fps'].default)
    assert arguments['input_transport'][0] == PARAMS_BY_NAME['input_transport'].default
    assert arguments['start_camera'][0] == 'false'


def test_launch_file_names_real_executables_parameters_and_files():
    tree = launch_tree()
    packages = keyword_strings(tree, 'package')
    executables = keyword_strings(tree, 'executable')
    assert dict(zip(packages, executables))['movinet_ros'] == 'movinet_node'
    assert 'movinet_node' in console_scripts()
    assert ('v4l2_camera', 'v4l2_camera_node') in set(zip(packages, executables))
    parameter_dicts = [node for node in ast.walk(tree) if isinstance(node, ast.Dict)]
    named = {key.value for d in parameter_dicts for key in d.keys
             if isinstance(key, ast.Constant) and key.value in PARAMS_BY_NAME}
    assert {'model_path', 'labels_path', 'input_transport', 'num_threads', 'target_fps'} <= named
    assert 'movinet.yaml' in LAUNCH_FILE.read_text()
    assert (ROOT / 'config' / 'movinet.yaml').is_file()
    setup_text = (ROOT / 'setup.py').read_text()
    assert "glob('config/*.yaml')" in setup_text and "glob('launch/*.launch.py')" in setup_text


@pytest.mark.skipif(importlib.util.find_spec('launch') is None
                    or importlib.util.find_spec('launch_ros') is None,
                    reason='launch/launch_ros are not installed here (no PyPI wheels); '
                           'this runs on ROS 2 installs from apt')
def test_launch_description_loads_with_its_arguments():
    from launch.launch_description_sources import get_launch_description_from_python_launch_file
    description = get_launch_description_from_python_launch_file(str(LAUNCH_FILE))
    names = {argument.name for argument in description.get_launch_arguments()}
    assert REQUIRED_ARGUMENTS <= names
