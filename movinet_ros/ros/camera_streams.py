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
The cameras of one node: topics in and out, a stream state each, and loss in transport.

One camera reads ``image`` (or each of ``image_topics``) and publishes on the sibling
``actions``, ``action_events`` and overlay topics; every camera has its own pipeline (a fork
of the first one's model) and event detector.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
import time
from typing import Any

from movinet_ros.core.events import EventDetector
from movinet_ros.core.pipeline import RecognitionPipeline
from movinet_ros.core.transport_loss import LossChange, LossEpisodes, LossEstimator
from movinet_ros.ros.diagnostics import LOSS_ADVICE, LOSS_WARN_RATIO
from movinet_ros.ros.errors import SettingsError
from movinet_ros.ros.frame_sources import SourceGuard
from movinet_ros.ros.settings import NodeSettings
from movinet_ros.ros.subscription_qos import describe
from movinet_ros_interfaces.msg import ActionEvent, ActionRecognition
from rclpy.qos import QoSProfile, ReliabilityPolicy
from rclpy.qos_overriding_options import QoSOverridingOptions
from sensor_msgs.msg import Image

OUTPUT_QOS = QoSProfile(depth=10, reliability=ReliabilityPolicy.RELIABLE)
# Events are rare and each one matters (a missed END leaves a consumer's action running).
EVENTS_QOS = QoSProfile(depth=100, reliability=ReliabilityPolicy.RELIABLE)
# The transport loss of a camera is looked at once a second at most: a dropped frame's
# callback must stay a small share of a processed one's (drop_cost_ratio).
LOSS_CHECK_PERIOD_NS = 1_000_000_000
# A new loss episode is warned of at once, but at most once a minute: a loss that comes and
# goes does not flood the log.
LOSS_WARN_INTERVAL_SEC = 60.0
LOSS_WINDOW_SEC = 10.0
# A loss episode starts when the share over the window or over its last seconds is too high:
# a loss that just began is seen within seconds, before it outweighs the earlier frames.
LOSS_ONSET_SEC = 3.0


@dataclass
class Camera:
    """One input stream: its topics, its own pipeline (stream state) and its publishers."""

    image_topic: str
    actions_topic: str
    overlay_topic: str
    pipeline: RecognitionPipeline
    detector: EventDetector
    sources: SourceGuard
    events_topic: str = 'action_events'
    actions_pub: Any = None
    overlay_pub: Any = None
    events_pub: Any = None
    subscription: Any = None
    reliability: ReliabilityPolicy | None = None
    # Event callbacks of the no-input watch (incompatible QoS), kept for re-subscriptions.
    watch_events: Any = None
    loss: LossEstimator = field(
        default_factory=lambda: LossEstimator(window_sec=LOSS_WINDOW_SEC))
    loss_episodes: LossEpisodes = field(
        default_factory=lambda: LossEpisodes(threshold=LOSS_WARN_RATIO,
                                             min_interval_sec=LOSS_WARN_INTERVAL_SEC))
    # Loss is counted only while the subscription is the one the camera calls for: frames a
    # best-effort subscription made before the camera was discovered loses are not its loss.
    loss_counted: bool = False
    loss_checked_ns: int = -(1 << 62)
    # The node's callback time (MovinetNode.busy_ns) when this camera's last frame came.
    busy_mark_ns: int = 0
    frame_id: str = ''

    def subscribed(self, reliability: ReliabilityPolicy, *, matched: bool) -> None:
        """Start the loss count afresh on a new subscription; count it if ``matched``."""
        self.loss.clear(stamps=reliability != ReliabilityPolicy.RELIABLE)
        self.loss_episodes.end()
        self.loss_counted = matched

    def matched(self) -> None:
        """Count loss from now on: the subscription turned out to be what the camera wants."""
        if not self.loss_counted:
            self.loss.clear(stamps=self.reliability != ReliabilityPolicy.RELIABLE)
            self.loss_counted = True

    def loss_report(self, now_ns: int) -> tuple[LossChange, str] | None:
        """Return a loss episode's start (a warning) or end when due, else None."""
        # Looked at once a second at most; /diagnostics carries the ratio all along.
        if not self.loss_counted or now_ns - self.loss_checked_ns < LOSS_CHECK_PERIOD_NS:
            return None
        self.loss_checked_ns = now_ns
        ratios = [r for r in (self.loss.loss_ratio(now_ns),
                              self.loss.loss_ratio(now_ns, last_sec=LOSS_ONSET_SEC))
                  if r is not None]
        ratio = max(ratios) if ratios else None
        change = self.loss_episodes.update(ratio, now_ns)
        if change is LossChange.WARN:
            return change, (f"{self.image_topic}: {ratio:.0%} of the camera's frames never "
                            f'arrive (subscribed {describe(self.reliability)}); {LOSS_ADVICE}')
        if change is LossChange.OVER:
            return change, (f'{self.image_topic}: frames arrive again (lost over the last '
                            f'{LOSS_WINDOW_SEC:g} s: {ratio or 0.0:.0%})')
        return None


def camera_topics(image_topics: Sequence[str]) -> list[tuple[str, str]]:
    """
    Map fully resolved camera image topics to their actions topics: the sibling ``actions``.

    ``/front/image_raw`` publishes on ``/front/actions``, so several cameras into one node
    stay apart by topic while sharing one interpreter. Raises SettingsError when two cameras
    would share an actions topic (or a topic is given twice).
    """
    pairs: list[tuple[str, str]] = []
    owners: dict[str, str] = {}
    for topic in image_topics:
        actions = topic.rstrip('/').rsplit('/', 1)[0] + '/actions'
        if actions in owners:
            raise SettingsError(
                f'image_topics {owners[actions]} and {topic} would both publish on {actions}; '
                'give each camera its own namespace (/front/image_raw, /rear/image_raw)')
        owners[actions] = topic
        pairs.append((topic, actions))
    return pairs


def events_topic(actions_topic: str) -> str:
    """Return a camera's events topic: ``action_events`` beside its ``actions`` topic."""
    head, _, _ = actions_topic.rpartition('/')
    return f'{head}/action_events' if actions_topic.count('/') else 'action_events'


def make_cameras(settings: NodeSettings, first: RecognitionPipeline,
                 resolve: Callable[[str], str]) -> list[Camera]:
    """
    Return the cameras ``settings`` ask for, the first on ``first``, the others on forks.

    ``resolve`` is the node's topic name resolution. Raises SettingsError for cameras that
    would share an output topic.
    """
    compressed = '/compressed' if settings.input_transport == 'compressed' else ''
    if settings.image_topics:
        pairs = camera_topics([resolve(image) for image in settings.image_topics])
        topics = [(image + compressed, actions, actions + '/overlay')
                  for image, actions in pairs]
    else:
        topics = [(resolve('image') + compressed, 'actions', '~/overlay')]
    return [
        Camera(image, actions, overlay,
               first if index == 0 else first.fork(),
               EventDetector(first.labels, settings.event_config()),
               SourceGuard(settings.reset_gap_sec, time.monotonic),
               events_topic=events_topic(actions))
        for index, (image, actions, overlay) in enumerate(topics)]


def create_publishers(node: Any, camera: Camera) -> None:
    """Create the camera's lifecycle publishers: actions, events and overlay."""
    options = QoSOverridingOptions.with_default_policies
    camera.events_pub = node.create_lifecycle_publisher(
        ActionEvent, camera.events_topic, EVENTS_QOS, qos_overriding_options=options())
    camera.actions_pub = node.create_lifecycle_publisher(
        ActionRecognition, camera.actions_topic, OUTPUT_QOS, qos_overriding_options=options())
    camera.overlay_pub = node.create_lifecycle_publisher(
        Image, camera.overlay_topic, OUTPUT_QOS, qos_overriding_options=options())


def worst_loss_ratio(cameras: Sequence[Camera], now_ns: int) -> float | None:
    """Return the worst camera's share of frames lost in transport, None if unknown."""
    ratios = [r for camera in cameras if (r := camera.loss.loss_ratio(now_ns)) is not None]
    return max(ratios) if ratios else None
