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


"""Deprecated path of ``movinet_ros.offline.dataset.runners``: import from the package."""

import warnings

from movinet_ros.offline.dataset.runners import PipelineSpec

__all__ = ['PipelineSpec']

warnings.warn(f'{__name__} is deprecated and will be removed: import PipelineSpec from '
              'movinet_ros.offline (CHANGELOG.rst)', FutureWarning, stacklevel=2)
