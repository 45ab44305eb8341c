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

"""Convert an Image or a CompressedImage, told apart by its attributes."""

from movinet_ros.core.frames.compressed import compressed_to_rgb
from movinet_ros.core.frames.errors import FrameError
from movinet_ros.core.frames.fields import RgbFrame
from movinet_ros.core.frames.limits import DEFAULT_MAX_PIXELS
from movinet_ros.core.frames.raw import image_pixels, Pixels


def message_to_rgb(msg: object, *, max_pixels: int = DEFAULT_MAX_PIXELS) -> RgbFrame:
    """
    Convert an Image or CompressedImage message, told apart by its attributes.

    An object with ``encoding`` and ``height`` is an Image, one with ``format`` a
    CompressedImage; anything else raises FrameError naming its type.
    """
    frame = message_to_pixels(msg, max_pixels=max_pixels)
    return frame.to_rgb() if isinstance(frame, Pixels) else frame


def message_to_pixels(msg: object, *,
                      max_pixels: int = DEFAULT_MAX_PIXELS) -> Pixels | RgbFrame:
    """
    Check an Image and return its Pixels, or decode a CompressedImage to RGB.

    The cheapest form for a consumer that resizes anyway (see preprocess.Preprocessor): a
    raw frame is converted only after it has been made small, where that gives the same
    result. Raises like ``message_to_rgb``; frames over ``max_pixels`` pixels raise
    PixelBudgetError before anything is decoded.
    """
    if hasattr(msg, 'encoding') and hasattr(msg, 'height'):
        return image_pixels(msg, max_pixels=max_pixels)  # type: ignore[arg-type]
    if hasattr(msg, 'format'):
        return compressed_to_rgb(msg, max_pixels=max_pixels)  # type: ignore[arg-type]
    raise FrameError(
        f'cannot convert a {type(msg).__module__}.{type(msg).__qualname__}: expected a '
        'sensor_msgs/Image (encoding, height, ...) or CompressedImage (format, data)')
