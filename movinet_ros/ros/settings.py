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
The node's parameters: declared once from one table, validated, frozen into ``NodeSettings``.

The table is the single source of truth: the node declares from it, ``config/movinet.yaml``
and docs/node.md's parameter table are generated from it (scripts/param_docs.py).
"""

from dataclasses import dataclass
import math
from typing import Any

from movinet_ros.core.context import (
    ContextConfig, DEFAULT_CONTEXT_SEC, DEFAULT_CONTEXT_STREAMS, MAX_CONTEXT_STREAMS)
from movinet_ros.core.errors import MovinetError
from movinet_ros.core.events import EventConfig
from movinet_ros.core.frames import DEFAULT_MAX_PIXELS, MAX_PIXELS_LIMIT
from movinet_ros.core.head import load_head
from movinet_ros.core.labels import load_labels
from movinet_ros.core.model import DEFAULT_NUM_THREADS
from movinet_ros.core.pipeline import PipelineConfig
from movinet_ros.core.postprocess import Ranker, RankingConfig
from movinet_ros.core.preprocess import RESIZE_MODES
from movinet_ros.ros.errors import SettingsError

# The defaults of the recognition settings are the core's own (defined once, there).
_PIPELINE = PipelineConfig()
_EVENTS = EventConfig()
TRANSPORTS = ('raw', 'compressed')
INPUT_QOS_MODES = ('auto', 'sensor_data', 'reliable')


@dataclass(frozen=True)
class ParamSpec:
    """One parameter: default, meaning, allowed range, and whether it can change at run time."""

    name: str
    default: Any
    description: str
    read_only: bool = True
    int_range: tuple[int, int] | None = None
    float_range: tuple[float, float] | None = None
    choices: tuple[str, ...] = ()


PARAMS: tuple[ParamSpec, ...] = (
    ParamSpec('model_path', '', 'MoViNet *stream* TFLite model file (.tflite). Required.'),
    ParamSpec('labels_path', '',
              'Label map, one class name per line in logit order; its line count must equal '
              "the model's number of classes. Required unless head_path is set."),
    ParamSpec('head_path', '',
              'A head of your own actions (head.json of movinet-ros train, for this model): '
              "its labels and scores replace the model's, and labels_path is not read. "
              'Empty: the label map.'),
    ParamSpec('num_threads', DEFAULT_NUM_THREADS, 'CPU threads for the TFLite interpreter.',
              int_range=(1, 64)),
    ParamSpec('target_fps', _PIPELINE.target_fps,
              'Rate at which frames are fed to the model, decided from header stamps; '
              'MoViNet streams were trained at 5 fps. 0 feeds every frame.',
              float_range=(0.0, 120.0)),
    ParamSpec('top_k', _PIPELINE.ranking.top_k, 'Number of classes published per frame.',
              read_only=False, int_range=(1, 1000)),
    ParamSpec('score_threshold', _PIPELINE.ranking.score_threshold,
              'Minimum softmax score for a class to be published.',
              read_only=False, float_range=(0.0, 1.0)),
    ParamSpec('label_allowlist', [],
              'If not empty, only these labels are published (names from the label file).',
              read_only=False),
    ParamSpec('label_denylist', [], 'Labels never published (names from the label file).',
              read_only=False),
    ParamSpec('event_enter_score', _EVENTS.enter_score,
              'Action events (topic action_events): a label STARTs once its score has been at or '
              'above this for event_min_duration_sec.', read_only=False,
              float_range=(0.01, 1.0)),
    ParamSpec('event_exit_score', _EVENTS.exit_score,
              'An ongoing event ENDs once its score has been below this for '
              'event_min_gap_sec; at most event_enter_score (hysteresis).', read_only=False,
              float_range=(0.0, 1.0)),
    ParamSpec('event_min_duration_sec', _EVENTS.min_duration_sec,
              'How long (by frame stamps) a score must stay at or above event_enter_score '
              'before its event STARTs; shorter flicker starts nothing.', read_only=False,
              float_range=(0.0, 3600.0)),
    ParamSpec('event_min_gap_sec', _EVENTS.min_gap_sec,
              'How long a score must stay below event_exit_score before its event ENDs; '
              'shorter dips keep the event going.', read_only=False,
              float_range=(0.0, 3600.0)),
    ParamSpec('event_max_concurrent', _EVENTS.max_concurrent,
              'Most events ongoing at once per camera; ongoing events are never pre-empted, '
              'a label that qualifies while all are taken starts when one ends.',
              read_only=False, int_range=(1, 1000)),
    ParamSpec('event_input_timeout_sec', _EVENTS.input_timeout_sec,
              'No frame from the camera for this long (steady clock) ends its ongoing events '
              '(END reason "input stopped", at the last frame seen), so a consumer waiting '
              'for an END never hangs on a dead camera. Keep it at most no_input_warn_sec, '
              'so the END comes before that warning.', read_only=False,
              float_range=(0.1, 3600.0)),
    ParamSpec('resize_mode', _PIPELINE.resize_mode,
              'How frames are fitted to the model input: stretch (whole frame, aspect not '
              "kept) or center_crop (central region with the model's aspect).",
              choices=RESIZE_MODES),
    ParamSpec('reset_gap_sec', _PIPELINE.reset_gap_sec,
              'A gap between frame stamps longer than this resets the stream state. Also how '
              'long the source owning a camera topic must be silent before another publisher '
              'on it takes the stream over (others are dropped; docs/reliability.md).',
              float_range=(0.001, 3600.0)),
    ParamSpec('context_sec', DEFAULT_CONTEXT_SEC,
              'Temporal context: the published scores rest on about the last this many '
              'seconds, so a camera that runs for days still recognises the action '
              'happening now (docs/node.md, "Temporal context"). 0: the whole history since the '
              'last reset (clip-level use).',
              float_range=(0.0, 3600.0)),
    ParamSpec('context_streams', DEFAULT_CONTEXT_STREAMS,
              'Staggered copies of the stream state that make up the context; each costs '
              'one model invoke per processed frame and an interpreter of its own.',
              int_range=(1, MAX_CONTEXT_STREAMS)),
    ParamSpec('max_pixels', DEFAULT_MAX_PIXELS,
              'Pixel budget of one frame (width x height), checked from the Image fields or '
              'the JPEG / PNG header before decoding: a larger frame is rejected and counted '
              'in frames_rejected. The default, 4096x4096, passes 4K and 12 MP cameras and '
              'bounds a decode to 48 MiB, which a 4 GB robot computer affords.',
              int_range=(1, MAX_PIXELS_LIMIT)),
    ParamSpec('input_transport', 'raw',
              'raw subscribes sensor_msgs/Image on "image"; compressed subscribes '
              'sensor_msgs/CompressedImage on "<image>/compressed".', choices=TRANSPORTS),
    ParamSpec('input_qos', 'auto',
              'Reliability of the image subscription (always keep-last 1, volatile): auto '
              'subscribes reliable when every publisher on the topic is reliable, else best '
              'effort, and re-decides when publishers change; sensor_data is always best '
              'effort, reliable always reliable. qos_overrides win over all three.',
              choices=INPUT_QOS_MODES),
    ParamSpec('image_topics', [],
              'Several cameras into one node: their image topics. One interpreter serves all, '
              'each camera keeps its own stream state, results go to the sibling topic '
              'actions (/front/image_raw -> /front/actions), so each camera needs its own '
              'namespace. Empty: the single "image" topic.'),
    ParamSpec('publish_overlay', True,
              'Publish ~/overlay (the frame with the top-k drawn) while it has subscribers.',
              read_only=False),
    ParamSpec('autostart', True,
              'Configure and activate the lifecycle node at start-up, so a plain run works.'),
    ParamSpec('exit_on_configure_failure', True,
              'With autostart: a failed configure ends the process with exit code 2 after '
              'logging the reason, so scripts, respawn and systemd see it. false keeps the '
              'node up, unconfigured, for a lifecycle manager to configure again.'),
    ParamSpec('no_input_warn_sec', 5.0,
              'Active this many seconds without a frame on a camera topic: one WARN naming '
              'the topic, its publishers and any QoS mismatch, repeated every 30 s until '
              'frames arrive. 0: never.',
              float_range=(0.0, 3600.0)),
)

PARAMS_BY_NAME: dict[str, ParamSpec] = {spec.name: spec for spec in PARAMS}


@dataclass(frozen=True)
class NodeSettings:
    """Validated parameter values, as the node and the pure pipeline receive them."""

    model_path: str
    labels_path: str
    head_path: str
    num_threads: int
    target_fps: float
    top_k: int
    score_threshold: float
    label_allowlist: tuple[str, ...]
    label_denylist: tuple[str, ...]
    event_enter_score: float
    event_exit_score: float
    event_min_duration_sec: float
    event_min_gap_sec: float
    event_max_concurrent: int
    event_input_timeout_sec: float
    resize_mode: str
    reset_gap_sec: float
    context_sec: float
    context_streams: int
    max_pixels: int
    input_transport: str
    input_qos: str
    image_topics: tuple[str, ...]
    publish_overlay: bool
    autostart: bool
    exit_on_configure_failure: bool
    no_input_warn_sec: float

    def ranking(self) -> RankingConfig:
        """Return the ranking settings of the post-processing step."""
        return RankingConfig(top_k=self.top_k, score_threshold=self.score_threshold,
                             allowlist=self.label_allowlist, denylist=self.label_denylist)

    def event_config(self) -> EventConfig:
        """Return the settings of the action event detector (same label lists as ranking)."""
        return EventConfig(enter_score=self.event_enter_score,
                           exit_score=self.event_exit_score,
                           min_duration_sec=self.event_min_duration_sec,
                           min_gap_sec=self.event_min_gap_sec,
                           max_concurrent=self.event_max_concurrent,
                           input_timeout_sec=self.event_input_timeout_sec,
                           allowlist=self.label_allowlist, denylist=self.label_denylist)

    def pipeline_config(self) -> PipelineConfig:
        """Return the settings of the shared recognition pipeline."""
        return PipelineConfig(target_fps=self.target_fps, reset_gap_sec=self.reset_gap_sec,
                              resize_mode=self.resize_mode, ranking=self.ranking(),
                              context=ContextConfig(context_sec=self.context_sec,
                                                    streams=self.context_streams),
                              max_pixels=self.max_pixels)


def check_value(name: str, value: Any, *,
                table: dict[str, ParamSpec] = PARAMS_BY_NAME) -> str | None:
    """Return why ``value`` is not acceptable for parameter ``name`` of ``table``, or None."""
    spec = table.get(name)
    if spec is None:
        return None
    if isinstance(spec.default, bool):
        return None if isinstance(value, bool) else f'{name} must be true or false'
    if isinstance(spec.default, list):
        if not isinstance(value, (list, tuple)) or not all(isinstance(v, str) for v in value):
            return f'{name} must be a list of strings'
        if any(not v.strip() for v in value):
            return f'{name} contains an empty string'
        return None
    if spec.int_range is not None:
        low, high = spec.int_range
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            return f'{name} must be an integer in [{low}, {high}], got {value!r}'
    if spec.float_range is not None:
        low, high = spec.float_range
        if isinstance(value, bool) or not isinstance(value, (int, float)) \
                or not math.isfinite(value) or not low <= value <= high:
            return f'{name} must be a number in [{low}, {high}], got {value!r}'
    if spec.choices and value not in spec.choices:
        return f'{name} must be one of {", ".join(spec.choices)}, got {value!r}'
    if isinstance(spec.default, str) and not isinstance(value, str):
        return f'{name} must be a string, got {value!r}'
    return None


def check_labels_known(values: dict[str, Any], changes: dict[str, Any]) -> str | None:
    """
    Return why new label lists name labels the label file lacks, before configure; or None.

    Unconfigured, the node has no labels loaded yet, so label_allowlist and label_denylist
    are checked against ``labels_path`` read now. A label file that cannot be read yet is
    not held against the lists: configure reports the file, then the lists.
    """
    if not {'label_allowlist', 'label_denylist'} & changes.keys():
        return None
    merged = {**values, **changes}
    try:
        labels = (load_head(merged['head_path']).labels if str(merged['head_path']).strip()
                  else load_labels(merged['labels_path']))
    except MovinetError:
        return None
    try:
        Ranker(labels, RankingConfig(allowlist=tuple(merged['label_allowlist'] or ()),
                                     denylist=tuple(merged['label_denylist'] or ())))
    except MovinetError as error:
        return str(error)
    return None


def _missing_files(values: dict[str, Any]) -> list[str]:
    """Say which of the two files the node cannot run without are not set, and how to."""
    model, labels = (not str(values[name]).strip() for name in ('model_path', 'labels_path'))
    # A head of one's own actions carries its labels.
    labels = labels and not str(values['head_path']).strip()
    # The model holds no class names (Kinetics-600 models come with a separate label map).
    example = ('-p model_path:=movinet_a0_stream_int8.tflite '
               '-p labels_path:=kinetics600_label_map.txt')
    if model and labels:
        return ['no model given: set model_path to a MoViNet stream TFLite model and '
                f'labels_path to its label map, e.g. --ros-args {example} (README, "Get a model")']
    if model:
        return ['model_path is not set: set it to the MoViNet stream TFLite model (.tflite) '
                f'that {values["labels_path"]} labels (README, "Get a model")']
    if labels:
        return ["labels_path is not set: set it to the model's label map, one class name a "
                'line in logit order (kinetics600_label_map.txt for the Kinetics-600 models; '
                'README, "Get a model"), or head_path to a head of your own actions']
    return []


def settings_from_values(values: dict[str, Any]) -> NodeSettings:
    """Validate a complete set of parameter values and freeze them; raise SettingsError."""
    merged = {spec.name: values.get(spec.name, spec.default) for spec in PARAMS}
    problems: list[str] = [reason for name, value in merged.items()
                           if (reason := check_value(name, value)) is not None]
    problems += _missing_files(merged)
    if not problems and merged['event_exit_score'] > merged['event_enter_score']:
        problems.append(f'event_exit_score ({merged["event_exit_score"]}) must not exceed '
                        f'event_enter_score ({merged["event_enter_score"]})')
    if problems:
        raise SettingsError('; '.join(problems))
    for name in ('event_enter_score', 'event_exit_score', 'event_min_duration_sec',
                 'event_min_gap_sec', 'event_input_timeout_sec'):
        merged[name] = float(merged[name])
    merged['target_fps'] = float(merged['target_fps'])
    merged['score_threshold'] = float(merged['score_threshold'])
    merged['reset_gap_sec'] = float(merged['reset_gap_sec'])
    merged['context_sec'] = float(merged['context_sec'])
    merged['no_input_warn_sec'] = float(merged['no_input_warn_sec'])
    merged['label_allowlist'] = tuple(merged['label_allowlist'])
    merged['label_denylist'] = tuple(merged['label_denylist'])
    merged['image_topics'] = tuple(merged['image_topics'])
    return NodeSettings(**merged)


def shown_default(value: Any) -> str:
    """Return a default value as a user types it: true/false, [] and '' for empty text."""
    if isinstance(value, bool):
        return 'true' if value else 'false'
    if isinstance(value, list):
        return '[]'
    return repr(value) if value == '' else str(value)


def allowed_values(spec: ParamSpec) -> str:
    """Return the values ``spec`` allows, as the tables and ``--help`` show them."""
    if spec.int_range is not None:
        return f'{spec.int_range[0]} to {spec.int_range[1]}'
    if spec.float_range is not None:
        return f'{spec.float_range[0]:g} to {spec.float_range[1]:g}'
    return ', '.join(spec.choices)


def parameter_table_markdown() -> str:
    """Return the parameter table of docs/node.md, generated from ``PARAMS``."""
    rows = ['| Parameter | Default | Run-time change | Range | Description |',
            '|---|---|---|---|---|']
    for spec in PARAMS:
        rows.append(f'| `{spec.name}` | `{shown_default(spec.default)}` | '
                    f'{"no" if spec.read_only else "yes"} | {allowed_values(spec)} | '
                    f'{spec.description} |')
    return '\n'.join(rows)
