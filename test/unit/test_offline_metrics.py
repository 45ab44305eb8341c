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


"""Tests of offline.scoring.frame_metrics on synthetic prediction sequences with known answers."""

import json

from helpers.constants import NS_PER_SEC as SEC
from hypothesis import given, settings, strategies as st
from movinet_ros.offline.scoring.annotations import Segment
from movinet_ros.offline.scoring.frame_metrics import (
    clip_prediction, confusion_counts, evaluate, frame_accuracy, FramePrediction,
    frames_in_segment, latency_stats, NO_PREDICTION, time_to_correct_sec)
import pytest

T0 = 1_700_000_000 * SEC
OTHERS = ('b', 'c', 'd', 'e', 'f', 'g')


def frame(t_sec, *labels):
    """Frame at T0 + t_sec whose ranking starts with ``labels``, scores falling."""
    scores = [0.5 / (i + 1) for i in range(len(labels))]
    return FramePrediction(T0 + round(t_sec * SEC), tuple(labels), tuple(scores))


def seg(label, start_sec, end_sec):
    return Segment(label, T0 + round(start_sec * SEC), T0 + round(end_sec * SEC))


# Segment A [0, 1): right at 0.2, wrong at 0.4, right from 0.6 on -> time to correct 0.6 s.
# Segment B [1, 2): right at 1.2, wrong at its last frame 1.8 (label 5th) -> never correct.
# Segment C [2, 3): no processed frame at all.
# Frame at 3.5 lies outside every segment.
PREDICTIONS = [
    frame(0.0, 'x', 'a'),
    frame(0.2, 'a', 'x'),
    frame(0.4, 'x', 'a'),
    frame(0.6, 'a', 'x'),
    frame(0.8, 'a', 'b'),
    frame(1.2, 'b', 'a'),
    frame(1.8, 'x', 'c', 'd', 'e', 'b', 'f'),
    frame(3.5, 'c'),
]
SEGMENTS = [seg('a', 0, 1), seg('b', 1, 2), seg('c', 2, 3)]


def test_frames_in_segment_is_half_open_and_ordered():
    shuffled = PREDICTIONS[::-1]
    assert [p.stamp_ns for p in frames_in_segment(shuffled, SEGMENTS[0])] == [
        T0, T0 + SEC // 5, T0 + 2 * SEC // 5, T0 + 3 * SEC // 5, T0 + 4 * SEC // 5]
    at_end = FramePrediction(T0 + SEC, ('a',), (1.0,))
    assert at_end not in frames_in_segment([at_end], SEGMENTS[0])
    assert at_end in frames_in_segment([at_end], SEGMENTS[1])


def test_clip_prediction_is_last_frame_of_segment():
    assert clip_prediction(PREDICTIONS, SEGMENTS[0]) == PREDICTIONS[4]
    assert clip_prediction(PREDICTIONS, SEGMENTS[1]) == PREDICTIONS[6]
    assert clip_prediction(PREDICTIONS, SEGMENTS[2]) is None


def test_time_to_correct_counts_only_the_final_right_run():
    assert time_to_correct_sec(PREDICTIONS, SEGMENTS[0]) == pytest.approx(0.6)
    assert time_to_correct_sec(PREDICTIONS, SEGMENTS[1]) is None
    assert time_to_correct_sec(PREDICTIONS, SEGMENTS[2]) is None
    always = [frame(0.1, 'a'), frame(0.5, 'a')]
    assert time_to_correct_sec(always, seg('a', 0, 1)) == pytest.approx(0.1)


def test_frame_accuracy_top1_and_top5():
    # Frames in segments: A has 5 (right at 0.2, 0.6, 0.8), B has 2 (right at 1.2).
    assert frame_accuracy(PREDICTIONS, SEGMENTS, k=1) == pytest.approx(4 / 7)
    # Top-5: every frame of A holds 'a' in its first two; B's 1.8 holds 'b' fifth.
    assert frame_accuracy(PREDICTIONS, SEGMENTS, k=5) == pytest.approx(7 / 7)
    assert frame_accuracy(PREDICTIONS, SEGMENTS, k=4) == pytest.approx(6 / 7)
    assert frame_accuracy(PREDICTIONS, [SEGMENTS[2]]) is None
    assert frame_accuracy([], SEGMENTS) is None


def test_confusion_counts_frames_inside_segments_only():
    empty = FramePrediction(T0 + 2 * SEC, (), ())
    assert confusion_counts(PREDICTIONS + [empty], SEGMENTS) == {
        'a': {'a': 3, 'x': 2},
        'b': {'b': 1, 'x': 1},
        'c': {NO_PREDICTION: 1},
    }


def test_evaluate_full_report():
    report = evaluate(PREDICTIONS, SEGMENTS, origin_ns=T0)
    # Clips: A right, B wrong at top-1 but right at top-5, C has no frame -> wrong.
    assert report.clip_top1_accuracy == pytest.approx(1 / 3)
    assert report.clip_top5_accuracy == pytest.approx(2 / 3)
    assert report.frame_top1_accuracy == pytest.approx(4 / 7)
    assert report.frame_top5_accuracy == pytest.approx(1.0)
    assert (report.frames_total, report.frames_annotated, report.origin_ns) == (8, 7, T0)
    a, b, c = report.segments
    assert (a.label, a.start, a.end, a.predicted, a.correct, a.correct_top5, a.frames) == (
        'a', 0.0, 1.0, 'a', True, True, 5)
    assert a.time_to_correct_sec == pytest.approx(0.6)
    assert (b.predicted, b.correct, b.correct_top5, b.time_to_correct_sec, b.frames) == (
        'x', False, True, None, 2)
    assert (c.predicted, c.correct, c.correct_top5, c.time_to_correct_sec, c.frames) == (
        None, False, False, None, 0)
    assert report.confusion == {'a': {'a': 3, 'x': 2}, 'b': {'b': 1, 'x': 1}}
    assert json.loads(json.dumps(report.to_dict()))['segments'][1]['predicted'] == 'x'


def test_evaluate_origin_defaults_to_first_frame():
    report = evaluate(PREDICTIONS[1:], SEGMENTS)
    assert report.origin_ns == T0 + SEC // 5
    assert report.segments[0].start == pytest.approx(-0.2)
    assert evaluate([], SEGMENTS).origin_ns == SEGMENTS[0].start_ns
    assert evaluate([], []).origin_ns == 0


def test_evaluate_without_annotations_or_predictions():
    report = evaluate(PREDICTIONS, [])
    assert report.segments == [] and report.confusion == {}
    assert report.clip_top1_accuracy is None and report.clip_top5_accuracy is None
    assert report.frame_top1_accuracy is None and report.frame_top5_accuracy is None
    assert (report.frames_total, report.frames_annotated) == (8, 0)

    nothing = evaluate([], SEGMENTS)
    assert nothing.clip_top1_accuracy == 0.0 and nothing.clip_top5_accuracy == 0.0
    assert nothing.frame_top1_accuracy is None
    assert [r.frames for r in nothing.segments] == [0, 0, 0]


def test_empty_top_k_is_a_wrong_prediction():
    report = evaluate([FramePrediction(T0, (), ())], [seg('a', 0, 1)])
    (result,) = report.segments
    assert result.predicted is None and not result.correct and not result.correct_top5
    assert report.frame_top1_accuracy == 0.0


def test_top5_uses_only_first_five_labels():
    sixth = FramePrediction(T0, ('x',) + OTHERS[:4] + ('a',), (0.5, 0.1, 0.1, 0.1, 0.1, 0.1))
    assert not evaluate([sixth], [seg('a', 0, 1)]).segments[0].correct_top5


def test_frame_prediction_validates_and_normalises():
    with pytest.raises(ValueError, match='2 labels but 1 scores'):
        FramePrediction(0, ('a', 'b'), (1.0,))
    p = FramePrediction(0, ['a', 'b'], [1, 0])
    assert p.top_labels == ('a', 'b') and p.top_scores == (1.0, 0.0) and p.top1 == 'a'
    assert hash(p) == hash(FramePrediction(0, ('a', 'b'), (1.0, 0.0)))


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 99), st.sampled_from('ab')), max_size=40))
def test_time_to_correct_matches_brute_force(points):
    segment = Segment('a', 0, 100)
    predictions = [FramePrediction(t, (label,), (1.0,)) for t, label in points]
    ordered = sorted(predictions, key=lambda p: p.stamp_ns)
    expected = None
    for i in range(len(ordered)):
        if all(p.top1 == 'a' for p in ordered[i:]):
            expected = ordered[i].stamp_ns / SEC
            break
    assert time_to_correct_sec(predictions, segment) == expected


def test_latency_stats():
    stats = latency_stats([10.0, 20.0, 30.0, 40.0, 100.0])
    assert stats['count'] == 5
    assert stats['mean'] == pytest.approx(40.0)
    assert stats['p50'] == pytest.approx(30.0)
    assert stats['p95'] == pytest.approx(88.0)
    assert stats['max'] == 100.0
    assert latency_stats(iter([])) == {'count': 0, 'mean': None, 'p50': None, 'p95': None,
                                       'max': None}


def test_event_scores_match_same_label_spans_at_iou_half_once_each():
    from movinet_ros.offline.scoring.frame_metrics import event_scores, PredictedSpan, temporal_iou
    segments = [Segment('carving ice', 10, 20), Segment('situp', 20, 30),
                Segment('carving ice', 40, 50)]
    events = [
        PredictedSpan('carving ice', 10, 25),  # IoU 10/15: a match
        PredictedSpan('carving ice', 12, 20),  # IoU 0.8 with the first: the better match
        PredictedSpan('situp', 20, 40),        # IoU exactly 0.5: a match
        PredictedSpan('carving ice', 44, 60),  # IoU 6/20: no match
        PredictedSpan('dancing', 40, 50),      # no segment of its label
    ]
    assert temporal_iou(20, 40, 20, 30) == 0.5 and temporal_iou(0, 1, 1, 2) == 0.0
    scores = event_scores(events, segments)
    assert scores['matched'] == 2
    assert scores['precision'] == pytest.approx(2 / 5)
    assert scores['recall'] == pytest.approx(2 / 3)
    assert scores['f1'] == pytest.approx(2 * 0.4 * (2 / 3) / (0.4 + 2 / 3))
    assert event_scores([], segments)['precision'] is None
    assert event_scores([], segments)['recall'] == 0.0
    assert event_scores(events, [])['f1'] is None
