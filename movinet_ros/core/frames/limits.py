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
How large a frame may be: per side, and by pixel count (the memory a decode costs).

Both are checked from the message or image header before a pixel is allocated.
"""

from movinet_ros.core.frames.errors import FrameLimitError, FrameSizeError, PixelBudgetError

MAX_DIMENSION: int = 16384
# The default pixel budget: 4096x4096 = 16.8 MP. The largest frames robot cameras send pass
# (4K UHD 3840x2160 = 8.3 MP, a Raspberry Pi HQ camera's 4056x3040 = 12.3 MP still), while
# a frame at the budget decodes to at most 48 MiB of RGB in about 0.1-0.3 s (JPEG, PNG on
# this machine's cores), which a 4 GB Jetson or Raspberry Pi affords; 16384x16384 (the
# per-side limit) would be 768 MiB and seconds.
DEFAULT_MAX_PIXELS: int = 4096 * 4096
# The largest budget one can set: the per-side limit squared.
MAX_PIXELS_LIMIT: int = MAX_DIMENSION * MAX_DIMENSION


def check_sides(described: str, width: int, height: int) -> None:
    """Raise FrameSizeError for a side of zero or one longer than ``MAX_DIMENSION``."""
    if width == 0 or height == 0:
        raise FrameSizeError(f'{described} has no pixels')
    if width > MAX_DIMENSION or height > MAX_DIMENSION:
        raise FrameSizeError(f'{described} exceeds the {MAX_DIMENSION} pixel limit per side')


def check_budget(described: str, width: int, height: int, max_pixels: int) -> None:
    """Raise PixelBudgetError if width x height exceeds ``max_pixels``."""
    if width * height > max_pixels:
        raise PixelBudgetError(
            f'{described} has {width * height} pixels, over the pixel budget max_pixels '
            f'{max_pixels}; rejected before decoding (raise max_pixels for larger frames)')


def check_max_pixels(max_pixels: object) -> int:
    """Return ``max_pixels`` if it is an integer in [1, MAX_PIXELS_LIMIT], else raise."""
    if isinstance(max_pixels, bool) or not isinstance(max_pixels, int) \
            or not 1 <= max_pixels <= MAX_PIXELS_LIMIT:
        raise FrameLimitError(
            f'max_pixels must be an integer in [1, {MAX_PIXELS_LIMIT}], got {max_pixels!r}')
    return max_pixels
