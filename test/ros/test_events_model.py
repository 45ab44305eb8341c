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
Action events on the real model and clips: a workout, carving ice, the workout again.

Offline through ``movinet-ros eval`` and live through the node, on the same frames: one
carving-ice START near the switch, its END after the switch back, the same stamps in both.
"""

import csv
import json

from helpers import clips
from helpers.constants import CAMERA, LABELS_PATH, MODEL_PATH, NS_PER_SEC as SEC
from helpers.pipelines import new_pipeline
from movinet_ros import cli
from movinet_ros.core.events import EventConfig, EventKind, events_from_recognitions
import pytest

PERIOD = SEC // 5
BASE = 1_700_000_000 * SEC
TOPIC = CAMERA


def _stream(shared_dir):
    """Return the workout (10 s), carving ice twice (8.4 s), the workout again, at 5 fps."""
    other = list(clips.other_frames(shared_dir))
    carving = list(clips.carving_frames(shared_dir))
    frames = other + carving * 2 + other
    stream = [(BASE + index * PERIOD, rgb) for index, rgb in enumerate(frames)]
    return stream, stream[len(other)][0], stream[len(other) + 2 * len(carving)][0]


def _check_carving(rows, switch_ns, back_ns):
    carving = [row for row in rows if row['label'] == clips.CARVING_ICE]
    assert len(carving) == 1, rows
    (event,) = carving
    # Starts within 2 s of the switch, decided min_duration later; ends after the switch
    # back, within the 6 s context plus the gap.
    assert switch_ns <= event['start_ns'] <= switch_ns + 2 * SEC, (event, switch_ns)
    assert event['started_ns'] - event['start_ns'] >= EventConfig().min_duration_sec * SEC
    assert back_ns <= event['end_ns'] <= back_ns + 6 * SEC, (event, back_ns)
    assert event['ended_ns'] > event['end_ns'] and event['reason'] == 'score below exit'
    assert event['peak_score'] > 0.9
    return event


@pytest.mark.model
def test_the_pipeline_gives_one_carving_event_around_the_carving_frames(shared_dir):
    stream, switch_ns, back_ns = _stream(shared_dir)
    pipeline = new_pipeline()
    results = [r for stamp, rgb in stream if (r := pipeline.process(rgb, stamp)) is not None]
    assert len(results) == len(stream)
    events = events_from_recognitions(results, pipeline.labels)
    starts = {(e.class_id, e.start_ns): e for e in events if e.kind == EventKind.START}
    rows = [{'label': e.label, 'start_ns': e.start_ns, 'end_ns': e.end_ns,
             'started_ns': starts[(e.class_id, e.start_ns)].stamp_ns, 'ended_ns': e.stamp_ns,
             'reason': e.reason, 'peak_score': e.peak_score}
            for e in events if e.kind == EventKind.END]
    _check_carving(rows, switch_ns, back_ns)


def _eval(shared_dir, tmp_path, stream, switch_ns, back_ns):
    clips.write_switch_bag(tmp_path / 'bag', TOPIC, stream, compressed=False)
    (tmp_path / 'truth.csv').write_text(
        f'start,end,label\n{(switch_ns - BASE) / SEC:.3f},{(back_ns - BASE) / SEC:.3f},'
        f'{clips.CARVING_ICE}\n', encoding='utf-8')
    model, labels = MODEL_PATH, LABELS_PATH
    assert cli.main(['eval', str(tmp_path / 'bag'), '--topic', TOPIC, '--model', str(model),
                     '--labels', str(labels), '--annotations', str(tmp_path / 'truth.csv'),
                     '--out', str(tmp_path / 'out')]) == 0
    summary = json.loads((tmp_path / 'out' / 'summary.json').read_text(encoding='utf-8'))
    with open(tmp_path / 'out' / 'events.csv', encoding='utf-8') as stream_csv:
        rows = list(csv.DictReader(stream_csv))
    for row in rows:
        for key in ('start_ns', 'end_ns', 'started_ns', 'ended_ns', 'class_id'):
            row[key] = int(row[key])
        row['peak_score'] = float(row['peak_score'])
    return summary, rows


@pytest.mark.model
def test_eval_writes_the_events_and_scores_them_at_iou_half(shared_dir, tmp_path):
    stream, switch_ns, back_ns = _stream(shared_dir)
    summary, rows = _eval(shared_dir, tmp_path, stream, switch_ns, back_ns)
    event = _check_carving(rows, switch_ns, back_ns)
    iou = (min(event['end_ns'], back_ns) - max(event['start_ns'], switch_ns)) / (
        max(event['end_ns'], back_ns) - min(event['start_ns'], switch_ns))
    assert iou >= 0.5
    events = summary['events']
    # The one annotated segment is found; every other event (workout labels) is unannotated.
    assert events['count'] == len(rows) and events['matched'] == 1
    assert events['recall'] == 1.0 and events['precision'] == pytest.approx(1 / len(rows))
    assert events['f1'] == pytest.approx(2 * events['precision'] / (events['precision'] + 1))
    assert (tmp_path / 'out' / 'timeline.png').stat().st_size > 0


@pytest.mark.ros
@pytest.mark.model
def test_live_node_publishes_the_same_events_as_eval(graph, shared_dir, tmp_path):
    from diagnostic_msgs.msg import DiagnosticArray
    from movinet_ros.ros.message_conversion import pixels_to_image_msg, stamp_from_ns
    from movinet_ros_interfaces.msg import ActionEvent, ActionRecognition
    from rclpy.qos import QoSProfile, ReliabilityPolicy
    from sensor_msgs.msg import Image
    import cv2

    stream, switch_ns, back_ns = _stream(shared_dir)
    _, offline = _eval(shared_dir, tmp_path, stream, switch_ns, back_ns)
    # Subscribed reliable from the start: with input_qos auto, a node up before this camera
    # subscribes best effort, then again reliable, and the first frame could fall between.
    node = graph.start_movinet_node(MODEL_PATH, LABELS_PATH, TOPIC, '-p', 'input_qos:=reliable')
    reliable = QoSProfile(depth=100, reliability=ReliabilityPolicy.RELIABLE)
    events, results = [], []
    subscriptions = [
        graph.node.create_subscription(ActionEvent, '/action_events', events.append, reliable),
        graph.node.create_subscription(ActionRecognition, '/actions', results.append, reliable)]
    diagnostics = []
    graph.node.create_subscription(
        DiagnosticArray, '/diagnostics',
        lambda msg: diagnostics.append({kv.key: kv.value for kv in msg.status[0].values}), 10)
    # The same bgr8 pixels the bag holds, so the model sees identical input.
    messages = [pixels_to_image_msg(cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR), 'bgr8',
                                    stamp_from_ns(stamp), 'camera') for stamp, rgb in stream]
    publisher = graph.node.create_publisher(Image, TOPIC, QoSProfile(
        depth=10, reliability=ReliabilityPolicy.RELIABLE))
    assert graph.spin_until(lambda: publisher.get_subscription_count() > 0 and all(
        subscription.get_publisher_count() > 0 for subscription in subscriptions), 30)
    sent = []

    def publish():
        # Stamps 200 ms apart: the node processes every frame. The next goes once the node
        # has published the result of the last, so the comparison needs every frame
        # processed, not a node that keeps up with a timer (a node held up takes the newest
        # frames of its keep-last queue; test_cameras_dds.py pins the rate it then keeps).
        if len(sent) < len(messages) and len(results) == len(sent):
            publisher.publish(messages[len(sent)])
            sent.append(True)

    graph.node.create_timer(0.1, publish)
    ended = [row for row in offline if row['reason'] == 'score below exit']
    assert graph.spin_until(lambda: len(results) == len(messages)
                            and sum(e.kind == ActionEvent.END for e in events) >= len(ended),
                            120), (len(sent), len(results), len(events), graph.output(node))
    graph.spin_for(1.0)
    assert node.poll() is None, graph.output(node)
    starts = sum(e.kind == ActionEvent.START for e in events)
    assert graph.spin_until(
        lambda: diagnostics and diagnostics[-1].get('events_started') == str(starts), 5), \
        diagnostics[-1:]
    assert diagnostics[-1]['events_ongoing'] == str(starts - len(ended))

    def ns(stamp):
        return stamp.sec * SEC + stamp.nanosec

    live_starts = sorted((e.label, ns(e.start), ns(e.header.stamp)) for e in events
                         if e.kind == ActionEvent.START)
    live_ends = sorted((e.label, ns(e.start), ns(e.end), ns(e.header.stamp), e.reason)
                       for e in events if e.kind == ActionEvent.END)
    assert live_starts == sorted((r['label'], r['start_ns'], r['started_ns']) for r in offline)
    assert live_ends == sorted((r['label'], r['start_ns'], r['end_ns'], r['ended_ns'],
                                r['reason']) for r in ended)
    assert any(e.label == clips.CARVING_ICE for e in events)
    assert all(e.header.frame_id == 'camera' for e in events)
