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

Fast DDS 3 (ROS 2 Kilted and later) reads FASTDDS_DEFAULT_PROFILES_FILE (and warns on every
start when the old name is set); Fast DDS 2 (Humble, Jazzy) reads only
FASTRTPS_DEFAULT_PROFILES_FILE and silently runs on its defaults otherwise. The
distribution comes from ROS_DISTRO, which every ROS 2 setup script and scripts/env.sh set.
"""

from __future__ import annotations

import os

__all__ = ['PROFILE_VARIABLES', 'profile_environment', 'profile_variable']

PROFILE_VARIABLES = ('FASTDDS_DEFAULT_PROFILES_FILE', 'FASTRTPS_DEFAULT_PROFILES_FILE')
_FAST_DDS_2_DISTRIBUTIONS = frozenset({'humble', 'iron', 'jazzy'})


def profile_variable(distro: str | None = None) -> str:
    """Return the variable the Fast DDS of ``distro`` (default: $ROS_DISTRO) reads."""
    distro = os.environ.get('ROS_DISTRO', '') if distro is None else distro
    return PROFILE_VARIABLES[1] if distro in _FAST_DDS_2_DISTRIBUTIONS else PROFILE_VARIABLES[0]


def profile_environment(profile: str | os.PathLike,
                        distro: str | None = None) -> dict[str, str]:
    """Return the variable that makes this distribution's Fast DDS load ``profile``."""
    return {profile_variable(distro): os.fspath(profile)}
