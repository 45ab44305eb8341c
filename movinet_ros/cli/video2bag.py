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


"""``movinet-ros video2bag VIDEO OUT``: write a video's frames into a rosbag2 as camera images."""

import argparse

from movinet_ros.cli.options import int_in_range, positive_int
from movinet_ros.offline.bags.bag_io import (
    COMPRESSED_IMAGE_TYPE, IMAGE_TYPE, STORAGES, write_video_bag)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the video2bag options."""
    parser.add_argument('video', help='video file OpenCV can read')
    parser.add_argument('out', help='rosbag2 folder to create (must not exist)')
    parser.add_argument('--topic', required=True, help='image topic, e.g. /camera/image_raw')
    parser.add_argument('--storage', choices=sorted(STORAGES), default='mcap',
                        help='bag storage (default mcap)')
    parser.add_argument('--compressed', action='store_true',
                        help='write JPEG CompressedImage messages instead of bgr8 Image')
    parser.add_argument('--jpeg-quality', type=int_in_range(0, 100), default=90,
                        help='JPEG quality 0-100 with --compressed (default 90)')
    parser.add_argument('--frame-id', default='camera', help='header.frame_id (default camera)')
    parser.add_argument('--max-frames', type=positive_int, default=None, metavar='N',
                        help='stop after N frames')


def run(args: argparse.Namespace) -> int:
    """Write the bag and say what it holds."""
    count = write_video_bag(args.video, args.out, args.topic, storage=args.storage,
                            compressed=args.compressed, frame_id=args.frame_id,
                            jpeg_quality=args.jpeg_quality, max_frames=args.max_frames)
    msgtype = COMPRESSED_IMAGE_TYPE if args.compressed else IMAGE_TYPE
    print(f'wrote {count} {msgtype} messages on {args.topic} to {args.out} ({args.storage})')
    return 0
