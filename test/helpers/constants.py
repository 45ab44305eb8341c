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


"""Paths of the repository and of the real model, labels and clips, and shared test values."""

from __future__ import annotations

import os
import pathlib

import pytest

TEST_DIR = pathlib.Path(__file__).resolve().parents[1]
REPO_ROOT = TEST_DIR.parent
CONFIG_DIR = REPO_ROOT / 'config'
README = REPO_ROOT / 'README.md'
DOCS_DIR = REPO_ROOT / 'docs'
# The node reference (parameter table, listener snippet) and the camera page (video_publisher).
NODE_DOC = DOCS_DIR / 'node.md'
CAMERA_DOC = DOCS_DIR / 'cameras_and_dds.md'
FASTDDS_PROFILE = CONFIG_DIR / 'fastdds_images_localhost.xml'
# Fast DDS's default 512 KB shared-memory segment, kept on localhost: a camera driver's.
FASTDDS_DEFAULTS_PROFILE = CONFIG_DIR / 'fastdds_localhost.xml'

SHARED_DIR = pathlib.Path(os.environ.get('MOVINET_SHARED_DIR', REPO_ROOT.parent / 'shared'))
MODEL_PATH = SHARED_DIR / 'models' / 'movinet_a0_stream_int8.tflite'
LABELS_PATH = SHARED_DIR / 'models' / 'kinetics600_label_map.txt'
CLIP_PATH = SHARED_DIR / 'clips' / 'carving_ice.mp4'
OTHER_CLIP_PATH = SHARED_DIR / 'clips' / 'example_video01.mp4'
# Ground truth of example_video01.mp4: a gym clip with "Tricep Pushdown" burned into the
# picture, Kinetics-600 "rope pushdown". Not what the int8 model says (see test_pipeline).
OTHER_CLIP_LABEL = 'rope pushdown'
CLIP_FRAMES = 131  # frames of carving_ice.mp4

CAMERA = '/camera/image_raw'
NS_PER_SEC = 1_000_000_000


def require(*paths: pathlib.Path) -> None:
    """Skip the test where one of ``paths`` (files of ../shared) is absent, saying why."""
    for path in paths:
        if not path.is_file():
            pytest.skip(f'{path} is absent: the model, labels and clips come from ../shared '
                        '(see README, "Get a model"); set MOVINET_SHARED_DIR to use another '
                        'folder')
