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
Time in the pipeline: duplicate, zero, out-of-order and backward stamps, gaps and looped bags.

The documented rule (core.throttle): an equal stamp is a duplicate and is dropped; a stamp
less than half a target interval earlier is late and is dropped; a stamp earlier by more
resets the stream state and the frame is processed as the first of a new stream; a
gap longer than reset_gap_sec resets too. So after any reset the results must be exactly
those of a fresh pipeline fed the same frames from that point on, and a bag played in a loop
must give identical results on every loop. Real model, real clip.
"""

from helpers.clips import clip_frames
from helpers.constants import CAMERA, NS_PER_SEC as NS
from movinet_ros.core.frames import FrameSizeError
from movinet_ros.core.throttle import BACKWARD_JITTER_SHARE, ResetReason
from movinet_ros.offline.bags.bag_io import read_image_messages, write_video_bag
import numpy as np
import pytest

pytestmark = pytest.mark.model
START_NS = 1_700_000_000 * NS
PERIOD_NS = 33_333_333  # 30 fps stamps
SLOT_NS = 200_000_000  # one 5 fps target interval
TOPIC = CAMERA


@pytest.fixture
def frames(clip_path):
    """Read the clip's 131 frames as RGB arrays."""
    return clip_frames(clip_path)


def steady(count, start_ns=START_NS):
    return [start_ns + i * PERIOD_NS for i in range(count)]


def run(pipeline, pairs):
    """Feed (frame, stamp) pairs; return one result (or None if throttled) per pair."""
    return [pipeline.process(frame, stamp) for frame, stamp in pairs]


def summary(result):
    """Everything a result says about the recognition, for exact comparison."""
    return (result.stamp_ns, result.frames_in_state,
            tuple((h.class_id, h.label, h.score) for h in result.hypotheses),
            result.probabilities.tobytes())


def processed(results):
    return [summary(r) for r in results if r is not None]


def assert_restarts_like_a_fresh_stream(new_pipeline, pairs, reset_at, reason):
    """Check the stream resets at pair ``reset_at`` and from there equals a fresh one."""
    pipeline = new_pipeline()
    results = run(pipeline, pairs)
    first = results[reset_at]
    assert first is not None and first.reset_reason is reason
    assert first.frames_in_state == 1
    assert all(r.reset_reason is None for r in results[:reset_at] if r is not None)
    fresh = run(new_pipeline(), pairs[reset_at:])
    assert processed(results[reset_at:]) == processed(fresh)
    assert len(processed(fresh)) >= 5
    return pipeline, results


def test_duplicate_stamps_are_dropped_and_change_nothing(frames, new_pipeline):
    stamps = steady(len(frames))
    once = run(new_pipeline(), list(zip(frames, stamps)))
    # Every frame followed by another frame with the same stamp (other pixels, so a
    # duplicate that was looked at would change the results).
    doubled = [pair for i, stamp in enumerate(stamps)
               for pair in ((frames[i], stamp), (frames[-1 - i], stamp))]
    pipeline = new_pipeline()
    twice = run(pipeline, doubled)
    assert processed(twice) == processed(once)
    assert all(r is None for r in twice[1::2])
    assert pipeline.stats.duplicates == len(frames)
    assert pipeline.stats.resets == 0
    assert pipeline.stats.received == 2 * len(frames)


@pytest.mark.parametrize('case', ['clock back one hour', 'back one 5 fps interval',
                                  'back to zero'])
def test_earlier_stamp_resets_and_restarts_the_stream(frames, new_pipeline, case):
    stamps = steady(len(frames))
    pairs = list(zip(frames, stamps))
    cut = 61
    back = {'clock back one hour': 3600 * NS, 'back one 5 fps interval': SLOT_NS + PERIOD_NS,
            'back to zero': stamps[cut]}[case]
    first = stamps[cut] - back
    pairs[cut:] = [(frame, first + i * PERIOD_NS) for i, (frame, _) in
                   enumerate(pairs[cut:])]
    pipeline, _ = assert_restarts_like_a_fresh_stream(
        new_pipeline, pairs, cut, ResetReason.STAMP_BACKWARDS)
    assert pipeline.stats.resets == 1


@pytest.mark.parametrize('case', ['one frame out of order', 'back one nanosecond',
                                  'back just under half an interval'])
def test_slightly_earlier_stamp_is_late_not_a_reset(frames, new_pipeline, case):
    # Jitter or a frame out of order: less than BACKWARD_JITTER_SHARE of the 200 ms target
    # interval back is dropped as late, and the stream goes on as if it had never come.
    stamps = steady(len(frames))
    pairs = list(zip(frames, stamps))
    late_at = 61
    if case == 'one frame out of order':
        pairs[60], pairs[61] = pairs[61], pairs[60]
    else:
        back = {'back one nanosecond': 1,
                'back just under half an interval': int(BACKWARD_JITTER_SHARE * SLOT_NS) - 1}
        pairs.insert(late_at, (frames[0], stamps[60] - back[case]))
    pipeline = new_pipeline()
    results = run(pipeline, pairs)
    assert results[late_at] is None
    assert pipeline.stats.late == 1 and pipeline.stats.resets == 0
    without = [pair for i, pair in enumerate(pairs) if i != late_at]
    assert processed(results) == processed(run(new_pipeline(), without))


def test_gap_longer_than_reset_gap_restarts_the_stream(frames, new_pipeline):
    stamps = steady(len(frames))
    cut = 64
    pairs = [(frame, stamp + (2_500_000_000 if i >= cut else 0))
             for i, (frame, stamp) in enumerate(zip(frames, stamps))]
    pipeline, _ = assert_restarts_like_a_fresh_stream(new_pipeline, pairs, cut, ResetReason.GAP)
    assert pipeline.stats.resets == 1


def test_malformed_frame_after_a_gap_resets_nothing(frames, new_pipeline):
    pipeline = new_pipeline()
    stamps = steady(12)
    assert [r.frames_in_state for r in run(pipeline, zip(frames, stamps)) if r] == [1, 2]
    late = stamps[-1] + 2_500_000_000
    with pytest.raises(FrameSizeError):
        pipeline.process(np.zeros((4, 4), np.uint8), late)
    assert (pipeline.stats.resets, pipeline.stats.rejected) == (0, 1)
    assert pipeline.model.frames_in_state == 2, 'a rejected frame must leave the state alone'
    # The next good frame is just as far after the stream: it resets and says why.
    result = pipeline.process(frames[12], late + PERIOD_NS)
    assert result.reset_reason is ResetReason.GAP and result.frames_in_state == 1
    assert pipeline.stats.resets == 1


def test_gap_within_reset_gap_keeps_the_stream(frames, new_pipeline):
    stamps = steady(len(frames))
    pairs = [(frame, stamp + (1_500_000_000 if i >= 64 else 0))
             for i, (frame, stamp) in enumerate(zip(frames, stamps))]
    pipeline = new_pipeline()
    results = [r for r in run(pipeline, pairs) if r is not None]
    assert [r.frames_in_state for r in results] == list(range(1, len(results) + 1))
    assert all(r.reset_reason is None for r in results)
    assert pipeline.stats.resets == 0


def test_all_zero_stamps_are_duplicates_of_the_first(frames, new_pipeline):
    # A stream without stamps has no rate: by the rule only its first frame is new. The
    # node never sees this, it stamps such frames with their time of receipt.
    pipeline = new_pipeline()
    results = run(pipeline, [(frame, 0) for frame in frames[:30]])
    assert results[0] is not None and results[0].reset_reason is None
    assert results[1:] == [None] * 29
    assert pipeline.stats.duplicates == 29


def test_one_zero_stamp_inside_a_stream_resets_twice(frames, new_pipeline):
    stamps = steady(len(frames))
    stamps[50] = 0
    pipeline = new_pipeline()
    results = run(pipeline, list(zip(frames, stamps)))
    zero, after = results[50], results[51]
    assert zero is not None and zero.reset_reason is ResetReason.STAMP_BACKWARDS
    assert zero.frames_in_state == 1
    # Back from 0 to the real clock is a forward jump far beyond reset_gap_sec.
    assert after is not None and after.reset_reason is ResetReason.GAP
    assert pipeline.stats.resets == 2
    fresh = run(new_pipeline(), list(zip(frames, stamps))[51:])
    assert processed(results[51:]) == processed(fresh)


@pytest.mark.parametrize('compressed', [False, True], ids=['raw', 'jpeg'])
def test_looped_bag_gives_identical_results_on_every_loop(
        clip_path, new_pipeline, tmp_path, compressed):
    bag = tmp_path / 'clip_bag'
    count = write_video_bag(clip_path, bag, TOPIC, compressed=compressed, start_ns=START_NS)
    pipeline = new_pipeline()
    loops = []
    for _ in range(3):  # ros2 bag play --loop: the header stamps start over on each loop
        messages = list(read_image_messages(bag, TOPIC))
        assert len(messages) == count
        loops.append([pipeline.process(m.msg, m.stamp_ns) for m in messages])
    first, *again = loops
    assert first[0].reset_reason is None
    for results in again:
        assert results[0].reset_reason is ResetReason.STAMP_BACKWARDS
        assert processed(results) == processed(first)
    assert pipeline.stats.resets == 2
    assert pipeline.stats.rejected == 0
    last = [r for r in first if r is not None][-1]
    assert last.hypotheses[0].label == 'carving ice'
