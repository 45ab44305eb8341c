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

"""Reading a duck-typed message's fields and byte buffer, and checking a conversion's result."""

from typing import Any

from movinet_ros.core.frames.errors import FrameError, FrameSizeError
import numpy as np
import numpy.typing as npt

RgbFrame = npt.NDArray[np.uint8]


def field(msg: object, name: str) -> Any:
    """Return ``msg.name``, or raise FrameError saying the message lacks it."""
    try:
        return getattr(msg, name)
    except AttributeError:
        raise FrameError(
            f'{type(msg).__qualname__} has no {name!r} field; not an image message') from None


def size_field(msg: object, name: str, encoding: str) -> int:
    """Return a non-negative integer field, or raise FrameSizeError naming it."""
    value = field(msg, name)
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise FrameSizeError(
            f'{encoding} image {name} must be an integer, got {type(value).__name__} '
            f'{value!r}')
    if value < 0:
        raise FrameSizeError(f'{encoding} image {name} is negative: {value}')
    return int(value)


def byte_buffer(msg: object, described: str) -> memoryview:
    """Return the message's ``data`` as a flat, contiguous view of bytes (never a copy)."""
    data = field(msg, 'data')
    try:
        view = memoryview(data)
    except (TypeError, ValueError, BufferError):
        raise FrameError(
            f'{described} data is a {type(data).__name__}, which exposes no byte buffer'
        ) from None
    if not view.c_contiguous:
        raise FrameError(f'{described} data buffer is not contiguous')
    # Flat bytes whatever the exporter's shape and item type (numpy arrays, array.array).
    return view if view.format == 'B' and view.ndim == 1 else view.cast('B')


def hex_head(buffer: memoryview) -> str:
    """Return the first 8 bytes in hex, for error messages."""
    return ' '.join(f'{byte:02x}' for byte in buffer[:8]) or 'nothing'


def rgb_result(image: Any, described: str) -> RgbFrame:
    """Return ``image`` if it is HxWx3 uint8, else raise FrameError."""
    # Decoders' outputs are fresh arrays; this guards the output contract, not the input.
    if image.ndim != 3 or image.shape[2] != 3 or image.dtype != np.uint8:
        raise FrameError(
            f'{described} converted to shape {image.shape} {image.dtype}, not HxWx3 uint8')
    return image  # type: ignore[no-any-return]
