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
When a repeated log message is due: at once, then at most every so often, per key.

The node's WARNs about one ongoing problem (rejected frames of one kind, a second source on
a topic, a silent camera topic, sim time without /clock) all follow this rule, so a problem
that lasts is neither silent nor a line per frame; /diagnostics carries the counts all along.
"""

from collections.abc import Callable, Hashable
import math
import re
import time

__all__ = ['LogLimiter', 'MAX_REJECTION_KINDS', 'ONCE', 'REJECTION_LOG_PERIOD_SEC',
           'RejectionLog']

# A period for messages said once until ``reset``.
ONCE = math.inf
# Each kind of rejected frame is logged at once, and then at most this often.
REJECTION_LOG_PERIOD_SEC = 5.0
# Kinds of rejection remembered at most; past this the memory starts over (a stream of
# ever-new texts must not grow it without bound).
MAX_REJECTION_KINDS = 64


class LogLimiter:
    """Say whether a message is due, per key: at once, then at most every ``period_sec``."""

    def __init__(self, period_sec: float, *, clock: Callable[[], float] = time.monotonic,
                 max_keys: int = 64) -> None:
        self.period_sec = period_sec
        self._clock = clock
        # Past this many keys the memory starts over: a stream of ever-new keys (texts)
        # must not grow it without bound.
        self._max_keys = max_keys
        self._said_at: dict[Hashable, float] = {}

    def due(self, key: Hashable = None, now: float | None = None) -> bool:
        """Return whether to log the message of ``key`` now; if so, count it as said."""
        now = self._clock() if now is None else now
        said_at = self._said_at.get(key)
        if said_at is not None and now - said_at < self.period_sec:
            return False
        if said_at is None and len(self._said_at) >= self._max_keys:
            self._said_at.clear()
        self._said_at[key] = now
        return True

    def said(self, key: Hashable = None) -> bool:
        """Return whether the message of ``key`` was logged since it was last reset."""
        return key in self._said_at

    def reset(self, key: Hashable = None) -> None:
        """Forget ``key``: its next message is due at once (the problem went away)."""
        self._said_at.pop(key, None)

    def clear(self) -> None:
        """Forget every key."""
        self._said_at.clear()


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
