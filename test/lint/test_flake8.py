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

import json
import subprocess
import sys

from helpers.constants import REPO_ROOT as ROOT
import pytest

# Our own sources only: colcon's build/ and install/ trees live in the repository root too.
CHECKED = [str(ROOT / d)
           for d in ('movinet_ros', 'test', 'scripts', 'tools', 'launch', 'setup.py')]
# flake8 forks worker processes; forking a test process whose earlier tests left DDS
# threads behind can deadlock the children, so ament_flake8 runs in a fresh interpreter.
RUN_AMENT_FLAKE8 = (
    'import json, sys\n'
    'from ament_flake8.main import main_with_errors\n'
    'rc, errors = main_with_errors(argv=sys.argv[1:])\n'
    'print(json.dumps([rc, errors]))\n')
TIMEOUT_SEC = 240


@pytest.mark.flake8
@pytest.mark.linter
def test_flake8():
    process = subprocess.run([sys.executable, '-c', RUN_AMENT_FLAKE8, *CHECKED],
                             capture_output=True, text=True, timeout=TIMEOUT_SEC)
    assert process.returncode == 0, process.stderr
    rc, errors = json.loads(process.stdout.strip().splitlines()[-1])
    assert rc == 0, \
        'Found %d code style errors / warnings:\n' % len(errors) + \
        '\n'.join(errors)
