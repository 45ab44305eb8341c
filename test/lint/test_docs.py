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

"""The user's documents: generated parts up to date, README short, every relative link whole."""

import re
import subprocess
import sys

from helpers.constants import DOCS_DIR, README, REPO_ROOT
from movinet_ros.ros.settings import PARAMS_BY_NAME, shown_default
import pytest

MAX_README_LINES = 300
# [text](target) in markdown, `target <path>`_ in reStructuredText; external links are skipped.
MARKDOWN_LINK = re.compile(r'\]\(([^)\s]+)\)')
DOCUMENTS = [README, REPO_ROOT / 'CHANGELOG.rst', *sorted(DOCS_DIR.glob('*.md'))]


def test_generated_parameter_docs_and_config_match_the_declarations():
    done = subprocess.run([sys.executable, str(REPO_ROOT / 'scripts' / 'param_docs.py'),
                           '--check'], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr


def test_param_docs_finds_a_stale_table(tmp_path, monkeypatch):
    sys.path.insert(0, str(REPO_ROOT / 'scripts'))
    try:
        import param_docs
    finally:
        sys.path.pop(0)
    stale = tmp_path / 'movinet.yaml'
    stale.write_text(param_docs.config_yaml().replace('top_k: 5', 'top_k: 6'))
    monkeypatch.setattr(param_docs, 'CONFIG', stale)
    assert param_docs.main(['--check']) == 1
    assert param_docs.main(['--write']) == 0
    assert 'top_k: 5' in stale.read_text()
    assert param_docs.main(['--check']) == 0


def test_readme_parameters_show_the_declared_defaults():
    section = README.read_text().split('## The ten parameters that matter', 1)[1]
    section = section.split('\n## ', 1)[0]
    rows = re.findall(r'^\| `(\w+)` \| `([^`]*)` \|', section, re.MULTILINE)
    assert len(rows) == 10, rows
    for name, default in rows:
        assert name in PARAMS_BY_NAME, f'README lists {name}, which is not a node parameter'
        assert default == shown_default(PARAMS_BY_NAME[name].default), name


def test_readme_is_a_short_guide():
    lines = README.read_text().count('\n')
    assert lines <= MAX_README_LINES, f'README has {lines} lines; move detail to docs/'


@pytest.mark.parametrize('document', DOCUMENTS, ids=lambda path: path.name)
def test_relative_links_lead_to_files(document):
    text = document.read_text()
    targets = MARKDOWN_LINK.findall(text) + re.findall(r'<([^>\s]+)>`_', text)
    broken = []
    for target in targets:
        if re.match(r'[a-z]+:', target) or target.startswith('#'):
            continue
        if not (document.parent / target.split('#', 1)[0]).exists():
            broken.append(target)
    assert not broken, f'{document.name}: links to missing files: {broken}'
