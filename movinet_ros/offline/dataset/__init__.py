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
Datasets of labelled recordings (``movinet-ros eval-dataset`` and ``train``).

The manifest, one recording, workers (processes or Ray), per-class metrics and the
confusion plot, and training a head on the model's features.
"""

import importlib
from typing import Any
import warnings


def __getattr__(name: str) -> Any:
    """Serve ``evaluate_dataset`` at its former path ``movinet_ros.offline.dataset``."""
    if name != 'evaluate_dataset':
        raise AttributeError(f'module {__name__!r} has no attribute {name!r}')
    warnings.warn('movinet_ros.offline.dataset.evaluate_dataset is deprecated and will be '
                  'removed: import evaluate_dataset from movinet_ros.offline (CHANGELOG.rst)',
                  FutureWarning, stacklevel=2)
    return getattr(importlib.import_module('movinet_ros.offline.dataset.evaluate'), name)
