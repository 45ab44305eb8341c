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
publication, like a camera driver's. Files loop by default so demos keep running.
"""

import sys
from typing import Iterator, List, Optional

import cv2
from movinet_ros.offline.video import read_video, video_info, VideoError
from movinet_ros.ros.conversions import pixels_to_image_msg
from movinet_ros.ros.spin import init_with_stop_flag, spin_until_stopped
from rcl_interfaces.msg import ParameterDescriptor
import rclpy
from rclpy.node import Node
from rclpy.qos import qos_profile_sensor_data
from sensor_msgs.msg import CompressedImage, Image


class VideoPublisher(Node):
    """Play a video source as sensor_msgs/Image (and CompressedImage) at its frame rate."""

    def __init__(self) -> None:
        super().__init__('video_publisher')
        self.source = self._declare('video', '', 'Video file path, or a camera device index '
                                    'such as 0.')
        self.fps = self._declare('fps', 0.0, "Publication rate; 0 uses the source's rate.")
        self.loop = self._declare('loop', True, 'Start the file over when it ends.')
        self.frame_id = self._declare('frame_id', 'camera_optical_frame', 'header.frame_id.')
        self.width = self._declare('width', 0, 'Resize frames to this width (0: native).')
        self.height = self._declare('height', 0, 'Resize frames to this height (0: native).')
        self.max_frames = self._declare('max_frames', 0, 'Stop after this many frames '
                                        '(0: no limit).')
        self.jpeg_quality = self._declare('jpeg_quality', 90, 'JPEG quality of image/compressed.')
        self.wait_for_subscribers = self._declare(
            'wait_for_subscribers', 0, 'Hold the first frame until image and image/compressed '
            'together have this many subscribers, so no frame is lost to discovery.')
        if not self.source:
            raise VideoError('parameter video is empty: set it to a video file or device index')
        info = video_info(self.source)
        rate = self.fps if self.fps > 0 else info.fps
        self._frames = self._frame_source()
        self._published = 0
        self._raw_pub = self.create_publisher(Image, 'image', qos_profile_sensor_data)
        # Derived from the resolved name, as image_transport does, so remapping image is enough.
        self._jpeg_pub = self.create_publisher(
            CompressedImage, self.resolve_topic_name('image') + '/compressed',
            qos_profile_sensor_data)
        self._timer = self.create_timer(1.0 / rate, self._publish_next)
        self.finished = False
        self.get_logger().info(f'publishing {self.source} ({info.width}x{info.height} at '
                               f'{rate:.2f} fps) on {self._raw_pub.topic_name}')

    def _declare(self, name, default, description):
        return self.declare_parameter(
            name, default, ParameterDescriptor(description=description, read_only=True)).value

    def _frame_source(self) -> Iterator:
        while True:
            delivered = 0
            for frame in read_video(self.source):
                delivered += 1
                yield frame.bgr
            if not self.loop or delivered == 0:
                return

    def _publish_next(self) -> None:
        if self._published == 0 and self.wait_for_subscribers > (
                self._raw_pub.get_subscription_count() + self._jpeg_pub.get_subscription_count()):
            return
        if self.max_frames and self._published >= self.max_frames:
            self._stop()
            return
        bgr = next(self._frames, None)
        if bgr is None:
            self._stop()
            return
        if self.width > 0 and self.height > 0:
            bgr = cv2.resize(bgr, (self.width, self.height), interpolation=cv2.INTER_LINEAR)
        stamp = self.get_clock().now().to_msg()
        if self._raw_pub.get_subscription_count():
            self._raw_pub.publish(pixels_to_image_msg(bgr, 'bgr8', stamp, self.frame_id))
        if self._jpeg_pub.get_subscription_count():
            ok, jpeg = cv2.imencode('.jpg', bgr, [cv2.IMWRITE_JPEG_QUALITY, self.jpeg_quality])
            msg = CompressedImage(format='bgr8; jpeg compressed bgr8', data=jpeg.tobytes())
            msg.header.stamp, msg.header.frame_id = stamp, self.frame_id
            self._jpeg_pub.publish(msg)
        self._published += 1

    def _stop(self) -> None:
        self._timer.cancel()
        self.finished = True
        self.get_logger().info(f'finished after {self._published} frames')


def main(args: Optional[List[str]] = None) -> int:
    """Publish until the source ends (without loop), SIGINT or SIGTERM."""
    stop_requested = init_with_stop_flag(args)
    try:
        node = VideoPublisher()
    except VideoError as error:
        print(f'video_publisher: {error}', file=sys.stderr)
        rclpy.try_shutdown()
        return 1
    spin_until_stopped(node, stop_requested, done=lambda: node.finished)
    return 0


if __name__ == '__main__':
    sys.exit(main())
