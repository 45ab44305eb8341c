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
Convert sensor_msgs/Image and sensor_msgs/CompressedImage messages to HxWx3 uint8 RGB.

One job per module: ``errors`` (FrameError and its kinds), ``protocols`` (the message
duck types), ``limits`` (per-side limit and pixel budget), ``raw`` (Image layouts),
``headers`` (JPEG and PNG header walkers), ``compressed`` (decoding), ``messages``
(either kind). The names other modules use are re-exported here.

Every header number is checked before anything is allocated, and a frame over the pixel
budget (``max_pixels``, default ``DEFAULT_MAX_PIXELS``) is rejected before it is
decoded. All failures raise a subclass of ``FrameError`` whose message names the
encoding or format and the numbers involved. The returned array is always new,
C-contiguous and writeable; it never shares memory with the message.
"""

from movinet_ros.core.frames.compressed import compressed_to_rgb, MAX_JPEG_PIXELS_PER_BYTE
from movinet_ros.core.frames.errors import (
    DeserializationError, FrameDecodeError, FrameError, FrameLimitError, FrameSizeError,
    PixelBudgetError, UnsupportedEncodingError, WireError)
from movinet_ros.core.frames.fields import RgbFrame
from movinet_ros.core.frames.limits import (
    check_max_pixels, DEFAULT_MAX_PIXELS, MAX_DIMENSION, MAX_PIXELS_LIMIT)
from movinet_ros.core.frames.messages import message_to_pixels, message_to_rgb
from movinet_ros.core.frames.protocols import CompressedImageLike, ImageLike
from movinet_ros.core.frames.raw import (
    image_pixels, image_to_rgb, Pixels, SUPPORTED_ENCODINGS)

__all__ = [
    'check_max_pixels', 'CompressedImageLike', 'compressed_to_rgb', 'DEFAULT_MAX_PIXELS',
    'DeserializationError', 'FrameDecodeError', 'FrameError', 'FrameLimitError',
    'FrameSizeError', 'image_pixels', 'image_to_rgb', 'ImageLike', 'MAX_DIMENSION',
    'MAX_JPEG_PIXELS_PER_BYTE', 'MAX_PIXELS_LIMIT', 'message_to_pixels', 'message_to_rgb',
    'Pixels', 'PixelBudgetError', 'RgbFrame', 'SUPPORTED_ENCODINGS',
    'UnsupportedEncodingError', 'WireError',
]
