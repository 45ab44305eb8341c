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
The one way a serialised image message reaches a pipeline, live (the node) or from a bag.

:func:`read_frame` reads the header stamp straight from the bytes (CDR or ROS 1), so the
throttle decides before anything is deserialised, and applies the zero-stamp rule: a camera
that leaves ``header.stamp`` zero gives no rate to throttle to, so the time of receipt (the
node's clock, a bag's log time) stands in. :func:`process_frame` hands the frame to the
pipeline, which deserialises it only if it takes it; bytes too short for a header are
counted as received and rejected there, as every frame that reaches the pipeline is.

The same bad bytes raise the same errors wherever they come from: WireError when no header
can be read, DeserializationError when the message does not deserialise; both FrameError.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from movinet_ros.core.cdr_header import serialized_stamp_ns
from movinet_ros.core.frames import DEFAULT_MAX_PIXELS, message_to_pixels, Pixels
from movinet_ros.core.frames.errors import DeserializationError, WireError
from movinet_ros.core.pipeline import Recognition, RecognitionPipeline
import numpy as np

# (bytes, message type) -> message: rclpy's deserialize_message, or a rosbags typestore's
# deserialize_cdr / deserialize_ros1 (type given by name).
Deserializer = Callable[[Any, Any], Any]


@dataclass(slots=True)
class SerializedFrame:
    """
    One serialised image message and the stamp the pipeline is given for it.

    ``stamp_ns`` is the header stamp, or the time of receipt when that is zero
    (``zero_stamp``); None when the bytes do not even hold a header (``wire_error`` says
    why). A frame decoded ahead (:meth:`decode`) holds its ``pixels`` (RGB from a
    CompressedImage, unconverted Pixels from an Image) or the ``error`` decoding raised;
    ``frame_id`` is the header's once the message has been deserialised, either way.
    """

    data: Any
    msgtype: Any
    deserialize: Deserializer
    stamp_ns: int | None
    zero_stamp: bool = False
    wire_error: WireError | None = None
    frame_id: str = ''
    pixels: np.ndarray | Pixels | None = None
    error: Exception | None = None

    def message(self) -> Any:
        """Deserialise the message; DeserializationError when its bytes are bad."""
        try:
            msg = self.deserialize(self.data, self.msgtype)
        except Exception as error:  # noqa: B902 - any garbage in a message is one bad frame
            name = self.msgtype if isinstance(self.msgtype, str) else self.msgtype.__name__
            raise DeserializationError(
                f'{len(self.data)} bytes do not deserialise as a {name}: {error}') from error
        self.frame_id = str(msg.header.frame_id)
        return msg

    def decode(self, *, max_pixels: int = DEFAULT_MAX_PIXELS) -> Exception | None:
        """Deserialise and convert now (ahead of the pipeline); return the error, if any."""
        try:
            self.pixels = message_to_pixels(self.message(), max_pixels=max_pixels)
        except Exception as error:  # noqa: B902 - the pipeline raises it in its own time
            self.error = error
        return self.error

    def source(self) -> Any:
        """Return what the pipeline takes: the decoded pixels, or the lazy deserialiser."""
        if self.pixels is not None:
            return self.pixels
        if self.error is not None:
            return self._raise_error
        return self.message

    def _raise_error(self) -> None:
        if self.error is not None:
            raise self.error


def read_frame(data: Any, msgtype: Any, deserialize: Deserializer, *,
               receive_ns: int | Callable[[], int], ros2: bool = True) -> SerializedFrame:
    """
    Read the stamp of serialised ``data`` (CDR when ``ros2``, else ROS 1) into a frame.

    ``receive_ns`` is the time of receipt, or a callable giving it, only asked for when the
    header stamp is zero (a clock read per frame would cost a dropped frame dearly).
    """
    try:
        stamp_ns = serialized_stamp_ns(data, ros2=ros2)
    except WireError as error:
        return SerializedFrame(data, msgtype, deserialize, None, wire_error=error)
    if stamp_ns != 0:
        return SerializedFrame(data, msgtype, deserialize, stamp_ns)
    received = receive_ns() if callable(receive_ns) else receive_ns
    return SerializedFrame(data, msgtype, deserialize, received, zero_stamp=True)


def process_frame(pipeline: RecognitionPipeline, frame: SerializedFrame, *,
                  received_ns: int | None = None) -> Recognition | None:
    """
    Run one serialised frame; None if throttled, FrameError (counted) if it is bad.

    A frame without a header never reaches the throttle, but is counted as received and
    rejected like any other bad frame, so nothing is dropped uncounted. ``received_ns`` is
    the time of receipt on a steady clock, live only (see RecognitionPipeline.process).
    """
    if frame.stamp_ns is None:
        pipeline.reject_unread()
        raise frame.wire_error or WireError('serialised message without a header')
    return pipeline.process(frame.source(), frame.stamp_ns, received_ns)
