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
Errors of the recognition core, all under MovinetError so callers can catch one type.

The frame decoders' errors are in ``movinet_ros.core.frames.errors``.
"""

__all__ = [
    'ContextConfigError', 'EventConfigError', 'LabelError', 'ModelError', 'ModelFileError',
    'ModelSignatureError', 'MovinetError', 'NotAStreamModelError', 'PreprocessError',
    'RankingConfigError', 'RuntimeMissingError', 'ThrottleConfigError',
    'HeadError', 'HeadFileError', 'HeadMismatchError',
]


class MovinetError(Exception):
    """Base class of every error movinet_ros raises on purpose."""


class PreprocessError(MovinetError, ValueError):
    """A preprocessing setting or an input frame is invalid."""


class ModelError(MovinetError):
    """A model cannot be loaded or run."""


class RuntimeMissingError(ModelError):
    """No TFLite runtime is installed."""


class ModelFileError(ModelError):
    """The model file is missing, empty, not a TFLite model or refused by the runtime."""


class NotAStreamModelError(ModelError):
    """The model is a base (whole-clip) MoViNet, not a frame-by-frame stream model."""


class ModelSignatureError(ModelError):
    """The model's inputs and outputs do not look like a MoViNet stream model."""


class RankingConfigError(MovinetError, ValueError):
    """A ranking setting (top_k, score_threshold) or the probabilities given are invalid."""


class ContextConfigError(MovinetError, ValueError):
    """A temporal-context setting is out of range."""


class EventConfigError(MovinetError, ValueError):
    """An event setting is out of range, or the scores given do not fit the labels."""


class LabelError(MovinetError):
    """A label file or label name is unusable."""


class ThrottleConfigError(MovinetError, ValueError):
    """A throttle setting is out of range."""


class HeadError(MovinetError):
    """A head of the user's own actions cannot be trained, loaded or used."""


class HeadFileError(HeadError):
    """A head file is missing, truncated, corrupt or of an unknown format."""


class HeadMismatchError(HeadError):
    """A head was trained for another model (its SHA-256 or input size differ)."""
