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

"""Start a command with SIGINT as a terminal or a script gives it, not as pytest inherited it."""

import sys


def with_sigint(command: list[str], *, ignored: bool = False) -> list[str]:
    """
    Return ``command`` run with SIGINT at its default or, if ``ignored``, ignored.

    A terminal's foreground job gets the default; a job a script starts with ``&`` gets
    SIGINT ignored, and so does everything a test runner started that way starts, unless
    it is said here. Exec keeps the process id.
    """
    action = 'SIG_IGN' if ignored else 'SIG_DFL'
    return [sys.executable, '-c',
            f'import os, signal, sys; signal.signal(signal.SIGINT, signal.{action}); '
            'os.execvp(sys.argv[1], sys.argv[1:])', *command]
