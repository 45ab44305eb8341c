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

"""Throttle decisions on stamp sequences: rates, tolerance, duplicates, loops, gaps, sizes."""

from movinet_ros.core.throttle import ResetReason, StampThrottle, ThrottleConfigError
import pytest


def stamps_at(fps, count, start_ns=1_700_000_000 * 10**9):
    return [start_ns + round(i * 1e9 / fps) for i in range(count)]


def processed_indices(throttle, stamps):
    return [i for i, stamp in enumerate(stamps) if throttle.decide(stamp).process]


@pytest.mark.parametrize('input_fps, expected_step', [(30.0, 6), (29.97, 6), (15.0, 3), (10.0, 2),
                                                      (5.0, 1)])
def test_thins_regular_streams_to_5_fps(input_fps, expected_step):
    stamps = stamps_at(input_fps, 300)
    indices = processed_indices(StampThrottle(target_fps=5.0), stamps)
    assert indices == list(range(0, 300, expected_step))


def test_slower_input_than_target_uses_every_frame_it_can():
    # 7 fps cannot give 5 fps exactly: frames are 143 ms apart, so every other one passes
    # the 180 ms minimum interval and the output runs at 3.5 fps.
    stamps = stamps_at(7.0, 70)
    indices = processed_indices(StampThrottle(target_fps=5.0), stamps)
    assert indices == list(range(0, 70, 2))
    assert StampThrottle(target_fps=5.0).decide(stamps[0]).process


def test_tolerance_accepts_jittered_frames():
    # A 5 fps camera whose stamps jitter by up to 9 ms: every interval stays above 0.9 of a
    # period (180 ms), so none is dropped; a strict 1.0 tolerance would drop some.
    base = 10**18
    jitter = [0, 9, -9, 5, -5, 9, -9, 0] * 10
    stamps = [base + i * 200_000_000 + j * 1_000_000 for i, j in enumerate(jitter)]
    assert processed_indices(StampThrottle(target_fps=5.0), stamps) == list(range(len(stamps)))
    strict = StampThrottle(target_fps=5.0, tolerance=1.0)
    assert len(processed_indices(strict, stamps)) < len(stamps)


def test_zero_target_fps_processes_every_frame():
    stamps = stamps_at(30.0, 50)
    assert processed_indices(StampThrottle(target_fps=0.0), stamps) == list(range(50))


def test_duplicate_stamp_is_dropped_without_reset():
    throttle = StampThrottle()
    assert throttle.decide(1_000).process
    decision = throttle.decide(1_000)
    assert not decision.process and decision.duplicate and decision.reset is None


def test_backwards_stamp_resets_and_processes():
    throttle = StampThrottle()
    stamps = stamps_at(30.0, 30)
    processed_indices(throttle, stamps)
    decision = throttle.decide(stamps[3])
    assert decision.process and decision.reset is ResetReason.STAMP_BACKWARDS


def test_looped_bag_gives_identical_decisions_every_loop():
    stamps = stamps_at(30.0, 47)
    throttle = StampThrottle()
    loops = [[(d.process, d.reset) for d in map(throttle.decide, stamps)] for _ in range(3)]
    assert loops[1] == loops[2]
    assert loops[1][0] == (True, ResetReason.STAMP_BACKWARDS)
    assert [p for p, _ in loops[0]] == [p for p, _ in loops[1]]


def test_gap_longer_than_reset_gap_resets():
    throttle = StampThrottle(reset_gap_sec=1.0)
    assert throttle.decide(0).process
    assert throttle.decide(200_000_000).reset is None
    decision = throttle.decide(1_300_000_000)
    assert decision.process and decision.reset is ResetReason.GAP
    # Exactly reset_gap_sec is still the same stream.
    assert throttle.decide(2_300_000_000).reset is None


def test_size_change_is_reported_once():
    throttle = StampThrottle()
    assert throttle.check_size((640, 480)) is None
    assert throttle.check_size((640, 480)) is None
    assert throttle.check_size((1280, 720)) is ResetReason.SIZE_CHANGE
    assert throttle.check_size((1280, 720)) is None


def test_cancel_frees_the_slot_of_a_rejected_frame():
    throttle = StampThrottle(target_fps=5.0)
    period = 200_000_000
    assert throttle.decide(0).process
    assert throttle.decide(period).process
    throttle.cancel()  # frame at 200 ms turned out malformed
    assert throttle.decide(period + 33_000_000).process
    assert not throttle.decide(period + 66_000_000).process


def test_cancelled_reset_is_decided_again_on_the_next_frame():
    throttle = StampThrottle(target_fps=5.0, reset_gap_sec=2.0)
    assert throttle.decide(0).process
    late = 5_000_000_000
    assert throttle.decide(late).reset is ResetReason.GAP
    throttle.cancel()  # the frame after the gap was malformed: nothing was reset
    decision = throttle.decide(late + 33_000_000)
    assert decision.process and decision.reset is ResetReason.GAP


def test_cancelled_frame_stamp_is_not_a_duplicate_of_its_resend():
    throttle = StampThrottle(target_fps=5.0)
    assert throttle.decide(0).process
    assert throttle.decide(200_000_000).process
    throttle.cancel()
    decision = throttle.decide(200_000_000)  # the same frame again, intact this time
    assert decision.process and not decision.duplicate


def test_restart_makes_next_frame_first_of_a_stream():
    throttle = StampThrottle()
    throttle.decide(5_000)
    throttle.restart()
    decision = throttle.decide(1_000)
    assert decision.process and decision.reset is None


@pytest.mark.parametrize('kwargs, word', [({'target_fps': -1.0}, 'target_fps'),
                                          ({'target_fps': float('nan')}, 'target_fps'),
                                          ({'reset_gap_sec': 0.0}, 'reset_gap_sec'),
                                          ({'tolerance': 1.5}, 'tolerance')])
def test_invalid_settings_are_rejected_with_the_name(kwargs, word):
    with pytest.raises(ThrottleConfigError, match=word):
        StampThrottle(**kwargs)
