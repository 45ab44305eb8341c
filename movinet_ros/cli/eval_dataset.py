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


"""``movinet-ros eval-dataset MANIFEST``: score a model on many labelled recordings."""

import argparse
import os
import sys
from typing import Any

from movinet_ros.cli.classify import add_model_arguments, pipeline_config_from_args, warn_head
from movinet_ros.cli.options import positive_int
from movinet_ros.offline.dataset.evaluate import DatasetRun, evaluate_dataset
from movinet_ros.offline.dataset.runners import LOCAL_RAY, PipelineSpec

# Failures listed on stdout; summary.json and results.csv have all of them.
SHOWN_FAILURES = 10


def default_jobs() -> int:
    """Return the number of cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the eval-dataset options."""
    parser.add_argument('manifest', metavar='MANIFEST',
                        help='CSV with a header and "recording,label[,topic]" or '
                             '"recording,annotations[,topic]" rows, paths relative to it')
    add_model_arguments(parser)
    parser.add_argument('--out', required=True, metavar='DIR',
                        help='folder for results.csv, summary.json, confusion.png and '
                             'timing.json; rerunning into it skips finished recordings')
    add_runner_arguments(parser)
    parser.add_argument('--force', action='store_true',
                        help='evaluate every recording again, even those already done')
    parser.add_argument('--reference', action='store_true',
                        help='also run the bare model as the TFLite reference app feeds it '
                             '(every frame, one state, resized, /255) into OUT/reference, '
                             'and print a per-clip table of both')


def add_runner_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the options saying where recordings run: --topic, --jobs, --ray."""
    parser.add_argument('--topic',
                        help="image topic of bags whose row names none (default: the bag's "
                             'only image topic)')
    parser.add_argument('--jobs', type=positive_int, default=default_jobs(), metavar='N',
                        help='recordings evaluated at once, in worker processes (default: '
                             'the number of cores; 1: in this process); the CPUs of a '
                             'local Ray')
    parser.add_argument('--ray', nargs='?', const='', default=None, metavar='ADDRESS',
                        help='run the recordings as Ray tasks: on the cluster at ADDRESS '
                             '(e.g. auto, ray://head:10001), else at $RAY_ADDRESS, else on '
                             f'a Ray started here with --jobs CPUs ("{LOCAL_RAY}"); put it '
                             'after MANIFEST or write --ray=ADDRESS')


def ray_address(option: str | None) -> str | None:
    """Return the Ray address ``--ray`` means: None (no Ray), a cluster, or LOCAL_RAY."""
    if option is None:
        return None
    return option or os.environ.get('RAY_ADDRESS') or LOCAL_RAY


def _rate(value: float | None, digits: int = 3) -> str:
    return '-' if value is None else f'{value:.{digits}f}'


def format_report(run: DatasetRun) -> str:
    """Return the few lines printed after a run."""
    summary, timing = run.summary, run.timing
    lines = [
        f'{summary["recordings"]} recordings, {summary["failed"]} failed; '
        f'{summary["samples"]} clips of {summary["classes"]} classes: '
        f'top-1 {_rate(summary["top1_accuracy"])}  top-5 {_rate(summary["top5_accuracy"])}  '
        f'mean class accuracy {_rate(summary["mean_class_accuracy"])}',
        f'evaluated {timing["evaluated"]} in {timing["wall_sec"]:.1f} s on '
        f'{timing["backend"]}, jobs {timing["jobs"]} '
        f'({_rate(timing["recordings_per_sec"], 2)} recordings/s); '
        f'{timing["skipped"]} skipped as done' if timing['evaluated'] else
        f'nothing to evaluate: all {timing["skipped"]} done already (--force evaluates '
        'them again)',
    ]
    failures: list[dict[str, Any]] = summary['failures']
    for failure in failures[:SHOWN_FAILURES]:
        lines.append(f'failed: {failure["recording"]} (manifest line {failure["line"]}): '
                     f'{failure["error"]}')
    if len(failures) > SHOWN_FAILURES:
        lines.append(f'... and {len(failures) - SHOWN_FAILURES} more failed (see '
                     'summary.json)')
    lines.append('wrote ' + ', '.join(run.outputs.values()))
    return '\n'.join(lines)


def _mark(value: bool) -> str:
    return 'yes' if value else 'no'


def _probability(value: float | None) -> str:
    return '-' if value is None else f'{value:.2f}'


def format_comparison(run: DatasetRun, reference: DatasetRun) -> str:
    """Return a markdown table: per clip and overall, the pipeline beside the bare model."""
    lines = ['| clip | label | prediction | top-1 | top-5 | p(true) at end | bare model '
             '(every frame, one state) | top-1 | top-5 | p(true) at end |',
             '|---|---|---|---|---|---|---|---|---|---|']
    for mine, theirs in zip(run.results, reference.results):
        for sample, bare in zip(mine.samples, theirs.samples):
            lines.append(
                f'| {mine.name} | {sample.label} | {sample.prediction or "-"} | '
                f'{_mark(sample.correct)} | {_mark(sample.correct_top5)} | '
                f'{_probability(sample.true_probability)} | {bare.prediction or "-"} | '
                f'{_mark(bare.correct)} | {_mark(bare.correct_top5)} | '
                f'{_probability(bare.true_probability)} |')
    cells = []
    for summary in (run.summary, reference.summary):
        samples = summary['samples']
        top1 = round((summary['top1_accuracy'] or 0.0) * samples)
        top5 = round((summary['top5_accuracy'] or 0.0) * samples)
        cells.append(f'{top1}/{samples} | {top5}/{samples} | '
                     f'{_probability(summary["mean_true_probability"])}')
    lines.append(f'| overall | | | {cells[0]} | | {cells[1]} |')
    return '\n'.join(lines)


def run(args: argparse.Namespace) -> int:
    """Evaluate the dataset and print a short summary."""
    spec = PipelineSpec(args.model, args.labels, pipeline_config_from_args(args),
                        args.threads, head_path=args.head)
    result = evaluate_dataset(args.manifest, spec, args.out, jobs=args.jobs,
                              ray_address=ray_address(args.ray), force=args.force,
                              default_topic=args.topic, progress=sys.stderr.isatty(),
                              reference=args.reference)
    warn_head(result.warning)
    print(format_report(result))
    if result.reference is not None:
        print('\nthe bare model (every frame, one state): ' +
              format_report(result.reference).splitlines()[0])
        print(format_comparison(result, result.reference))
    return 0
