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
In-process timings: the bare interpreter (the floor), the pipeline, the node's image callback.

All three see the same real frames (the clip's) and run on one interpreter thread, as the
node does by default. Each measurement is repeated; a repeat's result is the median of its
frames after a warm-up, and the figure is the median of the repeats.
"""

from collections.abc import Callable, Sequence
import time

from benchmark import BenchmarkError
from benchmark.content import bgr_image, FRAME_PERIOD_NS
from benchmark.stats import Figure, median, summarize
from movinet_ros.core.cdr_header import restamped_cdr
from movinet_ros.core.context import BoundedContext, ContextConfig
from movinet_ros.core.head import FEATURE_BUFFER, Head, HeadScorer, HeadSettings
from movinet_ros.core.model import StreamModel
from movinet_ros.core.pipeline import PipelineConfig, RecognitionPipeline
from movinet_ros.core.preprocess import Preprocessor
from movinet_ros.core.runtime import make_interpreter
from movinet_ros.core.stamps import NS_PER_SEC
from movinet_ros.ros.node import MovinetNode
import numpy as np
import rclpy
from rclpy.context import Context
from rclpy.lifecycle import TransitionCallbackReturn
from rclpy.logging import LoggingSeverity
from rclpy.parameter import Parameter
from rclpy.serialization import serialize_message
from rclpy.signals import SignalHandlerOptions
from sensor_msgs.msg import Image


class FrameTimer:
    """
    One in-process measurement, run a repeat at a time so that several can be interleaved.

    ``one_frame(index)`` does one frame's work and returns the seconds it took; a repeat
    is ``warmup`` untimed calls then ``frames`` timed ones, and ``start()`` runs before each
    repeat (a new stream, say).
    """

    def __init__(self, one_frame: Callable[[int], float], warmup: int, frames: int,
                 start: Callable[[], None] = lambda: None) -> None:
        self._one_frame = one_frame
        self._warmup = warmup
        self._frames = frames
        self._start = start
        self._index = 0
        # Per repeat, the values one_frame chose to record() on its timed frames.
        self.recorded: list[list[float]] = []
        self._recording: list[float] = []

    def record(self, value: float) -> None:
        """Keep a value measured inside the current frame (e.g. the model step's share)."""
        self._recording.append(value)

    def repeat(self) -> float:
        """Run one repeat; return the median of its timed frames in milliseconds."""
        self._start()
        samples, recorded = [], []
        for position in range(self._warmup + self._frames):
            self._recording = []
            elapsed = self._one_frame(self._index)
            self._index += 1
            if position >= self._warmup:
                samples.append(elapsed * 1e3)
                recorded += self._recording
        self.recorded.append(recorded)
        return median(samples)


def interleave(timers: Sequence[FrameTimer], repeats: int) -> list[list[float]]:
    """
    Run the timers' repeats round-robin; return each timer's per-repeat results (ms).

    A burst of load from elsewhere then hits every measurement alike, so ratios between
    them stay meaningful on a busy machine, and repeat i of one timer pairs with repeat i
    of another.
    """
    results: list[list[float]] = [[] for _ in timers]
    for _ in range(repeats):
        for timer, samples in zip(timers, results):
            samples.append(timer.repeat())
    return results


def invoke_floor(model_path: str, frames_bgr: Sequence[np.ndarray], frames: int,
                 warmup: int, *, num_threads: int = 1) -> FrameTimer:
    """
    Time the bare ``interpreter.invoke()`` with the states carried: the model's own floor.

    A separate interpreter is driven directly through its tensors; only invoke() is timed,
    so setting the frame and carrying the states (which StreamModel.step does too) count
    as the package's overhead, not as the floor. Each repeat starts a new stream.
    """
    model = StreamModel(model_path, num_threads=num_threads)
    prepare = Preprocessor(model.input_size, model.input_dtype, model.input_quantization)
    inputs = [prepare(bgr[:, :, ::-1]).copy() for bgr in frames_bgr]
    interpreter = make_interpreter(model_path, num_threads)
    interpreter.allocate_tensors()
    runner = interpreter.get_signature_runner(model.signature_key)
    in_details, out_details = runner.get_input_details(), runner.get_output_details()
    # The runner holds references to tensor data that make invoke() refuse to run.
    del runner
    state_names = model.state_names
    (image_name,) = set(in_details) - set(state_names)
    image = interpreter.tensor(in_details[image_name]['index'])
    states = {name: interpreter.tensor(in_details[name]['index']) for name in state_names}
    carries = [(interpreter.tensor(in_details[name]['index']),
                interpreter.tensor(out_details[name]['index'])) for name in state_names
               if in_details[name]['index'] != out_details[name]['index']]
    initial = {name: _zero_state(in_details[name]) for name in state_names}

    def start() -> None:
        for name, view in states.items():
            np.copyto(view(), initial[name])

    def one_frame(index: int) -> float:
        np.copyto(image(), inputs[index % len(inputs)])
        started = time.perf_counter()
        interpreter.invoke()
        elapsed = time.perf_counter() - started
        for source, result in carries:
            np.copyto(source(), result())
        return elapsed

    return FrameTimer(one_frame, warmup, frames, start=start)


def _zero_state(details: dict) -> np.ndarray:
    scale, zero_point = details['quantization']
    return np.full(details['shape'], zero_point if scale else 0, dtype=details['dtype'])


def pipeline_frame(model_path: str, labels_path: str, frames_bgr: Sequence[np.ndarray],
                   frames: int, warmup: int) -> FrameTimer:
    """
    Time ``RecognitionPipeline.process`` on bgr8 Image messages, every frame processed.

    target_fps 0 turns the throttle off, so each call pays conversion, resize, invoke and
    post-processing. The temporal context is unbounded here (one state, one invoke), so the
    figure is the pipeline's own cost over one invoke; ``context_step`` times the bounded
    context's extra invokes apart. The model step's share of each frame (frame in, invoke,
    states carried) is recorded on the timer, to show how much of the gap to the floor is
    the step itself.
    """
    config = PipelineConfig(target_fps=0.0, context=ContextConfig(context_sec=0.0))
    pipeline = RecognitionPipeline.from_files(model_path, labels_path, config)
    messages = [bgr_image(bgr, 0) for bgr in frames_bgr]

    def one_frame(index: int) -> float:
        stamp_ns = (index + 1) * FRAME_PERIOD_NS
        started = time.perf_counter()
        result = pipeline.process(messages[index % len(messages)], stamp_ns)
        elapsed = time.perf_counter() - started
        if result is None:
            raise BenchmarkError('the pipeline dropped a frame with target_fps 0')
        timer.record(result.inference_ms)
        return elapsed

    timer = FrameTimer(one_frame, warmup, frames, start=pipeline.reset)
    return timer


def context_step(model_path: str, frames_bgr: Sequence[np.ndarray], frames: int,
                 warmup: int) -> FrameTimer:
    """
    Time one processed frame's model work with the default bounded temporal context.

    The context is first run past its window at 5 fps stamps, so every copy of the state is
    stepped on every frame, as on a camera that has run for a while: the figure is what the
    bounded context costs per processed frame (all its invokes, one per copy, and the
    combination of the copies' probabilities).
    """
    model = StreamModel(model_path)
    prepare = Preprocessor(model.input_size, model.input_dtype, model.input_quantization)
    inputs = [prepare(bgr[:, :, ::-1]).copy() for bgr in frames_bgr]
    context = BoundedContext(model, ContextConfig())
    period_ns = int(1e9 / 5)
    stamps = iter(range(period_ns, 1 << 62, period_ns))
    for index in range(int(context.config.context_sec * 5) + 1):
        context.step(inputs[index % len(inputs)], next(stamps))

    def one_frame(index: int) -> float:
        started = time.perf_counter()
        context.step(inputs[index % len(inputs)], next(stamps))
        return time.perf_counter() - started

    return FrameTimer(one_frame, warmup, frames)


# Classes of the head timed by head_step: more than a user's few actions, so the figure
# bounds theirs.
HEAD_CLASSES = 20


def head_step(model_path: str, frames_bgr: Sequence[np.ndarray], frames: int,
              warmup: int) -> FrameTimer:
    """
    Time what a head of one's own actions adds to a processed frame.

    The default bounded context runs past its window untimed; per frame, the head's scorer
    runs on every copy of the state, as the context calls it (instead of the softmax of the
    model's logits). Its weights are random: the cost depends on the sizes only.
    """
    model = StreamModel(model_path)
    prepare = Preprocessor(model.input_size, model.input_dtype, model.input_quantization)
    inputs = [prepare(bgr[:, :, ::-1]).copy() for bgr in frames_bgr]
    features = int(model.state(FEATURE_BUFFER).size)
    random = np.random.default_rng(0)
    head = Head(labels=tuple(f'action {index}' for index in range(HEAD_CLASSES)),
                weights=random.normal(size=(HEAD_CLASSES, features)),
                bias=np.zeros(HEAD_CLASSES), mean=np.zeros(features), scale=np.ones(features),
                model_sha256='', input_size=model.input_size,
                settings=HeadSettings(5.0, 6.0, 3, 'stretch'))
    scorer = HeadScorer(head, model)
    context = BoundedContext(model, ContextConfig())
    copies = context.models
    period_ns = int(1e9 / 5)
    stamps = iter(range(period_ns, 1 << 62, period_ns))
    for index in range(int(context.config.context_sec * 5) + 1):
        context.step(inputs[index % len(inputs)], next(stamps))

    def one_frame(index: int) -> float:
        context.step(inputs[index % len(inputs)], next(stamps))
        started = time.perf_counter()
        for copy in copies:
            scorer(copy)
        return time.perf_counter() - started

    return FrameTimer(one_frame, warmup, frames)


def serialized_frames(frames_bgr: Sequence[np.ndarray]) -> list[bytes]:
    """Serialise bgr8 Image messages as DDS hands them to a raw subscription."""
    serialized = [serialize_message(bgr_image(bgr, 0)) for bgr in frames_bgr]
    if any(data[:2] != b'\x00\x01' for data in serialized):
        raise BenchmarkError('expected little-endian CDR from rclpy serialisation')
    return serialized


def callback_costs(model_path: str, labels_path: str, frames_bgr: Sequence[np.ndarray],
                   repeats: int, frames: int, domain_id: int,
                   namespace: str) -> tuple[Figure, Figure, Figure]:
    """
    Time the node's raw image callback on a 30 Hz stream, as the DDS layer calls it.

    A configured and active ``MovinetNode`` (default 5 fps throttle) gets serialised bgr8
    frames through ``_on_image``; each call is classed as dropped or processed by the
    pipeline's counters. Returns (drop cost / processed cost, dropped ms, processed ms).
    """
    serialized = serialized_frames(frames_bgr)
    context = Context()
    rclpy.init(context=context, domain_id=domain_id,
               signal_handler_options=SignalHandlerOptions.NO)
    node = None
    try:
        node = MovinetNode(context=context, namespace=namespace,
                           parameter_overrides=[Parameter('model_path', value=model_path),
                                                Parameter('labels_path', value=labels_path),
                                                Parameter('publish_overlay', value=False)])
        node.get_logger().set_level(LoggingSeverity.WARN)
        if node.trigger_configure() != TransitionCallbackReturn.SUCCESS \
                or node.trigger_activate() != TransitionCallbackReturn.SUCCESS:
            raise BenchmarkError('the in-process node did not configure and activate')
        return _time_callback(node, Image, serialized, repeats, frames)
    finally:
        if node is not None:
            node.destroy_node()
        rclpy.try_shutdown(context=context)


def _time_callback(node, image_type: type, serialized: Sequence[bytes], repeats: int,
                   frames: int) -> tuple[Figure, Figure, Figure]:
    stats = node.pipeline.stats
    camera = node.cameras[0]
    stamp_ns = NS_PER_SEC
    ratios, dropped_ms, processed_ms = [], [], []
    for repeat in range(repeats + 1):  # the first pass warms up and is not counted
        node.pipeline.reset()
        costs: dict[bool, list[float]] = {True: [], False: []}
        for index in range(frames):
            stamp_ns += FRAME_PERIOD_NS
            data = restamped_cdr(serialized[index % len(serialized)], stamp_ns)
            processed_before = stats.processed
            started = time.perf_counter()
            node._on_image(camera, data, image_type)  # what the subscription calls
            elapsed = time.perf_counter() - started
            costs[stats.processed > processed_before].append(elapsed * 1e3)
        if not costs[True] or not costs[False]:
            raise BenchmarkError('the node processed every frame or none; expected 1 in 6')
        if repeat:
            dropped_ms.append(median(costs[False]))
            processed_ms.append(median(costs[True]))
            ratios.append(dropped_ms[-1] / processed_ms[-1])
    return summarize(ratios), summarize(dropped_ms), summarize(processed_ms)
