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
The cameras' image subscriptions, with the reliability their publishers call for.

``input_qos`` auto subscribes reliable when every publisher on the topic is reliable, else
best effort, and looks again every INPUT_MATCH_PERIOD_SEC (a camera restarted with other
QoS is matched again); start-up ``qos_overrides`` of a subscription's reliability win.
"""

from collections.abc import Callable, Sequence
import time
from typing import Any

from movinet_ros.ros.camera_streams import Camera
from movinet_ros.ros.settings import NodeSettings
from movinet_ros.ros.subscription_qos import (
    choose_reliability, describe, INPUT_DEPTH, input_profile, overriding_options)
from rclpy.event_handler import SubscriptionEventCallbacks
from sensor_msgs.msg import CompressedImage, Image

# How often the image topics' publishers are looked at to match their QoS (input_qos auto).
INPUT_MATCH_PERIOD_SEC = 0.2
# After activation, how long input_qos auto waits for a camera to be discovered before it
# subscribes best effort: subscribed before its QoS is known, a reliable camera's large
# frames would come best effort, mostly lost, until the next decision.
DISCOVERY_WAIT_SEC = 2.0

ImageCallback = Callable[[Camera, bytes, type, Any], None]
LostCallback = Callable[[Camera, Any], None]


class CameraInputs:
    """Create, match and destroy the image subscriptions of a node's cameras."""

    def __init__(self, node: Any, on_image: ImageCallback, on_lost: LostCallback) -> None:
        self._node = node
        self._on_image = on_image
        self._on_lost = on_lost
        self._activated_at = 0.0

    def overridden(self, camera: Camera) -> bool:
        """Return whether start-up qos_overrides set this subscription's reliability."""
        name = f'qos_overrides.{camera.image_topic}.subscription.reliability'
        return name in self._node._parameter_overrides

    def activated(self) -> None:
        """Note the activation: the discovery wait of match() starts now."""
        self._activated_at = time.monotonic()

    def start(self, camera: Camera, settings: NodeSettings) -> None:
        """Subscribe the camera if its QoS is known now; else match() subscribes it."""
        if settings.input_qos != 'auto' or self.overridden(camera) \
                or self._node.get_publishers_info_by_topic(camera.image_topic):
            self.subscribe(camera, settings)

    def subscribe(self, camera: Camera, settings: NodeSettings,
                  publishers: list[Any] | None = None) -> None:
        """(Re)create the camera's subscription with the QoS its publishers call for."""
        node = self._node
        if publishers is None:
            publishers = node.get_publishers_info_by_topic(camera.image_topic)
        overridden = self.overridden(camera)
        reliability, reason = choose_reliability(
            settings.input_qos, [info.qos_profile.reliability for info in publishers])
        if overridden:
            reason = 'qos_overrides'
        if camera.subscription is not None:
            node.destroy_subscription(camera.subscription)
        msg_type = CompressedImage if settings.input_transport == 'compressed' else Image
        camera.subscription = node.create_subscription(
            msg_type, camera.image_topic,
            lambda data, info, camera=camera: self._on_image(camera, data, msg_type, info),
            input_profile(reliability), raw=True,
            qos_overriding_options=overriding_options(overridden),
            event_callbacks=SubscriptionEventCallbacks(
                incompatible_qos=camera.watch_events.incompatible_qos,
                message_lost=lambda info, camera=camera: self._on_lost(camera, info)))
        camera.reliability = reliability
        actual = camera.subscription.qos_profile.reliability if overridden else reliability
        # Chosen for the publishers on the topic (or by the user): count its loss. Chosen
        # before any camera was seen, it may not be what the camera calls for: match() says.
        camera.subscribed(
            actual, matched=bool(publishers) or overridden or settings.input_qos != 'auto')
        node.get_logger().info(f'{camera.image_topic}: subscribing {describe(actual)}, '
                               f'depth {INPUT_DEPTH} ({reason})')

    def match(self, cameras: Sequence[Camera], settings: NodeSettings) -> None:
        """Subscribe newly discovered cameras; re-subscribe those whose QoS changed."""
        if settings.input_qos != 'auto':
            return
        for camera in cameras:
            if self.overridden(camera):
                continue
            publishers = self._node.get_publishers_info_by_topic(camera.image_topic)
            if camera.subscription is None:
                # Just activated: a running camera shows up within discovery; one that does
                # not gets a best-effort subscription, which matches whatever comes later.
                if publishers or time.monotonic() - self._activated_at > DISCOVERY_WAIT_SEC:
                    self.subscribe(camera, settings, publishers)
                continue
            if not publishers:
                # A camera that went away: keep matching it as it was until another comes.
                continue
            wanted, _ = choose_reliability(
                'auto', [info.qos_profile.reliability for info in publishers])
            if wanted != camera.reliability:
                self.subscribe(camera, settings, publishers)
            else:
                camera.matched()

    def stop(self, cameras: Sequence[Camera]) -> None:
        """Destroy the cameras' subscriptions."""
        for camera in cameras:
            if camera.subscription is not None:
                self._node.destroy_subscription(camera.subscription)
                camera.subscription = None
