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


"""``movinet-ros watch``: the live top-k of an ActionRecognition topic, in the terminal."""

import argparse
import sys
import time

from movinet_ros.cli.options import non_negative_float, non_negative_int
from movinet_ros.core.stamps import stamp_to_ns

BAR_WIDTH = 40


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the watch options."""
    parser.add_argument('--topic', default='actions', help='ActionRecognition topic')
    parser.add_argument('--count', type=non_negative_int, default=0,
                        help='exit after N messages (0: never)')
    parser.add_argument('--seconds', type=non_negative_float, default=0.0,
                        help='exit after this long (0: never)')
    parser.add_argument('--ready-file', default='',
                        help='create this file once a publisher of the topic is matched, '
                             'for a script that starts the stream only then')


def render(msg, now_ns: int) -> str:
    """Format one ActionRecognition as score bars with its latency."""
    stamp_ns = stamp_to_ns(msg.header.stamp)
    lines = [f'{msg.model}  frames in state: {msg.frames_in_state}  '
             f'inference: {msg.inference_ms:.1f} ms  '
             f'latency: {(now_ns - stamp_ns) / 1e6:.0f} ms']
    for result in msg.results:
        bar = '#' * int(round(BAR_WIDTH * max(0.0, min(1.0, result.score))))
        lines.append(f'  {result.score:5.3f} {bar:<{BAR_WIDTH}} {result.label}')
    if not msg.results:
        lines.append('  (no class above the score threshold)')
    return '\n'.join(lines)


def run(args: argparse.Namespace) -> int:
    """
    Subscribe and redraw on every message until interrupted or a bound is reached.

    Returns 0, or 1 when not one message arrived (said on stderr).
    """
    import rclpy
    from rclpy.qos import QoSProfile, ReliabilityPolicy

    from movinet_ros.ros.spin import init_with_stop_flag
    from movinet_ros_interfaces.msg import ActionRecognition

    interactive = sys.stdout.isatty()
    received = 0
    # SIGINT / SIGTERM end the loop between spins, as they end the node: the flag also takes
    # a SIGINT that a script's `&` started the viewer ignoring (demo.sh starts it so).
    stop_requested = init_with_stop_flag()
    node = rclpy.create_node('movinet_watch')

    def show(msg) -> None:
        nonlocal received
        received += 1
        text = render(msg, node.get_clock().now().nanoseconds)
        # On a terminal redraw in place; in a pipe or log print one block per message.
        print(('\x1b[H\x1b[J' if interactive else '') + text + ('' if interactive else '\n'),
              flush=True)

    subscription = node.create_subscription(
        ActionRecognition, args.topic, show,
        QoSProfile(depth=10, reliability=ReliabilityPolicy.RELIABLE))
    ready_file = args.ready_file
    if not interactive:
        print(f'waiting for {node.resolve_topic_name(args.topic)} ...', flush=True)
    started = time.monotonic()
    deadline = started + args.seconds if args.seconds > 0 else None
    topic = node.resolve_topic_name(args.topic)
    publishers = 0
    try:
        while not stop_requested and rclpy.ok() and (
                args.count <= 0 or received < args.count) and (
                deadline is None or time.monotonic() < deadline):
            rclpy.spin_once(node, timeout_sec=0.2)
            if ready_file and subscription.get_publisher_count() > 0:
                # Matched, not only discovered: a message published from now on arrives.
                with open(ready_file, 'w', encoding='utf-8'):
                    pass
                ready_file = ''
            if received == 0:
                publishers = node.count_publishers(topic)
    finally:
        node.destroy_node()
        rclpy.try_shutdown()
    if received == 0:
        # A silent exit 0 would read as "all fine" to a user and to a script.
        print(f'movinet-ros watch: nothing arrived on {topic} in '
              f'{time.monotonic() - started:.0f} s ('
              + (f'{publishers} publisher(s) on it, but no message'
                 if publishers else 'no publisher on it') + '; is movinet_node running, '
              'active, and in this ROS_DOMAIN_ID?)', file=sys.stderr)
        return 1
    return 0
