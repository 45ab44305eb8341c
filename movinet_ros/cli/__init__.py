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


"""``movinet-ros``: one command with a subcommand per job (classify, eval, video2bag, ...)."""

import argparse
from collections.abc import Sequence
import importlib
import sys

from movinet_ros.core.errors import MovinetError
from movinet_ros.core.stdout import BROKEN_PIPE_EXIT, stdout_gone

# Subcommand name -> its one-line help. Each is a module in this package (its name with _ for
# -) with ``add_arguments(parser)`` and ``run(args)``, imported only when that subcommand
# runs: watch needs ROS 2, while classify, eval and video2bag must start without it.
SUBCOMMANDS = {
    'classify': 'Classify the actions in a video file with a MoViNet stream model.',
    'watch': 'Show the live top-k of an ActionRecognition topic in the terminal.',
    'bench': 'Moved: run `make bench` from a checkout (the benchmark is not installed).',
    'eval': 'Recognise the actions in recorded bags and score them against annotations.',
    'eval-dataset': 'Score a model on a dataset of labelled recordings, on all cores or Ray.',
    'video2bag': 'Write the frames of a video into a rosbag2 as camera images.',
    'train': 'Train a head of your own actions on labelled recordings, in seconds on a CPU.',
}


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """
    Build the parser listing every subcommand, with the options of ``command`` only.

    Only the module of ``command`` is imported; the others appear with their one-line help.
    """
    parser = argparse.ArgumentParser(
        prog='movinet-ros', description='Streaming action recognition with MoViNet for ROS 2.')
    commands = parser.add_subparsers(dest='command', required=True, metavar='COMMAND')
    for name, help_text in SUBCOMMANDS.items():
        sub = commands.add_parser(name, help=help_text, description=help_text)
        if name == command:
            module = importlib.import_module(f'movinet_ros.cli.{name.replace("-", "_")}')
            module.add_arguments(sub)
            sub.set_defaults(run=module.run)
    return parser


def _chosen_command(argv: Sequence[str]) -> str | None:
    """Return the subcommand ``argv`` names, or None if it names none of them."""
    # The top-level parser has no option taking a value: its first non-option word is the
    # subcommand.
    word = next((arg for arg in argv if not arg.startswith('-')), None)
    return word if word in SUBCOMMANDS else None


def main(argv: list[str] | None = None) -> int:
    """Run a subcommand; errors on bad input print one line and exit 2."""
    argv = sys.argv[1:] if argv is None else list(argv)
    command = _chosen_command(argv)
    try:
        parser = build_parser(command)
    except ImportError as error:
        # watch runs a ROS 2 node; say what is missing instead of a traceback.
        print(f'movinet-ros {command}: error: {error}; this subcommand needs ROS 2 '
              '(rclpy and the movinet_ros_interfaces messages): run `. scripts/env.sh` after '
              '`make setup`, or source your ROS 2 workspace', file=sys.stderr)
        return 2
    try:
        args = parser.parse_args(argv)
        return int(args.run(args) or 0)
    except MovinetError as error:
        print(f'movinet-ros {args.command}: error: {error}', file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # The reader of our output went (``| head``): a help page was read as far as wanted.
        stdout_gone()
        return 0 if '-h' in argv or '--help' in argv else BROKEN_PIPE_EXIT


if __name__ == '__main__':
    sys.exit(main())
