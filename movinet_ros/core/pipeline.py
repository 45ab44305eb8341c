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
One object from a camera message to ranked actions, shared by the node and the offline tools.

``RecognitionPipeline.process`` takes a sensor_msgs Image or CompressedImage (rclpy's or
rosbags') or an HxWx3 RGB array with its stamp, and returns ``None`` for a frame the
throttle drops, or a ``Recognition`` for a frame the model saw. Dropped frames are never
decoded, so a 30 fps camera costs little more than the 5 frames a second the model needs.
Malformed frames raise ``FrameError`` after being counted in ``stats.rejected``; so do
frames smaller than ``MIN_FRAME_SIDE`` on a side (1x1, 2x1 glitches between good frames),
which never reset the stream state.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
import pathlib
import time
from typing import Any

from movinet_ros.core.context import BoundedContext, ContextConfig, CopyScorer
from movinet_ros.core.errors import PreprocessError
from movinet_ros.core.frames import (
    check_max_pixels, CompressedImageLike, DEFAULT_MAX_PIXELS, FrameError, FrameSizeError,
    ImageLike, message_to_pixels, Pixels)
from movinet_ros.core.head import file_sha256, HeadScorer, HeadSettings, load_head
from movinet_ros.core.labels import check_label_count, load_labels
from movinet_ros.core.model import DEFAULT_NUM_THREADS, StreamModel
from movinet_ros.core.postprocess import Hypothesis, Ranker, RankingConfig
from movinet_ros.core.preprocess import DEFAULT_RESIZE_MODE, Preprocessor, RESIZE_MODES
from movinet_ros.core.throttle import (
    DEFAULT_RESET_GAP_SEC, DEFAULT_TARGET_FPS, ResetReason, StampThrottle)
import numpy as np

# Smallest width and height the pipeline accepts. The model's input is 172 (A0, A1) or 224
# (A2) pixels a side: a frame below 16 pixels a side is scaled up more than tenfold, no
# picture of an action, and in practice a driver's glitch (1x1, 2x1 frames).
MIN_FRAME_SIDE = 16


@dataclass(frozen=True)
class PipelineConfig:
    """Settings of the pipeline; the node builds one from its parameters."""

    target_fps: float = DEFAULT_TARGET_FPS
    reset_gap_sec: float = DEFAULT_RESET_GAP_SEC
    resize_mode: str = DEFAULT_RESIZE_MODE
    ranking: RankingConfig = field(default_factory=RankingConfig)
    context: ContextConfig = field(default_factory=ContextConfig)
    # Frames over this many pixels are rejected from their header, before decoding.
    max_pixels: int = DEFAULT_MAX_PIXELS

    @property
    def head_settings(self) -> HeadSettings:
        """Return the settings a head's features depend on, as a head file records them."""
        return HeadSettings(target_fps=self.target_fps, context_sec=self.context.context_sec,
                            context_streams=self.context.streams,
                            resize_mode=self.resize_mode)

    def __post_init__(self) -> None:
        check_max_pixels(self.max_pixels)
        if self.resize_mode not in RESIZE_MODES:
            raise PreprocessError(
                f'resize_mode must be one of {", ".join(RESIZE_MODES)}, '
                f'got {self.resize_mode!r}')


@dataclass
class PipelineStats:
    """Counters of everything that reached the pipeline; nothing is dropped uncounted."""

    received: int = 0
    processed: int = 0
    throttled: int = 0
    duplicates: int = 0
    # Stamps a little behind the latest one (jitter, out of order): throttled, not a reset.
    late: int = 0
    rejected: int = 0
    resets: int = 0
    # Frames from a second source on the camera's topic, dropped (ros.frame_sources).
    other_source: int = 0


@dataclass(frozen=True)
class Recognition:
    """What the model made of one processed frame; ``rgb()`` gives the frame itself."""

    stamp_ns: int
    hypotheses: tuple[Hypothesis, ...]
    probabilities: np.ndarray
    frames_in_state: int
    reset_reason: ResetReason | None
    frame_size: tuple[int, int]
    inference_ms: float
    total_ms: float
    frame_id: str = ''
    # The frame as given or decoded: RGB, or a raw Image's unconverted Pixels.
    pixels: np.ndarray | Pixels | None = field(default=None, repr=False)

    def rgb(self) -> np.ndarray | None:
        """Return the frame the model saw at its own size as HxWx3 RGB (None if not kept)."""
        if isinstance(self.pixels, Pixels):
            return self.pixels.to_rgb()
        return self.pixels


# An RGB array, an Image / CompressedImage message, a raw Image's Pixels, or a zero-argument
# callable returning one: the node passes a deserialiser so that frames the throttle drops
# are never decoded.
Frame = np.ndarray | Pixels | ImageLike | CompressedImageLike | Callable[[], Any]


class RecognitionPipeline:
    """Throttle, convert, pre-process, step the stream model and rank, one frame at a time."""

    def __init__(self, model: StreamModel, labels: Sequence[str],
                 config: PipelineConfig = PipelineConfig(), *,
                 scorer: CopyScorer | None = None, num_classes: int | None = None) -> None:
        """
        Run ``model`` with ``labels`` for the model's classes, or for a scorer's.

        ``scorer`` (e.g. a HeadScorer) gives each copy of the state its probabilities of
        ``num_classes`` classes instead of the softmax of the model's logits.
        """
        if scorer is not None and num_classes is None:
            raise ValueError('a scorer needs its num_classes')
        check_label_count(labels, model.num_classes if num_classes is None else num_classes)
        self.model = model
        self.labels = tuple(labels)
        self.config = config
        self.stats = PipelineStats()
        self._ranker = Ranker(self.labels, config.ranking)
        self._throttle = StampThrottle(config.target_fps, config.reset_gap_sec)
        self._scorer = scorer
        self._context = BoundedContext(model, config.context, scorer=scorer)
        # Set when a head trained with other pipeline settings is used (from_files).
        self.head_warning: str | None = None
        self._preprocess = Preprocessor(model.input_size, model.input_dtype,
                                        model.input_quantization, config.resize_mode)

    @classmethod
    def from_files(cls, model_path: str | pathlib.Path,
                   labels_path: str | pathlib.Path | None,
                   config: PipelineConfig = PipelineConfig(),
                   num_threads: int = DEFAULT_NUM_THREADS, *,
                   head_path: str | pathlib.Path | None = None) -> 'RecognitionPipeline':
        """
        Load a stream model and its label file, or a head; raise MovinetError if unusable.

        With ``head_path`` the head's labels and scores replace the model's (``labels_path``
        is not read). Without either, the classes are named by their numbers. A head
        trained with other pipeline settings is used all the same: ``head_warning`` says so.
        """
        if head_path:
            head = load_head(head_path)
            model = StreamModel(model_path, num_threads=num_threads)
            head.check_model(model, file_sha256(model.path))
            pipeline = cls(model, head.labels, config, scorer=HeadScorer(head, model),
                           num_classes=head.num_classes)
            pipeline.head_warning = head.settings_mismatch(config.head_settings)
            return pipeline
        model = StreamModel(model_path, num_threads=num_threads)
        if labels_path is None:
            return cls(model, [str(index) for index in range(model.num_classes)], config)
        labels = load_labels(labels_path)
        check_label_count(labels, model.num_classes, labels_path)
        return cls(model, labels, config)

    def fork(self) -> 'RecognitionPipeline':
        """Return a pipeline of its own state on this one's model, labels, scorer, settings."""
        num_classes = None if self._scorer is None else len(self.labels)
        return RecognitionPipeline(self.model.fork(), self.labels, self.config,
                                   scorer=self._scorer, num_classes=num_classes)

    @property
    def context(self) -> BoundedContext:
        """Return the staggered copies of the stream state the scores rest on."""
        return self._context

    def set_ranking(self, ranking: RankingConfig) -> None:
        """Apply new top-k, threshold or label lists from the next frame on (validated first)."""
        self._ranker = Ranker(self.labels, ranking)
        self.config = replace(self.config, ranking=ranking)

    def reset(self) -> None:
        """Start the stream over: zero every model state and forget the throttle's history."""
        self._context.reset()
        self._throttle.restart()
        self.stats.resets += 1

    def reject_unread(self) -> None:
        """Count a frame rejected before it could be read (no header, bad sizes)."""
        self.stats.received += 1
        self.stats.rejected += 1

    def drop_other_source(self) -> None:
        """Count a frame dropped because a second source sent it (ros.frame_sources)."""
        self.stats.received += 1
        self.stats.other_source += 1

    def process(self, frame: Frame, stamp_ns: int,
                received_ns: int | None = None) -> Recognition | None:
        """
        Run one stamped frame; return None if throttled, raise FrameError if malformed.

        ``received_ns``, the frame's receipt time on a steady clock (the node's), keeps the
        output at or below target_fps even when stamps keep restarting the stream.
        """
        self.stats.received += 1
        decision = self._throttle.decide(stamp_ns, received_ns)
        if not decision.process:
            self.stats.throttled += 1
            self.stats.duplicates += decision.duplicate
            self.stats.late += decision.late
            return None
        started = time.perf_counter()
        try:
            message = frame() if callable(frame) else frame
            pixels = self._to_pixels(message)
            width, height = (pixels.size if isinstance(pixels, Pixels)
                             else (pixels.shape[1], pixels.shape[0]))
            if width < MIN_FRAME_SIDE or height < MIN_FRAME_SIDE:
                raise FrameSizeError(
                    f'a {width}x{height} frame is below the minimum of {MIN_FRAME_SIDE} '
                    'pixels a side')
        except FrameError:
            # Decoded before any reset, so a rejected frame leaves the state as it was.
            self.stats.rejected += 1
            self._throttle.cancel()
            raise
        size_change = self._throttle.check_size((width, height))
        reset_reason = decision.reset or size_change
        if reset_reason is not None:
            self._context.reset()
            self.stats.resets += 1
        model_input = self._preprocess(pixels)
        invoked = time.perf_counter()
        probabilities = self._context.step(model_input, stamp_ns)
        inference_ms = (time.perf_counter() - invoked) * 1e3
        hypotheses = tuple(self._ranker.rank(probabilities))
        self.stats.processed += 1
        return Recognition(
            stamp_ns=stamp_ns, hypotheses=hypotheses, probabilities=probabilities,
            frames_in_state=self._context.frames_in_state, reset_reason=reset_reason,
            frame_size=(width, height), inference_ms=inference_ms,
            total_ms=(time.perf_counter() - started) * 1e3,
            frame_id=getattr(getattr(message, 'header', None), 'frame_id', ''), pixels=pixels)

    def _to_pixels(self, frame: Frame) -> np.ndarray | Pixels:
        if isinstance(frame, Pixels):
            return frame
        if isinstance(frame, np.ndarray):
            if frame.ndim != 3 or frame.shape[2] != 3 or frame.dtype != np.uint8 \
                    or 0 in frame.shape:
                raise FrameSizeError(
                    f'an array frame must be HxWx3 uint8 RGB, got shape {frame.shape} '
                    f'dtype {frame.dtype}')
            return frame
        return message_to_pixels(frame, max_pixels=self.config.max_pixels)
