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

"""Errors of the offline tools: recordings, annotations, manifests, outputs and workers."""

from movinet_ros.core.errors import MovinetError

__all__ = [
    'AnnotationError', 'BagError', 'ManifestError', 'OutputFolderError', 'PlotError',
    'RecordingError', 'RunnerError', 'VideoError',
]


class OutputFolderError(MovinetError):
    """The output folder cannot be created or written."""


class BagError(MovinetError):
    """A bag is missing or unreadable, or lacks the topic or message type asked for."""


class PlotError(MovinetError):
    """An animation cannot be written: unknown format, no frame, or no encoder."""


class RecordingError(MovinetError):
    """A recording is missing, or which of its topics to evaluate is unclear."""


class AnnotationError(MovinetError):
    """An annotation file is missing or malformed, or names labels the model does not know."""


class RunnerError(MovinetError):
    """The workers cannot be started: Ray is missing or its cluster cannot be reached."""


class VideoError(MovinetError):
    """A video file or device is missing, unreadable or has no usable frame rate."""


class ManifestError(MovinetError):
    """A manifest is missing, not a CSV of the expected columns, or has a malformed row."""
