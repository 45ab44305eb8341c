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
Make a small labelled dataset from the shared clips, to try ``movinet-ros eval-dataset``.

Each clip becomes several recordings: the video as it is, mirrored, cropped, darkened,
played at double and at half speed, and as bags (raw mcap, JPEG sqlite3); one more bag
holds the clips one after the other with an annotation CSV. ``OUT/manifest.csv`` lists
them all with their labels::

    . scripts/env.sh && python scripts/demo_dataset.py /tmp/demo_dataset
    movinet-ros eval-dataset /tmp/demo_dataset/manifest.csv --model M --labels L
        --out /tmp/demo_dataset/eval
"""

import argparse
import csv
import os
import pathlib
import sys

import cv2
from movinet_ros.offline.bags import bag_io as bags
from movinet_ros.offline.video import read_video, video_info
from rosbags.rosbag2 import Writer

REPO_ROOT = pathlib.Path(__file__).resolve().parents[1]
SHARED_CLIPS = pathlib.Path(os.environ.get('MOVINET_SHARED_DIR', REPO_ROOT.parent / 'shared')) \
    / 'clips'
# Clip file -> the Kinetics-600 label of what it shows (the ground truth, not what a model
# says: the workout clip has "Tricep Pushdown" burned in, and the int8 model calls it situp).
CLIPS = {'carving_ice.mp4': 'carving ice', 'example_video01.mp4': 'rope pushdown'}
TOPIC = '/camera/image_raw'


def _write_video(path: pathlib.Path, frames, fps: float) -> str:
    height, width = frames[0].shape[:2]
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*'mp4v'), fps, (width, height))
    if not writer.isOpened():
        sys.exit(f'OpenCV cannot write {path}')
    for frame in frames:
        writer.write(frame)
    writer.release()
    return path.name


def _crop(bgr, share: float = 0.7):
    height, width = bgr.shape[:2]
    h, w = round(height * share), round(width * share)
    top, left = (height - h) // 2, (width - w) // 2
    return bgr[top:top + h, left:left + w]


def _variants(clip: pathlib.Path, out: pathlib.Path, stem: str) -> list[str]:
    fps = video_info(clip).fps
    frames = [frame.bgr for frame in read_video(clip)]
    names = [
        _write_video(out / f'{stem}_mirrored.mp4', [cv2.flip(f, 1) for f in frames], fps),
        _write_video(out / f'{stem}_cropped.mp4', [_crop(f) for f in frames], fps),
        _write_video(out / f'{stem}_dark.mp4',
                     [cv2.convertScaleAbs(f, alpha=0.5) for f in frames], fps),
        _write_video(out / f'{stem}_fast.mp4', frames, fps * 2),
        _write_video(out / f'{stem}_slow.mp4', frames, fps / 2),
    ]
    bags.write_video_bag(clip, out / f'{stem}_raw_bag', TOPIC)
    bags.write_video_bag(clip, out / f'{stem}_jpeg_bag', TOPIC + '/compressed',
                         storage='sqlite3', compressed=True)
    return names + [f'{stem}_raw_bag', f'{stem}_jpeg_bag']


def _concatenated(clips: list[pathlib.Path], labels: list[str], out: pathlib.Path) -> str:
    """Write the clips one after the other into a bag, and their segments into a CSV."""
    store = bags.ros2_typestore()
    first = next(iter(read_video(clips[0])))
    size = (first.bgr.shape[1], first.bgr.shape[0])
    stamp = bags.DEFAULT_START_NS
    segments = []
    with Writer(out / 'one_after_another', version=bags.ROSBAG2_VERSION,
                storage_plugin=bags.STORAGES['mcap']) as writer:
        connection = writer.add_connection(TOPIC, bags.IMAGE_TYPE, typestore=store)
        for clip, label in zip(clips, labels):
            start = stamp
            period = round(1e9 / video_info(clip).fps)
            for frame in read_video(clip, start_ns=start):
                # One size throughout: a size change would reset the stream state.
                bgr = cv2.resize(frame.bgr, size, interpolation=cv2.INTER_AREA)
                msg = bags.image_message(store, bgr, frame.stamp_ns, 'camera')
                data = store.serialize_cdr(msg, bags.IMAGE_TYPE)
                writer.write(connection, frame.stamp_ns, data)
                stamp = frame.stamp_ns + period
            segments.append(((start - bags.DEFAULT_START_NS) / 1e9,
                             (stamp - bags.DEFAULT_START_NS) / 1e9, label))
    (out / 'one_after_another.csv').write_text(
        'start,end,label\n' + ''.join(f'{s:.3f},{e:.3f},{label}\n' for s, e, label in segments),
        encoding='utf-8')
    return 'one_after_another'


def main() -> int:
    """Write the dataset and its manifest."""
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('out', type=pathlib.Path, help='folder to create')
    parser.add_argument('--clips', type=pathlib.Path, default=SHARED_CLIPS,
                        help=f'folder with {" and ".join(CLIPS)} (default {SHARED_CLIPS})')
    args = parser.parse_args()
    clips = [args.clips / name for name in CLIPS]
    missing = [str(clip) for clip in clips if not clip.is_file()]
    if missing:
        print(f'demo_dataset: no clip at {", ".join(missing)}; pass --clips', file=sys.stderr)
        return 2
    args.out.mkdir(parents=True, exist_ok=False)
    rows = []
    for clip, label in zip(clips, CLIPS.values()):
        rows.append((str(clip.resolve()), label, ''))
        rows += [(name, label, '') for name in _variants(clip, args.out, clip.stem)]
    rows.append((_concatenated(clips, list(CLIPS.values()), args.out), '',
                 'one_after_another.csv'))
    with open(args.out / 'manifest.csv', 'w', newline='', encoding='utf-8') as stream:
        writer = csv.writer(stream, lineterminator='\n')
        writer.writerow(['recording', 'label', 'annotations'])
        writer.writerows(rows)
    print(f'wrote {len(rows)} recordings and {args.out / "manifest.csv"}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
