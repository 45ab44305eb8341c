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


"""The ``--shared`` option of the measurement scripts, and the model they need from it."""

from __future__ import annotations

import argparse
import pathlib
import sys

# ../shared beside the repository, as CI and the README lay it out.
DEFAULT_SHARED = pathlib.Path(__file__).resolve().parents[2].parent / 'shared'
MODEL_NAME = 'movinet_a0_stream_int8.tflite'
LABELS_NAME = 'kinetics600_label_map.txt'


def add_shared_argument(parser: argparse.ArgumentParser) -> None:
    """Add ``--shared DIR``, the folder with models/ and clips/ (default: ../shared)."""
    parser.add_argument('--shared', type=pathlib.Path, default=DEFAULT_SHARED,
                        help=f'folder with models/ and clips/ (default: {DEFAULT_SHARED})')


def models_dir(shared: pathlib.Path) -> pathlib.Path | None:
    """Return ``shared``/models when it holds the model, else say so on stderr: None."""
    models = shared / 'models'
    if (models / MODEL_NAME).is_file():
        return models
    print(f'no {MODEL_NAME} in {models}: this script needs ../shared '
          '(README, "Get a model")', file=sys.stderr)
    return None
