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
Draw what the model saw: probability timelines and annotated animations.

``plot_timeline`` draws, over time, the probability of the ``top_n`` classes that reached
the highest probability anywhere in the run, with the annotated segments as shaded spans.
It plots what each frame's ranking holds: a class outside a frame's ranked top-k has no
known probability there and is drawn as a gap (not as 0), with dots so that isolated
points stay visible. Pass full rankings (all classes) to get unbroken curves.

``write_animation`` writes each frame with the live top-k as labelled bars beside it, as
a GIF (Pillow) or MP4 (OpenCV, 'mp4v'), chosen by the file extension.

matplotlib is used through its object API with the Agg canvas: no pyplot, no display and
no change to the process-wide backend.
"""

from bisect import bisect_right
from collections.abc import Iterable, Sequence
import math
import os
from pathlib import Path

import cv2
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from movinet_ros.core.stamps import NS_PER_SEC
from movinet_ros.offline.errors import PlotError
from movinet_ros.offline.scoring.annotations import Segment
from movinet_ros.offline.scoring.frame_metrics import FramePrediction, PredictedSpan
import numpy as np
from PIL import Image

TIMELINE_SIZE_IN = (10.0, 4.5)
TIMELINE_DPI = 110
ANIMATION_FORMATS = ('.gif', '.mp4')
# Frames are scaled up to at least this height so that the bar labels stay legible.
MIN_FRAME_HEIGHT = 240
PANEL_WIDTH = 300
_WHITE = (255, 255, 255)
_TEXT = (20, 20, 20)
_TOP1_BAR = (31, 119, 180)
_OTHER_BAR = (170, 170, 170)
_FONT = cv2.FONT_HERSHEY_SIMPLEX
# Event bars: the first lane's height, the step between lanes (probability units) and the
# width of one character of a 7 pt label as a share of the time axis (10 in figure).
_EVENT_Y = 1.05
_LANE_STEP = 0.08
_LABEL_CHAR_SHARE = 0.0075


def _origin(predictions: Sequence[FramePrediction], segments: Sequence[Segment],
            origin_ns: int | None) -> int:
    if origin_ns is not None:
        return origin_ns
    if predictions:
        return min(p.stamp_ns for p in predictions)
    return min((s.start_ns for s in segments), default=0)


def _series(ordered: Sequence[FramePrediction], top_n: int) -> dict[str, np.ndarray]:
    peak: dict[str, float] = {}
    for prediction in ordered:
        for label, score in zip(prediction.top_labels, prediction.top_scores):
            peak[label] = max(score, peak.get(label, -math.inf))
    chosen = sorted(peak, key=lambda label: (-peak[label], label))[:top_n]
    series = {label: np.full(len(ordered), np.nan) for label in chosen}
    for i, prediction in enumerate(ordered):
        for label, score in zip(prediction.top_labels, prediction.top_scores):
            if label in series:
                series[label][i] = score
    return series


def event_lanes(spans: Sequence[tuple[float, float]], *, min_length: Sequence[float]) -> list[int]:
    """
    Return a lane (0, 1, ...) per (start, end) span so that no two in a lane overlap.

    A span takes at least its ``min_length`` (its label's width) from its start; each goes in
    the lowest lane that is free by its start, in the order given.
    """
    lane_ends: list[float] = []
    lanes = []
    for (start, end), length in zip(spans, min_length, strict=True):
        lane = next((i for i, lane_end in enumerate(lane_ends) if lane_end <= start),
                    len(lane_ends))
        if lane == len(lane_ends):
            lane_ends.append(0.0)
        lane_ends[lane] = max(end, start + length)
        lanes.append(lane)
    return lanes


def plot_timeline(predictions: Iterable[FramePrediction], segments: Iterable[Segment],
                  out_path: str | os.PathLike[str], *, title: str = '', top_n: int = 5,
                  origin_ns: int | None = None,
                  events: Iterable[PredictedSpan] = ()) -> Path:
    """
    Save a plot of class probability over time with the annotated segments shaded.

    Predicted ``events`` are drawn as bars along the top, in their label's colour; events
    that overlap, or whose labels would, go in lanes above each other.

    Time is in seconds from ``origin_ns`` (default: the first frame). The file format
    follows the extension of ``out_path`` (.png, .svg, .pdf). Returns the path written.
    """
    ordered = sorted(predictions, key=lambda p: p.stamp_ns)
    spans = sorted(segments, key=lambda s: s.start_ns)
    origin = _origin(ordered, spans, origin_ns)
    times = np.array([(p.stamp_ns - origin) / NS_PER_SEC for p in ordered])

    figure = Figure(figsize=TIMELINE_SIZE_IN, dpi=TIMELINE_DPI)
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    colors = {}
    for label, scores in _series(ordered, top_n).items():
        (line,) = axes.plot(times, scores, marker='.', markersize=3, linewidth=1.5,
                            label=label)
        colors[label] = line.get_color()

    for segment in spans:
        start = (segment.start_ns - origin) / NS_PER_SEC
        end = (segment.end_ns - origin) / NS_PER_SEC
        axes.axvspan(start, end, color=colors.get(segment.label, '0.5'), alpha=0.15,
                     linewidth=0)
        axes.text((start + end) / 2, 1.0, segment.label, ha='center', va='top',
                  fontsize=8, clip_on=True, wrap=True,
                  transform=axes.get_xaxis_transform())

    drawn = sorted(events, key=lambda event: event.start_ns)
    bars = [((event.start_ns - origin) / NS_PER_SEC, (event.end_ns - origin) / NS_PER_SEC)
            for event in drawn]
    axis = max([0.0, *times, *(end for _, end in bars)]) - min([0.0, *times])
    label_width = [_LABEL_CHAR_SHARE * len(f'event: {event.label}') * axis for event in drawn]
    lanes = event_lanes(bars, min_length=label_width)
    for event, (start, end), lane in zip(drawn, bars, lanes):
        height = _EVENT_Y + lane * _LANE_STEP
        axes.plot([start, end], [height, height], color=colors.get(event.label, '0.2'),
                  linewidth=5, solid_capstyle='butt')
        axes.text(start, height + 0.015, f'event: {event.label}', ha='left', va='bottom',
                  fontsize=7, clip_on=True)

    if not ordered:
        axes.text(0.5, 0.5, 'no processed frames', ha='center', va='center',
                  transform=axes.transAxes, color='0.4')
    # Room above the top lane for its labels and the segments' names.
    axes.set_ylim(0.0, _EVENT_Y + (max(lanes, default=0) + 1) * _LANE_STEP + 0.05)
    axes.set_yticks(np.linspace(0.0, 1.0, 6))
    axes.set_xlabel('time since first frame (s)' if origin_ns is None else 'time (s)')
    axes.set_ylabel('probability')
    axes.grid(alpha=0.3)
    if title:
        axes.set_title(title)
    if colors:
        axes.legend(loc='upper left', bbox_to_anchor=(1.01, 1.0), fontsize=8,
                    title=f'top {len(colors)} classes', title_fontsize=8)
    figure.tight_layout()
    path = Path(out_path)
    figure.savefig(path, dpi=TIMELINE_DPI, bbox_inches='tight')
    return path


def _fit_text(text: str, scale: float, width: int) -> str:
    if cv2.getTextSize(text, _FONT, scale, 1)[0][0] <= width:
        return text
    while text and cv2.getTextSize(text + '...', _FONT, scale, 1)[0][0] > width:
        text = text[:-1]
    return text + '...'


def render_frame(rgb: np.ndarray, prediction: FramePrediction | None,
                 top_k: int = 5) -> np.ndarray:
    """
    Return the frame (RGB) with a panel of its top-k labels and score bars on the right.

    Frames lower than MIN_FRAME_HEIGHT are scaled up first. Without a prediction (no frame
    processed yet) the panel says so.
    """
    height, width = rgb.shape[:2]
    if height < MIN_FRAME_HEIGHT:
        scale = MIN_FRAME_HEIGHT / height
        rgb = cv2.resize(rgb, (round(width * scale), MIN_FRAME_HEIGHT),
                         interpolation=cv2.INTER_LINEAR)
        height, width = rgb.shape[:2]
    canvas = np.full((height, width + PANEL_WIDTH, 3), _WHITE, np.uint8)
    canvas[:, :width] = rgb[:, :, :3]

    left, inner = width + 10, PANEL_WIDTH - 20
    row_height = height / max(top_k, 1)
    text_scale = max(0.35, min(0.5, row_height / 60))
    if prediction is None or not prediction.top_labels:
        cv2.putText(canvas, 'no prediction yet' if prediction is None else 'no class passed',
                    (left, 25), _FONT, text_scale, _TEXT, 1, cv2.LINE_AA)
        return canvas
    ranked = list(zip(prediction.top_labels, prediction.top_scores))[:top_k]
    for rank, (label, score) in enumerate(ranked):
        top = round(rank * row_height)
        percent = f'{100 * score:.0f}%'
        percent_width = cv2.getTextSize(percent, _FONT, text_scale, 1)[0][0]
        text = _fit_text(label, text_scale, inner - percent_width - 6)
        baseline = top + round(row_height * 0.45)
        cv2.putText(canvas, text, (left, baseline), _FONT, text_scale, _TEXT, 1, cv2.LINE_AA)
        cv2.putText(canvas, percent, (left + inner - percent_width, baseline), _FONT,
                    text_scale, _TEXT, 1, cv2.LINE_AA)
        bar_top = baseline + 5
        bar_bottom = min(top + round(row_height * 0.85), height - 1)
        bar_bottom = max(bar_bottom, bar_top + 2)
        cv2.rectangle(canvas, (left, bar_top), (left + inner, bar_bottom), (235, 235, 235),
                      cv2.FILLED)
        length = round(inner * min(max(score, 0.0), 1.0))
        if length > 0:
            cv2.rectangle(canvas, (left, bar_top), (left + length, bar_bottom),
                          _TOP1_BAR if rank == 0 else _OTHER_BAR, cv2.FILLED)
    return canvas


def _live_predictions(frames: Iterable[np.ndarray | tuple[int, np.ndarray]],
                      predictions: Sequence[FramePrediction]
                      ) -> Iterable[tuple[np.ndarray, FramePrediction | None]]:
    ordered = sorted(predictions, key=lambda p: p.stamp_ns)
    stamps = [p.stamp_ns for p in ordered]
    for index, item in enumerate(frames):
        if isinstance(item, tuple):
            stamp_ns, rgb = item
            at = bisect_right(stamps, stamp_ns) - 1
            yield rgb, ordered[at] if at >= 0 else None
        else:
            yield item, predictions[index] if index < len(predictions) else None


def write_animation(frames_rgb: Iterable[np.ndarray | tuple[int, np.ndarray]],
                    predictions: Sequence[FramePrediction], out_path: str | os.PathLike[str],
                    fps: float, *, top_k: int = 5) -> int:
    """
    Write the frames with their live top-k bars as a .gif or .mp4; return the frame count.

    Items of ``frames_rgb`` are RGB arrays or (stamp_ns, RGB array) pairs. A pair shows the
    latest prediction stamped at or before it (the one live at that moment); a bare array
    shows the prediction of the same index. A GIF is assembled in memory; Pillow may merge
    identical consecutive frames into one longer frame.
    """
    path = Path(out_path)
    suffix = path.suffix.lower()
    if suffix not in ANIMATION_FORMATS:
        raise PlotError(f'cannot write animation {path}: use one of '
                        f'{", ".join(ANIMATION_FORMATS)}')
    if not fps > 0:
        raise PlotError(f'animation frame rate must be positive, not {fps}')
    rendered = (render_frame(rgb, prediction, top_k)
                for rgb, prediction in _live_predictions(frames_rgb, predictions))
    if suffix == '.gif':
        return _write_gif(rendered, path, fps)
    return _write_mp4(rendered, path, fps)


def _write_gif(rendered: Iterable[np.ndarray], path: Path, fps: float) -> int:
    images = [Image.fromarray(canvas) for canvas in rendered]
    if not images:
        raise PlotError(f'no frame to write into {path}')
    size = images[0].size
    images = [image if image.size == size else image.resize(size) for image in images]
    images[0].save(path, save_all=True, append_images=images[1:],
                   duration=max(10, round(1000 / fps)), loop=0)
    return len(images)


def _write_mp4(rendered: Iterable[np.ndarray], path: Path, fps: float) -> int:
    writer = None
    count = 0
    try:
        for canvas in rendered:
            if writer is None:
                size = (canvas.shape[1], canvas.shape[0])
                writer = cv2.VideoWriter(str(path), cv2.VideoWriter.fourcc(*'mp4v'), fps, size)
                if not writer.isOpened():
                    raise PlotError(f'OpenCV cannot write an mp4v video to {path}')
            if (canvas.shape[1], canvas.shape[0]) != size:
                canvas = cv2.resize(canvas, size)
            writer.write(cv2.cvtColor(canvas, cv2.COLOR_RGB2BGR))
            count += 1
    finally:
        if writer is not None:
            writer.release()
    if count == 0:
        raise PlotError(f'no frame to write into {path}')
    return count
