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

"""Fail early, with advice, where the ROS 2 Kilted wheels from PyPI cannot be installed."""

import platform
import shutil
import sys


def main() -> int:
    """Check interpreter version, machine and build tools for `make setup`."""
    problems = []
    if not (3, 10) <= sys.version_info[:2] <= (3, 13):
        problems.append(f'Python {platform.python_version()} found; the ROS 2 wheels exist for '
                        'CPython 3.10-3.13 only (run: make setup PYTHON=python3.11)')
    if sys.platform != 'linux' or platform.machine() != 'x86_64':
        problems.append(f'{sys.platform}/{platform.machine()} found; the ROS 2 wheels exist for '
                        'x86_64 Linux only. On ARM robots install ROS 2 from apt and build with '
                        'colcon (README: "With a ROS 2 installation")')
    if shutil.which('cmake') is None:
        problems.append('cmake not found; it builds the message package (apt install cmake)')
    if shutil.which('c++') is None and shutil.which('g++') is None:
        problems.append('no C++ compiler found; rosidl needs one (apt install g++)')
    for problem in problems:
        print(f'make setup: {problem}', file=sys.stderr)
    return 1 if problems else 0


if __name__ == '__main__':
    sys.exit(main())
