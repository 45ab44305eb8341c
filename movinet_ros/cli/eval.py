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


"""``movinet-ros eval BAG ...``: recognise the actions in recorded bags and score them."""

import argparse
import sys
from typing import Any

from movinet_ros.cli.classify import add_model_arguments, pipeline_from_args
from movinet_ros.cli.options import non_negative_float, positive_float, positive_int
from movinet_ros.core.events import EventConfig
from movinet_ros.offline.bags.evaluate import (
    DEFAULT_ACTIONS_TOPIC, evaluate_bags, MAX_ANIMATION_FRAMES)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the eval options."""
    parser.add_argument('bags', nargs='+', metavar='BAG',
                        help='rosbag2 folder or .mcap file, or ROS 1 .bag files (read as one '
                             'recording)')
    parser.add_argument('--topic', required=True,
                        help='sensor_msgs Image or CompressedImage topic to evaluate')
    add_model_arguments(parser)
    parser.add_argument('--annotations', metavar='CSV',
                        help='ground truth: "start,end,label" rows, seconds from the first '
                             'frame (or "start_abs,end_abs,label", epoch seconds)')
    parser.add_argument('--out', required=True, metavar='DIR',
                        help='folder for summary.json, predictions.csv, events.csv and '
                             'timeline.png')
    parser.add_argument('--write-bag', action='store_true',
                        help='also write the results as ActionRecognition into DIR/actions_bag')
    parser.add_argument('--actions-topic', default=DEFAULT_ACTIONS_TOPIC,
                        help=f'topic of the result bag (default {DEFAULT_ACTIONS_TOPIC})')
    parser.add_argument('--animate', metavar='FILE',
                        help='write an animation (.gif or .mp4) of the processed frames with '
                             'their top-k bars')
    parser.add_argument('--animate-max-frames', type=positive_int, default=MAX_ANIMATION_FRAMES,
                        metavar='N',
                        help=f'processed frames in the animation (default '
                             f'{MAX_ANIMATION_FRAMES}, from the start)')
    defaults = EventConfig()
    # The node's event_* parameters, with the same defaults.
    for name, kind in (('enter_score', non_negative_float), ('exit_score', non_negative_float),
                       ('min_duration_sec', non_negative_float),
                       ('min_gap_sec', non_negative_float), ('max_concurrent', positive_int),
                       ('input_timeout_sec', positive_float)):
        parser.add_argument('--event-' + name.replace('_', '-'), type=kind,
                            default=getattr(defaults, name), dest='event_' + name,
                            metavar='N', help=f'as the node parameter event_{name} (default '
                                              f'{getattr(defaults, name):g})')


def _rate(value: float | None, digits: int = 3) -> str:
    return '-' if value is None else f'{value:.{digits}f}'


def format_summary(summary: dict[str, Any]) -> str:
    """Return the few lines printed after a run."""
    speed = summary['speed']
    inference = summary['inference_ms']
    lines = [
        f'{summary["frames_read"]} frames read, {summary["frames_processed"]} processed at '
        f'{summary["target_fps"]:g} fps, {summary["frames_rejected"]} rejected, '
        f'{summary["state_resets"]} state resets',
        f'speed: {_rate(speed["frames_per_sec"], 1)} frames/s read, '
        f'{_rate(speed["processed_frames_per_sec"], 1)} processed frames/s; inference '
        f'{_rate(inference["mean"], 2)} ms mean, {_rate(inference["p95"], 2)} ms p95',
    ]
    if summary['annotations'] is not None:
        lines.append(
            f'clip top-1 {_rate(summary["clip_top1_accuracy"])}  '
            f'top-5 {_rate(summary["clip_top5_accuracy"])}  '
            f'frame top-1 {_rate(summary["frame_top1_accuracy"])}  '
            f'top-5 {_rate(summary["frame_top5_accuracy"])} '
            f'over {len(summary["segments"])} segments')
        if len(summary['segments']) > 1:
            lines.append(
                f'switching: right for good {_rate(summary["mean_time_to_correct_sec"], 2)} s '
                f'after a new segment starts (mean), '
                f'{summary["switches_never_correct"]} never right')
    events = summary['events']
    line = f'events: {events["count"]}'
    if events['f1'] is not None:
        line += (f', precision {_rate(events["precision"])} recall {_rate(events["recall"])} '
                 f'F1 {_rate(events["f1"])} at temporal IoU {events["iou"]:g}')
    lines.append(line)
    lines.append('wrote ' + ', '.join(summary['outputs'].values()))
    return '\n'.join(lines)


def run(args: argparse.Namespace) -> int:
    """Evaluate the bags and print a short summary."""
    pipeline = pipeline_from_args(args)
    event_config = EventConfig(
        enter_score=args.event_enter_score, exit_score=args.event_exit_score,
        min_duration_sec=args.event_min_duration_sec, min_gap_sec=args.event_min_gap_sec,
        max_concurrent=args.event_max_concurrent,
        input_timeout_sec=args.event_input_timeout_sec)
    summary = evaluate_bags(
        args.bags, args.topic, pipeline, annotations_path=args.annotations, out_dir=args.out,
        write_bag=args.write_bag, animate=args.animate, progress=sys.stderr.isatty(),
        actions_topic=args.actions_topic, max_animation_frames=args.animate_max_frames,
        event_config=event_config)
    print(format_summary(summary))
    return 0
