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
Evaluate a recognition pipeline on the images of recorded bags and write what it said.

The jobs live in their own modules: :mod:`.reading` reads the bag ahead of the model,
:mod:`.replay` runs the pipeline over it as the node would (``run_bags``), :mod:`.records`
holds what each processed frame gave, :mod:`.outputs` writes it. ``evaluate_bags`` checks
the inputs, runs the loop and writes, into an output folder:

- ``summary.json``: counts, settings, accuracies against an annotation CSV (None without
  one), per-segment results, confusion, inference time and speed;
- ``predictions.csv``: one row per processed frame with its ranked top-k, formatted with
  fixed precision and free of timings, so two runs of the same bag are byte-identical;
- ``events.csv``: the action events (``movinet_ros.core.events``, the node's
  ``action_events``), one row per event with its start, end, peak and mean score; an event
  still going at the last frame ends there (reason ``ongoing at the end``);
- ``timeline.png``: class probabilities over time with the annotated segments and events;
- optionally ``actions_bag``: the results as ActionRecognition messages (mcap), and an
  animation (.gif or .mp4) of the processed frames with their live top-k bars.
"""

import contextlib
import json
import os
from pathlib import Path
from typing import Any

from movinet_ros.core.events import EventConfig
from movinet_ros.core.pipeline import RecognitionPipeline
from movinet_ros.offline.bags.bag_io import BagPaths
from movinet_ros.offline.bags.outputs import (
    animation_fps, build_summary, DEFAULT_ACTIONS_TOPIC, predicted_spans, write_events_csv,
    write_predictions_csv, write_result_bag)
from movinet_ros.offline.bags.reading import bag_messages, BagMessage, QUEUE_SIZE
from movinet_ros.offline.bags.replay import REASON_ONGOING, run_bags
from movinet_ros.offline.errors import BagError, OutputFolderError, PlotError
from movinet_ros.offline.plots import ANIMATION_FORMATS, plot_timeline, write_animation
from movinet_ros.offline.scoring.annotations import load_segments, read_annotations
from movinet_ros.offline.scoring.frame_records import (
    BagRun, MostLikely, ProcessedFrame, stats_since)

# What other modules and the tests import from here, wherever it lives now.
__all__ = [
    'animation_fps', 'bag_messages', 'BagMessage', 'BagRun', 'build_summary',
    'DEFAULT_ACTIONS_TOPIC', 'evaluate_bags', 'load_segments', 'MAX_ANIMATION_FRAMES',
    'MostLikely', 'ProcessedFrame', 'REASON_ONGOING', 'run_bags', 'stats_since',
    'write_events_csv', 'write_predictions_csv', 'write_result_bag',
]

SUMMARY_FILE = 'summary.json'
PREDICTIONS_FILE = 'predictions.csv'
EVENTS_FILE = 'events.csv'
TIMELINE_FILE = 'timeline.png'
RESULT_BAG_DIR = 'actions_bag'
TIMELINE_CLASSES = 5
# The animation is built in memory (Pillow needs every GIF frame at once), so it covers the
# first processed frames only.
MAX_ANIMATION_FRAMES = 300


def evaluate_bags(bag_paths: BagPaths, topic: str, pipeline: RecognitionPipeline,
                  *, annotations_path: str | os.PathLike[str] | None = None,
                  out_dir: str | os.PathLike[str] = 'eval', write_bag: bool = False,
                  animate: str | os.PathLike[str] | None = None, progress: bool = False,
                  actions_topic: str = DEFAULT_ACTIONS_TOPIC,
                  max_animation_frames: int = MAX_ANIMATION_FRAMES,
                  queue_size: int = QUEUE_SIZE,
                  event_config: EventConfig | None = None) -> dict[str, Any]:
    """
    Evaluate ``pipeline`` on the images of ``topic``; write the outputs, return the summary.

    Writes ``summary.json``, ``predictions.csv`` and ``timeline.png`` into ``out_dir``
    (created if needed); with ``write_bag`` also the result bag ``out_dir/actions_bag``
    (ActionRecognition on ``actions_topic``), and with ``animate`` an animation (.gif or
    .mp4, by extension) of the first ``max_animation_frames`` processed frames with their
    top-k. Relative annotation times count from the first image's stamp. Inputs are
    checked before the run: BagError, AnnotationError, PlotError, OutputFolderError (all
    MovinetError) say what is wrong.
    """
    out = Path(out_dir)
    result_bag = out / RESULT_BAG_DIR
    if write_bag and result_bag.exists():
        raise BagError(f'{result_bag} exists already; remove it or choose another output '
                       'folder')
    if animate is not None:
        _check_animation_path(Path(animate))
    # Read once, before the run: the file must parse and name known labels.
    annotations = (read_annotations(annotations_path, pipeline.labels)
                   if annotations_path is not None else None)
    new_folder = not out.exists()
    try:
        out.mkdir(parents=True, exist_ok=True)
        if animate is not None:
            Path(animate).parent.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise OutputFolderError(f'cannot create the output folder: {error}') from error
    keep = max_animation_frames if animate is not None else 0
    try:
        run = run_bags(bag_paths, topic, pipeline, keep_pictures=keep, progress=progress,
                       queue_size=queue_size, event_config=event_config)
    except BaseException:
        if new_folder:
            with contextlib.suppress(OSError):
                out.rmdir()  # only if still empty: a failed run leaves no trace
        raise

    segments = None
    if annotations is not None:
        segments = annotations.anchored(run.first_stamp_ns or 0)
    summary = build_summary(run, pipeline, segments, annotations_path)
    outputs = {
        'predictions': str(write_predictions_csv(run, pipeline.config.ranking.top_k,
                                                 out / PREDICTIONS_FILE)),
        'events': str(write_events_csv(run, out / EVENTS_FILE)),
        'timeline': str(plot_timeline(
            run.timeline_predictions(pipeline.labels), segments or [], out / TIMELINE_FILE,
            title=f'{pipeline.model.name} on {topic}', top_n=TIMELINE_CLASSES,
            origin_ns=run.first_stamp_ns, events=predicted_spans(run))),
    }
    if write_bag:
        write_result_bag(run, pipeline, result_bag, actions_topic)
        outputs['actions_bag'] = str(result_bag)
    if animate is not None:
        # No processed frame, no animation: the summary says so with a count of 0.
        summary['animation_frames'] = 0
        if run.pictures:
            summary['animation_frames'] = write_animation(
                run.pictures, run.predictions()[:len(run.pictures)], animate,
                animation_fps(run, pipeline.config.target_fps),
                top_k=pipeline.config.ranking.top_k)
            outputs['animation'] = str(animate)
    outputs['summary'] = str(out / SUMMARY_FILE)
    summary['outputs'] = outputs
    with open(out / SUMMARY_FILE, 'w', encoding='utf-8') as stream:
        json.dump(summary, stream, indent=2)
        stream.write('\n')
    return summary


def _check_animation_path(path: Path) -> None:
    if path.suffix.lower() not in ANIMATION_FORMATS:
        raise PlotError(f'cannot write animation {path}: use one of '
                        f'{", ".join(ANIMATION_FORMATS)}')
