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


"""The event detector on hand-made scores: hysteresis edges, debouncing, resets, settings."""

from movinet_ros.core.errors import MovinetError
from movinet_ros.core.events import (
    EventConfig, EventConfigError, EventDetector, EventKind, REASON_BELOW_EXIT,
    REASON_INPUT_STOPPED, REASON_NOT_ALLOWED, REASON_SHUTDOWN)
from movinet_ros.core.labels import LabelError
import numpy as np
import pytest

LABELS = ('abseiling', 'bowling', 'carving ice', 'dancing', 'eating cake')
CARVING = LABELS.index('carving ice')
PERIOD = 200_000_000
# Thresholds exactly representable in binary, so "at the threshold" is exact.
CONFIG = EventConfig(enter_score=0.5, exit_score=0.25, min_duration_sec=0.4,
                     min_gap_sec=0.4, max_concurrent=3)


def scores(**by_label: float) -> np.ndarray:
    """Return probabilities with the given labels' scores, the rest spread evenly."""
    probabilities = np.zeros(len(LABELS))
    for name, score in by_label.items():
        probabilities[LABELS.index(name.replace('_', ' '))] = score
    rest = [i for i in range(len(LABELS)) if probabilities[i] == 0]
    probabilities[rest] = max(0.0, 1.0 - probabilities.sum()) / max(len(rest), 1)
    return probabilities


def run(detector, carving_scores, start=1):
    """Feed carving-ice scores one frame per PERIOD; return (frame index, event) pairs."""
    out = []
    for index, score in enumerate(carving_scores, start=start):
        for event in detector.update_scores(scores(carving_ice=score), index * PERIOD):
            out.append((index, event))
    return out


def test_start_needs_min_duration_at_or_above_enter_and_end_min_gap_below_exit():
    # Exactly at enter counts as above; exactly at exit keeps the event going.
    detector = EventDetector(LABELS, CONFIG)
    carving = [0.1, 0.5, 0.5, 0.5, 0.25, 0.25, 0.25, 0.2, 0.2, 0.2, 0.1]
    events = run(detector, carving)
    assert [(index, event.kind) for index, event in events] == [
        (4, EventKind.START), (10, EventKind.END)]
    start, end = events[0][1], events[1][1]
    assert start.label == 'carving ice' and start.class_id == CARVING
    assert start.stamp_ns == 4 * PERIOD and start.start_ns == 2 * PERIOD and start.end_ns == 0
    assert start.reason == '' and start.peak_score == 0.5 and start.mean_score == 0.5
    # The END is decided 0.4 s after the first frame below exit, which is its end.
    assert end.stamp_ns == 10 * PERIOD and end.end_ns == 8 * PERIOD
    assert end.start_ns == start.start_ns and end.reason == REASON_BELOW_EXIT
    assert end.peak_score == 0.5
    assert end.mean_score == pytest.approx((0.5 * 3 + 0.25 * 3) / 6)
    assert detector.counts.started == 1 and detector.counts.ended == 1
    assert detector.ongoing_count == 0


def test_just_below_the_thresholds_does_not_start_or_keep_an_event():
    detector = EventDetector(LABELS, CONFIG)
    assert run(detector, [0.5, 0.5, np.nextafter(0.5, 0), 0.5, 0.5]) == []
    detector = EventDetector(LABELS, CONFIG)
    events = run(detector, [0.6, 0.6, 0.6, np.nextafter(0.25, 0), 0.3, 0.1, 0.1, 0.1])
    # The dip below exit lasted one frame: the event goes on until the final run below.
    assert [(i, e.kind) for i, e in events] == [(3, EventKind.START), (8, EventKind.END)]
    assert events[1][1].end_ns == 6 * PERIOD
    # The dip frame is part of the event once the score recovered.
    assert events[1][1].mean_score == pytest.approx(
        (0.6 * 3 + float(np.nextafter(0.25, 0)) + 0.3) / 5)


def test_flicker_shorter_than_min_duration_starts_nothing():
    detector = EventDetector(LABELS, CONFIG)
    # 0.2 s runs above enter, again and again: never 0.4 s in one run.
    assert run(detector, [0.9, 0.9, 0.1] * 10) == []
    assert detector.counts.started == 0


def test_a_dip_shorter_than_min_gap_does_not_end_the_event():
    detector = EventDetector(LABELS, CONFIG)
    events = run(detector, [0.9, 0.9, 0.9, 0.1, 0.1, 0.9, 0.9, 0.1, 0.1, 0.1])
    assert [(i, e.kind) for i, e in events] == [(3, EventKind.START), (10, EventKind.END)]
    assert events[1][1].end_ns == 8 * PERIOD


def test_zero_durations_decide_on_the_first_frame():
    config = EventConfig(enter_score=0.5, exit_score=0.25, min_duration_sec=0.0,
                         min_gap_sec=0.0)
    events = run(EventDetector(LABELS, config), [0.1, 0.7, 0.1])
    assert [(i, e.kind) for i, e in events] == [(2, EventKind.START), (3, EventKind.END)]
    assert events[1][1].start_ns == events[1][1].stamp_ns - PERIOD


def test_a_reset_mid_event_ends_it_with_the_reason_and_forgets_candidates():
    detector = EventDetector(LABELS, CONFIG)
    run(detector, [0.9, 0.9, 0.9])
    assert detector.ongoing_count == 1
    events = detector.update_scores(scores(carving_ice=0.9), 10 * PERIOD,
                                    reset_reason='gap between frames longer than reset_gap_sec')
    assert [e.kind for e in events] == [EventKind.END]
    end = events[0]
    assert end.reason == 'stream reset: gap between frames longer than reset_gap_sec'
    # Last seen at the frame before the reset; decided by the frame after it.
    assert end.end_ns == 3 * PERIOD and end.stamp_ns == 10 * PERIOD
    # Still high after the reset: a new event, counted from the reset frame.
    events = run(detector, [0.9, 0.9], start=11)
    assert [(i, e.kind, e.start_ns) for i, e in events] == [
        (12, EventKind.START, 10 * PERIOD)]
    # A requested reset (the node's ~/reset) ends it too.
    events = detector.reset('requested via ~/reset')
    assert [(e.kind, e.reason, e.end_ns) for e in events] == [
        (EventKind.END, 'stream reset: requested via ~/reset', 12 * PERIOD)]
    assert detector.reset('again') == []


def test_end_all_ends_every_ongoing_event_at_the_last_frame_seen_with_the_reason():
    config = EventConfig(enter_score=0.3, exit_score=0.2, min_duration_sec=0.2,
                         min_gap_sec=0.2)
    detector = EventDetector(LABELS, config)
    both = scores(bowling=0.4, carving_ice=0.5)
    for index in (1, 2, 3):
        detector.update_scores(both, index * PERIOD)
    # Dancing is only a candidate (one frame above enter): forgotten, never ended.
    assert detector.update_scores(scores(bowling=0.4, carving_ice=0.5, dancing=0.31),
                                  4 * PERIOD) == []
    assert detector.ongoing_count == 2
    events = detector.end_all(REASON_INPUT_STOPPED)
    assert [(e.kind, e.label, e.reason, e.start_ns, e.end_ns, e.stamp_ns) for e in events] == [
        (EventKind.END, 'bowling', REASON_INPUT_STOPPED, PERIOD, 4 * PERIOD, 4 * PERIOD),
        (EventKind.END, 'carving ice', REASON_INPUT_STOPPED, PERIOD, 4 * PERIOD, 4 * PERIOD)]
    # The END covers the frames up to the last one seen, that one excluded (as any END).
    assert events[1].mean_score == pytest.approx(0.5) and events[1].peak_score == 0.5
    assert detector.ongoing_count == 0 and detector.counts.ended == 2
    # Nothing left to end; the header stamp may be given (the node's last frame).
    assert detector.end_all(REASON_SHUTDOWN, 9 * PERIOD) == []
    # Frames after it start afresh: a new event min_duration after its first frame.
    events = [e for index in (10, 11) for e in detector.update_scores(both, index * PERIOD)]
    assert [(e.kind, e.start_ns) for e in events] == [
        (EventKind.START, 10 * PERIOD), (EventKind.START, 10 * PERIOD)]
    events = detector.end_all(REASON_SHUTDOWN, 12 * PERIOD)
    assert [(e.reason, e.end_ns, e.stamp_ns) for e in events] == [
        (REASON_SHUTDOWN, 11 * PERIOD, 12 * PERIOD)] * 2


def test_every_start_gets_exactly_one_end_whatever_ends_it():
    # Random scores, with resets and end_all calls among the frames.
    rng = np.random.default_rng(5)
    config = EventConfig(enter_score=0.4, exit_score=0.3, min_duration_sec=0.2,
                         min_gap_sec=0.2)
    detector = EventDetector(LABELS, config)
    events = []
    for index in range(1, 400):
        draw = rng.random()
        if draw < 0.03:
            events += detector.end_all(REASON_INPUT_STOPPED)
        probabilities = rng.dirichlet(np.full(len(LABELS), 0.3))
        events += detector.update_scores(probabilities, index * PERIOD,
                                         reset_reason='gap' if draw > 0.97 else None)
    events += detector.end_all(REASON_SHUTDOWN)
    starts = [(e.class_id, e.start_ns) for e in events if e.kind == EventKind.START]
    ends = [(e.class_id, e.start_ns) for e in events if e.kind == EventKind.END]
    assert len(starts) > 10 and sorted(starts) == sorted(ends)
    assert {e.reason for e in events if e.kind == EventKind.END} == {
        REASON_BELOW_EXIT, REASON_INPUT_STOPPED, REASON_SHUTDOWN, 'stream reset: gap'}
    assert detector.ongoing_count == 0


def test_several_labels_at_once_and_max_concurrent():
    config = EventConfig(enter_score=0.3, exit_score=0.2, min_duration_sec=0.2,
                         min_gap_sec=0.2, max_concurrent=2)
    detector = EventDetector(LABELS, config)
    frame = scores(bowling=0.3, carving_ice=0.35, dancing=0.32)
    events = detector.update_scores(frame, PERIOD) + detector.update_scores(frame, 2 * PERIOD)
    # Three qualify, two slots: the highest scores win.
    assert [(e.kind, e.label) for e in events] == [
        (EventKind.START, 'carving ice'), (EventKind.START, 'dancing')]
    # Bowling waits with its run counting; when carving ends, it starts in the same frame.
    low = scores(bowling=0.3, carving_ice=0.1, dancing=0.32)
    assert detector.update_scores(low, 3 * PERIOD) == []
    events = detector.update_scores(low, 4 * PERIOD)
    assert [(e.kind, e.label) for e in events] == [
        (EventKind.END, 'carving ice'), (EventKind.START, 'bowling')]
    assert events[1].start_ns == PERIOD
    assert {e.label for e in detector.ongoing} == {'bowling', 'dancing'}


def test_parameter_change_mid_event_applies_from_the_next_frame():
    detector = EventDetector(LABELS, CONFIG)
    run(detector, [0.9, 0.9, 0.9])
    # A higher exit: 0.4 is now below it, and ends the event after the new, longer gap.
    assert detector.set_config(EventConfig(enter_score=0.8, exit_score=0.5,
                                           min_duration_sec=0.4, min_gap_sec=0.6)) == []
    events = run(detector, [0.4, 0.4, 0.4, 0.4], start=4)
    assert [(i, e.kind, e.end_ns) for i, e in events] == [(7, EventKind.END, 4 * PERIOD)]
    # A label the new lists exclude ends at once.
    run(detector, [0.9, 0.9, 0.9], start=8)
    assert detector.ongoing_count == 1
    events = detector.set_config(EventConfig(denylist=('carving ice',)))
    assert [(e.kind, e.reason, e.stamp_ns) for e in events] == [
        (EventKind.END, REASON_NOT_ALLOWED, 10 * PERIOD)]
    assert run(detector, [0.9] * 10, start=11) == []


def test_only_allowed_labels_make_events():
    detector = EventDetector(LABELS, EventConfig(min_duration_sec=0.0,
                                                 allowlist=('dancing', 'carving ice'),
                                                 denylist=('carving ice',)))
    assert detector.update_scores(scores(carving_ice=0.9), PERIOD) == []
    events = detector.update_scores(scores(dancing=0.9), 2 * PERIOD)
    assert [e.label for e in events] == ['dancing']


@pytest.mark.parametrize('options, words', [
    ({'enter_score': 0.0}, 'enter_score'),
    ({'enter_score': 1.5}, 'enter_score'),
    ({'exit_score': 0.6, 'enter_score': 0.5}, 'exit_score'),
    ({'min_duration_sec': -1.0}, 'min_duration_sec'),
    ({'min_gap_sec': float('nan')}, 'min_gap_sec'),
    ({'max_concurrent': 0}, 'max_concurrent'),
    ({'max_concurrent': True}, 'max_concurrent'),
    ({'input_timeout_sec': 0.0}, 'input_timeout_sec must be > 0'),
    ({'input_timeout_sec': float('inf')}, 'input_timeout_sec'),
])
def test_bad_settings_say_which(options, words):
    with pytest.raises(EventConfigError, match=words) as caught:
        EventConfig(**options)
    assert isinstance(caught.value, MovinetError)


def test_unknown_labels_and_wrong_score_shapes_are_clear_errors():
    with pytest.raises(LabelError, match='carving ise'):
        EventDetector(LABELS, EventConfig(allowlist=('carving ise',)))
    with pytest.raises(EventConfigError, match='expected 5 probabilities'):
        EventDetector(LABELS).update_scores(np.zeros(4), PERIOD)
    with pytest.raises(TypeError):
        EventConfig(0.5)  # keyword-only
