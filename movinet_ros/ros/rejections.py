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

"""How often a rejected frame is logged: each kind at once, then at most every few seconds."""

from collections.abc import Callable
import re
import time

from movinet_ros.ros.log_limits import LogLimiter

# Each kind of rejection is logged at once, and then at most this often.
REJECTION_LOG_PERIOD_SEC = 5.0
# Kinds remembered at most; past this the memory starts over (a stream of ever-new texts
# must not grow it without bound).
MAX_REJECTION_KINDS = 64


class RejectionLog:
    """Decide which rejection reasons to log, by kind: the text without its numbers."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._limiter = LogLimiter(REJECTION_LOG_PERIOD_SEC, clock=clock,
                                   max_keys=MAX_REJECTION_KINDS)

    def should_log(self, reason: str) -> bool:
        """
        Return whether to log ``reason`` now.

        A camera that sends the same broken frame at 30 fps is logged every 5 s, but a
        second problem is never hidden behind the first.
        """
        return self._limiter.due(re.sub(r'\d+', '#', reason))
