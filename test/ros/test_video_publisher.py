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
video_publisher: its parameter table, values as users type them, output size and QoS.

The unit tests check the declarations; the others run the real executable on the real clip
in a test's own ROS domain and look at what it publishes and prints.
"""

import subprocess
import sys
import time
from types import SimpleNamespace

from helpers.constants import CAMERA, CAMERA_DOC
from movinet_ros.ros.video_publisher import (
    output_size, parameter_table_markdown, PARAMS, PublisherError, settings_from_values,
    VideoPublisher)
import pytest
from rclpy.qos import QoSProfile, ReliabilityPolicy
from sensor_msgs.msg import Image

MODULE = 'movinet_ros.ros.video_publisher'
TIMEOUT_SEC = 60


def test_docs_table_is_generated_from_the_declarations():
    table = parameter_table_markdown()
    assert table in CAMERA_DOC.read_text(), \
        'video_publisher table of docs/cameras_and_dds.md is stale: run python ' \
        'scripts/param_docs.py --write'
    assert all(f'| `{spec.name}` |' in table for spec in PARAMS)
    assert "| `video` | `''` |" in table and '| `reliability` | `reliable` |' in table


@pytest.mark.parametrize('given, expected', [
    (0, 0), (2, 2), ('0', 0), ('clip.mp4', 'clip.mp4'), ('/videos/0.mp4', '/videos/0.mp4')])
def test_video_takes_a_device_index_or_a_path(given, expected):
    assert settings_from_values({'video': given}).video == expected


def test_numbers_take_what_users_type():
    settings = settings_from_values({'video': 'a.mp4', 'fps': 15, 'width': 640})
    assert settings.fps == 15.0 and isinstance(settings.fps, float)
    assert settings.width == 640 and settings.height == 0
    assert settings.reliability == 'reliable'
    assert settings.qos().reliability == ReliabilityPolicy.RELIABLE
    best_effort = settings_from_values({'video': 'a.mp4', 'reliability': 'best_effort'})
    assert best_effort.qos().reliability == ReliabilityPolicy.BEST_EFFORT
    waiting = settings_from_values({'video': 'a.mp4', 'wait_for_subscribers_sec': 30})
    assert waiting.wait_for_subscribers_sec == 30.0
    assert isinstance(waiting.wait_for_subscribers_sec, float)


class FakePublisher:

    def __init__(self):
        self.subscribers, self.acked = 0, True

    def get_subscription_count(self):
        return self.subscribers

    def wait_for_all_acked(self, timeout):
        assert timeout.nanoseconds == 0, 'a timer callback must never block'
        return self.acked


class FakeLogger:

    def __init__(self):
        self.warnings = []

    def warning(self, text):
        self.warnings.append(text)


def holding_publisher(wait_for_subscribers_sec=0.0, started=0.0):
    logger = FakeLogger()
    return SimpleNamespace(
        settings=settings_from_values({'video': 'a.mp4', 'wait_for_subscribers': 2,
                                       'wait_for_subscribers_sec': wait_for_subscribers_sec}),
        _raw_pub=FakePublisher(), _jpeg_pub=FakePublisher(), _published=0, _holding=True,
        _hold_started=started, get_logger=lambda: logger, logger=logger)


def test_the_first_frame_waits_for_the_subscribers_the_second_for_their_ack():
    publisher = holding_publisher()
    hold = VideoPublisher._hold
    publisher._raw_pub.subscribers = 1
    assert hold(publisher)
    publisher._jpeg_pub.subscribers = 1  # both topics count together
    assert not hold(publisher)
    publisher._published = 1
    publisher._raw_pub.acked = False
    assert hold(publisher) and publisher._holding
    publisher._raw_pub.acked = True
    assert not hold(publisher) and not publisher._holding
    assert publisher.logger.warnings == []


def test_the_hold_ends_after_wait_for_subscribers_sec_with_a_warning():
    publisher = holding_publisher(wait_for_subscribers_sec=5.0, started=time.monotonic() - 6)
    publisher._raw_pub.subscribers = 1
    assert not VideoPublisher._hold(publisher) and not publisher._holding
    (warning,) = publisher.logger.warnings
    assert '1 of 2 subscribers matched after 5 s (wait_for_subscribers_sec)' in warning
    waiting = holding_publisher(wait_for_subscribers_sec=60.0, started=time.monotonic())
    assert VideoPublisher._hold(waiting)


@pytest.mark.parametrize('values, words', [
    ({'video': ''}, ['video is empty', 'video:=0']),
    ({'video': -1}, ['video', '>= 0']),
    ({'video': 1.5}, ['video', 'camera device index']),
    ({'fps': 'abc'}, ['fps must be a number', "'abc'"]),
    ({'fps': -1}, ['fps must be a number in [0.0, 1000.0]']),
    ({'width': 640.0}, ['width must be an integer']),
    ({'loop': 'maybe'}, ['loop must be true or false']),
    ({'jpeg_quality': 0}, ['jpeg_quality must be an integer in [1, 100]']),
    ({'reliability': 'maybe'}, ['reliability must be one of reliable, best_effort']),
    ({'frame_id': 5}, ['frame_id must be a string']),
])
def test_wrong_values_say_which_and_why(values, words):
    with pytest.raises(PublisherError) as error:
        settings_from_values({'video': 'a.mp4', **values})
    for word in words:
        assert word in str(error.value)


@pytest.mark.parametrize('width, height, expected', [
    (0, 0, (400, 300)), (640, 480, (640, 480)), (640, 0, (640, 480)), (0, 150, (200, 150)),
    (100, 100, (100, 100))])
def test_output_size_alone_keeps_the_aspect_ratio(width, height, expected):
    settings = settings_from_values({'video': 'a.mp4', 'width': width, 'height': height})
    assert output_size(settings, 400, 300) == expected


def test_keeping_the_aspect_of_a_source_without_size_is_an_error():
    settings = settings_from_values({'video': 0, 'width': 640})
    with pytest.raises(PublisherError, match='give both width and height'):
        output_size(settings, 0, 0)


def run_publisher(ros_env, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, '-m', MODULE, *args], env=ros_env,
                          capture_output=True, text=True, timeout=TIMEOUT_SEC)


def test_help_lists_every_parameter_and_exits_0(ros_env):
    done = run_publisher(ros_env, '--help')
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith('usage: video_publisher')
    for spec in PARAMS:
        assert f'  {spec.name}  (default ' in done.stdout, spec.name
    assert 'parameter video is empty' not in done.stdout + done.stderr


@pytest.mark.parametrize('args, words', [
    (['-p', 'video:={clip}', '-p', 'fps:=abc'], ['fps must be a number', "'abc'"]),
    (['-p', 'video:={clip}', '-p', 'reliability:=maybe'], ['reliability must be one of']),
    (['-p', 'video:={clip}', '-p', 'loop:=maybe', '-p', 'width:=-1'], ['loop', 'width']),
    (['-p', 'video:=/no/such/clip.mp4'], ['/no/such/clip.mp4 does not exist']),
    (['-p', 'video:={clip}', '-p', 'fps'], ["'-p fps'", '-p NAME:=VALUE']),
    ([], ['video is empty']),
])
def test_wrong_input_is_one_line_and_exit_2(ros_env, clip_path, args, words):
    done = run_publisher(ros_env, '--ros-args', *(a.format(clip=clip_path) for a in args))
    assert_one_error_line(done, words)


def test_an_argument_outside_ros_args_is_one_line_and_exit_2(ros_env):
    assert_one_error_line(run_publisher(ros_env, 'clip.mp4'),
                          ["unexpected argument 'clip.mp4'", '--ros-args'])


def assert_one_error_line(done: subprocess.CompletedProcess, words) -> None:
    assert done.returncode == 2, done
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith('video_publisher: error: '), done.stderr
    for word in words:
        assert word in lines[0], lines[0]


def test_video_0_means_camera_device_0(ros_env):
    # -p video:=0 arrives as an integer; it used to crash with rclpy's
    # InvalidParameterTypeException. With a camera the publisher plays one frame of it;
    # without one it says so in one line.
    done = run_publisher(ros_env, '--ros-args', '-p', 'video:=0', '-p', 'max_frames:=1',
                         '-p', 'loop:=false')
    assert 'Traceback' not in done.stderr and 'InvalidParameterType' not in done.stderr
    if done.returncode == 0:
        assert 'publishing camera device 0' in done.stderr, done.stderr
    else:
        assert done.returncode == 2, done
        assert done.stderr.strip() == ('video_publisher: error: cannot open camera device 0: '
                                       'OpenCV found no decoder for it'), done.stderr


@pytest.mark.ros
@pytest.mark.parametrize('reliability, policy', [
    (None, ReliabilityPolicy.RELIABLE), ('best_effort', ReliabilityPolicy.BEST_EFFORT)])
def test_width_alone_resizes_with_the_aspect_and_reliability_is_offered(
        graph, clip_path, reliability, policy):
    frames = []
    graph.node.create_subscription(Image, CAMERA, frames.append,
                                   QoSProfile(depth=50, reliability=ReliabilityPolicy
                                              .BEST_EFFORT))
    extra = ['-p', f'reliability:={reliability}'] if reliability else []
    publisher = graph.start('video_publisher', '-p', f'video:={clip_path}', '-p', 'fps:=15',
                            '-p', 'width:=344', '-p', 'loop:=false', '-p', 'max_frames:=10',
                            '-p', 'wait_for_subscribers:=1', '-r', f'image:={CAMERA}', *extra)
    assert graph.spin_until(lambda: graph.node.get_publishers_info_by_topic(CAMERA), 20), \
        graph.output(publisher)
    (info,) = graph.node.get_publishers_info_by_topic(CAMERA)
    assert info.qos_profile.reliability == policy
    assert graph.spin_until(lambda: publisher.poll() is not None, 30), graph.output(publisher)
    graph.spin_for(0.5)
    assert publisher.returncode == 0, graph.output(publisher)
    output = graph.output(publisher)
    # The clip is 172x172: a width alone keeps it square, and the log says what goes out.
    assert 'as 344x344 at 15.00 fps (source 172x172) on /camera/image_raw' in output, output
    assert frames and all((m.width, m.height) == (344, 344) for m in frames)
    assert len(frames) <= 10
