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

``launch`` and ``launch_ros`` are not installable from PyPI, so the launch file is loaded
over small fakes of them: its OpaqueFunction runs on a plain dict of argument values and
the fake Node keeps what it was given. That checks the parameter precedence
(config/movinet.yaml < params_file < arguments given on the command line), the executables
and the parameter names. Where ``launch`` is importable (apt ROS installs) the real
description is also loaded and its nodes built.
"""

import ast
import importlib.util
import os
import sys
import types

from helpers.constants import CONFIG_DIR, REPO_ROOT as ROOT
from movinet_ros.ros.settings import PARAMS_BY_NAME
import pytest

LAUNCH_FILE = ROOT / 'launch' / 'movinet.launch.py'
REQUIRED_ARGUMENTS = {'image_topic', 'input_transport', 'model_path', 'labels_path', 'head_path',
                      'params_file', 'namespace', 'num_threads', 'target_fps', 'log_level',
                      'start_camera'}
DEFAULT_CONFIG = os.path.join('/share/movinet_ros', 'config', 'movinet.yaml')
USER_PARAMS = '/home/user/movinet.yaml'
# Every node-parameter argument given, as on the command line.
ALL_GIVEN = {'model_path': '/models/a0.tflite', 'labels_path': '/models/labels.txt',
             'head_path': '/models/gestures/head.json',
             'input_transport': 'compressed', 'num_threads': '3', 'target_fps': '7.5',
             'input_qos': 'reliable'}


class Recorded:
    """Stand-in for a launch action or condition: keeps what it was built with."""

    def __init__(self, *args, **kwargs):
        self.args = args
        self.kwargs = kwargs


class FakeLaunchConfiguration(Recorded):
    """A LaunchConfiguration whose context is a plain dict of argument values."""

    def perform(self, context):
        return context[self.args[0]]


def fake(name):
    return type(name, (Recorded,), {})


def load_launch_file():
    spec = importlib.util.spec_from_file_location('movinet_launch', LAUNCH_FILE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def launch_file(monkeypatch):
    """Load the launch file over fakes of the launch and launch_ros APIs it uses."""
    fakes = {
        'launch': {'LaunchDescription': fake('LaunchDescription')},
        'launch.actions': {'DeclareLaunchArgument': fake('DeclareLaunchArgument'),
                           'OpaqueFunction': fake('OpaqueFunction')},
        'launch.conditions': {'IfCondition': fake('IfCondition')},
        'launch.substitutions': {'LaunchConfiguration': FakeLaunchConfiguration},
        'launch_ros': {},
        'launch_ros.actions': {'Node': fake('Node')},
    }
    for name, attributes in fakes.items():
        module = types.ModuleType(name)
        module.__dict__.update(attributes)
        monkeypatch.setitem(sys.modules, name, module)
    module = load_launch_file()
    monkeypatch.setattr(module, 'get_package_share_directory',
                        lambda package: f'/share/{package}')
    return module


def run_launch(launch_file, **given):
    """Nodes (package -> Node keyword arguments) the launch starts with the given arguments."""
    context = {name: default for name, (default, _) in launch_file.ARGUMENTS.items()}
    context.update(given)
    return {node.kwargs['package']: node.kwargs for node in launch_file.launch_setup(context)}


def movinet_parameters(launch_file, **given):
    return run_launch(launch_file, **given)['movinet_ros']['parameters']


def console_scripts():
    setup = ast.parse((ROOT / 'setup.py').read_text())
    scripts = [element.value for node in ast.walk(setup) if isinstance(node, ast.List)
               for element in node.elts if isinstance(element, ast.Constant)
               and isinstance(element.value, str) and ' = ' in element.value]
    return {script.split(' = ')[0] for script in scripts}


def test_launch_file_declares_the_documented_arguments(launch_file):
    arguments = launch_file.ARGUMENTS
    assert REQUIRED_ARGUMENTS <= set(arguments)
    assert set(launch_file.NODE_PARAMETERS) <= set(arguments)
    assert arguments['start_camera'][0] == 'false'
    for name in launch_file.NODE_PARAMETERS:
        default, description = arguments[name]
        # Any other default would be passed on and replace the params_file value.
        assert default == '', f'{name} must default to "" (not given)'
        effective = PARAMS_BY_NAME[name].default
        if effective != '':
            assert f'(default from config/movinet.yaml: {effective})' in description, name
    description = launch_file.generate_launch_description()
    declared = {action.args[0]: action.kwargs['default_value'] for action in description.args[0]
                if isinstance(action, launch_file.DeclareLaunchArgument)}
    assert declared == {name: default for name, (default, _) in arguments.items()}
    opaque = [action for action in description.args[0]
              if isinstance(action, launch_file.OpaqueFunction)]
    assert [action.kwargs['function'] for action in opaque] == [launch_file.launch_setup]


def test_launch_file_names_real_executables_parameters_and_files(launch_file):
    nodes = run_launch(launch_file, params_file=USER_PARAMS, **ALL_GIVEN)
    assert nodes['movinet_ros']['executable'] == 'movinet_node'
    assert 'movinet_node' in console_scripts()
    assert nodes['v4l2_camera']['executable'] == 'v4l2_camera_node'
    parameters = nodes['movinet_ros']['parameters']
    assert parameters[:2] == [DEFAULT_CONFIG, USER_PARAMS]
    # No filtering: a misspelled or unknown parameter name must fail here, not be ignored.
    for entry in parameters:
        if isinstance(entry, dict):
            unknown = set(entry) - set(PARAMS_BY_NAME)
            assert not unknown, f'not parameters of the node: {sorted(unknown)}'
    assert (CONFIG_DIR / 'movinet.yaml').is_file()
    setup_text = (ROOT / 'setup.py').read_text()
    assert "glob('config/*.yaml')" in setup_text and "glob('launch/*.launch.py')" in setup_text


def test_params_file_is_not_overridden_by_argument_defaults(launch_file):
    assert movinet_parameters(launch_file) == [DEFAULT_CONFIG]
    assert movinet_parameters(launch_file, params_file=USER_PARAMS) == [
        DEFAULT_CONFIG, USER_PARAMS]


def test_given_arguments_override_params_file_typed(launch_file):
    parameters = movinet_parameters(launch_file, params_file=USER_PARAMS,
                                    model_path='/models/a0.tflite', num_threads='2',
                                    target_fps='5')
    assert parameters[:2] == [DEFAULT_CONFIG, USER_PARAMS]
    assert parameters[2:] == [{'model_path': '/models/a0.tflite', 'num_threads': 2,
                               'target_fps': 5.0}]
    assert type(parameters[2]['num_threads']) is int
    assert type(parameters[2]['target_fps']) is float


def test_parameter_overrides_only_from_given_values(launch_file):
    overrides = launch_file.parameter_overrides
    assert overrides({}) == {}
    assert overrides(dict.fromkeys(launch_file.NODE_PARAMETERS, '')) == {}
    assert overrides({'target_fps': '5'}) == {'target_fps': 5.0}
    assert overrides({'target_fps': '2.5', 'input_transport': 'raw'}) == {
        'target_fps': 2.5, 'input_transport': 'raw'}
    with pytest.raises(ValueError, match='num_threads'):
        overrides({'num_threads': 'two'})


def test_every_override_is_a_node_parameter_of_its_type(launch_file):
    overrides = launch_file.parameter_overrides(ALL_GIVEN)
    assert set(overrides) == set(launch_file.NODE_PARAMETERS)
    for name, value in overrides.items():
        assert name in PARAMS_BY_NAME, f'{name} is not a parameter of the node'
        assert type(value) is type(PARAMS_BY_NAME[name].default), name


@pytest.mark.skipif(importlib.util.find_spec('launch') is None
                    or importlib.util.find_spec('launch_ros') is None,
                    reason='launch/launch_ros are not installed here (no PyPI wheels); '
                           'this runs on ROS 2 installs from apt')
def test_launch_description_loads_with_its_arguments(monkeypatch):
    import launch
    from launch.launch_description_sources import get_launch_description_from_python_launch_file
    description = get_launch_description_from_python_launch_file(str(LAUNCH_FILE))
    names = {argument.name for argument in description.get_launch_arguments()}
    assert REQUIRED_ARGUMENTS <= names
    # The real Node normalizes its parameters when built, so this checks the typed overrides.
    module = load_launch_file()
    monkeypatch.setattr(module, 'get_package_share_directory',
                        lambda package: f'/share/{package}')
    context = launch.LaunchContext()
    context.launch_configurations.update(
        {name: default for name, (default, _) in module.ARGUMENTS.items()})
    context.launch_configurations.update(params_file=USER_PARAMS, **ALL_GIVEN)
    assert len(module.launch_setup(context)) == 2


def test_dds_profile_goes_to_the_node_and_to_the_camera(launch_file, monkeypatch):
    assert run_launch(launch_file)['movinet_ros']['additional_env'] == {}
    nodes = run_launch(launch_file, dds_profile='images', start_camera='true')
    for package in ('movinet_ros', 'v4l2_camera'):
        (profile,) = nodes[package]['additional_env'].values()
        assert profile.endswith('config/fastdds_images.xml'), profile
    assert (CONFIG_DIR / 'fastdds_images.xml').is_file()
    assert "glob('config/*.xml')" in (ROOT / 'setup.py').read_text()
    for distro, variable in (('kilted', 'FASTDDS_DEFAULT_PROFILES_FILE'),
                             ('jazzy', 'FASTRTPS_DEFAULT_PROFILES_FILE')):
        monkeypatch.setenv('ROS_DISTRO', distro)
        nodes = run_launch(launch_file, dds_profile='/etc/my_profile.xml')
        assert nodes['v4l2_camera']['additional_env'] == {variable: '/etc/my_profile.xml'}
