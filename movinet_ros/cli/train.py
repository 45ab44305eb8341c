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


"""``movinet-ros train MANIFEST --out DIR``: a head of your own actions from recordings."""

import argparse

from movinet_ros.cli.classify import add_pipeline_arguments, pipeline_config_from_args
from movinet_ros.cli.eval_dataset import add_runner_arguments, ray_address
from movinet_ros.offline.dataset.runners import PipelineSpec
from movinet_ros.offline.dataset.training import train_head, TrainingRun


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the train options."""
    parser.add_argument('manifest', metavar='MANIFEST',
                        help='CSV with a header and "recording,label[,topic]" or '
                             '"recording,annotations[,topic]" rows, paths relative to it; '
                             'the labels are your own names')
    parser.add_argument('--model', required=True, help='MoViNet stream .tflite model')
    add_pipeline_arguments(parser)
    parser.add_argument('--out', required=True, metavar='DIR',
                        help='folder for head.json, summary.json and confusion.png '
                             '(replaced whole at the end; left as it was on error)')
    parser.add_argument('--background', metavar='LABEL',
                        help='train frames outside every annotated segment as this class')
    add_runner_arguments(parser)


def _share(value: float | None) -> str:
    return '-' if value is None else f'{value:.3f}'


def format_report(run: TrainingRun) -> str:
    """Return the lines printed after a training."""
    summary = run.summary
    lines = [
        f'{summary["recordings"]} recordings, {summary["frames_processed"]} processed frames '
        f'({summary["labelled_frames"]} labelled) of {len(summary["classes"])} classes; '
        f'features in {summary["extract_sec"]:.1f} s, fit in {summary["fit_sec"]:.1f} s',
        f'held out {summary["held_out"]}: {summary["held_out_frames"]} frames, top-1 '
        f'{_share(summary["top1_accuracy"])}, mean class accuracy '
        f'{_share(summary["mean_class_accuracy"])}',
        f'  {"class":24s} {"frames":>6s} {"trained":>7s} {"precision":>9s} {"recall":>6s}',
    ]
    for label in summary['classes']:
        figures = summary['per_class'].get(label, {})
        lines.append(
            f'  {label:24s} {summary["frames_per_class"][label]:6d} '
            f'{summary["training_examples"][label]:7d} '
            f'{_share(figures.get("precision")):>9s} {_share(figures.get("recall")):>6s}')
    lines.append('wrote ' + ', '.join(run.outputs.values()))
    return '\n'.join(lines)


def run(args: argparse.Namespace) -> int:
    """Train the head and print the held-out evaluation."""
    spec = PipelineSpec(args.model, None, pipeline_config_from_args(args), args.threads)
    result = train_head(args.manifest, spec, args.out, jobs=args.jobs,
                        ray_address=ray_address(args.ray), background=args.background,
                        default_topic=args.topic)
    print(format_report(result))
    return 0
