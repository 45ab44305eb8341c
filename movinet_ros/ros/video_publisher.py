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
Publish a video file or camera device as a live camera: sensor_msgs/Image at the source rate.

Frames go out on ``image`` (bgr8) and, image_transport style, as JPEG on ``image/compressed``;
each is serialised only while it has subscribers. Stamps are the publisher's clock at
publication, like a camera driver's. Files loop by default so demos keep running. The
parameters are declared once, from ``PARAMS``; ``--help`` and the table of
docs/cameras_and_dds.md come from it.
"""

from collections.abc import Iterator
from dataclasses import dataclass
import sys
import time
from typing import Any

import cv2
from movinet_ros.core.errors import MovinetError
from movinet_ros.offline.video import read_video, video_info
from movinet_ros.ros.command_line import (
    Executable, handle_arguments, unknown_parameter_warnings, USAGE_ERROR)
from movinet_ros.ros.errors import PublisherError
from movinet_ros.ros.message_conversion import pixels_to_image_msg
from movinet_ros.ros.settings import allowed_values, check_value, ParamSpec, shown_default
from movinet_ros.ros.spin import init_with_stop_flag, spin_until_stopped
from rcl_interfaces.msg import ParameterDescriptor
import rclpy
from rclpy.duration import Duration
from rclpy.node import Node
from rclpy.qos import DurabilityPolicy, HistoryPolicy, QoSProfile, ReliabilityPolicy
from sensor_msgs.msg import CompressedImage, Image

NODE_NAME = 'video_publisher'
RELIABILITIES = {'reliable': ReliabilityPolicy.RELIABLE,
                 'best_effort': ReliabilityPolicy.BEST_EFFORT}
# Keep-last 5, volatile: what camera drivers offer; reliability is the parameter's.
QUEUE_DEPTH = 5
MAX_SIZE = 16384

PARAMS: tuple[ParamSpec, ...] = (
    ParamSpec('video', '',
              'Video file path, or a camera device index (-p video:=0 is device 0). '
              'Required.'),
    ParamSpec('fps', 0.0, "Publication rate in frames per second; 0 uses the source's rate.",
              float_range=(0.0, 1000.0)),
    ParamSpec('loop', True, 'Start the file over when it ends.'),
    ParamSpec('frame_id', 'camera_optical_frame', 'header.frame_id of every frame.'),
    ParamSpec('width', 0,
              'Output width in pixels. Alone (height 0) the height follows from the '
              "source's aspect ratio; with height both are used as given. 0: the source's.",
              int_range=(0, MAX_SIZE)),
    ParamSpec('height', 0,
              'Output height in pixels. Alone (width 0) the width follows from the '
              "source's aspect ratio. 0: the source's.",
              int_range=(0, MAX_SIZE)),
    ParamSpec('max_frames', 0, 'Stop after publishing this many frames (0: no limit).',
              int_range=(0, 2**31 - 1)),
    ParamSpec('jpeg_quality', 90, 'JPEG quality of image/compressed.', int_range=(1, 100)),
    ParamSpec('wait_for_subscribers', 0,
              'Hold the first frame until image and image/compressed together have this '
              'many subscribers, so no frame is lost to discovery; on a reliable topic the '
              'second frame then waits until they have acknowledged the first.',
              int_range=(0, 1000)),
    ParamSpec('wait_for_subscribers_sec', 0.0,
              'How long wait_for_subscribers holds the frames at most; then they go out '
              'anyway, with a warning. 0: as long as it takes.', float_range=(0.0, 86400.0)),
    ParamSpec('reliability', 'reliable',
              'QoS reliability of both topics (keep-last 5, volatile): reliable, as most '
              'camera drivers publish, or best_effort, as sensor-data drivers do.',
              choices=tuple(RELIABILITIES)),
)
PARAMS_BY_NAME: dict[str, ParamSpec] = {spec.name: spec for spec in PARAMS}

EXECUTABLE = Executable(
    NODE_NAME,
    'Publish a video file or camera device as a live camera: sensor_msgs/Image (bgr8) on '
    '"image" and JPEG sensor_msgs/CompressedImage on "image/compressed", stamped with the '
    'clock at publication, at the source rate.',
    PARAMS,
    'example:\n'
    '  video_publisher --ros-args -p video:=clip.mp4 -p width:=640 -r image:=/camera/image_raw\n'
    'A wrong value prints one line and exits with code 2.')


@dataclass(frozen=True)
class PublisherSettings:
    """Validated video_publisher parameters."""

    video: str | int
    fps: float
    loop: bool
    frame_id: str
    width: int
    height: int
    max_frames: int
    jpeg_quality: int
    wait_for_subscribers: int
    wait_for_subscribers_sec: float
    reliability: str

    def qos(self) -> QoSProfile:
        """Return the QoS both topics are published with."""
        return QoSProfile(depth=QUEUE_DEPTH, history=HistoryPolicy.KEEP_LAST,
                          durability=DurabilityPolicy.VOLATILE,
                          reliability=RELIABILITIES[self.reliability])


def video_source(value: Any) -> str | int:
    """
    Return the source a ``video`` value names: a camera index (int) or a file path.

    ``-p video:=0`` arrives as the integer 0 (ROS types what users type), and a launch file
    may pass the string '0': both mean camera device 0.
    """
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        raise PublisherError(f'video must be a file path or a camera device index, got '
                             f'{value!r}')
    if isinstance(value, int):
        if value < 0:
            raise PublisherError(f'video must be a file path or a camera device index >= 0, '
                                 f'got {value}')
        return value
    if not value.strip():
        raise PublisherError('video is empty: give a file (-p video:=clip.mp4) or a camera '
                             'device index (-p video:=0)')
    return int(value) if value.isdigit() else value


def settings_from_values(values: dict[str, Any]) -> PublisherSettings:
    """Validate the parameter values (defaults for the missing ones); raise PublisherError."""
    merged = {spec.name: values.get(spec.name, spec.default) for spec in PARAMS}
    problems = []
    try:
        merged['video'] = video_source(merged['video'])
    except PublisherError as error:
        problems.append(str(error))
    problems += [reason for name, value in merged.items() if name != 'video'
                 and (reason := check_value(name, value, table=PARAMS_BY_NAME)) is not None]
    if problems:
        raise PublisherError('; '.join(problems))
    merged['fps'] = float(merged['fps'])
    merged['wait_for_subscribers_sec'] = float(merged['wait_for_subscribers_sec'])
    return PublisherSettings(**merged)


def output_size(settings: PublisherSettings, source_width: int,
                source_height: int) -> tuple[int, int]:
    """
    Return the published (width, height).

    Both given: exactly that. One given: the other keeps the source's aspect ratio. None: the
    source's size.
    """
    width, height = settings.width, settings.height
    if width and height:
        return width, height
    if not width and not height:
        return source_width, source_height
    if source_width <= 0 or source_height <= 0:
        raise PublisherError('the source does not report its frame size, so the aspect ratio '
                             'cannot be kept: give both width and height')
    if width:
        return width, max(1, round(width * source_height / source_width))
    return max(1, round(height * source_width / source_height)), height


def parameter_table_markdown() -> str:
    """Return the video_publisher parameter table of the docs, generated from ``PARAMS``."""
    rows = ['| Parameter | Default | Range | Description |', '|---|---|---|---|']
    for spec in PARAMS:
        rows.append(f'| `{spec.name}` | `{shown_default(spec.default)}` | '
                    f'{allowed_values(spec)} | {spec.description} |')
    return '\n'.join(rows)


class VideoPublisher(Node):
    """Play a video source as sensor_msgs/Image (and CompressedImage) at its frame rate."""

    def __init__(self) -> None:
        super().__init__(NODE_NAME)
        values = {}
        for spec in PARAMS:
            # Dynamic typing: whatever type the user typed arrives here and is judged by
            # settings_from_values, which says in one line what is wrong; a typed declaration
            # would raise rclpy's exception instead (video:=0 is an integer).
            descriptor = ParameterDescriptor(description=spec.description, read_only=True,
                                             dynamic_typing=True,
                                             additional_constraints=allowed_values(spec))
            values[spec.name] = self.declare_parameter(spec.name, spec.default,
                                                       descriptor).value
        for warning in unknown_parameter_warnings(self, EXECUTABLE):
            self.get_logger().warning(warning)
        self.settings = settings_from_values(values)
        settings = self.settings
        info = video_info(settings.video)
        self.size = output_size(settings, info.width, info.height)
        rate = settings.fps if settings.fps > 0 else info.fps
        self._frames = self._frame_source()
        self._published = 0
        qos = settings.qos()
        self._raw_pub = self.create_publisher(Image, 'image', qos)
        # Derived from the resolved name, as image_transport does, so remapping image is enough.
        self._jpeg_pub = self.create_publisher(
            CompressedImage, self.resolve_topic_name('image') + '/compressed', qos)
        self._timer = self.create_timer(1.0 / rate, self._publish_next)
        self._hold_started = time.monotonic()
        self._holding = settings.wait_for_subscribers > 0
        self.finished = False
        source = f'camera device {settings.video}' if isinstance(settings.video, int) \
            else settings.video
        self.get_logger().info(
            f'publishing {source} as {self.size[0]}x{self.size[1]} at {rate:.2f} fps '
            f'(source {info.width}x{info.height}) on {self._raw_pub.topic_name}, '
            f'{settings.reliability}')

    def _frame_source(self) -> Iterator:
        while True:
            delivered = 0
            for frame in read_video(self.settings.video):
                delivered += 1
                yield frame.bgr
            if not self.settings.loop or delivered == 0:
                return

    def _hold(self) -> bool:
        """
        Return whether the next frame waits for the subscribers of wait_for_subscribers.

        The first frame waits until they are matched. The second waits until they have
        acknowledged the first: a subscriber may match this writer only after this writer
        matched it (discovery runs both ways), and by then the first frame would have left
        the keep-last history, so its first frame would be a later one. A best-effort
        subscriber sends no acknowledgements: nothing to wait for.
        """
        publishers = (self._raw_pub, self._jpeg_pub)
        matched = sum(publisher.get_subscription_count() for publisher in publishers)
        if self._published == 0:
            ready = self.settings.wait_for_subscribers <= matched
            missing = f'{matched} of {self.settings.wait_for_subscribers} subscribers matched'
        else:
            ready = all(publisher.wait_for_all_acked(Duration(seconds=0))
                        for publisher in publishers)
            missing = 'the first frame not acknowledged by every subscriber'
        limit = self.settings.wait_for_subscribers_sec
        if not ready and limit and time.monotonic() - self._hold_started >= limit:
            self.get_logger().warning(
                f'publishing without waiting any longer: {missing} after {limit:g} s '
                '(wait_for_subscribers_sec)')
            self._holding = False
            return False
        if ready and self._published == 1:
            self._holding = False
        return not ready

    def _publish_next(self) -> None:
        settings = self.settings
        if self._holding and self._hold():
            return
        if settings.max_frames and self._published >= settings.max_frames:
            self._stop()
            return
        bgr = next(self._frames, None)
        if bgr is None:
            self._stop()
            return
        if (bgr.shape[1], bgr.shape[0]) != self.size:
            bgr = cv2.resize(bgr, self.size, interpolation=cv2.INTER_LINEAR)
        stamp = self.get_clock().now().to_msg()
        if self._raw_pub.get_subscription_count():
            self._raw_pub.publish(pixels_to_image_msg(bgr, 'bgr8', stamp, settings.frame_id))
        if self._jpeg_pub.get_subscription_count():
            ok, jpeg = cv2.imencode('.jpg', bgr, [cv2.IMWRITE_JPEG_QUALITY, settings.jpeg_quality])
            msg = CompressedImage(format='bgr8; jpeg compressed bgr8', data=jpeg.tobytes())
            msg.header.stamp, msg.header.frame_id = stamp, settings.frame_id
            self._jpeg_pub.publish(msg)
        self._published += 1
        if self._published == 1:
            # The clip starts here, after any hold: demo.sh times DEMO_SECONDS from this line.
            self.get_logger().info(
                f'first frame published, {time.monotonic() - self._hold_started:.1f} s '
                'after start-up')

    def _stop(self) -> None:
        self._timer.cancel()
        self.finished = True
        self.get_logger().info(f'finished after {self._published} frames')


def main(args: list[str] | None = None, stop_requested: list[int] | None = None) -> int:
    """
    Publish until the source ends (without loop), SIGINT or SIGTERM; bad input exits 2.

    ``stop_requested`` is the flag list of ``ros.video_publisher_entry``, whose handlers were
    in place before this module's imports (``ros.stop_flag``).
    """
    code = handle_arguments(EXECUTABLE, args)
    if code is not None:
        return code
    # OpenCV's own warnings (two lines per camera index it cannot open) would bury the one
    # line that says what is wrong.
    cv2.utils.logging.setLogLevel(cv2.utils.logging.LOG_LEVEL_ERROR)
    stop_requested = init_with_stop_flag(args, stop_requested)
    try:
        node = VideoPublisher()
    except MovinetError as error:  # a bad parameter, a missing or unreadable video
        print(f'{NODE_NAME}: error: {error}', file=sys.stderr)
        rclpy.try_shutdown()
        return USAGE_ERROR
    spin_until_stopped(node, stop_requested, done=lambda: node.finished)
    return 0


if __name__ == '__main__':
    sys.exit(main())
