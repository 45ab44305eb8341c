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

"""The custom messages: construction, serialisation round trip, and a real two-process DDS hop."""

import json
import subprocess
import sys

from helpers import dds_probe
from movinet_ros_interfaces.msg import ActionEvent, ActionHypothesis, ActionRecognition
import pytest
from rclpy.serialization import deserialize_message, serialize_message

PROBE = dds_probe.__file__


def test_messages_have_the_documented_fields():
    msg = ActionRecognition()
    assert set(msg.get_fields_and_field_types()) == {
        'header', 'results', 'model', 'frames_in_state', 'num_classes', 'inference_ms'}
    assert msg.get_fields_and_field_types()['results'] == \
        'sequence<movinet_ros_interfaces/ActionHypothesis>'
    assert ActionHypothesis.get_fields_and_field_types() == {
        'class_id': 'int32', 'label': 'string', 'score': 'float'}


def test_action_event_has_the_documented_fields_and_kinds():
    assert ActionEvent.get_fields_and_field_types() == {
        'header': 'std_msgs/Header', 'class_id': 'int32', 'label': 'string', 'kind': 'uint8',
        'start': 'builtin_interfaces/Time', 'end': 'builtin_interfaces/Time',
        'peak_score': 'float', 'mean_score': 'float', 'reason': 'string'}
    from movinet_ros.core.events import ActionEvent as Event, EventKind
    from movinet_ros.ros.message_conversion import event_to_msg
    assert (ActionEvent.START, ActionEvent.END) == (EventKind.START, EventKind.END)
    event = Event(kind=EventKind.END, class_id=72, label='carving ice', stamp_ns=3_500_000_000,
                  start_ns=1_000_000_000, end_ns=2_250_000_000, peak_score=0.75,
                  mean_score=0.5, reason='score below exit')
    msg = deserialize_message(serialize_message(event_to_msg(event, 'camera')), ActionEvent)
    assert (msg.kind, msg.label, msg.class_id, msg.reason) == (
        ActionEvent.END, 'carving ice', 72, 'score below exit')
    assert (msg.header.stamp.sec, msg.header.stamp.nanosec, msg.header.frame_id) == (
        3, 500_000_000, 'camera')
    assert (msg.start.sec, msg.end.sec, msg.end.nanosec) == (1, 2, 250_000_000)
    assert (msg.peak_score, msg.mean_score) == (0.75, 0.5)


def test_serialization_round_trip_keeps_every_field():
    original = dds_probe.sample_message()
    data = serialize_message(original)
    restored = deserialize_message(data, ActionRecognition)
    assert restored == original
    assert dds_probe.to_dict(restored) == dds_probe.to_dict(original)
    assert restored.results[0].label == 'carving ice'


@pytest.mark.ros
def test_two_processes_exchange_action_recognition_over_dds(ros_env):
    subscriber = subprocess.Popen([sys.executable, str(PROBE), 'sub', '--seconds', '30'],
                                  env=ros_env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                  text=True)
    publisher = subprocess.Popen([sys.executable, str(PROBE), 'pub', '--seconds', '30'],
                                 env=ros_env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                 text=True)
    try:
        out, err = subscriber.communicate(timeout=45)
    finally:
        publisher.terminate()
        publisher.wait(timeout=15)
    assert subscriber.returncode == 0, f'subscriber got nothing:\n{err}'
    received = json.loads(out.strip().splitlines()[-1])
    assert received == dds_probe.to_dict(dds_probe.sample_message())
