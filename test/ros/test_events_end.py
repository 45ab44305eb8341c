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
Every START gets its END: events end when the input stops, and whenever the node stops.

Offline, a gap in a bag ends the event in ``run_bags`` (``movinet-ros eval``) as the node
would. Live, on a real DDS graph of processes (the node, camera drivers looping the
carving-ice clip at 30 Hz 640x480, and a subscriber), an ongoing "carving ice" event ends
on ``~/reset``, on deactivate and on SIGINT to the node; and when its camera is killed
(SIGKILL, within event_input_timeout_sec + 1 s of the camera's last frame) or replaced by a
new camera process (before any event of the new stream).
"""

import json
import signal
import time

from helpers.clips import carving_frames, CARVING_ICE, write_switch_bag
from helpers.constants import CAMERA, CLIP_PATH, FASTDDS_PROFILE, NS_PER_SEC as NS, require
from helpers.nodes import stamp_ns, start_node
from helpers.pipelines import new_pipeline
from movinet_ros.core.events import (
    EventConfig, EventKind, REASON_DEACTIVATED, REASON_INPUT_STOPPED, REASON_RESET,
    REASON_SHUTDOWN)
from movinet_ros.core.throttle import ResetReason
from movinet_ros.offline.bags.replay import REASON_ONGOING, run_bags
import pytest
from testbed import camera_driver_command

PERIOD = NS // 5
BASE = 1_700_000_000 * NS


def _ns(time_msg):
    return time_msg.sec * NS + time_msg.nanosec


def _bag_with_a_gap(shared_dir, path, gap_ns):
    """Write carving ice (4.4 s at 5 fps), a silence of ``gap_ns``, carving ice again."""
    carving = carving_frames(shared_dir)
    first = [(BASE + index * PERIOD, rgb) for index, rgb in enumerate(carving)]
    resume = first[-1][0] + gap_ns
    second = [(resume + index * PERIOD, rgb) for index, rgb in enumerate(carving)]
    write_switch_bag(path, CAMERA, first + second, compressed=False)
    return first[-1][0], resume


def _carving(events):
    return [(e.kind, e.reason, e.start_ns, e.end_ns, e.stamp_ns) for e in events
            if e.label == CARVING_ICE]


@pytest.mark.model
def test_a_gap_in_a_bag_ends_the_event_as_the_node_would(shared_dir, tmp_path):
    pipeline = new_pipeline()
    last, resume = _bag_with_a_gap(shared_dir, tmp_path / 'long', 3 * NS)
    # Silent longer than the input timeout (default 2 s): "input stopped" at the last frame,
    # then a new event on the frames after the gap, ended where the bag ends.
    events = _carving(run_bags(tmp_path / 'long', CAMERA, pipeline).events)
    kinds = [kind for kind, *_ in events]
    assert kinds == [EventKind.START, EventKind.END, EventKind.START, EventKind.END], events
    first_start, stopped, second_start, at_end = events
    assert stopped[1:] == (REASON_INPUT_STOPPED, first_start[2], last, last)
    assert second_start[2] >= resume and at_end[1] == REASON_ONGOING
    # A timeout longer than the gap: the stream reset the gap causes ends the event instead,
    # decided by the first frame after it.
    longer = EventConfig(input_timeout_sec=5.0)
    events = _carving(run_bags(tmp_path / 'long', CAMERA, pipeline,
                               event_config=longer).events)
    assert [e[:2] for e in events[:2]] == [
        (EventKind.START, ''), (EventKind.END, REASON_RESET + ResetReason.GAP.value)]
    assert events[1][3:] == (last, resume)
    # A 1 s gap resets nothing (reset_gap_sec is 2 s) and is within the default timeout:
    # one event throughout; a 0.5 s timeout ends it at the gap.
    last, resume = _bag_with_a_gap(shared_dir, tmp_path / 'short', NS)
    events = _carving(run_bags(tmp_path / 'short', CAMERA, pipeline).events)
    assert [e[:2] for e in events] == [(EventKind.START, ''), (EventKind.END, REASON_ONGOING)]
    short = EventConfig(input_timeout_sec=0.5)
    events = _carving(run_bags(tmp_path / 'short', CAMERA, pipeline,
                               event_config=short).events)
    assert [e[:2] for e in events] == [
        (EventKind.START, ''), (EventKind.END, REASON_INPUT_STOPPED),
        (EventKind.START, ''), (EventKind.END, REASON_ONGOING)]
    assert events[1][3:] == (last, last) and events[2][2] >= resume


# Live ----------------------------------------------------------------------------------
# START of carving ice: the defaults (enter 0.5 for 0.6 s) decide it within a few seconds
# of the first frame; generous bounds for a loaded machine.
START_TIMEOUT_SEC = 30.0
END_TIMEOUT_SEC = 10.0


def _start_camera(graph, name):
    """Start a camera driver process looping carving ice at 30 Hz 640x480 on CAMERA."""
    from movinet_ros.ros.dds_profile import profile_environment
    command = camera_driver_command(
        '--clip', str(CLIP_PATH), '--size', '640x480', '--rate', '30',
        '--frames', '1000000', '--topic', CAMERA, '--name', name,
        '--frame-id', name + '_optical_frame', '--print-each')
    return graph.start_command(command, profile_environment(FASTDDS_PROFILE))


def _last_sent(graph, camera):
    """Return (stamp ns, steady ns) of the last frame a camera driver printed as sent."""
    lines = [line for line in graph.output(camera).splitlines() if line.startswith('{"stamp"')]
    assert lines, graph.output(camera)
    last = json.loads(lines[-1])
    return last['stamp'], last['steady']


class Events:
    """The probe's view of /action_events: each message with its steady time of receipt."""

    def __init__(self, graph):
        from movinet_ros_interfaces.msg import ActionEvent, ActionRecognition
        from rclpy.qos import QoSProfile, ReliabilityPolicy
        reliable = QoSProfile(depth=100, reliability=ReliabilityPolicy.RELIABLE)
        self.graph = graph
        self.received = []
        self.actions = []
        graph.node.create_subscription(
            ActionEvent, '/action_events',
            lambda msg: self.received.append((time.monotonic_ns(), msg)), reliable)
        graph.node.create_subscription(ActionRecognition, '/actions', self.actions.append,
                                       reliable)

    def wait(self, kind, after, timeout):
        """Wait for the first carving-ice event of ``kind`` past index ``after``."""
        def found():
            return next((index for index, (_, msg) in enumerate(self.received)
                         if index >= after and msg.kind == kind and msg.label == CARVING_ICE),
                        None)
        self.graph.spin_until(lambda: found() is not None, timeout)
        index = found()
        assert index is not None, (kind, [(m.kind, m.label, m.reason)
                                          for _, m in self.received])
        return index, self.received[index][0], self.received[index][1]

    def end_of(self, start, after, timeout=END_TIMEOUT_SEC):
        """Wait for the END of the event ``start`` began; check it is that event's."""
        index, at, end = self.wait(EventKind.END, after, timeout)
        assert (end.class_id, end.start) == (start.class_id, start.start), (start, end)
        return index, at, end

    def open_events(self):
        """Return the STARTs without their END so far; ENDs and STARTs must be paired."""
        open_events = set()
        for _, msg in self.received:
            key = (msg.class_id, msg.start.sec, msg.start.nanosec)
            if msg.kind == EventKind.START:
                assert key not in open_events, msg
                open_events.add(key)
            else:
                assert key in open_events, msg
                open_events.remove(key)
        return open_events

    def check_paired(self, timeout=2.0):
        """Every START was followed by exactly one END of its class and start."""
        # The ENDs of one moment (every ongoing event) are published together: the last
        # ones may still be on their way when the first has arrived.
        self.graph.spin_until(lambda: not self.open_events(), timeout)
        assert not self.open_events(), self.open_events()


def _change_state(graph, transition):
    from lifecycle_msgs.msg import Transition
    from lifecycle_msgs.srv import ChangeState
    client = graph.node.create_client(ChangeState, '/movinet/change_state')
    response = graph.call(client, ChangeState.Request(transition=Transition(id=transition)),
                          timeout=30)
    assert response.success, transition


def _set_timeout(graph, seconds):
    from rcl_interfaces.msg import Parameter, ParameterType, ParameterValue
    from rcl_interfaces.srv import SetParameters
    client = graph.node.create_client(SetParameters, '/movinet/set_parameters')
    value = ParameterValue(type=ParameterType.PARAMETER_DOUBLE, double_value=seconds)
    response = graph.call(client, SetParameters.Request(
        parameters=[Parameter(name='event_input_timeout_sec', value=value)]))
    assert response.results[0].successful, response.results[0].reason


@pytest.mark.ros
@pytest.mark.timing
@pytest.mark.model
def test_reset_deactivate_and_sigint_each_end_an_ongoing_event(graph, model_path,
                                                               labels_path):
    from lifecycle_msgs.msg import Transition
    from std_srvs.srv import Trigger
    require(CLIP_PATH)
    node = start_node(graph, model_path, labels_path)
    events = Events(graph)
    _start_camera(graph, 'camera')
    index, _, start = events.wait(EventKind.START, 0, START_TIMEOUT_SEC)

    reset = graph.call(graph.node.create_client(Trigger, '/movinet/reset'), Trigger.Request())
    assert reset.success, reset.message
    index, _, end = events.end_of(start, index)
    assert end.reason == REASON_RESET + 'requested via ~/reset', end.reason
    # The stream goes on: carving ice starts again on the new state.
    index, _, start = events.wait(EventKind.START, index, START_TIMEOUT_SEC)

    _change_state(graph, Transition.TRANSITION_DEACTIVATE)
    index, _, end = events.end_of(start, index)
    assert end.reason == REASON_DEACTIVATED, end.reason
    _change_state(graph, Transition.TRANSITION_ACTIVATE)
    index, _, start = events.wait(EventKind.START, index, START_TIMEOUT_SEC)

    # SIGINT: the END is published and acknowledged before the process goes.
    assert graph.stop(node, signal.SIGINT) == 0, graph.output(node)
    index, _, end = events.end_of(start, index, timeout=2.0)
    assert end.reason == REASON_SHUTDOWN, end.reason
    assert _ns(end.end) == stamp_ns(end.header) >= stamp_ns(start.header)
    assert end.header.frame_id == 'camera_optical_frame'
    events.check_paired()
    assert 'Traceback' not in graph.output(node)


@pytest.mark.ros
@pytest.mark.timing
@pytest.mark.model
def test_a_camera_restarted_or_killed_mid_event_ends_it(graph, model_path, labels_path):
    require(CLIP_PATH)
    # A timeout far above any restart time, so the new process's takeover decides the END.
    node = start_node(graph, model_path, labels_path, '-p', 'event_input_timeout_sec:=60.0')
    events = Events(graph)
    first = _start_camera(graph, 'camera')
    index, _, start = events.wait(EventKind.START, 0, START_TIMEOUT_SEC)

    # Restarted as a new process (another publisher on the topic): the old one dies, the
    # new one comes up and takes the stream over once the old one is silent reset_gap_sec.
    first.send_signal(signal.SIGKILL)
    first.wait(timeout=10)
    second = _start_camera(graph, 'camera_restarted')
    index, at, end = events.end_of(start, index, timeout=START_TIMEOUT_SEC)
    assert end.reason.startswith(REASON_RESET) and 'took the stream over' in end.reason, \
        end.reason
    assert "'camera_restarted_optical_frame'" in end.reason, end.reason
    last_stamp, last_steady = _last_sent(graph, first)
    print(f'\nfigures: camera restarted: END "{end.reason}" {(at - last_steady) / NS:.2f} s '
          "after the old camera's last frame")
    assert _ns(end.end) <= last_stamp
    # The new stream's event comes after the END, and begins after it.
    index, _, start = events.wait(EventKind.START, index, START_TIMEOUT_SEC)
    assert _ns(start.start) > _ns(end.end)
    assert start.header.frame_id == 'camera_restarted_optical_frame'

    # Killed for good: "input stopped" within the timeout + 1 s of its last frame.
    timeout_sec = 2.0
    _set_timeout(graph, timeout_sec)
    second.send_signal(signal.SIGKILL)
    second.wait(timeout=10)
    last_stamp, last_steady = _last_sent(graph, second)
    index, at, end = events.end_of(start, index, timeout=timeout_sec + 5.0)
    after_sec = (at - last_steady) / NS
    print(f'\nfigures: camera killed: END "{end.reason}" {after_sec:.2f} s after its last '
          f'frame (timeout {timeout_sec:g} s)')
    assert end.reason == REASON_INPUT_STOPPED, end.reason
    # The node times from its own receipt of that frame, which may precede the camera's
    # clock read after publishing by a preemption; the check runs every 0.1 s.
    assert timeout_sec - 0.1 < after_sec <= timeout_sec + 1.0, after_sec
    # Its end and header: the last frame the node processed, one the camera sent.
    assert graph.spin_until(lambda: events.actions, 1.0)
    last_processed = stamp_ns(events.actions[-1].header)
    assert _ns(end.end) == stamp_ns(end.header) == last_processed <= last_stamp
    events.check_paired()
    assert node.poll() is None, graph.output(node)
