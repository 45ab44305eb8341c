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

"""Node parameters: one table, validation with reasons, and config/movinet.yaml mirroring it."""

import argparse

from helpers.constants import CONFIG_DIR, NODE_DOC
from movinet_ros.cli.classify import add_model_arguments
from movinet_ros.core.events import EventConfig
from movinet_ros.core.model import DEFAULT_NUM_THREADS
from movinet_ros.core.pipeline import PipelineConfig
from movinet_ros.ros.settings import (
    check_value, parameter_table_markdown, PARAMS, PARAMS_BY_NAME, settings_from_values,
    SettingsError)
import pytest
import yaml


def test_yaml_defaults_mirror_the_declarations():
    config = yaml.safe_load((CONFIG_DIR / 'movinet.yaml').read_text())
    values = config['/**']['ros__parameters']
    for name, value in values.items():
        assert name in PARAMS_BY_NAME, f'{name} in movinet.yaml is not a node parameter'
        assert value == PARAMS_BY_NAME[name].default, name
    # Only the list parameters may be left out (ROS cannot type an empty YAML list).
    lists = {'label_allowlist', 'label_denylist', 'image_topics'}
    assert set(PARAMS_BY_NAME) - set(values) == lists


def test_docs_parameter_table_is_generated_from_the_declarations():
    table = parameter_table_markdown()
    assert table in NODE_DOC.read_text(), \
        'docs/node.md parameter table is stale: run python scripts/param_docs.py --write'
    assert all(f'| `{spec.name}` |' in table for spec in PARAMS)
    assert '| `num_threads` | `1` |' in table and '| `publish_overlay` | `true` |' in table


def test_valid_values_freeze_into_settings():
    settings = settings_from_values({'model_path': 'm.tflite', 'labels_path': 'l.txt',
                                     'label_allowlist': ['a', 'b'], 'top_k': 3})
    assert settings.top_k == 3 and settings.label_allowlist == ('a', 'b')
    assert settings.ranking().top_k == 3
    assert settings.pipeline_config().target_fps == 5.0
    with pytest.raises(AttributeError):
        settings.top_k = 4


def test_event_settings_freeze_into_the_detector_config():
    settings = settings_from_values({'model_path': 'm', 'labels_path': 'l',
                                     'event_enter_score': 1, 'event_max_concurrent': 2,
                                     'label_denylist': ['texting']})
    config = settings.event_config()
    assert config.enter_score == 1.0 and isinstance(config.enter_score, float)
    assert config.max_concurrent == 2 and config.denylist == ('texting',)
    assert config.exit_score == PARAMS_BY_NAME['event_exit_score'].default
    assert config.input_timeout_sec == PARAMS_BY_NAME['event_input_timeout_sec'].default
    # The default ends an event before the no-input warning says the camera is gone.
    assert config.input_timeout_sec <= PARAMS_BY_NAME['no_input_warn_sec'].default
    assert all(not PARAMS_BY_NAME[name].read_only for name in PARAMS_BY_NAME
               if name.startswith('event_'))
    with pytest.raises(SettingsError, match='event_exit_score .* must not exceed'):
        settings_from_values({'model_path': 'm', 'labels_path': 'l',
                              'event_enter_score': 0.4, 'event_exit_score': 0.5})


@pytest.mark.parametrize('name, value, words', [
    ('event_enter_score', 0.0, ['event_enter_score', '[0.01, 1.0]']),
    ('event_max_concurrent', 0, ['event_max_concurrent', 'integer']),
    ('event_min_gap_sec', -1.0, ['event_min_gap_sec']),
    ('event_input_timeout_sec', 0.0, ['event_input_timeout_sec', '[0.1, 3600.0]']),
    ('top_k', 0, ['top_k', '[1, 1000]']),
    ('top_k', 2.5, ['top_k', 'integer']),
    ('score_threshold', 1.2, ['score_threshold', '[0.0, 1.0]']),
    ('target_fps', float('nan'), ['target_fps']),
    ('target_fps', -1.0, ['target_fps']),
    ('resize_mode', 'fill', ['resize_mode', 'stretch', 'center_crop']),
    ('input_transport', 'theora', ['input_transport', 'compressed']),
    ('label_allowlist', ['ok', ' '], ['label_allowlist', 'empty']),
    ('image_topics', ['/a/image', 3], ['image_topics', 'list of strings']),
    ('publish_overlay', 1, ['publish_overlay', 'true or false']),
])
def test_invalid_values_are_rejected_with_a_reason(name, value, words):
    reason = check_value(name, value)
    assert reason is not None
    for word in words:
        assert word in reason
    with pytest.raises(SettingsError) as error:
        settings_from_values({'model_path': 'm', 'labels_path': 'l', name: value})
    assert name in str(error.value)


def test_a_head_replaces_the_label_map():
    settings = settings_from_values({'model_path': 'm', 'head_path': 'head.json'})
    assert settings.head_path == 'head.json' and settings.labels_path == ''


@pytest.mark.parametrize('given, words, not_words', [
    ({}, ['no model given', 'model_path to a MoViNet stream TFLite model',
          'labels_path to its label map', '-p model_path:=', '-p labels_path:='], []),
    ({'model_path': 'a0.tflite'}, ['labels_path is not set', "the model's label map"],
     ['model_path']),
    ({'labels_path': 'k600.txt'}, ['model_path is not set', 'TFLite model (.tflite)',
                                   'that k600.txt labels'], ['labels_path']),
])
def test_missing_model_or_labels_say_which_is_missing_and_what_it_is(
        given, words, not_words):
    with pytest.raises(SettingsError) as error:
        settings_from_values(given)
    for word in words:
        assert word in str(error.value)
    for word in not_words:
        assert word not in str(error.value)


def test_node_and_classify_defaults_are_the_cores():
    pipeline, events = PipelineConfig(), EventConfig()
    core = {'target_fps': pipeline.target_fps, 'reset_gap_sec': pipeline.reset_gap_sec,
            'resize_mode': pipeline.resize_mode, 'top_k': pipeline.ranking.top_k,
            'score_threshold': pipeline.ranking.score_threshold,
            'max_pixels': pipeline.max_pixels, 'num_threads': DEFAULT_NUM_THREADS,
            'event_enter_score': events.enter_score, 'event_exit_score': events.exit_score,
            'event_min_duration_sec': events.min_duration_sec,
            'event_min_gap_sec': events.min_gap_sec,
            'event_max_concurrent': events.max_concurrent,
            'event_input_timeout_sec': events.input_timeout_sec}
    assert {name: PARAMS_BY_NAME[name].default for name in core} == core
    parser = argparse.ArgumentParser()
    add_model_arguments(parser)
    given = parser.parse_args(['--model', 'm', '--labels', 'l'])
    assert (given.fps, given.top_k, given.threads, given.resize_mode) == (
        pipeline.target_fps, pipeline.ranking.top_k, DEFAULT_NUM_THREADS, pipeline.resize_mode)
