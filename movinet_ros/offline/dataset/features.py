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
pooled features of each copy of the state it steps; after each frame the context names the
copies its rule combined (``BoundedContext.combined``). A frame's samples are those copies,
oldest first, so a held-out frame can be scored as the node scores it: the head on each of
them, combined by the context's rule.
"""

from typing import Any

from movinet_ros.core.context import BoundedContext
from movinet_ros.core.head import pooled_features
from movinet_ros.core.model import StreamModel
from movinet_ros.core.pipeline import RecognitionPipeline
from movinet_ros.offline.dataset.recording import run_recording
from movinet_ros.offline.dataset.runners import PipelineSpec, Task, worker_pipeline
import numpy as np

__all__ = ['extract_task', 'WARMUP_FRAMES']

# A state of fewer frames is too young to learn from (it is still scored when held out).
WARMUP_FRAMES = 3


class _Recorder:
    """A context scorer that keeps each copy's features, frame by frame."""

    def __init__(self) -> None:
        self.context: BoundedContext | None = None
        # Per processed frame: the stepped copies' (index, frames, features) and the
        # indices of the copies the context's rule combined, oldest first.
        self.frames: list[dict[int, tuple[int, np.ndarray]]] = []
        self.combined: list[tuple[int, ...]] = []

    def __call__(self, model: StreamModel, logits: np.ndarray) -> np.ndarray:
        assert self.context is not None
        index = next(i for i, copy in enumerate(self.context.models) if copy is model)
        # The copies of one frame step in index order: a repeated or lower one starts the
        # next frame, whose context has finished the previous one.
        if not self.frames or index <= max(self.frames[-1]):
            if self.frames:
                self.combined.append(self.context.combined)
            self.frames.append({})
        self.frames[-1][index] = (model.frames_in_state, pooled_features(model))
        return np.full(len(self.context.models), 1.0 / len(self.context.models))

    def finish(self) -> None:
        """Take the combined copies of the last frame."""
        if self.context is not None and len(self.combined) < len(self.frames):
            self.combined.append(self.context.combined)


def extract_task(spec: PipelineSpec, task: Task) -> dict[str, Any]:
    """Run one recording; return its frames' stamps and the combined copies' features."""
    try:
        model = worker_pipeline(spec).model
        copies = spec.config.context.streams if spec.config.context.bounded else 1
        recorder = _Recorder()
        pipeline = RecognitionPipeline(
            model, [f'copy {index}' for index in range(copies)], spec.config,
            scorer=recorder, num_classes=copies)
        recorder.context = pipeline.context
        run, topic = run_recording(task.entry, pipeline, task.default_topic)
        recorder.finish()
    except Exception as error:  # noqa: B902 - reported with its recording, as eval-dataset
        return {'name': task.entry.name, 'error': f'{type(error).__name__}: {error}'}
    if len(recorder.frames) != len(run.frames):
        return {'name': task.entry.name,
                'error': f'{len(recorder.frames)} scored steps for {len(run.frames)} frames'}
    rows, frame_of, frames_in_state = [], [], []
    for number, (stepped, combined) in enumerate(zip(recorder.frames, recorder.combined)):
        for index in combined:
            frames, features = stepped[index]
            rows.append(features)
            frame_of.append(number)
            frames_in_state.append(frames)
    return {
        'name': task.entry.name, 'error': '', 'topic': topic,
        'first_stamp_ns': run.first_stamp_ns,
        'stamps': np.array([frame.stamp_ns for frame in run.frames], np.int64),
        'features': np.array(rows, np.float64).reshape(len(rows), -1),
        'frame_of': np.array(frame_of, np.int64),
        'frames_in_state': np.array(frames_in_state, np.int64),
        'frames_read': run.frames_read,
    }
