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
Publish a camera's action events, and end them when the frames cannot: every START its END.

The detector (``core.events``) ends an event from the scores and on a stream-state reset
the frames reveal (a gap, a stamp going backwards, a size change). What no frame reveals is
the node's to say: a camera that stopped sending (``InputTimeout``: nothing for
``event_input_timeout_sec`` on the steady clock ends its events, reason ``input stopped``),
and a node going away (``end_for_good``: reason ``node shutting down``, published and
waited for before the publisher is destroyed).
"""

from collections.abc import Callable, Sequence
import time
from typing import Any

from movinet_ros.core.events import ActionEvent, REASON_INPUT_STOPPED, REASON_SHUTDOWN
from movinet_ros.ros.message_conversion import event_to_msg
from rclpy.clock import Clock, ClockType
from rclpy.duration import Duration

# How often the cameras' input is checked: an END comes at most this late after the timeout.
INPUT_TIMEOUT_CHECK_SEC = 0.1
# A node going away waits this long at most for its last ENDs to be acknowledged.
SHUTDOWN_ACK_TIMEOUT_SEC = 1.0


def publish_events(camera: Any, events: Sequence[ActionEvent]) -> None:
    """Publish ``events`` on the camera's events topic, with its last frame_id."""
    for event in events:
        camera.events_pub.publish(event_to_msg(event, camera.frame_id))


def end_for_good(cameras: Sequence[Any]) -> None:
    """End every camera's ongoing events: the node goes away; wait (bounded) for delivery."""
    # A consumer waiting for an END must get it: destroying the publisher right after
    # publishing could drop a reliable sample no reader has acknowledged yet.
    for camera in cameras:
        events = camera.detector.end_all(REASON_SHUTDOWN)
        if events and camera.events_pub is not None:
            publish_events(camera, events)
            camera.events_pub.wait_for_all_acked(
                Duration(nanoseconds=int(SHUTDOWN_ACK_TIMEOUT_SEC * 1e9)))


class InputTimeout:
    """
    End a camera's events once it has sent nothing for the timeout, once per silence.

    ``cameras()`` gives the cameras watched now (none while inactive), ``timeout_sec()``
    the current ``event_input_timeout_sec``. On the steady clock, as the no-input warning:
    sim time may stand still exactly when the camera is gone.
    """

    def __init__(self, node: Any, cameras: Callable[[], Sequence[Any]],
                 timeout_sec: Callable[[], float],
                 clock: Callable[[], int] = time.monotonic_ns) -> None:
        self._cameras = cameras
        self._timeout_sec = timeout_sec
        self._clock = clock
        # Steady time of each camera's last frame from its stream's source, by image topic,
        # while a timeout can still end something.
        self._last_ns: dict[str, int] = {}
        node.create_timer(INPUT_TIMEOUT_CHECK_SEC, self.check,
                          clock=Clock(clock_type=ClockType.STEADY_TIME))

    def seen(self, camera: Any, now_ns: int) -> None:
        """Note a frame of ``camera``'s stream received at ``now_ns`` (steady)."""
        self._last_ns[camera.image_topic] = now_ns

    def clear(self) -> None:
        """Forget every camera (input stopped on purpose: deactivated)."""
        self._last_ns.clear()

    def check(self) -> None:
        """Publish the ENDs of each camera silent longer than the timeout."""
        now = self._clock()
        timeout_ns = round(self._timeout_sec() * 1e9)
        for camera in self._cameras():
            last = self._last_ns.get(camera.image_topic)
            if last is not None and now - last > timeout_ns:
                del self._last_ns[camera.image_topic]
                publish_events(camera, camera.detector.end_all(REASON_INPUT_STOPPED))
