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


"""``movinet-ros classify VIDEO``: run the recognition pipeline over a video file."""

import argparse
import json
import sys

import cv2

from movinet_ros.cli.options import int_in_range, non_negative_float, positive_int
from movinet_ros.core.context import (
    ContextConfig, DEFAULT_CONTEXT_SEC, DEFAULT_CONTEXT_STREAMS, MAX_CONTEXT_STREAMS)
from movinet_ros.core.frames import DEFAULT_MAX_PIXELS, MAX_PIXELS_LIMIT
from movinet_ros.core.model import DEFAULT_NUM_THREADS
from movinet_ros.core.pipeline import PipelineConfig, RecognitionPipeline
from movinet_ros.core.postprocess import RankingConfig
from movinet_ros.core.preprocess import RESIZE_MODES
from movinet_ros.offline.video import read_video

# The defaults are the core's own (the node's parameters take theirs from there too).
_PIPELINE = PipelineConfig()


def add_model_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the model, labels or head, and pipeline options shared by the offline commands."""
    parser.add_argument('--model', required=True, help='MoViNet stream .tflite model')
    names = parser.add_mutually_exclusive_group(required=True)
    names.add_argument('--labels', help='label map, one class per line')
    names.add_argument('--head', metavar='HEAD.json',
                       help='a head of your own actions (movinet-ros train): its labels and '
                            "scores replace the model's")
    add_pipeline_arguments(parser)


def add_pipeline_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the pipeline options (rate, ranking, context, sizes) of the offline commands."""
    parser.add_argument('--fps', type=non_negative_float, default=_PIPELINE.target_fps,
                        help='rate frames are fed to the model, from stamps (default 5; '
                             '0: every frame)')
    parser.add_argument('--top-k', type=positive_int, default=_PIPELINE.ranking.top_k,
                        help='classes to report (default 5)')
    parser.add_argument('--threads', type=positive_int, default=DEFAULT_NUM_THREADS,
                        help='interpreter threads')
    parser.add_argument('--resize-mode', choices=RESIZE_MODES, default=_PIPELINE.resize_mode)
    parser.add_argument('--context-sec', type=non_negative_float, default=DEFAULT_CONTEXT_SEC,
                        help='seconds of history the scores rest on (default '
                             f'{DEFAULT_CONTEXT_SEC:g}; 0: the whole clip)')
    parser.add_argument('--context-streams', type=int_in_range(1, MAX_CONTEXT_STREAMS),
                        default=DEFAULT_CONTEXT_STREAMS,
                        help='staggered copies of the stream state (default '
                             f'{DEFAULT_CONTEXT_STREAMS})')
    parser.add_argument('--max-pixels', type=int_in_range(1, MAX_PIXELS_LIMIT),
                        default=DEFAULT_MAX_PIXELS,
                        help="pixel budget of a bag's Image / CompressedImage frame, checked "
                             'before decoding; larger frames are rejected (default '
                             f'{DEFAULT_MAX_PIXELS}, 4096x4096)')


def pipeline_config_from_args(args: argparse.Namespace) -> PipelineConfig:
    """Return the pipeline settings the options describe (the model is not loaded)."""
    return PipelineConfig(target_fps=args.fps, resize_mode=args.resize_mode,
                          ranking=RankingConfig(top_k=args.top_k),
                          context=ContextConfig(context_sec=args.context_sec,
                                                streams=args.context_streams),
                          max_pixels=args.max_pixels)


def pipeline_from_args(args: argparse.Namespace) -> RecognitionPipeline:
    """Load the pipeline the options describe; warn on stderr about a head's settings."""
    pipeline = RecognitionPipeline.from_files(args.model, args.labels,
                                              pipeline_config_from_args(args), args.threads,
                                              head_path=args.head)
    warn_head(pipeline.head_warning)
    return pipeline


def warn_head(warning: str | None) -> None:
    """Print a head's settings mismatch as a warning line on stderr."""
    if warning:
        print(f'movinet-ros: warning: {warning}', file=sys.stderr)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the classify options."""
    parser.add_argument('video', help='video file OpenCV can read')
    add_model_arguments(parser)
    parser.add_argument('--json', action='store_true',
                        help='print one JSON object as the last line instead of a table')


def run(args: argparse.Namespace) -> int:
    """Classify the video and print the top-k after its last frame."""
    # Opening the video first says a wrong path at once, before the model is loaded.
    frames = read_video(args.video)
    pipeline = pipeline_from_args(args)
    last = None
    for frame in frames:
        result = pipeline.process(cv2.cvtColor(frame.bgr, cv2.COLOR_BGR2RGB), frame.stamp_ns)
        if result is None:
            continue
        last = result
        if not args.json:
            best = result.hypotheses[0] if result.hypotheses else None
            print(f't={frame.stamp_ns / 1e9:6.2f}s  frame {frame.index:5d}  '
                  + (f'{best.score:5.3f} {best.label}' if best else '-'))
    results = list(last.hypotheses) if last is not None else []
    if args.json:
        print(json.dumps({
            'results': [{'class_id': h.class_id, 'label': h.label, 'score': float(h.score)}
                        for h in results],
            'frames_read': pipeline.stats.received,
            'frames_processed': pipeline.stats.processed,
        }))
    else:
        print(f'\n{pipeline.stats.received} frames read, {pipeline.stats.processed} processed '
              f'at {args.fps:g} fps; top-{args.top_k} after the last frame:')
        for h in results:
            print(f'  {h.score:6.3f}  {h.label} (class {h.class_id})')
    return 0
