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
Print how many camera frames reach a subscriber per QoS and profile (docs/cameras_and_dds.md).

For each row, a camera driver process (tools/testbed/camera_driver.py) publishes 200
bgr8 frames at 30 Hz with the row's reliability and Fast DDS profile, and a plain counting
subscriber here (the node's input QoS with the row's reliability) counts what arrives and
what DDS reports lost. Everything stays on this machine (localhost
discovery, loopback-only profiles, its own ROS_DOMAIN_ID). About 3 minutes. Example:

    . scripts/env.sh && python tools/dds_delivery.py [--clip ../shared/clips/carving_ice.mp4]
"""

import argparse
import json
import os
import pathlib
import subprocess
import sys
import time

from testbed import camera_driver_command

REPO = pathlib.Path(__file__).resolve().parents[1]
PROFILES = {'defaults': REPO / 'config' / 'fastdds_localhost.xml',
            'images': REPO / 'config' / 'fastdds_images_localhost.xml'}
FRAMES = 200
# (publisher reliability, subscriber reliability, publisher profile, sizes)
ROWS = (
    ('best_effort', 'best_effort', 'defaults', ('320x240', '640x480', '1280x720')),
    ('best_effort', 'best_effort', 'images', ('320x240', '640x480', '1280x720')),
    ('reliable', 'best_effort', 'defaults', ('640x480',)),
    ('reliable', 'reliable', 'defaults', ('320x240', '640x480', '1280x720')),
    ('reliable', 'reliable', 'images', ('640x480', '1280x720')),
)
SIZES = ('320x240', '640x480', '1280x720')


def main() -> int:
    """Run every row and print one markdown table."""
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--clip', type=pathlib.Path,
                        default=REPO.parent / 'shared' / 'clips' / 'carving_ice.mp4')
    parser.add_argument('--domain-id', type=int, default=os.getpid() % 100 + 101)
    args = parser.parse_args()
    from movinet_ros.ros.dds_profile import profile_environment
    from movinet_ros.ros.subscription_qos import INPUT_DEPTH, input_profile
    if not args.clip.is_file():
        print(f'no clip at {args.clip}: this script needs ../shared', file=sys.stderr)
        return 1
    env = dict(os.environ, ROS_AUTOMATIC_DISCOVERY_RANGE='LOCALHOST',
               ROS_DOMAIN_ID=str(args.domain_id),
               **profile_environment(PROFILES['images']))
    env.pop('ROS_LOCALHOST_ONLY', None)
    os.environ.update(env)

    import rclpy
    from rclpy.event_handler import SubscriptionEventCallbacks
    from rclpy.qos import ReliabilityPolicy
    from sensor_msgs.msg import Image

    rclpy.init(domain_id=args.domain_id)
    node = rclpy.create_node('delivery_probe')
    policies = {'reliable': ReliabilityPolicy.RELIABLE,
                'best_effort': ReliabilityPolicy.BEST_EFFORT}
    print('| publisher | subscriber | publisher profile | '
          + ' | '.join(f'{size} received (lost)' for size in SIZES) + ' |')
    print('|---|---|---|' + '---|' * len(SIZES))
    for publisher, subscriber, profile, sizes in ROWS:
        cells = []
        for size in SIZES:
            if size not in sizes:
                cells.append('')
                continue
            received, lost = [], []
            subscription = node.create_subscription(
                Image, '/camera/image_raw', lambda data: received.append(1),
                input_profile(policies[subscriber]), raw=True,
                event_callbacks=SubscriptionEventCallbacks(
                    message_lost=lambda info: lost.append(info.total_count_change)))
            driver = subprocess.Popen(
                camera_driver_command(
                    '--clip', str(args.clip), '--size', size, '--reliability', publisher,
                    '--frames', str(FRAMES)),
                env=dict(env, **profile_environment(PROFILES[profile])),
                stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
            deadline = time.monotonic() + 60
            while driver.poll() is None and time.monotonic() < deadline:
                rclpy.spin_once(node, timeout_sec=0.05)
            if driver.poll() is None:
                driver.kill()
            sent = len(json.loads(driver.communicate()[0].strip().splitlines()[-1])['sent'])
            node.destroy_subscription(subscription)
            cells.append(f'{len(received)} of {sent} ({sum(lost)})')
        print(f'| {publisher.replace("_", " ")} | {subscriber.replace("_", " ")} '
              f'depth {INPUT_DEPTH} | {profile} | ' + ' | '.join(cells) + ' |', flush=True)
    node.destroy_node()
    rclpy.try_shutdown()
    return 0


if __name__ == '__main__':
    sys.exit(main())
