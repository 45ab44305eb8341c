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

"""Shared fixtures: paths to the real model, labels and clip in ../shared, and ROS isolation."""

from collections.abc import Iterator
import os
import pathlib
import sys

from movinet_ros.ros.dds import profile_environment, PROFILE_VARIABLES
import pytest

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
import ros_domains  # noqa: E402, I100

REPO_ROOT = pathlib.Path(__file__).resolve().parents[1]
SHARED_DIR = pathlib.Path(os.environ.get('MOVINET_SHARED_DIR', REPO_ROOT.parent / 'shared'))
MODEL_PATH = SHARED_DIR / 'models' / 'movinet_a0_stream_int8.tflite'
LABELS_PATH = SHARED_DIR / 'models' / 'kinetics600_label_map.txt'
CLIP_PATH = SHARED_DIR / 'clips' / 'carving_ice.mp4'
OTHER_CLIP_PATH = SHARED_DIR / 'clips' / 'example_video01.mp4'
FASTDDS_PROFILE = REPO_ROOT / 'config' / 'fastdds_images_localhost.xml'
# Fast DDS's default 512 KB shared-memory segment, kept on localhost: a camera driver's.
FASTDDS_DEFAULTS_PROFILE = REPO_ROOT / 'config' / 'fastdds_localhost.xml'

_domain_claims: ros_domains.DomainClaims | None = None


def pytest_configure(config):
    """Read the test domain settings once, before any test runs: a bad one stops the run."""
    global _domain_claims
    try:
        _domain_claims = ros_domains.DomainClaims.from_environment(os.environ)
    except ros_domains.DomainSettingsError as err:
        raise pytest.UsageError(str(err)) from err


def _require(path: pathlib.Path) -> pathlib.Path:
    if not path.is_file():
        pytest.skip(f'{path} is absent: the real model, labels and clip come from ../shared '
                    '(see README, "Models"); set MOVINET_SHARED_DIR to use another folder')
    return path


@pytest.fixture
def model_path() -> pathlib.Path:
    """Path to the real MoViNet-A0 stream int8 model; skips where ../shared is absent."""
    return _require(MODEL_PATH)


@pytest.fixture
def labels_path() -> pathlib.Path:
    """Path to the real Kinetics-600 label map; skips where ../shared is absent."""
    return _require(LABELS_PATH)


@pytest.fixture
def clip_path() -> pathlib.Path:
    """Path to the real carving-ice clip; skips where ../shared is absent."""
    return _require(CLIP_PATH)


@pytest.fixture
def shared_dir() -> pathlib.Path:
    """Return ../shared with the model and both real clips; skip where one is absent."""
    for path in (MODEL_PATH, LABELS_PATH, CLIP_PATH, OTHER_CLIP_PATH):
        _require(path)
    return SHARED_DIR


@pytest.fixture
def ros_env() -> Iterator[dict]:
    """
    Environment for ROS 2 processes started by a test: this machine only, own domain.

    Each test gets a ROS_DOMAIN_ID that no other test on this machine holds meanwhile
    (test/ros_domains.py: MOVINET_TEST_DOMAIN_BASE and _COUNT choose the range; never the
    shell's own ROS_DOMAIN_ID), so tests never see each other's topics, and the
    Fast DDS profile restricts transports to shared memory (a segment for images, as README
    tells users to configure) and UDP on 127.0.0.1.
    """
    try:
        domain, holder = _domain_claims.claim()
    except ros_domains.DomainsExhaustedError as err:
        pytest.fail(str(err))
    env = dict(os.environ)
    env.update({
        'ROS_AUTOMATIC_DISCOVERY_RANGE': 'LOCALHOST',
        'ROS_DOMAIN_ID': str(domain),
        **profile_environment(FASTDDS_PROFILE),
        'RMW_IMPLEMENTATION': 'rmw_fastrtps_cpp',
        'PYTHONUNBUFFERED': '1',
    })
    env.pop('ROS_LOCALHOST_ONLY', None)
    for variable in PROFILE_VARIABLES:
        if variable not in profile_environment(FASTDDS_PROFILE):
            env.pop(variable, None)
    yield env
    holder.close()


@pytest.fixture
def graph(ros_env):
    """Give the test a RosGraph (test/ros_graph.py) in its own domain; stop it afterwards."""
    sys.path.insert(0, str(REPO_ROOT / 'test'))
    from ros_graph import RosGraph
    graph = RosGraph(ros_env)
    yield graph
    graph.close()
