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


"""Read a message's header stamp straight from its CDR bytes, without deserialising it."""

import struct

# Encapsulation header (4 bytes) then std_msgs/Header: stamp.sec int32, stamp.nanosec uint32.
_ENCAPSULATION_BYTES = 4
_STAMP = {True: struct.Struct('<iI'), False: struct.Struct('>iI')}


class WireError(ValueError):
    """The serialised message is too short or has an unknown encapsulation."""


def header_stamp_ns(cdr: bytes) -> int:
    """
    Return ``header.stamp`` in nanoseconds of a serialised message whose first field is a Header.

    sensor_msgs/Image and CompressedImage both start with the header, so the throttle can
    decide on a frame before paying for its deserialisation.
    """
    if len(cdr) < _ENCAPSULATION_BYTES + _STAMP[True].size:
        raise WireError(f'serialised message of {len(cdr)} bytes is too short for a header')
    kind = cdr[1]
    if cdr[0] != 0 or kind not in (0, 1):
        raise WireError(f'unknown CDR encapsulation {bytes(cdr[:2]).hex()}')
    sec, nanosec = _STAMP[kind == 1].unpack_from(cdr, _ENCAPSULATION_BYTES)
    if nanosec >= 1_000_000_000:
        # Not a time: taken as is it would reach into the next second's stamps.
        raise WireError(f'header.stamp.nanosec {nanosec} is not below 1e9 (invalid stamp)')
    return sec * 1_000_000_000 + nanosec
