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
The fields of an ActionRecognition message, filled in one place for every message library.

The node publishes rclpy messages (:mod:`movinet_ros.ros.message_conversion`), ``eval`` writes
rosbags ones into its result bag (:class:`movinet_ros.offline.bags.bag_io.RecognitionBagWriter`);
both pass their own message classes here, so the two cannot drift apart. Nothing here
imports a ROS library.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from movinet_ros.core.postprocess import Hypothesis
from movinet_ros.core.stamps import split_ns


@dataclass(frozen=True)
class MessageTypes:
    """The message classes (keyword constructors) of one library: rclpy or a typestore."""

    time: Callable[..., Any]
    header: Callable[..., Any]
    hypothesis: Callable[..., Any]
    recognition: Callable[..., Any]


class RecognitionRecord(Protocol):
    """What one processed frame gave: a pipeline Recognition, or an offline record of one."""

    @property
    def stamp_ns(self) -> int:
        """Return the stamp of the source image."""

    @property
    def frame_id(self) -> str:
        """Return the frame_id of the source image."""

    @property
    def hypotheses(self) -> Sequence[Hypothesis]:
        """Return the reported top-k, best first."""

    @property
    def frames_in_state(self) -> int:
        """Return how many frames the stream state has seen since its last reset."""

    @property
    def inference_ms(self) -> float:
        """Return the time of the model step in milliseconds."""


def time_message(types: MessageTypes, stamp_ns: int) -> Any:
    """Build a builtin_interfaces/Time of ``stamp_ns``."""
    sec, nanosec = split_ns(stamp_ns)
    return types.time(sec=sec, nanosec=nanosec)


def header_message(types: MessageTypes, stamp_ns: int, frame_id: str) -> Any:
    """Build a std_msgs/Header."""
    return types.header(stamp=time_message(types, stamp_ns), frame_id=frame_id)


def recognition_message(types: MessageTypes, record: RecognitionRecord, *, model: str,
                        num_classes: int) -> Any:
    """Build the ActionRecognition of one processed frame; header from the source image."""
    return types.recognition(
        header=header_message(types, record.stamp_ns, record.frame_id),
        results=[types.hypothesis(class_id=int(h.class_id), label=str(h.label),
                                  score=float(h.score)) for h in record.hypotheses],
        model=model, frames_in_state=int(record.frames_in_state),
        num_classes=int(num_classes), inference_ms=float(record.inference_ms))
