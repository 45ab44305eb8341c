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
Offline evaluation building blocks: videos, bags, annotations, metrics and plots.

Nothing in this package imports rclpy: the offline tools replay recordings through the
same pure pipeline the live node uses, and these modules are tested without a ROS graph.
"""

from movinet_ros.offline.errors import (
    AnnotationError, BagError, ManifestError, OutputFolderError, PlotError, RecordingError,
    RunnerError, VideoError)

__all__ = [
    'AnnotationError', 'BagError', 'ManifestError', 'OutputFolderError', 'PlotError',
    'RecordingError', 'RunnerError', 'VideoError',
]
