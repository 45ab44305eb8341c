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
The environment that gives a process a Fast DDS XML profile, whatever its Fast DDS version.

Fast DDS 3 (ROS 2 Kilted) reads FASTDDS_DEFAULT_PROFILES_FILE; Fast DDS 2 (Jazzy, Humble)
reads only FASTRTPS_DEFAULT_PROFILES_FILE and silently runs on its defaults otherwise.
"""

from __future__ import annotations

import os

__all__ = ['PROFILE_VARIABLES', 'profile_environment']

PROFILE_VARIABLES = ('FASTDDS_DEFAULT_PROFILES_FILE', 'FASTRTPS_DEFAULT_PROFILES_FILE')


def profile_environment(profile: str | os.PathLike) -> dict[str, str]:
    """Return the variables that make Fast DDS 2 and 3 load ``profile``."""
    return dict.fromkeys(PROFILE_VARIABLES, os.fspath(profile))
