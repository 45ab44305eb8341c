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
Take the features a head learns from, where the node would publish (``movinet-ros train``).

A recording runs through the very pipeline the node runs (throttle, bounded context,
resize), by the runners of ``eval-dataset``. The context is given a scorer that keeps the
pooled features of each copy of the state it steps, and returns that copy's one-hot index:
the context combines the copies' probabilities linearly, so what it publishes is each
copy's weight in the node's scores. A frame's samples are the copies of non-zero weight.
"""

from collections.abc import Sequence
from typing import Any

from movinet_ros.core.head import pooled_features
from movinet_ros.core.model import StreamModel
from movinet_ros.core.pipeline import RecognitionPipeline
from movinet_ros.offline.recording import run_recording
from movinet_ros.offline.runners import PipelineSpec, Task, worker_pipeline
import numpy as np

__all__ = ['extract_task', 'WARMUP_FRAMES']

# A state of fewer frames is too young to learn from (it is still scored when held out).
WARMUP_FRAMES = 3


class _Recorder:
    """
    A context scorer that keeps each copy's features and returns its one-hot index.

    The context combines the copies' probabilities linearly, so the published vector of
    one-hots is each copy's weight in what the node would publish.
    """

    def __init__(self, copies: Sequence[StreamModel]) -> None:
        self.copies = list(copies)
        self.calls: list[tuple[int, int, np.ndarray]] = []

    def __call__(self, model: StreamModel) -> np.ndarray:
        index = next(i for i, copy in enumerate(self.copies) if copy is model)
        self.calls.append((index, model.frames_in_state, pooled_features(model)))
        one_hot = np.zeros(len(self.copies), np.float64)
        one_hot[index] = 1.0
        return one_hot


def extract_task(spec: PipelineSpec, task: Task) -> dict[str, Any]:
    """Run one recording; return its frames' stamps, copies' features and weights."""
    try:
        model = worker_pipeline(spec).model
        copies = spec.config.context.streams if spec.config.context.bounded else 1
        recorder = _Recorder([])
        pipeline = RecognitionPipeline(
            model, [f'copy {index}' for index in range(copies)], spec.config,
            scorer=recorder, num_classes=copies)
        recorder.copies = list(pipeline.context.models)
        run, topic = run_recording(task.entry, pipeline, task.default_topic)
    except Exception as error:  # noqa: B902 - reported with its recording, as eval-dataset
        return {'name': task.entry.name, 'error': f'{type(error).__name__}: {error}'}
    # The copies that step for one frame are distinct: a repeated one starts the next frame.
    groups: list[list[tuple[int, int, np.ndarray]]] = []
    for call in recorder.calls:
        if not groups or any(call[0] == seen[0] for seen in groups[-1]):
            groups.append([])
        groups[-1].append(call)
    if len(groups) != len(run.frames):
        return {'name': task.entry.name,
                'error': f'{len(groups)} scored steps for {len(run.frames)} frames'}
    rows, frame_of, frames_in_state, weights = [], [], [], []
    for number, (frame, group) in enumerate(zip(run.frames, groups)):
        ids, scores = frame.timeline
        weight = np.zeros(copies, np.float64)
        weight[ids] = scores
        for index, frames, features in group:
            if weight[index] > 0.0:
                rows.append(features)
                frame_of.append(number)
                frames_in_state.append(frames)
                weights.append(weight[index])
    return {
        'name': task.entry.name, 'error': '', 'topic': topic,
        'first_stamp_ns': run.first_stamp_ns,
        'stamps': np.array([frame.stamp_ns for frame in run.frames], np.int64),
        'features': np.array(rows, np.float64).reshape(len(rows), -1),
        'frame_of': np.array(frame_of, np.int64),
        'frames_in_state': np.array(frames_in_state, np.int64),
        'weights': np.array(weights, np.float64),
        'frames_read': run.frames_read,
    }
