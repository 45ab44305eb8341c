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
Bounded soak of the movinet node: N camera frames through its real callback, memory watched.

The node (real model) runs in this process and is fed through the callback of its image
subscription, with the bytes DDS would deliver: each frame is a fresh 640x480 bgr8
sensor_msgs/Image, serialised with rclpy.serialization, stamped at 30 fps. Calling the
callback directly, rather than publishing over DDS, sends every frame through the node at
the highest rate the node itself sustains, so the run is as long as the node's own work and
no frame is lost to transport. Every ``--malformed-every``-th frame is malformed (the kinds
cycle), and every ``--loop-every`` frames the stamps jump back as a looped bag's do, so the
reject and reset paths are soaked too. The node's timers (diagnostics) are spun in between.

RSS (psutil) is read after ``--warmup`` frames and at the end. Exits 1 if it grew by more
than ``--max-growth-mb`` or on any error: an exception out of the callback, or counters
that differ from a replay of the same stamps through the throttle. Example:

    . scripts/env.sh && python tools/soak.py            # 18,000 frames, a few minutes
    python tools/soak.py --frames 3000 --warmup 500     # quick look
"""

import argparse
import ctypes
import ctypes.util
import gc
import os
import pathlib
import sys
import time
from typing import Callable, List

import cv2
from movinet_ros.core.throttle import StampThrottle
from movinet_ros.offline.video import read_video
from movinet_ros.ros.dds_profile import profile_environment
from movinet_ros.ros.message_conversion import pixels_to_image_msg, stamp_from_ns
from movinet_ros.ros.node import MovinetNode
import numpy as np
import psutil
import rclpy
from rclpy.context import Context
from rclpy.executors import SingleThreadedExecutor
from rclpy.lifecycle import TransitionCallbackReturn
from rclpy.parameter import Parameter
from rclpy.serialization import serialize_message
from sensor_msgs.msg import Image

REPO_ROOT = pathlib.Path(__file__).resolve().parents[1]
SHARED_DIR = pathlib.Path(os.environ.get('MOVINET_SHARED_DIR', REPO_ROOT.parent / 'shared'))
NS = 1_000_000_000
START_NS = 1_700_000_000 * NS
PERIOD_NS = 33_333_333


def parse_args(argv: List[str]) -> argparse.Namespace:
    """Parse the command line."""
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--frames', type=int, default=18_000, help='frames to feed (18000)')
    parser.add_argument('--warmup', type=int, default=1_000,
                        help='frames before the first RSS reading (1000)')
    parser.add_argument('--max-growth-mb', type=float, default=5.0,
                        help='RSS growth after warm-up that fails the soak (5 MB)')
    parser.add_argument('--width', type=int, default=640)
    parser.add_argument('--height', type=int, default=480)
    parser.add_argument('--malformed-every', type=int, default=97,
                        help='every Nth frame is malformed; 0 for none (97)')
    parser.add_argument('--loop-every', type=int, default=4_500,
                        help='stamps jump back every N frames; 0 for never (4500)')
    parser.add_argument('--model', default=str(SHARED_DIR / 'models' /
                                               'movinet_a0_stream_int8.tflite'))
    parser.add_argument('--labels', default=str(SHARED_DIR / 'models' /
                                                'kinetics600_label_map.txt'))
    parser.add_argument('--video', default=str(SHARED_DIR / 'clips' / 'carving_ice.mp4'))
    parser.add_argument('--domain-id', type=int, default=os.getpid() % 100 + 101,
                        help='ROS domain of the in-process node (default from the pid)')
    args = parser.parse_args(argv)
    if args.frames <= args.warmup or args.warmup < 1:
        parser.error('need 1 <= --warmup < --frames')
    return args


def image_msg(bgr: np.ndarray, stamp_ns: int, **fields) -> Image:
    """Build a bgr8 Image, with any field overridden to make it malformed."""
    msg = pixels_to_image_msg(bgr, 'bgr8', stamp_from_ns(stamp_ns), 'camera_optical_frame')
    for name, value in fields.items():
        setattr(msg, name, value)
    return msg


MALFORMED: List[Callable[[np.ndarray, int], Image]] = [
    lambda bgr, t: image_msg(bgr, t, encoding='rgb32'),
    lambda bgr, t: image_msg(bgr, t, data=bytes(100)),
    lambda bgr, t: image_msg(bgr, t, width=0),
    lambda bgr, t: image_msg(bgr, t, step=10),
    lambda bgr, t: image_msg(bgr, t, width=100_000, height=100_000, step=300_000,
                             data=bytes(10)),
]


def _malloc_trim() -> Callable[[], None]:
    try:
        libc = ctypes.CDLL(ctypes.util.find_library('c') or 'libc.so.6')
        return lambda: libc.malloc_trim(0)
    except (OSError, AttributeError):  # not glibc
        return lambda: None


release_free_heap = _malloc_trim()


def rss_mb() -> float:
    """
    Return the resident set size of this process in MB, after returning free heap pages.

    glibc keeps freed 900 kB frame buffers mapped for reuse, which makes RSS wander by a few
    MB; trimming first leaves the memory that is really held, so a leak stands out.
    """
    gc.collect()
    release_free_heap()
    return psutil.Process().memory_info().rss / 2**20


def main(argv: List[str]) -> int:
    """Run the soak and print its figures; return the exit code."""
    args = parse_args(argv)
    for path in (args.model, args.labels, args.video):
        if not pathlib.Path(path).is_file():
            print(f'soak: {path} not found (see README, "Get a model")', file=sys.stderr)
            return 2
    frames = [cv2.resize(frame.bgr, (args.width, args.height), interpolation=cv2.INTER_LINEAR)
              for frame in read_video(args.video)]

    # DDS stays on this machine, as in the tests.
    os.environ.setdefault('ROS_AUTOMATIC_DISCOVERY_RANGE', 'LOCALHOST')
    for variable, value in profile_environment(
            REPO_ROOT / 'config' / 'fastdds_images_localhost.xml').items():
        os.environ.setdefault(variable, value)
    context = Context()
    rclpy.init(context=context, domain_id=args.domain_id)
    node = MovinetNode(context=context, parameter_overrides=[
        Parameter('model_path', value=args.model), Parameter('labels_path', value=args.labels),
        # Fed through its callback: no camera to wait for, as input_qos auto would.
        Parameter('input_qos', value='sensor_data'), Parameter('autostart', value=False)])
    executor = SingleThreadedExecutor(context=context)
    executor.add_node(node)
    errors: List[str] = []
    try:
        if node.trigger_configure() != TransitionCallbackReturn.SUCCESS or \
                node.trigger_activate() != TransitionCallbackReturn.SUCCESS:
            print('soak: the node did not configure and activate', file=sys.stderr)
            return 2
        (subscription,) = [s for s in node.subscriptions if 'image' in s.topic_name]
        callback = subscription.callback
        throttle = StampThrottle()  # the replay that says what the counters must be
        expected = {'processed': 0, 'throttled': 0, 'rejected': 0}
        rss_warm = rss_peak = 0.0
        started = time.perf_counter()
        stamp = START_NS
        for index in range(args.frames):
            if args.loop_every and index and index % args.loop_every == 0:
                stamp = START_NS  # a looped bag: stamps start over
            else:
                stamp += PERIOD_NS
            bgr = frames[index % len(frames)]
            malformed = args.malformed_every and index % args.malformed_every == \
                args.malformed_every - 1
            build = MALFORMED[(index // args.malformed_every) % len(MALFORMED)] \
                if malformed else image_msg
            data = serialize_message(build(bgr, stamp))
            # The node bounds the rate of a stream that resets on its receipt clock: the
            # replay gets the same receipt time (taken just before the callback).
            received_ns = time.monotonic_ns()
            try:
                callback(data, None)
            except Exception as error:  # noqa: B902 - counted and reported, never fatal
                errors.append(f'frame {index}: {error!r}')
            if not throttle.decide(stamp, received_ns).process:
                expected['throttled'] += 1
            elif malformed:
                throttle.cancel()
                expected['rejected'] += 1
            else:
                expected['processed'] += 1
            if index % 30 == 0:
                executor.spin_once(timeout_sec=0.0)  # diagnostics timer
            if index + 1 == args.warmup:
                rss_warm = rss_mb()
            if index + 1 >= args.warmup and index % 500 == 0:
                rss_peak = max(rss_peak, rss_mb())
            if (index + 1) % 3000 == 0:
                print(f'  {index + 1:6d} frames, {time.perf_counter() - started:6.1f} s, '
                      f'RSS {rss_mb():7.1f} MB', flush=True)
        wall = time.perf_counter() - started
        rss_end = rss_mb()
        rss_peak = max(rss_peak, rss_end)
        stats = node.pipeline.stats
        for key, value in expected.items():
            if getattr(stats, key) != value:
                errors.append(f'{key}: node counted {getattr(stats, key)}, expected {value}')
        if stats.received != args.frames:
            errors.append(f'received: node counted {stats.received}, fed {args.frames}')
    finally:
        executor.shutdown()
        node.destroy_node()
        rclpy.try_shutdown(context=context)

    growth = rss_end - rss_warm
    print(f'soak: {args.frames} frames {args.width}x{args.height} bgr8 in {wall:.1f} s '
          f'({args.frames / wall:.0f} frames/s through the callback)')
    print(f'  processed {stats.processed}, throttled {stats.throttled}, rejected '
          f'{stats.rejected}, duplicates {stats.duplicates}, state resets {stats.resets}')
    print(f'  RSS after {args.warmup} warm-up frames {rss_warm:.1f} MB, at the end '
          f'{rss_end:.1f} MB (peak {rss_peak:.1f} MB): growth {growth:+.2f} MB '
          f'(limit {args.max_growth_mb:g} MB)')
    print(f'  errors: {len(errors)}')
    for error in errors[:20]:
        print(f'    {error}')
    failed = errors or growth > args.max_growth_mb
    print('soak: FAILED' if failed else 'soak: passed')
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
