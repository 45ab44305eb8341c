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
Offline evaluation: recordings through the same pure pipeline the live node uses.

Grouped by job: ``bags`` (read and write bags, ``movinet-ros eval``), ``scoring`` (ground
truth and per-frame scores of one run), ``dataset`` (``movinet-ros eval-dataset`` and
``train``); ``video``, ``plots`` and ``errors`` serve them all. Nothing here imports rclpy,
so these modules run and are tested without ROS.

The entry points users call from Python are importable from here; they load on first use,
so importing one error class does not pull in rosbags, OpenCV or Ray.
"""

import importlib
from typing import Any, TYPE_CHECKING

from movinet_ros.offline.errors import (
    AnnotationError, BagError, ManifestError, OutputFolderError, PlotError, RecordingError,
    RunnerError, VideoError)

if TYPE_CHECKING:
    from movinet_ros.offline.bags.evaluate import evaluate_bags, run_bags
    from movinet_ros.offline.dataset.evaluate import evaluate_dataset
    from movinet_ros.offline.dataset.recording import evaluate_recording
    from movinet_ros.offline.dataset.runners import PipelineSpec

__all__ = [
    'AnnotationError', 'BagError', 'evaluate_bags', 'evaluate_dataset', 'evaluate_recording',
    'ManifestError', 'OutputFolderError', 'PipelineSpec', 'PlotError', 'RecordingError',
    'run_bags', 'RunnerError', 'VideoError',
]

# Where each entry point lives: imported on first access (PEP 562).
_ENTRY_POINTS = {
    'evaluate_bags': 'movinet_ros.offline.bags.evaluate',
    'run_bags': 'movinet_ros.offline.bags.evaluate',
    'evaluate_dataset': 'movinet_ros.offline.dataset.evaluate',
    'evaluate_recording': 'movinet_ros.offline.dataset.recording',
    'PipelineSpec': 'movinet_ros.offline.dataset.runners',
}


def __getattr__(name: str) -> Any:
    """Import an entry point of ``__all__`` on first access."""
    module = _ENTRY_POINTS.get(name)
    if module is None:
        raise AttributeError(f'module {__name__!r} has no attribute {name!r}')
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value
