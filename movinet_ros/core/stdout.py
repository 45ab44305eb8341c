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
Standard output whose reader went away (``movinet-ros --help | head``): end quietly.

Python ignores SIGPIPE, so a write to a closed pipe raises BrokenPipeError, which would end
in a traceback, and the interpreter's final flush of stdout raises it again.
"""

import os
import sys

# What a program killed by SIGPIPE exits with in a shell (128 + 13), for output cut short.
BROKEN_PIPE_EXIT = 141


def stdout_gone() -> None:
    """Send whatever is left for stdout to /dev/null: nobody reads it any more."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, sys.stdout.fileno())
    finally:
        os.close(devnull)


def print_for_reader(text: str) -> None:
    """Print ``text`` (a help page); if the reader has gone, stop quietly."""
    try:
        print(text, flush=True)
    except BrokenPipeError:
        stdout_gone()
