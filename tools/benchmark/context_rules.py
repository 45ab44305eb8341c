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
Choose the context's combination rule by measurement (``tools/context_rules.py``).

Every rule sees the same copies of the stream state: the copies' states do not depend on
the rule, so each layout of copies (how many, over how many seconds) is run once per
stream with a recording rule, and every rule is applied afterwards to what the copies
said, frame by frame. Three things are measured per rule and layout:

- the real clips of a manifest (top-1, top-5 and the true class's probability after the
  clip's last frame, at 5 fps as ``eval-dataset`` feeds a video);
- a switch after a long history of another action (``switching.switch_stream``): seconds
  until the new action is first top-1, the share of the next 20 s it is top-1, and its mean
  probability there; at several phases of the copies' reset schedule;
- flicker: top-1 changes per minute over a minute of a steady, confidently recognised clip
  looped, counted after the first window.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
import os
import pathlib
import time

from benchmark.switching import carving_frames, CARVING_ICE, PERIOD_NS, \
    switch_stream
import cv2
from movinet_ros.core.context import CombineRule, ContextConfig, most_confident
from movinet_ros.core.model import StreamModel
from movinet_ros.core.pipeline import PipelineConfig, RecognitionPipeline
from movinet_ros.offline.dataset.manifest import load_manifest
from movinet_ros.offline.video import read_video
import numpy as np

# What the ready copies said at one processed frame: their probabilities and frame counts.
Trace = list[tuple[list[np.ndarray], list[int]]]
# 20 s after the switch at 5 fps.
AFTER_SWITCH = 100
STEADY_FRAMES = 300  # a minute at 5 fps


@dataclass(frozen=True)
class Layout:
    """How many staggered copies, over how many seconds."""

    streams: int
    context_sec: float

    @property
    def name(self) -> str:
        """Return e.g. '3 copies over 6 s'."""
        return f'{self.streams} cop{"y" if self.streams == 1 else "ies"} over ' \
            f'{self.context_sec:g} s'


def trace(pipeline: RecognitionPipeline,
          stream: Iterable[tuple[int, np.ndarray]]) -> Trace:
    """Run ``stream`` (stamp, RGB) through ``pipeline``; return the copies' outputs."""
    calls: list[tuple[list[np.ndarray], list[int]]] = []

    def recording(probabilities: Sequence[np.ndarray],
                  frames: Sequence[int]) -> tuple[np.ndarray, int]:
        calls.append((list(probabilities), list(frames)))
        return most_confident(probabilities, frames)

    pipeline.reset()
    pipeline.context.rule = recording
    steps: Trace = []
    for stamp, rgb in stream:
        before = len(calls)
        result = pipeline.process(rgb, stamp)
        if result is None:
            continue
        if len(calls) > before:
            steps.append(calls[-1])
        else:  # younger than the window: the whole stream's copy alone
            steps.append(([result.probabilities], [result.frames_in_state]))
    return steps


def published(steps: Trace, rule: CombineRule) -> list[np.ndarray]:
    """Return what ``rule`` publishes at each step of a trace."""
    return [rule(probabilities, frames)[0] for probabilities, frames in steps]


def video_stream(path: pathlib.Path) -> list[tuple[int, np.ndarray]]:
    """Return a video's RGB frames with their stamps, as ``eval-dataset`` feeds a video."""
    return [(frame.stamp_ns, cv2.cvtColor(frame.bgr, cv2.COLOR_BGR2RGB))
            for frame in read_video(path)]


@dataclass
class RuleFigures:
    """One rule's figures on one layout."""

    clips_top1: int = 0
    clips_top5: int = 0
    clips: int = 0
    true_probability: float = 0.0
    # None: never right within AFTER_SWITCH frames (at that phase, or at one of them).
    first_right_sec: float | None = None
    worst_first_right_sec: float | None = None
    share_right: float = 0.0
    new_probability: float = 0.0
    flicker_per_min: float = 0.0


def _first_right(top1: Sequence[int], label: int) -> float | None:
    return next((index / 5.0 for index, best in enumerate(top1) if best == label), None)


def measure_layout(make_pipeline: Callable[[ContextConfig], RecognitionPipeline],
                   layout: Layout, rules: dict[str, CombineRule], manifest: pathlib.Path,
                   shared_dir: pathlib.Path, *, history: int = 300,
                   phases: int = 3) -> dict[str, RuleFigures]:
    """
    Measure every rule on one layout.

    ``history`` workout frames come before the switch; it must be a multiple of both the
    window in frames and the workout's 50 frames for the copies to be in the state they
    reach after any multiple of it (300: the same as 10 minutes for 4 s and 6 s windows).
    The switch is also measured ``phases`` - 1 more times, a share of the window later.
    """
    pipeline = make_pipeline(ContextConfig(context_sec=layout.context_sec,
                                           streams=layout.streams))
    labels = pipeline.labels
    figures = {name: RuleFigures() for name in rules}
    for entry in load_manifest(manifest):
        truth = labels.index(entry.label or '')
        steps = trace(pipeline, video_stream(entry.recording))
        for name, rule in rules.items():
            last = published(steps, rule)[-1]
            top5 = np.argsort(last)[::-1][:5]
            figure = figures[name]
            figure.clips += 1
            figure.clips_top1 += int(top5[0] == truth)
            figure.clips_top5 += int(truth in top5)
            figure.true_probability += float(last[truth])
    for figure in figures.values():
        figure.true_probability /= max(figure.clips, 1)

    carving = labels.index(CARVING_ICE)
    window = round(layout.context_sec * 5)
    for phase in range(phases):
        start = history + phase * window // phases
        steps = trace(pipeline, switch_stream(shared_dir, start, AFTER_SWITCH))[start:]
        for name, rule in rules.items():
            after = published(steps, rule)
            top1 = [int(p.argmax()) for p in after]
            first = _first_right(top1, carving)
            figure = figures[name]
            if phase == 0:
                figure.first_right_sec = first
                figure.worst_first_right_sec = first
                figure.share_right = sum(best == carving for best in top1) / len(top1)
                figure.new_probability = float(np.mean([p[carving] for p in after]))
            elif figure.worst_first_right_sec is not None:
                figure.worst_first_right_sec = None if first is None else \
                    max(first, figure.worst_first_right_sec)

    steady = carving_frames(shared_dir)
    stream = [((index + 1) * PERIOD_NS, steady[index % len(steady)])
              for index in range(window + STEADY_FRAMES)]
    steps = trace(pipeline, stream)[window:]
    for name, rule in rules.items():
        top1 = [int(p.argmax()) for p in published(steps, rule)]
        changes = sum(a != b for a, b in zip(top1, top1[1:]))
        figures[name].flicker_per_min = changes * 60.0 / (len(top1) / 5.0)
    return figures


def pipeline_maker(model_path: pathlib.Path,
                   labels_path: pathlib.Path) -> Callable[[ContextConfig], RecognitionPipeline]:
    """Return make(context) -> a pipeline at 5 fps that never resets on a gap."""
    return lambda context: RecognitionPipeline.from_files(
        model_path, labels_path, PipelineConfig(reset_gap_sec=3600.0, context=context))


def _rss_bytes() -> int:
    with open('/proc/self/statm', encoding='ascii') as statm:
        return int(statm.read().split()[1]) * os.sysconf('SC_PAGE_SIZE')


def copy_costs(model_path: pathlib.Path, copies: int, steps: int) -> dict[str, float]:
    """
    Time one processed frame of ``copies`` staggered copies, forks against clones.

    Forks share one interpreter and swap their states in and out of it; clones have an
    interpreter each. The three ways (bare: one state; forks; clones) take turns frame by
    frame, and each frame is timed in CPU time of this process (one interpreter thread),
    so that other load on the machine does not count. Returns ms per frame of each, and the
    resident memory one more interpreter adds, in MB (Linux: /proc/self/statm; call it
    before the process has loaded and freed other models, whose freed memory a new
    interpreter would reuse unseen).
    """
    frame = np.random.default_rng(0).random((1, 1, 172, 172, 3))
    results: dict[str, float] = {}
    before = _rss_bytes()
    model = StreamModel(model_path)
    results['first_interpreter_mb'] = (_rss_bytes() - before) / 1e6
    frame = frame.astype(model.input_dtype)[:, :, :model.input_size[0], :model.input_size[1]]
    before = _rss_bytes()
    clones = [model.clone() for _ in range(copies)]
    for copy in clones:  # allocate and warm every interpreter
        copy.step(frame)
    results['mb_per_interpreter'] = (_rss_bytes() - before) / copies / 1e6
    # The bare state has an interpreter of its own: the forks' swaps must not touch it.
    ways = {'bare': [model.clone()], 'forks': [model.fork() for _ in range(copies)],
            'clones': clones}
    samples: dict[str, list[float]] = {name: [] for name in ways}
    for _ in range(steps):
        for name, models in ways.items():
            started = time.process_time()
            for copy in models:
                copy.step(frame)
            samples[name].append(time.process_time() - started)
    for name, values in samples.items():
        results[f'{name}_ms'] = 1e3 * float(np.mean(values))
    return results
