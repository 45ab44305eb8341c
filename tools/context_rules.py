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
Print the comparison of the context's combination rules and layouts of copies.

Every rule of movinet_ros.core.context.RULES on each layout (copies, seconds), on the
real clips of a manifest, a switch after a long history of another action, and a steady
minute (see tools/benchmark/context_rules.py). Takes a few minutes. Example:

    . scripts/env.sh && python tools/context_rules.py [--shared ../shared]
"""

import argparse
import pathlib
import sys

from benchmark.context_rules import copy_costs, Layout, measure_layout, \
    pipeline_maker
from benchmark.shared_data import add_shared_argument, LABELS_NAME, MODEL_NAME, models_dir
from movinet_ros.core.context import RULES

# Processed frames timed per way of running the copies (CPU time of this process).
COST_STEPS = 200
LAYOUTS = (Layout(3, 6.0), Layout(2, 6.0), Layout(2, 4.0), Layout(1, 6.0))


def _seconds(value):
    return 'never' if value is None else f'{value:.1f} s'


def main() -> int:
    """Measure every rule on every layout and print one markdown table."""
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    add_shared_argument(parser)
    parser.add_argument('--manifest', type=pathlib.Path,
                        help='clips to score (default: SHARED/clips/real/manifest.csv)')
    parser.add_argument('--rules', nargs='+', choices=sorted(RULES), default=list(RULES))
    parser.add_argument('--layouts', nargs='+', metavar='COPIES:SECONDS',
                        help='e.g. 3:6 2:4 (default: 3:6 2:6 2:4 1:6)')
    args = parser.parse_args()
    models = models_dir(args.shared)
    if models is None:
        return 1
    model = models / MODEL_NAME
    manifest = args.manifest or args.shared / 'clips' / 'real' / 'manifest.csv'
    layouts = LAYOUTS if not args.layouts else tuple(
        Layout(int(copies), float(seconds))
        for copies, seconds in (item.split(':') for item in args.layouts))
    make = pipeline_maker(model, models / LABELS_NAME)
    rules = {name: RULES[name] for name in args.rules}
    # Costs first: resident memory is measured before anything else was loaded and freed.
    print('| copies | bare invoke (one state) | copies sharing one interpreter (forks, '
          'states swapped) | an interpreter per copy | memory per extra interpreter |')
    print('|---|---|---|---|---|')
    for copies in (2, 3):
        costs = copy_costs(model, copies, COST_STEPS)
        # Only the first measurement sees fresh memory: later interpreters reuse freed pages.
        memory = f'{costs["mb_per_interpreter"]:.0f} MB' if copies == 2 else 'as above'
        print(f'| {copies} | {costs["bare_ms"]:.1f} ms | {costs["forks_ms"]:.1f} ms | '
              f'{costs["clones_ms"]:.1f} ms | {memory} |', flush=True)
    print()
    print('| layout | rule | clips top-1 | top-5 | mean p(true) at clip end | '
          'switch: first right | worst phase | share right (20 s) | mean p(new) | '
          'top-1 changes/min (steady) |')
    print('|---|---|---|---|---|---|---|---|---|---|')
    for layout in layouts:
        figures = measure_layout(make, layout, rules, manifest, args.shared)
        for name, figure in figures.items():
            print(f'| {layout.name} | {name} | {figure.clips_top1}/{figure.clips} | '
                  f'{figure.clips_top5}/{figure.clips} | {figure.true_probability:.2f} | '
                  f'{_seconds(figure.first_right_sec)} | '
                  f'{_seconds(figure.worst_first_right_sec)} | {figure.share_right:.2f} | '
                  f'{figure.new_probability:.2f} | {figure.flicker_per_min:.1f} |', flush=True)
    return 0


if __name__ == '__main__':
    sys.exit(main())
