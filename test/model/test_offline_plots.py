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


"""Tests of movinet_ros.offline.plots: timeline images and annotated animations."""

import cv2
from helpers.clips import stamped_clip_frames
from helpers.constants import NS_PER_SEC as SEC
from movinet_ros.offline.plots import (
    event_lanes, MIN_FRAME_HEIGHT, PANEL_WIDTH, plot_timeline, PlotError, render_frame,
    TIMELINE_DPI, TIMELINE_SIZE_IN, write_animation)
from movinet_ros.offline.scoring.annotations import Segment
from movinet_ros.offline.scoring.frame_metrics import FramePrediction
import numpy as np
from PIL import Image
import pytest

T0 = 1_700_000_000 * SEC
PNG_MAGIC = b'\x89PNG\r\n\x1a\n'
LABELS = ('carving ice', 'ice skating', 'skiing', 'snowboarding', 'curling', 'sledding',
          'a very long label that cannot possibly fit into the panel beside the frame')


def _predictions(count, k=5):
    rng = np.random.default_rng(7)
    predictions = []
    for i in range(count):
        scores = rng.random(len(LABELS))
        scores /= scores.sum()
        order = np.argsort(-scores)[:k]
        predictions.append(FramePrediction(T0 + i * SEC // 10, tuple(LABELS[j] for j in order),
                                           tuple(float(scores[j]) for j in order)))
    return predictions


def _frames(count, height=96, width=128):
    # Distinct frames: Pillow merges identical consecutive GIF frames.
    return [np.full((height, width, 3), (i * 37) % 256, np.uint8) for i in range(count)]


def test_timeline_png(tmp_path):
    out = plot_timeline(_predictions(40), [Segment('skiing', T0, T0 + 2 * SEC),
                                           Segment('not plotted', T0 + 2 * SEC, T0 + 3 * SEC)],
                        tmp_path / 'timeline.png', title='test run', top_n=3)
    assert out == tmp_path / 'timeline.png'
    data = out.read_bytes()
    assert data.startswith(PNG_MAGIC)
    with Image.open(out) as image:
        width, height = image.size
    nominal_w, nominal_h = (TIMELINE_DPI * s for s in TIMELINE_SIZE_IN)
    assert 0.6 * nominal_w <= width <= 1.5 * nominal_w
    assert 0.6 * nominal_h <= height <= 1.3 * nominal_h


def test_timeline_without_frames_or_segments_still_draws(tmp_path):
    assert plot_timeline([], [], tmp_path / 'empty.png').read_bytes().startswith(PNG_MAGIC)
    out = plot_timeline([], [Segment('a', 0, SEC)], tmp_path / 'seg.svg')
    assert b'<svg' in out.read_bytes()[:500]


def test_timeline_shows_the_classes_with_the_highest_peaks(tmp_path):
    # Draw two runs differing only in which class peaks; the pictures must differ.
    base = [FramePrediction(T0 + i * SEC, ('a', 'b'), (0.6, 0.3)) for i in range(5)]
    peak_c = base + [FramePrediction(T0 + 6 * SEC, ('c', 'a'), (0.9, 0.05))]
    first = plot_timeline(base, [], tmp_path / 'a.png', top_n=1).read_bytes()
    second = plot_timeline(peak_c, [], tmp_path / 'b.png', top_n=1).read_bytes()
    assert first != second


def test_overlapping_events_and_labels_get_lanes_of_their_own():
    # The README picture's events: one inside another, then one starting under a label.
    spans = [(0.4, 3.6), (6.0, 8.8), (7.2, 8.0), (9.6, 10.8), (10.8, 20.0), (20.0, 25.4)]
    assert event_lanes(spans, min_length=[0.0] * 6) == [0, 0, 1, 0, 0, 0]
    assert event_lanes(spans, min_length=[4.0] * 6) == [0, 0, 1, 2, 0, 0]
    assert event_lanes([], min_length=[]) == []
    with pytest.raises(ValueError):
        event_lanes(spans, min_length=[1.0])


def test_render_frame_layout():
    frame = np.zeros((120, 160, 3), np.uint8)
    prediction = FramePrediction(0, ('carving ice', 'skiing'), (0.75, 0.25))
    canvas = render_frame(frame, prediction)
    scale = MIN_FRAME_HEIGHT / 120
    assert canvas.shape == (MIN_FRAME_HEIGHT, round(160 * scale) + PANEL_WIDTH, 3)
    panel = canvas[:, round(160 * scale):]
    top1_bar = np.all(panel == (31, 119, 180), axis=2)
    assert top1_bar.any()
    # The top-1 bar is three times as long as the second one, within a pixel or two.
    columns = np.nonzero(top1_bar.any(axis=0))[0]
    other = np.nonzero(np.all(panel == (170, 170, 170), axis=2).any(axis=0))[0]
    assert abs((columns.max() - columns.min() + 1) - 3 * (other.max() - other.min() + 1)) <= 3
    tall = render_frame(np.zeros((400, 300, 3), np.uint8), None)
    assert tall.shape == (400, 300 + PANEL_WIDTH, 3)
    assert not np.all(tall[:, 300:] == 255)


def test_gif_has_one_frame_per_input_frame(tmp_path):
    frames = _frames(12)
    predictions = _predictions(12, k=7)
    count = write_animation(frames, predictions, tmp_path / 'anim.gif', fps=10)
    assert count == 12
    with Image.open(tmp_path / 'anim.gif') as image:
        assert image.format == 'GIF'
        assert image.n_frames == 12
        assert image.size == (round(128 * MIN_FRAME_HEIGHT / 96) + PANEL_WIDTH,
                              MIN_FRAME_HEIGHT)
        assert image.info['duration'] == 100


def test_stamped_frames_show_the_live_prediction(tmp_path):
    frames = _frames(6)
    predictions = _predictions(3)
    stamped = [(T0 + i * SEC // 20 - SEC // 40, f) for i, f in enumerate(frames)]
    # Frame 0 precedes every prediction; later frames hold the latest one before them.
    expected = [None, 0, 0, 1, 1, 2]
    out = tmp_path / 'live.gif'
    assert write_animation(stamped, predictions, out, fps=20) == 6
    candidates = [None] + list(range(len(predictions)))
    with Image.open(out) as image:
        for index, frame in enumerate(frames):
            image.seek(index)
            got = np.asarray(image.convert('RGB'), np.int16)
            errors = {c: np.abs(got - render_frame(
                frame, None if c is None else predictions[c])).mean() for c in candidates}
            assert min(errors, key=errors.get) == expected[index], (index, errors)
            assert errors[expected[index]] < 1.0


def test_mp4_from_real_clip(tmp_path, clip_path):
    from movinet_ros.offline.video import video_info
    frames = stamped_clip_frames(clip_path, limit=30)
    predictions = [FramePrediction(stamp, ('carving ice',), (0.9,)) for stamp, _ in frames[::3]]
    out = tmp_path / 'anim.mp4'
    assert write_animation(iter(frames), predictions, out, fps=video_info(clip_path).fps) == 30
    capture = cv2.VideoCapture(str(out))
    try:
        assert capture.get(cv2.CAP_PROP_FRAME_COUNT) == 30
        ok, first = capture.read()
        assert ok and first.shape == (MIN_FRAME_HEIGHT,
                                      round(172 * MIN_FRAME_HEIGHT / 172) + PANEL_WIDTH, 3)
    finally:
        capture.release()


def test_animation_errors(tmp_path):
    with pytest.raises(PlotError, match='.avi'):
        write_animation(_frames(1), [], tmp_path / 'anim.avi', fps=10)
    with pytest.raises(PlotError, match='no frame'):
        write_animation([], [], tmp_path / 'anim.gif', fps=10)
    with pytest.raises(PlotError, match='no frame'):
        write_animation([], [], tmp_path / 'anim.mp4', fps=10)
    with pytest.raises(PlotError, match='frame rate'):
        write_animation(_frames(1), [], tmp_path / 'anim.gif', fps=0)
