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


"""The one rule for repeated WARNs (ros.log_limits), and the node's users of it."""

from movinet_ros.ros.log_limits import (
    LogLimiter, MAX_REJECTION_KINDS, ONCE, REJECTION_LOG_PERIOD_SEC, RejectionLog)


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_a_message_is_due_at_once_then_once_a_period_per_key():
    clock = FakeClock()
    limiter = LogLimiter(5.0, clock=clock)
    assert limiter.due('a') and not limiter.due('a')
    assert limiter.due('b'), 'a second problem is never hidden behind the first'
    clock.now = 4.9
    assert not limiter.due('a')
    clock.now = 5.0
    assert limiter.due('a') and not limiter.due('a')
    assert limiter.said('a') and not limiter.said('c')
    limiter.reset('a')
    assert not limiter.said('a') and limiter.due('a'), 'due at once after a reset'
    limiter.clear()
    assert not limiter.said('a') and not limiter.said('b') and limiter.due('b')


def test_once_is_said_again_only_after_a_reset():
    clock = FakeClock()
    limiter = LogLimiter(ONCE, clock=clock)
    assert limiter.due()
    clock.now = 1e12
    assert not limiter.due()
    limiter.reset()
    assert limiter.due()


def test_the_keys_remembered_are_bounded():
    limiter = LogLimiter(60.0, clock=FakeClock(), max_keys=3)
    assert all(limiter.due(key) for key in range(3))
    assert limiter.due(3)  # the memory starts over rather than growing
    assert limiter.due(0) and not limiter.due(3)


def test_rejections_are_limited_by_kind_the_text_without_numbers():
    clock = FakeClock()
    log = RejectionLog(clock)
    assert log.should_log('frame of 12 bytes is too short')
    assert not log.should_log('frame of 7 bytes is too short')
    assert log.should_log('unsupported encoding rgb16')
    clock.now = REJECTION_LOG_PERIOD_SEC
    assert log.should_log('frame of 9 bytes is too short')
    assert all(log.should_log(f'kind {chr(65 + i % 26) * (i + 1)}')
               for i in range(MAX_REJECTION_KINDS + 1))
