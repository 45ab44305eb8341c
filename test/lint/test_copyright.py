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

"""Every Python file carries the Apache-2.0 header (ament_copyright's check where it exists)."""

from helpers.constants import REPO_ROOT as ROOT
import pytest

HEADER_LINES = (
    '# Copyright ',
    '# Licensed under the Apache License, Version 2.0 (the "License");',
)
# The venvs and colcon folders of both distributions (make setup ROS_DISTRO=...).
SKIPPED_DIRS = {'.venv', 'build', 'install', 'log', '.venv-jazzy', 'build-jazzy',
                'install-jazzy', 'log-jazzy', '.git', '.pytest_cache', '.hypothesis'}


def python_sources():
    for path in sorted(ROOT.rglob('*.py')):
        if not SKIPPED_DIRS.intersection(path.relative_to(ROOT).parts) and path.name != 'setup.py':
            yield path


@pytest.mark.copyright
@pytest.mark.linter
def test_copyright():
    try:
        from ament_copyright.main import main
    except ImportError:
        main = None
    if main is not None:
        checked = [str(ROOT / d) for d in ('movinet_ros', 'test', 'scripts', 'tools')]
        assert main(argv=checked) == 0, 'Found errors'
        return
    missing = [str(p.relative_to(ROOT)) for p in python_sources()
               if not all(line in p.read_text(encoding='utf-8') for line in HEADER_LINES)]
    assert not missing, 'Files without the Apache-2.0 copyright header:\n' + '\n'.join(missing)
