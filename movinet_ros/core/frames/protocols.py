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
The message attributes frame conversion reads, as protocols (messages are duck-typed).

rclpy messages (``data`` is ``array.array('B')``), rosbags messages (``data`` is a numpy
uint8 array) and any object with the same attributes whose ``data`` exposes a contiguous
byte buffer all satisfy them.
"""

from typing import Any, Protocol


class ImageLike(Protocol):
    """The sensor_msgs/Image attributes this package reads."""

    height: int
    width: int
    encoding: str
    is_bigendian: int
    step: int
    data: Any


class CompressedImageLike(Protocol):
    """The sensor_msgs/CompressedImage attributes this package reads."""

    format: str  # noqa: A003 (the message field's name)
    data: Any
