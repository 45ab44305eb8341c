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


"""Convert pipeline results into ROS messages."""

from builtin_interfaces.msg import Time
from movinet_ros.core.pipeline import Recognition
from movinet_ros_interfaces.msg import ActionHypothesis, ActionRecognition
import numpy as np
from sensor_msgs.msg import Image


def stamp_from_ns(stamp_ns: int) -> Time:
    """Split nanoseconds into a builtin_interfaces/Time."""
    sec, nanosec = divmod(int(stamp_ns), 1_000_000_000)
    return Time(sec=sec, nanosec=nanosec)


def recognition_to_msg(result: Recognition, model_name: str) -> ActionRecognition:
    """Build the ActionRecognition for one processed frame; header from the source image."""
    msg = ActionRecognition()
    msg.header.stamp = stamp_from_ns(result.stamp_ns)
    msg.header.frame_id = result.frame_id
    msg.results = [ActionHypothesis(class_id=h.class_id, label=h.label, score=float(h.score))
                   for h in result.hypotheses]
    msg.model = model_name
    msg.frames_in_state = result.frames_in_state
    msg.num_classes = len(result.probabilities)
    msg.inference_ms = float(result.inference_ms)
    return msg


def rgb_to_image_msg(rgb: np.ndarray, stamp_ns: int, frame_id: str) -> Image:
    """Wrap an HxWx3 uint8 RGB array as an rgb8 sensor_msgs/Image."""
    msg = Image()
    msg.header.stamp = stamp_from_ns(stamp_ns)
    msg.header.frame_id = frame_id
    msg.height, msg.width = int(rgb.shape[0]), int(rgb.shape[1])
    msg.encoding = 'rgb8'
    msg.is_bigendian = 0
    msg.step = msg.width * 3
    msg.data = np.ascontiguousarray(rgb).tobytes()
    return msg
