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
import sys
from typing import List, Optional

from movinet_ros.core.errors import MovinetError

# Subcommand name -> module in this package with ``add_arguments(parser)`` and ``run(args)``.
SUBCOMMANDS = {
    'classify': 'Classify the actions in a video file with a MoViNet stream model.',
    'watch': 'Show the live top-k of an ActionRecognition topic in the terminal.',
    'bench': "Measure the node and the pipeline against the model's own floor.",
    'eval': 'Recognise the actions in recorded bags and score them against annotations.',
    'video2bag': 'Write the frames of a video into a rosbag2 as camera images.',
}


def build_parser() -> argparse.ArgumentParser:
    """Build the parser of every subcommand."""
    parser = argparse.ArgumentParser(
        prog='movinet-ros', description='Streaming action recognition with MoViNet for ROS 2.')
    commands = parser.add_subparsers(dest='command', required=True, metavar='COMMAND')
    for name, help_text in SUBCOMMANDS.items():
        module = _load(name)
        sub = commands.add_parser(name, help=help_text, description=help_text)
        module.add_arguments(sub)
        sub.set_defaults(run=module.run)
    return parser


def _load(name: str):
    import importlib
    return importlib.import_module(f'movinet_ros.cli.{name}')


def main(argv: Optional[List[str]] = None) -> int:
    """Run a subcommand; errors on bad input print one line and exit 2."""
    args = build_parser().parse_args(argv)
    try:
        return int(args.run(args) or 0)
    except MovinetError as error:
        print(f'movinet-ros {args.command}: error: {error}', file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == '__main__':
    sys.exit(main())
