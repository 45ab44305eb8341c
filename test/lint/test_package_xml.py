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
Tests of the two package.xml manifests: valid format 3, build types, versions, dependencies.

Every module the installed code imports must be covered by an exec_depend (a ROS package
of that name or the rosdep key below), or be one of the few pip-only packages the README
names, so ``rosdep install`` gives a working package.
"""

import ast
import pathlib
import re
import sys

from catkin_pkg.package import parse_package
from helpers.constants import REPO_ROOT
import pytest

ROOT_MANIFEST = REPO_ROOT / 'package.xml'
INTERFACES_MANIFEST = REPO_ROOT / 'movinet_ros_interfaces' / 'package.xml'
# Imported module -> rosdep key, for modules whose key is not their own name.
ROSDEP_KEYS = {
    'cv2': 'python3-opencv',
    'matplotlib': 'python3-matplotlib',
    'numpy': 'python3-numpy',
    'PIL': 'python3-pil',
    'sklearn': 'python3-sklearn',
    'tqdm': 'python3-tqdm',
    'yaml': 'python3-yaml',
}
# No rosdep key exists for these: the README installs them with pip (ray: an optional extra).
PIP_ONLY = {'ai_edge_litert', 'ray', 'rosbags', 'simplejpeg', 'tflite_runtime'}


def _manifest(path: pathlib.Path):
    warnings = []
    package = parse_package(str(path), warnings=warnings)
    package.validate(warnings=warnings)
    assert warnings == [], f'{path}: {warnings}'
    return package


def _setup_version() -> str:
    match = re.search(r"^\s*version='([^']+)'", (REPO_ROOT / 'setup.py').read_text(),
                      re.MULTILINE)
    assert match, 'setup.py has no version'
    return match.group(1)


def _imported_modules() -> dict[str, pathlib.Path]:
    """Return each top-level module imported by the package and its launch files."""
    sources = sorted((REPO_ROOT / 'movinet_ros').rglob('*.py')) + sorted(
        (REPO_ROOT / 'launch').glob('*.py'))
    modules = {}
    for source in sources:
        for node in ast.walk(ast.parse(source.read_text(), str(source))):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            for name in names:
                modules.setdefault(name.split('.')[0], source)
    return modules


@pytest.mark.parametrize('path, name', [
    (ROOT_MANIFEST, 'movinet_ros'),
    (INTERFACES_MANIFEST, 'movinet_ros_interfaces'),
])
def test_manifest_is_valid_format_3_of_the_setup_py_version(path, name):
    package = _manifest(path)
    assert package.package_format == 3
    assert package.name == name
    assert package.version == _setup_version()  # both packages are released together


def test_root_is_the_ament_python_package_of_setup_py():
    package = _manifest(ROOT_MANIFEST)
    assert package.name == 'movinet_ros'
    assert package.get_build_type() == 'ament_python'
    assert package.version == _setup_version()
    assert 'movinet_ros_interfaces' in {dep.name for dep in package.exec_depends}


def test_interfaces_is_an_ament_cmake_interface_package():
    package = _manifest(INTERFACES_MANIFEST)
    assert package.name == 'movinet_ros_interfaces'
    assert package.get_build_type() == 'ament_cmake'
    assert 'rosidl_interface_packages' in {group.name for group in package.member_of_groups}
    assert 'rosidl_default_generators' in {dep.name for dep in package.buildtool_depends}
    assert 'rosidl_default_runtime' in {dep.name for dep in package.exec_depends}


def test_every_imported_module_is_an_exec_depend_or_a_pip_step():
    exec_depends = {dep.name for dep in _manifest(ROOT_MANIFEST).exec_depends}
    missing = []
    for module, source in sorted(_imported_modules().items()):
        if module in sys.stdlib_module_names or module == 'movinet_ros' or module in PIP_ONLY:
            continue
        key = ROSDEP_KEYS.get(module, module)
        if key not in exec_depends:
            missing.append(f'{key} (imports {module}: {source.relative_to(REPO_ROOT)})')
    assert not missing, 'package.xml lacks exec_depend ' + ', '.join(missing)
