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
Make the parameter references from their declarations, so each setting is defined once.

Every parameter of ``movinet_node`` is declared in ``movinet_ros/ros/settings.py`` (PARAMS) and
every parameter of ``video_publisher`` in ``movinet_ros/ros/video_publisher.py``. From those
this script writes the tables of docs/node.md and docs/cameras_and_dds.md (between their
``<!-- BEGIN generated ... -->`` and ``<!-- END generated ... -->`` lines) and the whole of
config/movinet.yaml::

    python scripts/param_docs.py --write   # after changing a declaration
    python scripts/param_docs.py --check   # exit 1 and name the stale files (a test runs it)
"""

import argparse
import pathlib
import sys
import textwrap

REPO_ROOT = pathlib.Path(__file__).resolve().parents[1]
NODE_DOC = REPO_ROOT / 'docs' / 'node.md'
CAMERA_DOC = REPO_ROOT / 'docs' / 'cameras_and_dds.md'
CONFIG = REPO_ROOT / 'config' / 'movinet.yaml'
WIDTH = 99

YAML_HEAD = """\
# Parameters of the movinet node with their defaults. Generated from
# movinet_ros/ros/settings.py by `python scripts/param_docs.py --write`: change a parameter
# there, not here (a test checks that the two agree). Pass with:
#   ros2 run movinet_ros movinet_node --ros-args --params-file config/movinet.yaml
# The launch file loads it first, then params_file over it. The /** wildcard applies them
# whatever the node's name or namespace.
/**:
  ros__parameters:
"""


def node_table() -> str:
    """Return the node's parameter table (markdown)."""
    from movinet_ros.ros.settings import parameter_table_markdown
    return parameter_table_markdown()


def video_publisher_table() -> str:
    """Return video_publisher's parameter table (markdown)."""
    from movinet_ros.ros.video_publisher import parameter_table_markdown
    return parameter_table_markdown()


def _comment(text: str, indent: str) -> list[str]:
    return textwrap.wrap(text, WIDTH, initial_indent=f'{indent}# ',
                         subsequent_indent=f'{indent}# ', break_on_hyphens=False)


def config_yaml() -> str:
    """Return config/movinet.yaml: every node parameter with its meaning and default."""
    import yaml
    from movinet_ros.ros.settings import allowed_values, PARAMS
    lines = [YAML_HEAD.rstrip('\n')]
    indent = ' ' * 4
    for spec in PARAMS:
        notes = [spec.description]
        if allowed_values(spec):
            notes.append(f'Values: {allowed_values(spec)}.')
        notes.append('Read-only (set at start-up).' if spec.read_only
                     else 'Can change at run time.')
        lines.extend(_comment(' '.join(notes), indent))
        if isinstance(spec.default, list):
            # ROS cannot type an empty YAML list, so an empty default is left out.
            lines.append(f'{indent}# {spec.name}: [first, second]  (left out: empty by default)')
        else:
            lines.append(indent + yaml.safe_dump({spec.name: spec.default}).strip())
    return '\n'.join(lines) + '\n'


def _replace_block(text: str, name: str, body: str, path: pathlib.Path) -> str:
    begin = f'<!-- BEGIN generated: {name} (python scripts/param_docs.py --write) -->'
    end = f'<!-- END generated: {name} -->'
    if begin not in text or end not in text:
        raise SystemExit(f'param_docs: {path} lacks the lines\n{begin}\n{end}')
    head, rest = text.split(begin, 1)
    tail = rest.split(end, 1)[1]
    return f'{head}{begin}\n{body}\n{end}{tail}'


def expected_files() -> dict[pathlib.Path, str]:
    """Return each generated file's path and the text it must have."""
    node_doc = NODE_DOC.read_text()
    camera_doc = CAMERA_DOC.read_text()
    return {
        NODE_DOC: _replace_block(node_doc, 'node parameters', node_table(), NODE_DOC),
        CAMERA_DOC: _replace_block(camera_doc, 'video_publisher parameters',
                                   video_publisher_table(), CAMERA_DOC),
        CONFIG: config_yaml(),
    }


def _shown(path: pathlib.Path) -> str:
    return str(path.relative_to(REPO_ROOT)) if path.is_relative_to(REPO_ROOT) else str(path)


def main(argv: list[str] | None = None) -> int:
    """Write or check the generated files; return the exit code."""
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0].strip())
    action = parser.add_mutually_exclusive_group(required=True)
    action.add_argument('--write', action='store_true', help='rewrite the generated parts')
    action.add_argument('--check', action='store_true',
                        help='exit 1 if a generated part differs from the declarations')
    args = parser.parse_args(argv)
    stale = []
    for path, text in expected_files().items():
        if path.read_text() == text:
            continue
        if args.write:
            path.write_text(text)
            print(f'param_docs: wrote {_shown(path)}')
        else:
            stale.append(_shown(path))
    if stale:
        print(f'param_docs: stale: {", ".join(stale)}; run python scripts/param_docs.py --write',
              file=sys.stderr)
        return 1
    return 0


if __name__ == '__main__':
    sys.exit(main())
