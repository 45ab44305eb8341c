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
Camera images over real DDS as a robot has them: 640x480 and 1280x720 at 30 Hz.

They come from a driver process whose QoS and DDS profile the node does not choose, and no
qos_overrides are set.

The driver (tools/testbed/camera_driver.py) runs on Fast DDS's default 512 KB
shared-memory segment (config/fastdds_localhost.xml: the defaults, kept on localhost) unless
a test gives it config/fastdds_images_localhost.xml. The node runs as `make demo` runs it.
"""

import json
import statistics

from diagnostic_msgs.msg import DiagnosticArray
from helpers.constants import (
    CAMERA, FASTDDS_DEFAULTS_PROFILE as DEFAULTS_PROFILE, FASTDDS_PROFILE as IMAGES_PROFILE,
    NS_PER_SEC as SEC)
from helpers.nodes import stamp_ns
from movinet_ros.ros.dds_profile import profile_environment
from movinet_ros.ros.diagnostics import LOSS_WARN_RATIO
from movinet_ros_interfaces.msg import ActionRecognition
import pytest
from rclpy.qos import QoSProfile, ReliabilityPolicy
from testbed import camera_driver_command

pytestmark = [pytest.mark.ros, pytest.mark.model, pytest.mark.timing]
RELIABLE = QoSProfile(depth=100, reliability=ReliabilityPolicy.RELIABLE)


def start_driver(graph, clip_path, size, reliability, profile, frames=300):
    command = camera_driver_command(
        '--clip', str(clip_path), '--size', size, '--reliability', reliability,
        '--frames', str(frames), '--topic', CAMERA)
    return graph.start_command(command, profile_environment(profile))


def driver_stamps(graph, driver, timeout=60):
    assert graph.spin_until(lambda: driver.poll() is not None, timeout), 'driver hung'
    graph.spin_for(1.0)
    output = graph.output(driver)
    assert driver.returncode == 0, output
    return json.loads(output.strip().splitlines()[-1])['sent']


def subscription_reliability(graph):
    infos = graph.node.get_subscriptions_info_by_topic(CAMERA)
    return {info.qos_profile.reliability for info in infos if info.node_name == 'movinet'}


def run_camera(graph, model_path, labels_path, clip_path, size, reliability, profile,
               expected):
    node = graph.start_movinet_node(model_path, labels_path, CAMERA)
    actions = []
    graph.node.create_subscription(ActionRecognition, '/actions', actions.append, RELIABLE)
    driver = start_driver(graph, clip_path, size, reliability, profile)
    # While the camera runs, the node's subscription is what its publisher calls for.
    assert graph.spin_until(
        lambda: driver.poll() is not None or (
            graph.node.count_publishers(CAMERA) == 1
            and subscription_reliability(graph) == {expected}), 20)
    assert driver.poll() is None and subscription_reliability(graph) == {expected}
    sent = driver_stamps(graph, driver)
    return node, actions, sent


def assert_5_hz_of_source_stamps(graph, node, actions, sent):
    assert len(sent) == 300
    duration = (sent[-1] - sent[0]) / SEC
    rate = len(actions) / duration
    assert 4.5 <= rate <= 5.5, (rate, len(actions), graph.output(node)[-3000:])
    stamps = [stamp_ns(m.header) for m in actions]
    assert set(stamps) <= set(sent), 'an output stamp that no camera frame had'
    intervals = [(b - a) / SEC for a, b in zip(stamps, stamps[1:])]
    assert 0.18 <= statistics.median(intervals) <= 0.24
    assert actions[-1].results[0].label == 'carving ice', [r.label for r in actions[-1].results]


@pytest.mark.parametrize('size', ['640x480', '1280x720'])
def test_reliable_camera_on_fastdds_defaults_is_matched_and_runs_at_5_hz(
        graph, model_path, labels_path, clip_path, size):
    node, actions, sent = run_camera(graph, model_path, labels_path, clip_path, size,
                                     'reliable', DEFAULTS_PROFILE, ReliabilityPolicy.RELIABLE)
    assert_5_hz_of_source_stamps(graph, node, actions, sent)
    assert 'subscribing reliable, depth 2 (1 reliable publisher(s))' in graph.output(node)


def test_best_effort_camera_on_the_images_profile_runs_at_5_hz(
        graph, model_path, labels_path, clip_path):
    node, actions, sent = run_camera(graph, model_path, labels_path, clip_path, '640x480',
                                     'best_effort', IMAGES_PROFILE, ReliabilityPolicy.BEST_EFFORT)
    assert_5_hz_of_source_stamps(graph, node, actions, sent)


def test_best_effort_camera_on_fastdds_defaults_loses_frames_and_the_node_says_so(
        graph, model_path, labels_path, clip_path):
    node = graph.start_movinet_node(model_path, labels_path, CAMERA)
    statuses = []
    graph.node.create_subscription(DiagnosticArray, '/diagnostics',
                                   lambda m: statuses.extend(m.status), 10)
    driver = start_driver(graph, clip_path, '640x480', 'best_effort', DEFAULTS_PROFILE,
                          frames=450)

    def loss_warnings():
        # A WARN saying what to do, with a loss above the node's warning share. How much
        # is lost depends on the DDS (most of the frames on Kilted's Fast DDS 3, about a
        # quarter on Jazzy's Fast DDS 2 on this machine).
        return [s for s in statuses if 'never arrive' in s.message and s.level == bytes([1])
                and float({v.key: v.value for v in s.values}['input_loss_ratio'])
                >= LOSS_WARN_RATIO]

    def warned():
        return bool(loss_warnings())

    assert graph.spin_until(lambda: graph.node.count_publishers(CAMERA) == 1, 20)
    # The driver starts sending once the node's subscription matches it: within 10 s of that.
    started = len(statuses)
    assert graph.spin_until(warned, 11), [s.message for s in statuses[started:]]
    assert driver.poll() is None, 'the warning came while the camera was running'
    warning = loss_warnings()[0]
    assert 'config/fastdds_images.xml' in warning.message
    driver_stamps(graph, driver)
    log = graph.output(node)
    assert log.count("of the camera's frames never arrive (subscribed best effort)") == 1, log


def test_a_camera_restarted_reliable_is_matched_again(graph, model_path, labels_path,
                                                      clip_path):
    node = graph.start_movinet_node(model_path, labels_path, CAMERA)
    first = start_driver(graph, clip_path, '320x240', 'best_effort', DEFAULTS_PROFILE, 60)
    assert graph.spin_until(
        lambda: subscription_reliability(graph) == {ReliabilityPolicy.BEST_EFFORT}
        and graph.node.count_publishers(CAMERA) == 1, 20)
    driver_stamps(graph, first)
    assert graph.spin_until(lambda: graph.node.count_publishers(CAMERA) == 0, 20)
    second = start_driver(graph, clip_path, '320x240', 'reliable', DEFAULTS_PROFILE, 60)
    assert graph.spin_until(
        lambda: subscription_reliability(graph) == {ReliabilityPolicy.RELIABLE}, 20), \
        graph.output(node)
    driver_stamps(graph, second)
    log = graph.output(node)
    assert 'subscribing reliable, depth 2 (1 reliable publisher(s))' in log, log
    assert node.poll() is None
