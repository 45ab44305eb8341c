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
The test rig shared by ``tools/bench.py`` and the tests; not installed with the package.

``process_graph``: separate processes on an isolated localhost DDS graph, and a probe node
to observe them. ``camera_driver``: a stand-in for a robot's camera driver, run as its own
process through ``camera_driver_command``.
"""

import pathlib
import sys

__all__ = ['CAMERA_DRIVER', 'camera_driver_command']

CAMERA_DRIVER = pathlib.Path(__file__).resolve().with_name('camera_driver.py')


def camera_driver_command(*args: str) -> list[str]:
    """Return the command line that runs the camera driver with ``args``."""
    # Run by path: the child needs the installed movinet_ros, not this folder on its path.
    return [sys.executable, str(CAMERA_DRIVER), *args]
