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

from collections.abc import Callable, Iterator
import os
import pathlib

from helpers import ros_domains
from helpers.constants import (
    CLIP_PATH, FASTDDS_PROFILE, LABELS_PATH, MODEL_PATH, OTHER_CLIP_PATH, require, SHARED_DIR)
from helpers.nodes import RosGraph
from helpers.pipelines import pipeline_factory
from hypothesis import settings as hypothesis_settings
from movinet_ros.core.pipeline import RecognitionPipeline
import pytest
from testbed.process_graph import dds_variables, graph_environment

_domain_claims: ros_domains.DomainClaims | None = None

# Property tests draw the same examples on every run (derived from each test's source, with
# no example database), so a run fails only for the code, and the coverage each property
# test asserts (so many resets, cancels...) is a fixed fact, not a draw. Hunting new examples
# is a choice: HYPOTHESIS_PROFILE=explore draws at random.
hypothesis_settings.register_profile('fixed', derandomize=True, database=None)
hypothesis_settings.register_profile('explore', derandomize=False)
hypothesis_settings.load_profile(os.environ.get('HYPOTHESIS_PROFILE', 'fixed'))


def pytest_collection_modifyitems(config, items):
    """Put the tests marked timing in one xdist group: one worker runs them one at a time."""
    for item in items:
        if item.get_closest_marker('timing') is not None:
            item.add_marker(pytest.mark.xdist_group('timing'))


def pytest_configure(config):
    """Read the test domain settings once, before any test runs: a bad one stops the run."""
    global _domain_claims
    try:
        _domain_claims = ros_domains.DomainClaims.from_environment(os.environ)
    except ros_domains.DomainSettingsError as err:
        raise pytest.UsageError(str(err)) from err


@pytest.fixture
def model_path() -> pathlib.Path:
    """Path to the real MoViNet-A0 stream int8 model; skips where ../shared is absent."""
    require(MODEL_PATH)
    return MODEL_PATH


@pytest.fixture
def labels_path() -> pathlib.Path:
    """Path to the real Kinetics-600 label map; skips where ../shared is absent."""
    require(LABELS_PATH)
    return LABELS_PATH


@pytest.fixture
def clip_path() -> pathlib.Path:
    """Path to the real carving-ice clip; skips where ../shared is absent."""
    require(CLIP_PATH)
    return CLIP_PATH


@pytest.fixture
def shared_dir() -> pathlib.Path:
    """Return ../shared with the model and both real clips; skip where one is absent."""
    require(MODEL_PATH, LABELS_PATH, CLIP_PATH, OTHER_CLIP_PATH)
    return SHARED_DIR


@pytest.fixture
def new_pipeline(model_path, labels_path) -> Callable[..., RecognitionPipeline]:
    """Return make(**PipelineConfig fields) -> a fresh pipeline on the real model."""
    return pipeline_factory(model_path, labels_path)


@pytest.fixture
def ros_env() -> Iterator[dict]:
    """
    Environment for ROS 2 processes started by a test: this machine only, own domain.

    Each test gets a ROS_DOMAIN_ID that no other test on this machine holds meanwhile
    (test/helpers/ros_domains.py: MOVINET_TEST_DOMAIN_BASE and _COUNT choose the range; never
    the shell's own ROS_DOMAIN_ID), so tests never see each other's topics, and the
    Fast DDS profile restricts transports to shared memory (a segment for images, as
    docs/cameras_and_dds.md tells users to configure) and UDP on 127.0.0.1.
    """
    try:
        domain, holder = _domain_claims.claim()
    except ros_domains.DomainsExhaustedError as err:
        pytest.fail(str(err))
    yield graph_environment(dds_variables(domain, FASTDDS_PROFILE))
    holder.close()


@pytest.fixture
def graph(ros_env):
    """Give the test a RosGraph (test/helpers/nodes.py) in its own domain; stop it afterwards."""
    graph = RosGraph(ros_env)
    yield graph
    graph.close()
