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
The benchmark's report: a table for people and one JSON line for programs.

``KEYS`` names every figure with its unit, target and meaning; the table and the JSON
object list them in that order. A figure that could not be measured is null in the JSON and
its reason is printed under the table (and kept in the JSON's ``null_reasons``).
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass
import json
from typing import Any

from benchmark.stats import Figure


@dataclass(frozen=True)
class Key:
    """One reported figure: its unit, target (text and test) and meaning."""

    name: str
    unit: str
    meaning: str
    target: str = ''
    meets: Callable[[float], bool] | None = None


KEYS = (
    Key('invoke_ms', 'ms', 'bare interpreter invoke, states carried: the floor'),
    Key('pipeline_ms_640x480', 'ms', 'pipeline.process per frame, bgr8 Image 640x480'),
    Key('pipeline_ms_1280x720', 'ms', 'pipeline.process per frame, bgr8 Image 1280x720'),
    Key('pipeline_ratio', 'x', 'pipeline_ms_640x480 / invoke_ms', '<= 1.25',
        lambda value: value <= 1.25),
    Key('context_step_ms', 'ms', 'model work per processed frame, default bounded context'),
    Key('context_cost_ratio', 'x', 'context_step_ms / invoke_ms (the default staggered states)',
        '<= 5', lambda value: value <= 5.0),
    Key('head_ms', 'ms', 'a head of your own actions on each state, per processed frame'),
    Key('head_cost_ratio', 'x', 'head_ms / invoke_ms (20 classes on 3 states)', '<= 0.05',
        lambda value: value <= 0.05),
    Key('drop_cost_ratio', 'x', 'node callback cost of a dropped / a processed frame',
        '<= 0.05', lambda value: value <= 0.05),
    Key('e2e_latency_ms_p50', 'ms', 'image published -> result received, 640x480 @ 30 Hz'),
    Key('e2e_latency_ms_p95', 'ms', 'same, 95th percentile'),
    Key('e2e_overhead_ms_p50', 'ms', 'e2e_latency_ms_p50 - invoke_ms', '<= 5',
        lambda value: value <= 5.0),
    Key('node_cpu_percent', '%', 'node process CPU at that input (100 = one core)'),
    Key('node_rss_mb', 'MiB', 'node process resident memory at that input', '<= 300',
        lambda value: value <= 300.0),
    Key('eval_fps', 'fps', 'movinet-ros eval: processed frames per wall second (see below)'),
    Key('eval_throughput_ratio', 'x', 'eval_fps * invoke_ms / 1000', '>= 0.85',
        lambda value: value >= 0.85),
    Key('streams_4_latency_ratio', 'x', '4 cameras into one node: p50 latency / 1 camera',
        '<= 2', lambda value: value <= 2.0),
    Key('dataset_recordings_per_sec', '1/s',
        'eval-dataset --jobs 1: recordings per wall second (see below)'),
    Key('dataset_jobs2_speedup', 'x', 'eval-dataset: recordings/s with --jobs 2 / --jobs 1'),
    *(key for width, height in ((640, 480), (1280, 720))
      for reliability in ('reliable', 'best_effort')
      for key in (
          Key(f'input_delivered_ratio_{width}x{height}_{reliability}', 'x',
              f'frames the node received / sent, {reliability.replace("_", " ")} camera '
              f'{width}x{height} @ 30 Hz on Fast DDS defaults'),
          Key(f'output_ratio_{width}x{height}_{reliability}', 'x',
              'results published / due at 5 fps over the sent stream',
              *(('>= 0.9', lambda value: value >= 0.9) if reliability == 'reliable'
                else ())),
          Key(f'e2e_latency_ms_p50_{width}x{height}_{reliability}', 'ms',
              'image stamp -> result received, all results'))),
)

# Reported in the JSON for diagnosis, not part of the targets.
EXTRA_KEYS = (
    Key('pipeline_step_ms_640x480', 'ms',
        'model step inside pipeline_ms_640x480: frame in, invoke, states carried'),
    Key('e2e_step_ms_p50', 'ms', "the node's model step in the e2e results (inference_ms)"),
    Key('e2e_image_ms_p50', 'ms', 'image published -> received raw by another process'),
    Key('callback_drop_ms', 'ms', 'node callback on a frame the throttle drops'),
    Key('callback_processed_ms', 'ms', 'node callback on a processed frame (incl. publish)'),
    Key('streams_4_latency_ms_p50', 'ms', 'p50 latency with 4 cameras into one node'),
    Key('eval_outputs_sec', 's', 'eval: writing CSV, timeline plot and summary, per run'),
    Key('eval_step_ms_p50', 'ms', 'eval: median model step of the processed frames'),
    Key('dataset_recordings_per_sec_jobs2', '1/s', 'eval-dataset --jobs 2: recordings/s'),
    Key('parallel_ceiling', 'x',
        'model steps/s of 2 processes at once / of 1: what 2 workers can gain here'),
)

NOTES = (
    'Every figure is the median of repeated measurements; the spread is the lowest and '
    'highest repeat. pipeline_ratio pairs interleaved repeats: its spread is the range of '
    'the repeat-wise ratios; other derived figures show the widest range their parts allow.',
    'eval_fps = frames the model processed per second of wall time when movinet-ros eval '
    'runs a 30 fps bag at target fps 5 (bag reading, throttling and decoding included); '
    'eval_throughput_ratio 1.0 means evaluation runs as fast as the model allows.',
    "pipeline_ms is measured with one state (context_sec 0); the bounded context's "
    'extra invokes are context_step_ms. The live figures run the node with its defaults.',
    'e2e latency = receive time in another process - header stamp of the source image '
    '(stamped by the publisher just before it builds and publishes the message).',
    'dataset_* = movinet-ros eval-dataset on 30 fps 640x480 recordings of the clip (mp4 '
    'videos and JPEG bags, alternately) at target fps 5, run whole each time: worker start-up, '
    'model loads and outputs included; the speedup pairs the two runs of each repeat.',
)


def _number(value: float) -> str:
    return f'{value:.4f}' if abs(value) < 0.1 else f'{value:.2f}'


def _row(key: Key, figure: Figure | None) -> list[str]:
    if figure is None or not figure.present:
        return [key.name, '-', '', key.unit, key.target, 'n/a']
    verdict = '' if key.meets is None else ('ok' if key.meets(figure.value) else 'MISSED')
    return [key.name, _number(figure.value), f'{_number(figure.low)} - {_number(figure.high)}',
            key.unit, key.target, verdict]


def render_table(figures: Mapping[str, Figure], heading: str) -> str:
    """Return the human-readable report: heading, table, null reasons and definitions."""
    rows = [['key', 'median', 'spread (min - max)', 'unit', 'target', '']]
    rows += [_row(key, figures.get(key.name)) for key in KEYS]
    widths = [max(len(row[column]) for row in rows) for column in range(len(rows[0]))]
    lines = [heading, '']
    for index, row in enumerate(rows):
        cells = [cell.rjust(width) if 0 < column < 3 else cell.ljust(width)
                 for column, (cell, width) in enumerate(zip(row, widths))]
        lines.append('  '.join(cells).rstrip())
        if index == 0:
            lines.append('  '.join('-' * width for width in widths))
    diagnosis = [key for key in EXTRA_KEYS
                 if key.name in figures and figures[key.name].present]
    if diagnosis:
        lines += ['', 'diagnosis (not targets):']
        for key in diagnosis:
            figure = figures[key.name]
            lines.append(f'  {key.name} {_number(figure.value)} ({_number(figure.low)} - '
                         f'{_number(figure.high)}) {key.unit}: {key.meaning}')
    reasons = _null_reasons(figures)
    if reasons:
        lines.append('')
        lines += [f'{name}: not measured: {reason}' for name, reason in reasons.items()]
    lines.append('')
    lines += [f'* {note}' for note in NOTES]
    return '\n'.join(lines)


def _null_reasons(figures: Mapping[str, Figure]) -> dict[str, str]:
    return {key.name: (figures[key.name].reason if key.name in figures else 'not run')
            or 'not measured'
            for key in KEYS if key.name not in figures or not figures[key.name].present}


def _rounded(value: float) -> float:
    return float(f'{value:.6g}')


def to_json(figures: Mapping[str, Figure], context: Mapping[str, Any]) -> str:
    """Return the report as one JSON line: every key (null if missing) plus ``context``."""
    report: dict[str, Any] = {}
    spread: dict[str, list[float]] = {}
    for key in KEYS + EXTRA_KEYS:
        figure = figures.get(key.name)
        present = figure is not None and figure.present
        report[key.name] = _rounded(figure.value) if present else None
        if present:
            spread[key.name] = [_rounded(figure.low), _rounded(figure.high)]
    report['spread'] = spread
    report['null_reasons'] = _null_reasons(figures)
    report.update(context)
    return json.dumps(report, separators=(',', ':'))
