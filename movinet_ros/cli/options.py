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
Argument types for the numeric options of every subcommand.

Used as ``type=`` of ``add_argument``: a value out of range ends in argparse's one-line usage
error naming the option (exit code 2), before any model or file is opened.
"""

import argparse
from collections.abc import Callable
import math


def int_in_range(low: int, high: int | None = None) -> Callable[[str], int]:
    """Return an argument type accepting integers from ``low`` to ``high`` (None: no bound)."""
    bounds = f'>= {low}' if high is None else f'in {low}..{high}'

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(
                f'expected an integer {bounds}, got {text!r}') from None
        if value < low or (high is not None and value > high):
            raise argparse.ArgumentTypeError(f'must be an integer {bounds}, got {value}')
        return value

    return parse


positive_int = int_in_range(1)
non_negative_int = int_in_range(0)


def non_negative_float(text: str) -> float:
    """Parse a finite number >= 0 (nan and inf would slip through every comparison)."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f'expected a number >= 0, got {text!r}') from None
    if not math.isfinite(value) or value < 0.0:
        raise argparse.ArgumentTypeError(f'must be a finite number >= 0, got {text}')
    return value


def positive_float(text: str) -> float:
    """Parse a finite number > 0."""
    value = non_negative_float(text)
    if value == 0.0:
        raise argparse.ArgumentTypeError(f'must be a finite number > 0, got {text}')
    return value
