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
Property tests for core.throttle: any stamp sequence, any valid setting.

Stamps come from ``header.stamp`` (int32 seconds, so negative ones exist) and real streams
mix steady frames with duplicates, jitter, gaps, clock jumps and zeros. For every generated
sequence the documented rule must hold: equal stamp -> duplicate dropped, earlier stamp ->
reset and process, gap > reset_gap_sec -> reset; within a stream the frames the model keeps
(processed and not cancelled as malformed) have strictly increasing stamps at most
target_fps / tolerance apart, and no frame is dropped that the rate allows. A cancelled
frame is undone entirely: the next frame is judged against the frame before it.
"""

import collections

from helpers.constants import NS_PER_SEC as NS
from hypothesis import given, settings, strategies as st
from movinet_ros.core.throttle import (
    BACKWARD_JITTER_SHARE, DEFAULT_TARGET_FPS, ResetReason, StampThrottle, ThrottleDecision)
import pytest

EXAMPLES = 1000
# header.stamp: sec is int32, nanosec < 1e9.
STAMP_MIN = -(2**31) * NS
STAMP_MAX = (2**31 - 1) * NS + NS - 1

generated = collections.Counter()

step_kinds = st.sampled_from(['frame'] * 8 + ['duplicate', 'gap', 'backwards', 'anywhere',
                                              'zero', 'cancel'])


@st.composite
def stamp_programs(draw):
    """Return (throttle settings, list of stamps or 'cancel' markers)."""
    target_fps = draw(st.one_of(st.sampled_from([0.0, 5.0, 15.0, 30.0]),
                                st.floats(0.01, 240.0, allow_nan=False)))
    reset_gap_sec = draw(st.one_of(st.just(2.0), st.floats(0.001, 30.0, allow_nan=False)))
    tolerance = draw(st.one_of(st.just(0.9), st.floats(0.01, 1.0, allow_nan=False)))
    stamp = draw(st.integers(STAMP_MIN, STAMP_MAX))
    program = []
    for kind in draw(st.lists(step_kinds, min_size=1, max_size=64)):
        if kind == 'cancel':
            program.append('cancel')
            continue
        if kind == 'frame':
            stamp += draw(st.integers(1, NS // 3))  # 3 fps to 1 GHz, jitter included
        elif kind == 'gap':
            stamp += draw(st.integers(NS // 3, 60 * NS))
        elif kind == 'backwards':
            stamp -= draw(st.integers(1, 3600 * NS))
        elif kind == 'anywhere':
            stamp = draw(st.integers(STAMP_MIN, STAMP_MAX))
        elif kind == 'zero':
            stamp = 0
        program.append(stamp)
    return (target_fps, reset_gap_sec, tolerance), program


def check_program(config, program):
    target_fps, reset_gap_sec, tolerance = config
    throttle = StampThrottle(target_fps, reset_gap_sec, tolerance)
    # The interval the rate allows; 1 ns of slack for the nanosecond rounding.
    min_gap_ns = tolerance * NS / target_fps - 1 if target_fps > 0 else 0
    reset_gap_ns = reset_gap_sec * NS
    # Half a target interval back (of the default's with target_fps 0) is late, not a reset.
    late_ns = BACKWARD_JITTER_SHARE * NS / (target_fps or DEFAULT_TARGET_FPS)
    previous = None
    kept = []  # stamps the model kept in the current stream
    last_processed = False
    undo = (previous, list(kept))  # what a cancel restores: the stream before the frame
    for step in program:
        if step == 'cancel':
            # Only a frame just processed can turn out malformed; cancelling it makes the
            # stream as if it had never come.
            if last_processed:
                throttle.cancel()
                previous, kept = undo
                generated['cancelled'] += 1
            last_processed = False
            continue
        undo = (previous, list(kept))
        decision = throttle.decide(step)
        assert isinstance(decision, ThrottleDecision)
        if previous is None:
            assert decision.process and decision.reset is None
        elif step == previous:
            assert not decision.process and decision.duplicate and decision.reset is None
        elif step < previous and previous - step <= late_ns - 1:
            assert not decision.process and decision.late and decision.reset is None
            generated['late'] += 1
            last_processed = False
            continue  # the stream goes on from the latest stamp
        elif step < previous - late_ns - 1:
            assert decision.process and decision.reset is ResetReason.STAMP_BACKWARDS
        elif step < previous:  # within a nanosecond of the late bound: either answer
            assert decision.late or decision.reset is ResetReason.STAMP_BACKWARDS
            if decision.late:
                last_processed = False
                continue
        elif step - previous > reset_gap_ns + 1:
            assert decision.process and decision.reset is ResetReason.GAP
        elif step - previous < reset_gap_ns - 1:
            assert decision.reset is None, (step, previous, decision)
        else:  # within a nanosecond of reset_gap_sec: either answer is right
            assert decision.process or decision.reset is None
        if decision.reset is not None:
            kept = []
            generated['reset'] += 1
        if decision.process:
            if kept:
                assert step > kept[-1], 'processed stamps must increase within a stream'
                assert step - kept[-1] >= min_gap_ns, (
                    f'rate above {target_fps}/{tolerance}: {kept[-1]} -> {step}')
            kept.append(step)
            generated['processed'] += 1
        elif not decision.duplicate:
            # Dropped only for the rate: the last kept frame is nearer than one interval.
            assert kept and 0 < step - kept[-1] < min_gap_ns + 2, (step, kept[-1:])
            generated['throttled'] += 1
        previous = step
        last_processed = decision.process
    generated['throttle'] += 1


@settings(max_examples=EXAMPLES, deadline=None)
@given(stamp_programs())
def throttle_property(case):
    config, program = case
    check_program(config, program)


def test_throttle_property():
    generated.clear()
    throttle_property()
    print(f'throttle: {generated["throttle"]} generated cases', dict(generated))
    assert generated['throttle'] >= EXAMPLES
    # Sequences that never reset, throttle or cancel would prove little.
    for outcome in ('reset', 'processed', 'throttled', 'cancelled'):
        assert generated[outcome] >= EXAMPLES // 10, dict(generated)


@pytest.mark.parametrize('config, program', [
    ((5.0, 2.0, 0.9), [0, 0, 0]),
    ((5.0, 2.0, 0.9), [STAMP_MAX, STAMP_MIN, STAMP_MAX]),
    ((0.0, 0.001, 1.0), [1, 2, 3, 3, 2, 'cancel', 2, 10**6 + 3]),
    ((30.0, 2.0, 0.9), [10**18 + i * 33_333_333 for i in range(30)]),
])
def test_throttle_property_examples(config, program):
    check_program(config, program)
