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

"""The errors of frame conversion: one base, FrameError, and a subclass per kind."""

from movinet_ros.core.errors import MovinetError

__all__ = [
    'DeserializationError', 'FrameDecodeError', 'FrameError', 'FrameLimitError',
    'FrameSizeError', 'PixelBudgetError', 'UnsupportedEncodingError', 'WireError',
]


class FrameError(MovinetError, ValueError):
    """Base: a frame that cannot be converted."""


class UnsupportedEncodingError(FrameError):
    """An Image encoding this module does not convert."""


class FrameSizeError(FrameError):
    """Image sizes that are zero, absurd, or inconsistent with step and data length."""


class PixelBudgetError(FrameSizeError):
    """A frame whose width x height exceeds the pixel budget (max_pixels)."""


class FrameDecodeError(FrameError):
    """CompressedImage data that is empty, truncated, corrupt or in an unknown format."""


class FrameLimitError(MovinetError, ValueError):
    """A frame limit setting (``max_pixels``) out of range: a configuration, not a frame."""


class WireError(FrameError):
    """The serialised message is too short or has an unknown encapsulation."""


class DeserializationError(FrameError):
    """Bytes that do not deserialise into the message type they were sent or logged as."""
