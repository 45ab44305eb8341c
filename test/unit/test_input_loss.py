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

"""Unit tests of the loss estimate and of the input QoS decision (no DDS graph)."""

from movinet_ros.core.pipeline import PipelineStats
from movinet_ros.core.transport_loss import LossChange, LossEpisodes, LossEstimator
from movinet_ros.ros.diagnostics import HealthMonitor, OK, WARN
from movinet_ros.ros.subscription_qos import choose_reliability, input_profile, overriding_options
import numpy as np
import pytest
from rclpy.qos import DurabilityPolicy, HistoryPolicy, QoSPolicyKind, ReliabilityPolicy

MS = 1_000_000
PERIOD = 33 * MS


def feed(estimator, stamps, start_ns=0):
    for stamp in stamps:
        estimator.add(stamp, start_ns + stamp)


def test_no_loss_is_zero_and_throttling_is_not_loss():
    estimator = LossEstimator()
    assert estimator.loss_ratio() is None
    feed(estimator, [i * PERIOD for i in range(300)])
    assert estimator.frame_interval_ns == PERIOD
    assert estimator.loss_ratio() == 0.0


@pytest.mark.parametrize('keep_every', [2, 3, 4])
def test_regular_loss_is_estimated_from_the_stamps(keep_every):
    rng = np.random.default_rng(keep_every)
    # Every keep_every-th frame arrives, plus a few back-to-back pairs that show the interval.
    stamps = sorted({i * PERIOD for i in range(0, 900, keep_every)}
                    | {i * PERIOD + PERIOD for i in rng.choice(range(0, 900, keep_every), 30)})
    estimator = LossEstimator()
    feed(estimator, stamps)
    kept = [s for s in stamps if s >= stamps[-1] - 10_000 * MS]
    expected = 1 - (len(kept) - 1) / ((kept[-1] - kept[0]) / PERIOD)
    assert estimator.loss_ratio() == pytest.approx(expected, abs=0.02)


def test_jitter_does_not_count_as_loss():
    rng = np.random.default_rng(1)
    stamps = [i * PERIOD + int(rng.integers(-3 * MS, 3 * MS)) for i in range(600)]
    estimator = LossEstimator()
    feed(estimator, stamps)
    assert estimator.loss_ratio() < 0.12


def test_a_pause_is_not_loss_and_a_stamp_back_starts_over():
    estimator = LossEstimator(pause_sec=2.0)
    feed(estimator, [i * PERIOD for i in range(100)])
    feed(estimator, [10_000 * MS + i * PERIOD for i in range(100)])
    assert estimator.loss_ratio() == 0.0
    estimator.add(0, 20_000 * MS)
    assert estimator.frame_interval_ns is None


def test_frames_that_came_while_the_node_was_busy_are_not_loss():
    # Every 6th frame is processed for 110 ms: of frames 1, 2 and 3 that came meanwhile the
    # node's keep-last subscription took only the last (two were overwritten, not lost).
    stamps = [i * PERIOD for i in range(600) if i % 6 not in (1, 2)]
    told, untold = LossEstimator(), LossEstimator()
    for stamp in stamps:
        busy = 110 * MS if (stamp // PERIOD) % 6 == 3 else 0
        told.add(stamp, stamp, busy_ns=busy)
        untold.add(stamp, stamp)
    assert told.loss_ratio() == 0.0
    assert untold.loss_ratio() == pytest.approx(2 / 6, abs=0.02)
    # A real loss after the busy time still counts: frame 4 of every six lost (1 of 4 left).
    lossy = LossEstimator()
    for stamp in [i * PERIOD for i in range(600) if i % 6 not in (1, 2, 4)]:
        lossy.add(stamp, stamp, busy_ns=110 * MS if (stamp // PERIOD) % 6 == 3 else 0)
    assert lossy.loss_ratio() == pytest.approx(1 / 4, abs=0.02)


def test_a_loss_that_just_began_shows_over_the_last_seconds_first():
    estimator = LossEstimator(window_sec=10.0)
    for index in range(270):  # 9 s clean at 30 Hz
        estimator.add(index * PERIOD, index * PERIOD)
    for second in range(2):  # then 2 s of which DDS reports 27 of every 30 frames lost
        now = (270 + 30 * second) * PERIOD
        estimator.add(now, now)
        estimator.add(now + 15 * PERIOD, now + 15 * PERIOD)
        estimator.add_lost(28, now + 29 * PERIOD)
    now = 330 * PERIOD
    assert estimator.loss_ratio(now) < 0.2
    assert estimator.loss_ratio(now, last_sec=3.0) > 0.3


def test_clear_forgets_dds_counts_too():
    estimator = LossEstimator()
    estimator.add_lost(50, 0)
    estimator.reset()
    assert estimator.loss_ratio(MS) == 1.0
    estimator.clear()
    assert estimator.loss_ratio(MS) is None


def test_stamps_count_only_where_told():
    # A reliable subscription: DDS delivers or reports; stamp gaps are jitter or lag.
    estimator = LossEstimator()
    estimator.clear(stamps=False)
    feed(estimator, [i * PERIOD for i in range(0, 600, 2)])
    assert estimator.loss_ratio() is None
    estimator.add_lost(10, 600 * PERIOD)
    # DDS reports still count: 10 lost beside the 151 frames of the last 10 s.
    assert estimator.loss_ratio(600 * PERIOD) == pytest.approx(10 / (10 + 151), abs=0.01)
    estimator.clear(stamps=True)
    # Every other frame lost (a few pairs show the interval): the same stamps count now.
    feed(estimator, [i * PERIOD for i in range(600) if i % 2 == 0 or i % 20 == 1])
    assert estimator.loss_ratio() > 0.4


def test_each_loss_episode_is_warned_once_at_most_once_a_minute():
    sec = 1000 * MS
    episodes = LossEpisodes(threshold=0.2, min_interval_sec=60.0, quiet_sec=10.0)
    changes = [episodes.update(ratio, t * sec) for t, ratio in
               [(0, None), (1, 0.9), (2, 0.9), (3, 0.5), (4, 0.1), (5, 0.0)]]
    assert changes == [LossChange.NONE, LossChange.WARN, LossChange.NONE, LossChange.NONE,
                       LossChange.OVER, LossChange.NONE]
    # A second episode within the minute is held back, then said if it still goes on.
    assert episodes.update(0.5, 20 * sec) is LossChange.NONE and episodes.ongoing
    assert episodes.update(0.5, 60 * sec) is LossChange.NONE
    assert episodes.update(0.5, 61 * sec) is LossChange.WARN
    assert episodes.update(0.0, 62 * sec) is LossChange.OVER
    # After a quiet minute a new episode is warned at once.
    assert episodes.update(0.0, 100 * sec) is LossChange.NONE
    assert episodes.update(0.9, 130 * sec) is LossChange.WARN
    # Nothing heard for longer than quiet_sec (the camera stopped): the next loss is new.
    assert episodes.update(0.9, 195 * sec) is LossChange.WARN
    # A new subscription ends the episode; the rate limit stays.
    episodes.end()
    assert not episodes.ongoing and episodes.update(0.9, 196 * sec) is LossChange.NONE


def test_dds_reported_losses_count_when_hardly_a_frame_arrives():
    estimator = LossEstimator(window_sec=10.0)
    estimator.add(0, 0)
    estimator.add(500 * MS, 500 * MS)
    estimator.add_lost(196, 600 * MS)
    assert estimator.loss_ratio(700 * MS) == pytest.approx(196 / 198)
    # Outside the window, old reports no longer count.
    assert estimator.loss_ratio(20_000 * MS) is None


def test_input_qos_follows_the_publishers():
    reliable, best = ReliabilityPolicy.RELIABLE, ReliabilityPolicy.BEST_EFFORT
    assert choose_reliability('auto', [])[0] == best
    assert choose_reliability('auto', [reliable]) == (reliable, '1 reliable publisher(s)')
    assert choose_reliability('auto', [reliable, best]) == (
        best, '1 of 2 publisher(s) best effort')
    assert choose_reliability('sensor_data', [reliable])[0] == best
    assert choose_reliability('reliable', [best])[0] == reliable
    profile = input_profile(reliable)
    assert (profile.depth, profile.history, profile.durability) == (
        2, HistoryPolicy.KEEP_LAST, DurabilityPolicy.VOLATILE)
    assert QoSPolicyKind.RELIABILITY not in overriding_options(False).policy_kinds
    assert QoSPolicyKind.RELIABILITY in overriding_options(True).policy_kinds


def test_lost_frames_are_reported_even_when_none_arrived_in_the_interval():
    monitor = HealthMonitor(5.0, 'model')
    monitor.report(PipelineStats(received=10), 0.0)
    # A second with no frame, but DDS reported the camera's frames lost: loss, not silence.
    lossy = monitor.report(PipelineStats(received=10), 1.0, input_loss=0.97)
    assert lossy.level == WARN and 'never arrive' in lossy.message
    assert lossy.values['input_loss_ratio'] == '0.97'
    silent = monitor.report(PipelineStats(received=10), 2.0, input_loss=None)
    assert silent.level == WARN and silent.message == 'no input images'
    fine = monitor.report(PipelineStats(received=40), 3.0, input_loss=0.0)
    assert fine.level == OK
