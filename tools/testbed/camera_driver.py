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
A stand-in for a robot's camera driver, as its own process: the node does not choose its QoS.

Publishes the carving-ice clip, resized to ``--size``, looped, as bgr8 sensor_msgs/Image on
``--topic`` at ``--rate`` Hz with a ``--reliability`` QoS of depth 10 (what v4l2_camera and
usb_cam offer), each frame stamped with the wall clock just before it is published, as a
driver does. Whatever DDS profile the environment gives it is its own (the tests pass
Fast DDS's default segment, or config/fastdds_images_localhost.xml). It waits (bounded) for
one subscriber, then sends ``--frames`` frames on a fixed schedule and prints one JSON line:
the stamps it sent. The tests, ``tools/bench.py`` and ``tools/dds_delivery.py`` run it:

    python tools/testbed/camera_driver.py --clip carving_ice.mp4 --size 640x480

A misbehaving second camera for the reliability tests: ``--stamp-offset`` shifts its clock,
``--jitter-ms`` adds uniform stamp jitter, ``--name`` and ``--frame-id`` tell it apart.
``--print-each`` prints one JSON line per frame as it goes (its stamp and the steady clock
after publishing), for tests that kill the driver and need its last frame.
``--then SIZE:FRAMES`` (repeatable) goes on at another size after the first ``--frames``, on
the same schedule: a best-effort camera whose large frames are lost in transport and whose
small ones are not, for the loss-episode tests.
"""

import argparse
import json
import random
import sys
import time

import cv2
from movinet_ros.core.stamps import split_ns
import rclpy
from rclpy.qos import QoSProfile, ReliabilityPolicy
from sensor_msgs.msg import Image

RELIABILITY = {'reliable': ReliabilityPolicy.RELIABLE,
               'best_effort': ReliabilityPolicy.BEST_EFFORT}


def clip_messages(path: str, width: int, height: int,
                  frame_id: str = 'camera_optical_frame') -> list[Image]:
    """Return the clip's frames as bgr8 Images of ``width`` x ``height``, unstamped."""
    capture = cv2.VideoCapture(path)
    messages = []
    while True:
        ok, bgr = capture.read()
        if not ok:
            break
        bgr = cv2.resize(bgr, (width, height), interpolation=cv2.INTER_LINEAR)
        msg = Image(height=height, width=width, encoding='bgr8', step=width * 3)
        msg.header.frame_id = frame_id
        msg.data = bgr.tobytes()
        messages.append(msg)
    capture.release()
    if not messages:
        raise SystemExit(f'no frame could be read from {path}')
    return messages


def main() -> int:
    """Publish the clip as a camera would; print the sent stamps as JSON."""
    parser = argparse.ArgumentParser()
    parser.add_argument('--clip', required=True)
    parser.add_argument('--topic', default='/camera/image_raw')
    parser.add_argument('--size', default='640x480')
    parser.add_argument('--rate', type=float, default=30.0)
    parser.add_argument('--frames', type=int, default=300)
    parser.add_argument('--reliability', choices=sorted(RELIABILITY), default='reliable')
    parser.add_argument('--wait', type=float, default=20.0,
                        help='seconds to wait for a subscriber at most')
    parser.add_argument('--name', default='camera_driver', help='node name')
    parser.add_argument('--frame-id', default='camera_optical_frame')
    parser.add_argument('--stamp-offset', type=float, default=0.0,
                        help='seconds added to every stamp (another clock)')
    parser.add_argument('--jitter-ms', type=float, default=0.0,
                        help='uniform stamp jitter of +- this many ms')
    parser.add_argument('--print-each', action='store_true',
                        help='print {"stamp": ns, "steady": ns} after each frame published '
                             '(steady: time.monotonic_ns, the same clock in every process)')
    parser.add_argument('--then', action='append', default=[], metavar='SIZE:FRAMES',
                        help='after the frames before, send FRAMES more at SIZE')
    args = parser.parse_args()
    phases = [(args.size, args.frames)] + [
        (size, int(frames)) for size, _, frames in (then.partition(':') for then in args.then)]
    schedule = []
    for size, frames in phases:
        width, height = (int(side) for side in size.split('x'))
        messages = clip_messages(args.clip, width, height, args.frame_id)
        schedule += [messages[index % len(messages)] for index in range(frames)]
    offset_ns = int(args.stamp_offset * 1e9)
    jitter_ns = int(args.jitter_ms * 1e6)
    rng = random.Random(17)

    rclpy.init()
    node = rclpy.create_node(args.name)
    publisher = node.create_publisher(
        Image, args.topic,
        QoSProfile(depth=10, reliability=RELIABILITY[args.reliability]))
    deadline = time.monotonic() + args.wait
    while publisher.get_subscription_count() == 0 and time.monotonic() < deadline:
        time.sleep(0.05)
    sent = []
    start = time.monotonic()
    for index, msg in enumerate(schedule):
        delay = start + index / args.rate - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        now = time.time_ns() + offset_ns + rng.randint(-jitter_ns, jitter_ns)
        msg.header.stamp.sec, msg.header.stamp.nanosec = split_ns(now)
        publisher.publish(msg)
        sent.append(now)
        if args.print_each:
            print(json.dumps({'stamp': now, 'steady': time.monotonic_ns()}), flush=True)
    # Give a reliable writer time to deliver its last samples before the process goes.
    time.sleep(1.0)
    print(json.dumps({'sent': sent}), flush=True)
    node.destroy_node()
    rclpy.try_shutdown()
    return 0


if __name__ == '__main__':
    sys.exit(main())
