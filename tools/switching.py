#!/usr/bin/env python3
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
Print how fast a new action wins after a long history (docs/node.md, "Temporal context").

A workout (../shared/clips/example_video01.mp4, looped) for a given history, then carving ice
(../shared/clips/carving_ice.mp4, looped, at 5 fps), through a fresh RecognitionPipeline
(target_fps 5, reset_gap_sec 3600) per row, unbounded (context_sec 0) and with the default
bounded context. Takes about 4 minutes on a quiet 2-core machine. Example:

    . scripts/env.sh && python tools/switching.py [--shared ../shared]
"""

import argparse
import statistics
import sys

from benchmark.shared_data import add_shared_argument, LABELS_NAME, MODEL_NAME, models_dir
from benchmark.switching import switching_row
from movinet_ros.core.context import ContextConfig
from movinet_ros.core.pipeline import PipelineConfig, RecognitionPipeline

HISTORIES = (0, 50, 250, 3000)


def main() -> int:
    """Measure each history with both contexts and print one markdown table."""
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    add_shared_argument(parser)
    args = parser.parse_args()
    models = models_dir(args.shared)
    if models is None:
        return 1

    def make(context_sec):
        config = PipelineConfig(reset_gap_sec=3600.0,
                                context=ContextConfig(context_sec=context_sec))
        return lambda: RecognitionPipeline.from_files(
            models / MODEL_NAME, models / LABELS_NAME,
            config)

    print('| history before carving ice | unbounded (context_sec 0): top-1 after | '
          'p after 60 frames | bounded (default): top-1 after | p after 60 frames |')
    print('|---|---|---|---|---|')
    for history in HISTORIES:
        cells = [f'{history} frames ({history / 5:g} s)' if history else 'none (fresh stream)']
        for context_sec in (0.0, ContextConfig().context_sec):
            frames, probability = switching_row(make(context_sec), args.shared, history)
            cells += ['never within 120 frames' if frames is None
                      else f'{frames} frames ({frames / 5:g} s)', f'{probability:.2f}']
        print('| ' + ' | '.join(cells) + ' |', flush=True)
    # Where the switch falls in the copies' reset schedule matters: six phases across it.
    window = round(ContextConfig().context_sec * 5)
    phases = [switching_row(make(ContextConfig().context_sec), args.shared,
                            3000 + phase * window // 6) for phase in range(6)]
    frames = sorted(99 if f is None else f for f, _ in phases)
    print(f'\nbounded, 3000 frames of history, six phases of the reset schedule: top-1 after '
          f'{frames} frames (median {statistics.median(frames):g}), p after 60 frames '
          f'{min(p for _, p in phases):.2f} to {max(p for _, p in phases):.2f}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
