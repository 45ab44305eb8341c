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
The one-source rule (ros.frame_sources) and the throttle's rate bound under resets, as units.

Two cameras on one topic, or stamps that keep going backwards, must never push the output
above target_fps: the throttle holds back a frame that would start a new stream sooner
than one interval (on the receipt clock) after the last processed one.
"""

import random

from movinet_ros.core.pipeline import PipelineStats
from movinet_ros.core.throttle import ResetReason, StampThrottle
from movinet_ros.ros.diagnostics import HealthMonitor, OK, WARN
from movinet_ros.ros.frame_sources import Source, source_from_info, SourceGuard

NS = 1_000_000_000
PERIOD_NS = 33_333_333


def test_alternating_clocks_stay_at_or_below_the_target_rate():
    # Two 200 Hz cameras, stamps 0.5 s apart, interleaved: each frame of one is "backwards"
    # or "a new stream" for the other. Stamps alone would process every frame.
    throttle = StampThrottle(5.0)
    processed, resets = [], 0
    for i in range(2000):  # 10 s of receipt time at 200 frames/s
        received = i * NS // 200
        stamp = received + (NS // 2 if i % 2 else 0)
        decision = throttle.decide(stamp, received)
        if decision.process:
            processed.append(received)
            resets += decision.reset is not None
    # 0.9 of an interval is the stamps' own tolerance: at most 5 / 0.9 a second.
    assert len(processed) <= 10 * 5 / 0.9 + 2
    # The first two come before the first reset: stamps alone allowed them.
    gaps = [b - a for a, b in zip(processed[1:], processed[2:])]
    assert min(gaps) >= 0.9 * NS / 5
    assert resets <= len(processed)


def test_without_receipt_times_the_stamps_alone_decide():
    throttle = StampThrottle(5.0)
    assert throttle.decide(10 * NS).process
    assert throttle.decide(5 * NS).reset is ResetReason.STAMP_BACKWARDS


def test_a_held_back_reset_is_applied_to_the_next_processed_frame():
    throttle = StampThrottle(5.0)
    assert throttle.decide(100 * NS, 0).process
    held = throttle.decide(50 * NS, PERIOD_NS)  # backwards, 33 ms after the last output
    assert not held.process and held.reset is None
    assert not throttle.decide(50 * NS + PERIOD_NS, 2 * PERIOD_NS).process
    taken = throttle.decide(50 * NS + 6 * PERIOD_NS, 6 * PERIOD_NS)
    assert taken.process and taken.reset is ResetReason.STAMP_BACKWARDS


def test_a_clean_stream_fed_fast_is_decided_by_its_stamps():
    # A bag played at 10x: receipt 10 times faster than the stamps, no reset.
    throttle = StampThrottle(5.0)
    decisions = [throttle.decide(NS + i * PERIOD_NS, i * PERIOD_NS // 10) for i in range(60)]
    assert [i for i, d in enumerate(decisions) if d.process] == list(range(0, 60, 6))


def test_jitter_of_20_ms_at_30_hz_never_resets():
    rng = random.Random(17)
    throttle = StampThrottle(5.0)
    outcomes = [throttle.decide(i * PERIOD_NS + rng.randint(-20, 20) * 1_000_000 + 10 * NS,
                                i * PERIOD_NS) for i in range(30 * 120)]
    assert not [d for d in outcomes if d.reset is not None]
    assert sum(d.late for d in outcomes) > 0
    assert 5 * 120 * 0.9 <= sum(d.process for d in outcomes) <= 5 * 120 + 1


class Clock:
    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now


def test_first_source_owns_the_stream_and_others_are_dropped():
    clock = Clock()
    guard = SourceGuard(2.0, clock)
    a, b = Source(b'\x01' * 16, 'cam_a'), Source(b'\x02' * 16, 'cam_a')
    assert guard.admit(a) == (True, False)
    clock.now = 0.1
    assert guard.admit(b) == (False, False)
    assert guard.admit(a) == (True, False)
    conflict = guard.conflict(lambda source: 'node /cam' if source is a else '')
    assert 'node /cam, gid 01010101' in conflict and 'gid 02020202' in conflict
    # The owner silent longer than the bound: the next source takes over, once.
    clock.now = 2.2
    assert guard.admit(b) == (True, True)
    assert guard.admit(b) == (True, False)
    clock.now = 2.3
    assert guard.admit(a) == (False, False)
    clock.now = 10.0
    assert guard.conflict() is None, 'the second source stopped long ago'


def test_without_a_gid_the_frame_id_tells_sources_apart():
    clock = Clock()
    guard = SourceGuard(2.0, clock)
    assert source_from_info({'publisher_gid': None}, 'front').key == 'front'
    assert source_from_info(None, 'front').key == 'front'
    gid = source_from_info({'publisher_gid': {'data': b'\x07' * 16}}, 'front')
    assert gid.key == b'\x07' * 16
    assert guard.admit(source_from_info({}, 'front'))[0]
    assert not guard.admit(source_from_info({}, 'rear'))[0]


def test_warnings_are_rate_limited():
    clock = Clock()
    guard = SourceGuard(2.0, clock)
    assert guard.should_warn()
    clock.now = 1.0
    assert not guard.should_warn()
    clock.now = 6.0
    assert guard.should_warn()


def test_diagnostics_wait_for_the_first_frame_before_saying_running():
    monitor = HealthMonitor(5.0, 'model')
    first = monitor.report(PipelineStats(), 0.0)
    assert (first.level, first.message) == (OK, 'waiting for the first frame')
    later = monitor.report(PipelineStats(), 1.0)
    assert later.level == WARN and later.message == 'no input images: waiting for the first frame'
    conflict = monitor.report(PipelineStats(received=10, other_source=5), 2.0,
                              problems=['two sources on one image topic: ...'])
    assert conflict.level == WARN and conflict.message.startswith('two sources')
    assert conflict.values['frames_other_source'] == '5'
