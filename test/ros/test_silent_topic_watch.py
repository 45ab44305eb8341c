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
The node says in its log when a camera topic stays silent, and why.

Unit tests drive InputWatch's timing with a fake node; the others run the real node and
video_publisher as processes and read the node's log.
"""

from helpers.constants import CAMERA
from movinet_ros.ros.silent_topic_watch import InputWatch
import pytest
from rclpy.qos import QoSProfile, ReliabilityPolicy


class FakeLogger:

    def __init__(self):
        self.lines = []

    def warning(self, text):
        self.lines.append(('WARN', text))

    def info(self, text):
        self.lines.append(('INFO', text))


class FakeNode:
    """The few node methods InputWatch uses; publishers and subscriptions set by the test."""

    def __init__(self):
        self.logger = FakeLogger()
        self.publishers = []
        self.subscriptions = []

    def get_logger(self):
        return self.logger

    def create_timer(self, period, callback, clock=None):
        self.timer = (period, callback, clock)

    def get_publishers_info_by_topic(self, topic):
        return self.publishers


class Endpoint:

    def __init__(self, topic_name, reliability):
        self.topic_name = topic_name
        self.qos_profile = QoSProfile(depth=5, reliability=reliability)


def test_warns_after_the_delay_repeats_slowly_and_says_when_frames_come():
    node, frames = FakeNode(), [0]
    watch = InputWatch(node, repeat_sec=30.0, clock=lambda: 100.0)
    watch.watch('/cam/image_raw', lambda: frames[0], 5.0)
    for now in (101.0, 104.9):
        watch.check(now)
    assert node.logger.lines == []
    watch.check(105.0)
    assert node.logger.lines == [('WARN', 'no image on /cam/image_raw for 5 s: no publisher on '
                                  'this topic; start the camera, or point the node at the '
                                  "camera's topic (-r image:=<topic>, or image_topics)")]
    for now in (106.0, 120.0, 134.9):
        watch.check(now)
    assert len(node.logger.lines) == 1
    watch.check(135.0)
    assert node.logger.lines[-1][1].startswith('still no image on /cam/image_raw for 35 s')
    frames[0] = 3
    watch.check(140.0)
    assert node.logger.lines[-1] == ('INFO', 'images arriving on /cam/image_raw (after 40 s '
                                     'without)')
    frames[0] = 9
    watch.check(141.0)
    watch.check(145.0)
    assert len(node.logger.lines) == 3
    # Frames that stop again are warned about again, counted from the last one.
    watch.check(146.0)
    assert node.logger.lines[-1][1].startswith('no image on /cam/image_raw for 5 s')


def test_a_warning_of_no_publisher_is_said_again_when_a_publisher_appears():
    # Discovery can come after the first warning: a publisher that appears on the silent
    # topic is named at the next check, not at the next repeat 30 s later.
    node = FakeNode()
    node.subscriptions = [Endpoint('/cam/image', ReliabilityPolicy.RELIABLE)]
    watch = InputWatch(node, repeat_sec=30.0, clock=lambda: 0.0)
    watch.watch('/cam/image', lambda: 0, 1.0)
    watch.check(1.0)
    assert 'no publisher on this topic' in node.logger.lines[-1][1]
    watch.check(2.0)
    assert len(node.logger.lines) == 1
    node.publishers = [Endpoint('/cam/image', ReliabilityPolicy.BEST_EFFORT)]
    watch.check(3.0)
    assert node.logger.lines[-1][0] == 'WARN'
    assert node.logger.lines[-1][1].startswith('still no image on /cam/image for 3 s: '
                                               '1 publisher, 1 with incompatible QoS')
    # Said once: the publisher named, the warning repeats only after repeat_sec again.
    for now in (4.0, 32.9):
        watch.check(now)
    assert len(node.logger.lines) == 2
    watch.check(33.0)
    assert len(node.logger.lines) == 3


def test_zero_delay_never_warns_and_clear_stops_watching():
    node = FakeNode()
    watch = InputWatch(node, clock=lambda: 0.0)
    watch.watch('/a/image', lambda: 0, 0.0)
    watch.check(1000.0)
    watch.watch('/b/image', lambda: 0, 1.0)
    watch.clear()
    watch.check(2000.0)
    assert node.logger.lines == []


@pytest.mark.parametrize('offered, words', [
    ([ReliabilityPolicy.BEST_EFFORT], ['1 publisher, 1 with incompatible QoS (Best effort '
                                       'publisher and reliable subscription)', 'qos_overrides']),
    ([ReliabilityPolicy.RELIABLE, ReliabilityPolicy.BEST_EFFORT],
     ['2 publishers, 1 with incompatible QoS']),
    ([ReliabilityPolicy.RELIABLE], ['1 publisher with compatible QoS, yet no frame arrived']),
])
def test_names_the_publishers_and_whether_their_qos_fits(offered, words):
    node = FakeNode()
    node.subscriptions = [Endpoint('/cam/image', ReliabilityPolicy.RELIABLE),
                          Endpoint('/other', ReliabilityPolicy.BEST_EFFORT)]
    node.publishers = [Endpoint('/cam/image', policy) for policy in offered]
    text = InputWatch(node).diagnose('/cam/image')
    for word in words:
        assert word in text, text


def test_the_timer_runs_on_the_steady_clock():
    node = FakeNode()
    watch = InputWatch(node)
    period, callback, clock = node.timer
    assert callback == watch.check and period == 1.0
    assert clock.clock_type.name == 'STEADY_TIME'


def warnings(output):
    return [line for line in output.splitlines() if line.startswith('[WARN]')]


@pytest.mark.ros
def test_node_on_a_silent_topic_names_it_and_its_publishers(graph, model_path, labels_path):
    # Two cameras of image_topics, nobody publishing: one WARN for each, naming it.
    node = graph.start('movinet_node', '-p', f'model_path:={model_path}',
                       '-p', f'labels_path:={labels_path}', '-p', 'no_input_warn_sec:=1',
                       '-p', 'image_topics:=[/front/image_raw, /rear/image_raw]')
    assert graph.spin_until(lambda: len(warnings(graph.output(node))) >= 2, 30), \
        graph.output(node)
    lines = warnings(graph.output(node))
    for topic in ('/front/image_raw', '/rear/image_raw'):
        (line,) = [line for line in lines if f'no image on {topic} for ' in line]
        assert 'no publisher on this topic' in line, line
    assert graph.stop(node) == 0


@pytest.mark.ros
def test_node_says_a_publisher_qos_is_incompatible_and_when_frames_come(
        graph, model_path, labels_path, clip_path):
    camera = CAMERA
    node = graph.start_movinet_node(
        model_path, labels_path, camera, '-p', 'no_input_warn_sec:=1',
        '-p', f'qos_overrides.{camera}.subscription.reliability:=reliable')
    best_effort = graph.start('video_publisher', '-p', f'video:={clip_path}',
                              '-p', 'reliability:=best_effort', '-r', f'image:={camera}')

    def says(text):
        return lambda: text in graph.output(node)
    assert graph.spin_until(says('1 publisher, 1 with incompatible QoS'), 30), \
        graph.output(node)
    output = graph.output(node)
    assert f'{camera}: a publisher offers QoS incompatible with this subscription (policy ' \
        'RELIABILITY)' in output, output
    (line,) = [line for line in warnings(output) if 'incompatible QoS' in line]
    assert f'no image on {camera} for ' in line and 'Best effort publisher and reliable ' \
        'subscription' in line, line
    assert graph.stop(best_effort) == 0

    graph.start('video_publisher', '-p', f'video:={clip_path}', '-r', f'image:={camera}')
    assert graph.spin_until(says(f'images arriving on {camera} (after '), 30), \
        graph.output(node)
    assert graph.stop(node) == 0
    assert 'Traceback' not in graph.output(node)
