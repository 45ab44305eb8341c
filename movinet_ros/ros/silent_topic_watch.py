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
Say in the log when a camera topic stays silent: which topic, who publishes, why nothing comes.

After ``warn_after_sec`` seconds active without a frame on a watched topic, one WARN names the
resolved topic, the number of publishers on it and, when there are some, whether their QoS
is incompatible with the subscription. It repeats every ``repeat_sec`` while the topic stays
silent, and one INFO line says when frames arrive. A warning that found no publisher is said
again, updated, as soon as a publisher shows up while the topic stays silent: discovery may
come after the first warning, and a publisher whose QoS cannot match must then be named, not
left to the next repeat. The middleware's incompatible-QoS event is logged at once as well.
Time runs on the steady clock: with ``use_sim_time`` and no /clock the node's own timers
stand still, which is exactly when a user needs to hear why.
"""

from collections.abc import Callable
from dataclasses import dataclass
import time
from typing import Any

from movinet_ros.ros.log_limits import LogLimiter
from rclpy.clock import Clock, ClockType
from rclpy.event_handler import QoSRequestedIncompatibleQoSInfo, SubscriptionEventCallbacks
from rclpy.qos import qos_check_compatible, qos_policy_name_from_kind, QoSCompatibility

NO_INPUT_REPEAT_SEC = 30.0
CHECK_PERIOD_SEC = 1.0
NO_PUBLISHER = 'no publisher on this topic'


@dataclass
class _Topic:
    """One watched topic: how to count its frames, and when one last came."""

    frames: Callable[[], int]
    warn_after_sec: float
    seen: int
    last_frame_at: float
    # The last warning said there is no publisher: say it again once one appears.
    warned_no_publisher: bool = False


def _plural(count: int, word: str) -> str:
    return f'{count} {word}' + ('' if count == 1 else 's')


class InputWatch:
    """Watches camera topics of one node for silence; call ``check`` from a steady timer."""

    def __init__(self, node: Any, *, repeat_sec: float = NO_INPUT_REPEAT_SEC,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._node = node
        self._warnings = LogLimiter(repeat_sec, clock=clock)
        self._clock = clock
        self._topics: dict[str, _Topic] = {}
        self._timer = node.create_timer(CHECK_PERIOD_SEC, self.check,
                                        clock=Clock(clock_type=ClockType.STEADY_TIME))

    def watch(self, topic: str, frames: Callable[[], int],
              warn_after_sec: float) -> SubscriptionEventCallbacks:
        """
        Watch the fully resolved ``topic``; ``frames()`` counts the frames received on it.

        Returns the event callbacks to create the topic's subscription with, so the
        middleware's incompatible-QoS event reaches this watch. ``warn_after_sec`` 0 only
        keeps that event.
        """
        self._topics[topic] = _Topic(frames, warn_after_sec, frames(), self._clock())
        # A new subscription starts its own count: its first silence is said at once.
        self._warnings.reset(topic)
        return SubscriptionEventCallbacks(
            incompatible_qos=lambda event: self._on_incompatible_qos(topic, event))

    def clear(self) -> None:
        """Stop watching every topic (the subscriptions are gone)."""
        self._topics.clear()
        self._warnings.clear()

    def check(self, now: float | None = None) -> None:
        """Warn about each silent topic that is due, and say when a warned one recovers."""
        now = self._clock() if now is None else now
        logger = self._node.get_logger()
        for name, topic in self._topics.items():
            count = topic.frames()
            if count != topic.seen:
                if self._warnings.said(name):
                    logger.info(f'images arriving on {name} (after '
                                f'{now - topic.last_frame_at:.0f} s without)')
                    self._warnings.reset(name)
                topic.seen, topic.last_frame_at = count, now
                topic.warned_no_publisher = False
                continue
            silent = now - topic.last_frame_at
            if topic.warn_after_sec <= 0 or silent < topic.warn_after_sec:
                continue
            first = not self._warnings.said(name)
            publishers_came = topic.warned_no_publisher and bool(
                self._node.get_publishers_info_by_topic(name))
            if publishers_came:
                self._warnings.reset(name)
            if not self._warnings.due(name, now):
                continue
            diagnosis = self.diagnose(name)
            topic.warned_no_publisher = diagnosis.startswith(NO_PUBLISHER)
            logger.warning(f'{"no" if first else "still no"} image on {name} for '
                           f'{int(silent)} s: {diagnosis}')

    def diagnose(self, topic: str) -> str:
        """Say who publishes on ``topic`` and whether their QoS can reach this subscription."""
        publishers = self._node.get_publishers_info_by_topic(topic)
        if not publishers:
            return (f"{NO_PUBLISHER}; start the camera, or point the node at the camera's "
                    'topic (-r image:=<topic>, or image_topics)')
        subscriptions = [s for s in self._node.subscriptions if s.topic_name == topic]
        reasons = []
        if subscriptions:
            requested = subscriptions[0].qos_profile
            for publisher in publishers:
                compatibility, reason = qos_check_compatible(publisher.qos_profile, requested)
                if compatibility == QoSCompatibility.ERROR:
                    reasons.append(reason.replace('ERROR: ', '').strip().rstrip(';'))
        found = _plural(len(publishers), 'publisher')
        if reasons:
            return (f'{found}, {len(reasons)} with incompatible QoS '
                    f'({"; ".join(sorted(set(reasons)))}): no frame can arrive from '
                    f'{"it" if len(reasons) == 1 else "them"}; match the QoS on one side '
                    f'(the camera driver\'s, or -p "qos_overrides.{topic}.subscription.'
                    'reliability:=..." on the node)')
        return (f'{found} with compatible QoS, yet no frame arrived; is the camera streaming? '
                '(docs/troubleshooting.md)')

    def _on_incompatible_qos(self, topic: str, event: QoSRequestedIncompatibleQoSInfo) -> None:
        self._node.get_logger().warning(
            f'{topic}: a publisher offers QoS incompatible with this subscription (policy '
            f'{qos_policy_name_from_kind(event.last_policy_kind)}); no frame from it will '
            'arrive')
