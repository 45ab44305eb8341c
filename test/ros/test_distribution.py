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
The node runs on the ROS 2 distribution the suite was set up for (make test ROS_DISTRO=...).

A node process the test starts is looked at from outside: the libraries it has loaded
(/proc/<pid>/maps) and its environment. rcl, rmw and rclpy must come from that distribution's
venv, whose rclpy is of that distribution's release line, and the message package from that
distribution's own colcon build, never the other one's.
"""

import importlib.metadata
import os
import pathlib
import shutil
import subprocess
import sys

from helpers.constants import CAMERA, REPO_ROOT
import pytest

ACTIVE = os.environ.get('ROS_DISTRO') or 'kilted'
# rclpy's major version in each distribution's wheels (Jazzy 7.1.x, Kilted 9.1.x).
RCLPY_MAJOR = {'jazzy': 7, 'kilted': 9}
NODE_NAME = 'movinet'
ROS_LIBRARIES = ('librcl.so', 'librmw.so', 'librmw_fastrtps_cpp.so')


def folders(distro: str) -> dict[str, pathlib.Path]:
    """Venv and colcon folders of make setup: Kilted's plain, another's with -<distro>."""
    suffix = '' if distro == 'kilted' else f'-{distro}'
    return {name: REPO_ROOT / f'{name}{suffix}' for name in ('.venv', 'build', 'install')}


def loaded_libraries(pid: int) -> set[pathlib.Path]:
    """Every file mapped into the process: its shared libraries and extension modules."""
    paths = set()
    for line in pathlib.Path(f'/proc/{pid}/maps').read_text().splitlines():
        fields = line.split(maxsplit=5)
        if len(fields) == 6 and fields[5].startswith('/'):
            paths.add(pathlib.Path(fields[5]))
    return paths


def process_environment(pid: int) -> dict[str, str]:
    """Return the environment the process was started with."""
    entries = pathlib.Path(f'/proc/{pid}/environ').read_bytes().decode().split('\0')
    return dict(entry.split('=', 1) for entry in entries if '=' in entry)


def within(path: pathlib.Path, folder: pathlib.Path) -> bool:
    return path.resolve().is_relative_to(folder.resolve())


def rclpy_major(distro: str) -> int:
    """Return the expected rclpy major version; a new distribution needs its entry first."""
    if distro not in RCLPY_MAJOR:
        pytest.fail(f'ROS_DISTRO={distro}: add its rclpy major version to RCLPY_MAJOR')
    return RCLPY_MAJOR[distro]


@pytest.mark.ros
@pytest.mark.parametrize('distro', [ACTIVE])
def test_the_installed_node_runs_on_the_distributions_rclpy(distro, graph, tmp_path):
    major = rclpy_major(distro)
    venv = folders(distro)['.venv']
    assert pathlib.Path(sys.prefix).resolve() == venv.resolve(), 'the suite itself runs elsewhere'
    # The executable make setup installed, as make demo runs it: its shebang picks the venv.
    executable = shutil.which('movinet_node', path=graph.env['PATH'])
    assert executable and within(pathlib.Path(executable), folders(distro)['install']), executable
    with open(tmp_path / 'node.log', 'w+') as log:
        process = subprocess.Popen([executable, '--ros-args', '-p', 'autostart:=false'],
                                   env=graph.env, stdout=log, stderr=subprocess.STDOUT)
        graph.processes.append(process)
        seen = graph.spin_until(lambda: process.poll() is not None
                                or NODE_NAME in graph.node.get_node_names(), 30)
        log.seek(0)
        assert seen and process.poll() is None, f'node did not come up:\n{log.read()}'
        libraries = loaded_libraries(process.pid)
        environment = process_environment(process.pid)

    ros = {lib.name: lib for lib in libraries if lib.name in ROS_LIBRARIES}
    assert set(ros) == set(ROS_LIBRARIES), sorted(map(str, libraries))
    assert all(within(lib, venv) for lib in ros.values()), ros
    (binding,) = [lib for lib in libraries if lib.name.startswith('_rclpy_pybind11')]
    assert within(binding, venv), binding
    # The release of the rclpy whose binding the node loaded, from that site-packages' metadata.
    (rclpy_wheel,) = importlib.metadata.distributions(name='ros-rclpy',
                                                      path=[str(binding.parents[1])])
    assert int(rclpy_wheel.version.split('.')[0]) == major, rclpy_wheel.version
    assert environment['ROS_DISTRO'] == distro
    assert environment['ROS_DOMAIN_ID'] == graph.env['ROS_DOMAIN_ID']


@pytest.mark.ros
@pytest.mark.model
@pytest.mark.parametrize('distro', [ACTIVE])
def test_the_node_publishes_with_the_distributions_message_build(
        distro, graph, model_path, labels_path):
    rclpy_major(distro)
    process = graph.start_movinet_node(model_path, labels_path, CAMERA)
    # The C, type support and Python binding libraries of ActionRecognition, all loaded
    # (the middleware may map a type support a moment after the publisher appears).
    wanted = {'libmovinet_ros_interfaces__rosidl_typesupport_c.so',
              'libmovinet_ros_interfaces__rosidl_typesupport_fastrtps_c.so',
              'libmovinet_ros_interfaces__rosidl_generator_py.so'}

    def ours():
        return [lib for lib in loaded_libraries(process.pid)
                if 'movinet_ros_interfaces' in lib.name]

    assert graph.spin_until(lambda: wanted <= {lib.name for lib in ours()}, 10), ours()
    ours = ours()
    # colcon's symlink install maps the Python binding from the build folder.
    mine = folders(distro)
    assert all(within(lib, mine['install']) or within(lib, mine['build']) for lib in ours), ours
