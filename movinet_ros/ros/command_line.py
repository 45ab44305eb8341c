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
The command line of the ROS executables: ``--help`` from their parameter tables, usage errors.

``movinet_node`` and ``video_publisher`` take their settings as ROS parameters after
``--ros-args``; before it only ``-h``/``--help`` means something, anything else is a mistake
said in one line. Usage errors exit with ``USAGE_ERROR`` (2), as ``movinet-ros`` does.
A start-up parameter the node does not have (``-p target_fsp:=10``, or a YAML params file's)
gets a warning naming the closest one it has, instead of being ignored without a word.
"""

from collections.abc import Sequence
from dataclasses import dataclass
import difflib
import sys
import textwrap
from typing import Any

from movinet_ros.core.stdout import print_for_reader
from movinet_ros.ros.settings import allowed_values, ParamSpec, shown_default
from rclpy.utilities import remove_ros_args

USAGE_ERROR = 2
_WIDTH = 79


@dataclass(frozen=True)
class Executable:
    """What ``--help`` says about one executable: its name, job, parameters and topics."""

    name: str
    summary: str
    params: tuple[ParamSpec, ...]
    epilog: str = ''  # printed as it is: examples must not be wrapped


def help_text(executable: Executable) -> str:
    """Return the ``--help`` text: usage, summary, every parameter, then the epilog."""
    lines = [f'usage: {executable.name} [-h] [--ros-args -p NAME:=VALUE ... '
             '-r image:=TOPIC ...]', '',
             textwrap.fill(executable.summary, _WIDTH), '',
             'parameters (-p NAME:=VALUE; docs/node.md has the same table):']
    for spec in executable.params:
        facts = [f'default {shown_default(spec.default)}']
        if allowed_values(spec):
            facts.append(allowed_values(spec))
        if not spec.read_only:
            facts.append('changeable at run time')
        lines.append(f'  {spec.name}  ({"; ".join(facts)})')
        lines.append(textwrap.fill(spec.description, _WIDTH, initial_indent=' ' * 6,
                                   subsequent_indent=' ' * 6))
    if executable.epilog:
        lines += ['', executable.epilog]
    return '\n'.join(lines)


def _ros_error_text(error: Exception) -> str:
    # rcl's message ends with its lexer's state and C source locations (". Error: ... at
    # .../arguments.c:352"), which say nothing to a user; the rule it could not parse
    # comes before them.
    return str(error).split('. Error:', 1)[0]


def handle_arguments(executable: Executable, args: Sequence[str] | None = None) -> int | None:
    """
    Act on the arguments outside ``--ros-args`` (``args`` as sys.argv, program name first).

    Returns 0 after printing the help, USAGE_ERROR after printing a one-line error, or None
    when the executable should go on and start its node.
    """
    argv = list(sys.argv if args is None else args)
    try:
        extra = remove_ros_args(argv)[1:]
    except RuntimeError as error:  # rclpy's RCLInvalidROSArgsError
        # rcl cannot parse the ROS arguments (``-p fps`` without ``:=VALUE``, broken YAML).
        print(f'{executable.name}: error: {_ros_error_text(error)}; parameters are given as '
              '--ros-args -p NAME:=VALUE (see --help)', file=sys.stderr)
        return USAGE_ERROR
    if '-h' in extra or '--help' in extra:
        print_for_reader(help_text(executable))
        return 0
    if extra:
        print(f'{executable.name}: error: unexpected argument {extra[0]!r}: parameters go after '
              f'--ros-args, e.g. {executable.name} --ros-args -p '
              f'{executable.params[0].name}:=VALUE (see --help)', file=sys.stderr)
        return USAGE_ERROR
    return None


def unknown_parameter_warnings(node: Any, executable: Executable) -> list[str]:
    """
    Return a warning for each start-up parameter of ``node`` that it did not declare.

    Call it once the node has declared its parameters. rclpy keeps the values given on the
    command line and in params files for the node's name (or ``/**``) and ignores those it
    never declares. ``qos_overrides.*`` are declared later, with the topics, so are left out.
    """
    declared = sorted(node._parameters)
    warnings = []
    for name in node._parameter_overrides:
        if name in node._parameters or name.startswith('qos_overrides.'):
            continue
        close = difflib.get_close_matches(name, declared, n=1)
        hint = f'did you mean {close[0]}? ' if close else ''
        warnings.append(f'unknown parameter {name!r} is ignored: {hint}'
                        f'{executable.name} --help lists its parameters')
    return warnings
