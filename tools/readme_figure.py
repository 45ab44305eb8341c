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
Make README's picture, docs/events_timeline.png, with ``movinet-ros eval`` and its defaults.

The stream: 10 s of the workout (../shared/clips/example_video01.mp4, Kinetics "rope
pushdown"), the carving-ice clip twice at 5 fps (8.4 s), then the workout again, as one bag
of camera images with the segments as annotations. Prints what the caption states: each
segment's frames named right and the labels most often on top, and the events. Takes a few
seconds. Example:

    . scripts/env.sh && python tools/readme_figure.py [--shared ../shared] [--out DIR]
"""

import argparse
import collections
import csv
import pathlib
import shutil
import sys
import tempfile

from benchmark.shared_data import add_shared_argument, LABELS_NAME, MODEL_NAME, models_dir
from benchmark.switching import (
    carving_frames, other_frames, PERIOD_NS, stamped, write_switch_bag)
from movinet_ros.cli import main as cli_main

TOPIC = '/camera/image_raw/compressed'
WORKOUT = 'rope pushdown'
CARVING = 'carving ice'
FIGURE = pathlib.Path(__file__).resolve().parents[1] / 'docs' / 'events_timeline.png'


def main() -> int:
    """Write the bag and annotations, run eval on them and copy the timeline to docs/."""
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    add_shared_argument(parser)
    parser.add_argument('--out', type=pathlib.Path,
                        help="eval's output folder (default: a temporary one)")
    args = parser.parse_args()
    models = models_dir(args.shared)
    if models is None:
        return 1
    workout, carving = other_frames(args.shared), carving_frames(args.shared)
    segments = ((WORKOUT, workout), (CARVING, carving * 2), (WORKOUT, workout))
    with tempfile.TemporaryDirectory() as tmp:
        work = pathlib.Path(tmp)
        out = args.out or work / 'eval'
        frames, rows, start = [], [], 0
        for label, clip in segments:
            frames += clip
            rows.append((start * PERIOD_NS / 1e9, len(frames) * PERIOD_NS / 1e9, label))
            start = len(frames)
        write_switch_bag(work / 'bag', TOPIC, stamped(frames))
        annotations = work / 'annotations.csv'
        with annotations.open('w', newline='') as file:
            csv.writer(file).writerows([('start', 'end', 'label'), *rows])
        code = cli_main(['eval', str(work / 'bag'), '--topic', TOPIC,
                         '--model', str(models / MODEL_NAME),
                         '--labels', str(models / LABELS_NAME),
                         '--annotations', str(annotations), '--out', str(out)])
        if code:
            return code
        shutil.copyfile(out / 'timeline.png', FIGURE)
        print(f'wrote {FIGURE}')
        with (out / 'predictions.csv').open(newline='') as file:
            top1 = [(float(row['time_sec']), row['label_1']) for row in csv.DictReader(file)]
        for start_sec, end_sec, label in rows:
            named = [name for time_sec, name in top1 if start_sec <= time_sec < end_sec]
            common = ', '.join(f'{name} {count}' for name, count
                               in collections.Counter(named).most_common(3))
            print(f'{start_sec:4.1f}-{end_sec:4.1f} s {label}: right in '
                  f'{named.count(label)} of {len(named)} frames (top-1: {common})')
        print((out / 'events.csv').read_text(), end='')
    return 0


if __name__ == '__main__':
    sys.exit(main())
