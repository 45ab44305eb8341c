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


"""RecognitionPipelines on the real model and labels of ../shared."""

from __future__ import annotations

from collections.abc import Callable
import pathlib
from typing import Any

from helpers.constants import LABELS_PATH, MODEL_PATH
from movinet_ros.core.pipeline import PipelineConfig, RecognitionPipeline


def new_pipeline(model_path: pathlib.Path = MODEL_PATH, labels_path: pathlib.Path = LABELS_PATH,
                 **config: Any) -> RecognitionPipeline:
    """Build a fresh pipeline; ``config`` sets PipelineConfig fields (the defaults otherwise)."""
    return RecognitionPipeline.from_files(model_path, labels_path, PipelineConfig(**config))


def pipeline_factory(model_path: pathlib.Path, labels_path: pathlib.Path,
                     **config: Any) -> Callable[..., RecognitionPipeline]:
    """Return make(**more_config) -> a fresh pipeline with ``config`` updated by ``more``."""
    return lambda **more: new_pipeline(model_path, labels_path, **{**config, **more})
