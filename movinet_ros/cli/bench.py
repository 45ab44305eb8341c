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
``movinet-ros bench``: moved out of the installed package; says where to run it instead.

The benchmark starts test processes and measures them, which a robot does not need, so its
harness lives in the repository's tools/ folder and runs from a checkout as ``make bench``
(the same options, the same JSON line). The subcommand stays so that scripts calling it are
told, with exit code 2, rather than meeting an unknown command.
"""

import argparse
import sys

MOVED = ('movinet-ros bench: the benchmark is no longer installed with the package; from a '
         'checkout of movinet_ros run `make bench` (or `. scripts/env.sh && python '
         'tools/bench.py --quick --json`: the same options and JSON line)')


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Accept the former options, so every old command line gets the message."""
    for flag in ('--json', '--quick'):
        parser.add_argument(flag, action='store_true', help=argparse.SUPPRESS)
    for option in ('--model', '--labels', '--clip', '--domain-id'):
        parser.add_argument(option, help=argparse.SUPPRESS)


def run(args: argparse.Namespace) -> int:
    """Say where the benchmark went; exit 2."""
    print(MOVED, file=sys.stderr)
    return 2
