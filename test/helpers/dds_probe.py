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
Small ROS 2 processes for the two-process message test: publish or receive ActionRecognition.

Run as ``python dds_probe.py pub`` (publishes a fixed message at 20 Hz for at most
``--seconds``) or ``python dds_probe.py sub`` (prints the first message received as one JSON
line and exits 0, or exits 3 after ``--seconds`` without one).
"""

import argparse
import json
import sys
import time

from builtin_interfaces.msg import Time
from movinet_ros_interfaces.msg import ActionHypothesis, ActionRecognition
import rclpy
from rclpy.qos import QoSProfile, ReliabilityPolicy

TOPIC = 'actions'


def sample_message() -> ActionRecognition:
    """Build the message both sides agree on, with every field set to a non-default value."""
    msg = ActionRecognition()
    msg.header.stamp = Time(sec=1_700_000_123, nanosec=456_789_012)
    msg.header.frame_id = 'camera_optical_frame'
    msg.results = [
        ActionHypothesis(class_id=96, label='carving ice', score=0.875),
        ActionHypothesis(class_id=599, label='zumba', score=0.0625),
        ActionHypothesis(class_id=0, label='abseiling ünïcødé', score=0.03125),
    ]
    msg.model = 'movinet_a0_stream_int8.tflite'
    msg.frames_in_state = 2**40 + 7
    msg.num_classes = 600
    msg.inference_ms = 4.5
    return msg


def to_dict(msg: ActionRecognition) -> dict:
    """Flatten a message into plain JSON-able values, field for field."""
    return {
        'stamp': [msg.header.stamp.sec, msg.header.stamp.nanosec],
        'frame_id': msg.header.frame_id,
        'results': [[r.class_id, r.label, r.score] for r in msg.results],
        'model': msg.model,
        'frames_in_state': msg.frames_in_state,
        'num_classes': msg.num_classes,
        'inference_ms': msg.inference_ms,
    }


def main() -> int:
    """Publish or subscribe, bounded by --seconds."""
    parser = argparse.ArgumentParser()
    parser.add_argument('mode', choices=['pub', 'sub'])
    parser.add_argument('--seconds', type=float, default=20.0)
    args = parser.parse_args()
    rclpy.init()
    node = rclpy.create_node(f'dds_probe_{args.mode}')
    qos = QoSProfile(depth=10, reliability=ReliabilityPolicy.RELIABLE)
    received = []
    if args.mode == 'pub':
        publisher = node.create_publisher(ActionRecognition, TOPIC, qos)
        node.create_timer(0.05, lambda: publisher.publish(sample_message()))
    else:
        node.create_subscription(ActionRecognition, TOPIC, received.append, qos)
    deadline = time.monotonic() + args.seconds
    while time.monotonic() < deadline and not received:
        rclpy.spin_once(node, timeout_sec=0.1)
    if received:
        print(json.dumps(to_dict(received[0])), flush=True)
    node.destroy_node()
    rclpy.shutdown()
    return 0 if received or args.mode == 'pub' else 3


if __name__ == '__main__':
    sys.exit(main())
