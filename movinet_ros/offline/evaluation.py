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
Run a recognition pipeline over the images of recorded bags and score what it said.

``run_bags`` is the loop alone: it feeds every image message of a topic, in log-time order,
to the same ``RecognitionPipeline`` the live node uses, so a bag gives the results the node
would have published while it was recorded:

- Frames are throttled by their header stamps (``target_fps``); a stamp that goes
  backwards (a bag recorded in a loop) or a gap longer than ``reset_gap_sec`` resets the
  model state, exactly as in the node.
- A message whose ``header.stamp`` is zero is stamped with its log time instead, the bag's
  record of when it was received; the node uses the time of receipt for such frames.
- A frame that cannot be deserialised or converted is counted as rejected and skipped;
  it never stops the run.

Speed: a background thread reads the messages into a small bounded queue while the main
thread runs the model. Plain MCAP bags are memory-mapped (:mod:`.mcap_index`), so a frame
the throttle drops costs a look at its 12 stamp bytes; the reader also runs a copy of the
throttle and decodes the frames the pipeline will take, while the model works on the
previous one. Results do not depend on any of this: messages reach the pipeline in the
bag's order, and the pipeline alone decides what it processes.

``evaluate_bags`` runs the loop and writes, into an output folder:

- ``summary.json``: counts, settings, accuracies against an annotation CSV (None without
  one), per-segment results, confusion, inference time and speed;
- ``predictions.csv``: one row per processed frame with its ranked top-k, formatted with
  fixed precision and free of timings, so two runs of the same bag are byte-identical;
- ``events.csv``: the action events (``movinet_ros.core.events``, the node's
  ``action_events``), one row per event with its start, end, peak and mean score; an event
  still going at the last frame ends there (reason ``ongoing at the end``);
- ``timeline.png``: class probabilities over time with the annotated segments and events;
- optionally ``actions_bag``: the results as ActionRecognition messages (mcap), and an
  animation (.gif or .mp4) of the processed frames with their live top-k bars.
"""

from collections.abc import Callable, Iterator, Sequence
import contextlib
import csv
from dataclasses import dataclass, field, replace
import functools
import json
import os
from pathlib import Path
import queue
import struct
import threading
import time
from typing import Any

import cv2
from movinet_ros.core.errors import MovinetError
from movinet_ros.core.events import ActionEvent, EventConfig, EventDetector, EventKind
from movinet_ros.core.frames import FrameError, message_to_pixels, Pixels
from movinet_ros.core.pipeline import (PipelineConfig, PipelineStats, Recognition,
                                       RecognitionPipeline)
from movinet_ros.core.postprocess import Hypothesis, RankingConfig
from movinet_ros.core.throttle import StampThrottle
from movinet_ros.offline.annotations import check_labels, load_annotations, Segment
from movinet_ros.offline.bags import (BagError, BagPaths, count_messages, IMAGE_TYPES,
                                      read_image_messages, RecognitionBagWriter,
                                      ros2_typestore)
from movinet_ros.offline.mcap_index import topic_messages, TopicMessages
from movinet_ros.offline.metrics import (evaluate, event_scores, FramePrediction, latency_stats,
                                         PredictedSpan)
from movinet_ros.offline.plots import (ANIMATION_FORMATS, plot_timeline, PlotError,
                                       write_animation)
import numpy as np
from rosbags.highlevel import AnyReader
from rosbags.typesys.store import Typestore

NS_PER_SEC = 1_000_000_000
SUMMARY_FILE = 'summary.json'
PREDICTIONS_FILE = 'predictions.csv'
EVENTS_FILE = 'events.csv'
REASON_ONGOING = 'ongoing at the end'
TIMELINE_FILE = 'timeline.png'
RESULT_BAG_DIR = 'actions_bag'
DEFAULT_ACTIONS_TOPIC = '/actions'
# Messages read ahead of the model. Skipped frames cost next to nothing to read, so a few
# keep the model busy (8, 16 and 32 measured alike); the bound keeps memory small on any bag.
QUEUE_SIZE = 8
# Classes ranked per frame for the timeline: wide enough that every curve worth drawing
# stays unbroken, small enough to keep per-frame memory constant.
TIMELINE_RANKED = 32
# Labels per frame the metrics score (top-5 accuracy), whatever top_k reports.
SCORED_RANKS = 5
TIMELINE_CLASSES = 5
# The animation is built in memory (Pillow needs every GIF frame at once), so it covers the
# first processed frames only, scaled down to ANIMATION_HEIGHT when taller.
MAX_ANIMATION_FRAMES = 300
ANIMATION_HEIGHT = 240
SCORE_FORMAT = '{:.6f}'
TIME_FORMAT = '{:.6f}'
# How long the reader thread may take to notice that the run has stopped.
_POLL_SEC = 0.1
_JOIN_TIMEOUT_SEC = 5.0
# header.stamp: after the 4-byte CDR encapsulation header in ROS 2, as (int32 sec, uint32
# nanosec) in the byte order byte 1 names; after the uint32 seq in ROS 1, as two
# little-endian uint32.
_STAMP_OFFSET = 4
_STAMP_LITTLE = struct.Struct('<iI')
_STAMP_BIG = struct.Struct('>iI')
_STAMP_ROS1 = struct.Struct('<II')


class OutputFolderError(MovinetError):
    """The output folder cannot be created or written."""


class MessageDeserializationError(FrameError):
    """A bag message whose bytes do not deserialise into the image type of its topic."""


@dataclass(frozen=True)
class ProcessedFrame:
    """
    What the pipeline made of one frame it processed, with where the frame came from.

    ``stamp_ns`` is the stamp the pipeline was given: the header stamp, or the log time when
    the header stamp is zero. ``ranking`` is the reported top-k; ``timeline`` holds the
    class ids and probabilities of the TIMELINE_RANKED most likely classes (unordered),
    kept for the timeline plot.
    """

    stamp_ns: int
    log_time_ns: int
    frame_id: str
    ranking: tuple[Hypothesis, ...]
    timeline: tuple[np.ndarray, np.ndarray] = field(compare=False, repr=False)
    frames_in_state: int
    reset: str
    inference_ms: float
    total_ms: float


@dataclass
class BagRun:
    """Everything one pass of the pipeline over a topic produced, and what it counted."""

    bags: list[str]
    topic: str
    frames: list[ProcessedFrame] = field(default_factory=list)
    stats: PipelineStats = field(default_factory=PipelineStats)
    frames_read: int = 0
    zero_stamp_frames: int = 0
    first_stamp_ns: int | None = None
    last_stamp_ns: int | None = None
    loop_sec: float = 0.0
    # RGB frames the model saw, index-aligned with ``frames``; only kept on request.
    pictures: list[np.ndarray] = field(default_factory=list)
    # START and END events as the node publishes them, in order; then an END for every
    # event still going at the last frame (reason REASON_ONGOING).
    events: list[ActionEvent] = field(default_factory=list)

    def event_spans(self) -> list[tuple[ActionEvent, ActionEvent]]:
        """Return each event as its (START, END) pair, in order of START."""
        starts: dict[tuple[int, int], ActionEvent] = {}
        spans = []
        for event in self.events:
            key = (event.class_id, event.start_ns)
            if event.kind == EventKind.START:
                starts[key] = event
            elif key in starts:
                spans.append((starts.pop(key), event))
        return sorted(spans, key=lambda pair: (pair[0].stamp_ns, pair[0].class_id))

    def predictions(self) -> list[FramePrediction]:
        """Return the reported top-k of every processed frame."""
        return [_prediction(frame.stamp_ns, frame.ranking) for frame in self.frames]

    def scored_predictions(self, labels: Sequence[str],
                           score_threshold: float) -> list[FramePrediction]:
        """
        Return every processed frame's best SCORED_RANKS labels, for the metrics.

        The reported ranking stops at top_k, which would turn top-5 accuracy into top-k
        accuracy; these come from the frame's most likely allowed classes instead, ordered
        as the pipeline ranks (score, then lower class id) and cut at the score threshold,
        so their first label is the reported top-1.
        """
        predictions = []
        for frame in self.frames:
            ids, scores = frame.timeline
            best = np.lexsort((ids, -scores))[:SCORED_RANKS]
            best = best[scores[best] >= score_threshold]
            predictions.append(FramePrediction(frame.stamp_ns,
                                               tuple(labels[i] for i in ids[best]),
                                               tuple(scores[best])))
        return predictions

    def timeline_predictions(self, labels: Sequence[str]) -> list[FramePrediction]:
        """Return the wider per-frame probabilities the timeline plot draws."""
        return [FramePrediction(frame.stamp_ns, tuple(labels[i] for i in frame.timeline[0]),
                                tuple(frame.timeline[1]))
                for frame in self.frames]


def _prediction(stamp_ns: int, ranking: Sequence[Hypothesis]) -> FramePrediction:
    return FramePrediction(stamp_ns, tuple(h.label for h in ranking),
                           tuple(h.score for h in ranking))


Deserializer = Callable[[Any, str], Any]


@dataclass(frozen=True)
class BagMessage:
    """
    One image message of the evaluated topic, as the reader hands it to the pipeline.

    ``stamp_ns`` is what the pipeline is given: the header stamp, or the log time when the
    header stamp is zero (``zero_stamp``); None when the bytes do not even hold a header.
    A frame the throttle is expected to pass is decoded by the reader: ``pixels`` holds
    them (RGB from a CompressedImage, unconverted Pixels from an Image), or ``error`` why
    it could not be decoded. Other frames keep only their bytes.
    """

    log_time_ns: int
    stamp_ns: int | None
    zero_stamp: bool
    data: Any
    msgtype: str
    # The typestore's deserialize_cdr or deserialize_ros1: AnyReader empties its own
    # typestore on close, while messages read ahead may still wait in the queue.
    deserialize: Deserializer
    frame_id: str = ''
    pixels: np.ndarray | Pixels | None = None
    error: Exception | None = None

    def decode(self) -> Any:
        """Deserialise the message; MessageDeserializationError when its bytes are bad."""
        try:
            return self.deserialize(self.data, self.msgtype)
        except Exception as error:  # noqa: B902 - any garbage in a message is one bad frame
            raise MessageDeserializationError(
                f'cannot deserialise a {self.msgtype} message logged at '
                f'{self.log_time_ns} ns: {error}') from None

    def frame(self) -> Any:
        """Return what the pipeline takes: the decoded pixels, or a deserialiser."""
        if self.pixels is not None:
            return self.pixels
        if self.error is not None:
            return functools.partial(_raise, self.error)
        return self.decode


def _raise(error: Exception) -> None:
    raise error


@dataclass(frozen=True)
class _ReadFailure:
    error: BaseException


_END = object()


def _as_paths(bag_paths: BagPaths) -> list[Path]:
    if isinstance(bag_paths, (str, os.PathLike)):
        return [Path(bag_paths)]
    return [Path(p) for p in bag_paths]


def _raw_stamp_ns(data: Any, ros2: bool) -> int | None:
    """Return header.stamp from serialised bytes, or None when they are too short or odd."""
    if len(data) < _STAMP_OFFSET + _STAMP_LITTLE.size:
        return None
    if ros2:
        if data[0] != 0 or data[1] not in (0, 1):
            return None
        layout = _STAMP_LITTLE if data[1] == 1 else _STAMP_BIG
    else:
        layout = _STAMP_ROS1
    sec, nanosec = layout.unpack_from(data, _STAMP_OFFSET)
    return sec * NS_PER_SEC + nanosec


class _DecodeAhead:
    """
    Turn serialised messages into BagMessages, decoding the frames the pipeline will take.

    It runs a copy of the pipeline's throttle on the same stamps, so it knows which frames
    the pipeline will process, and decodes those where it runs (the reader thread), while
    the model works on the previous one. The copy is only a forecast: the pipeline still
    decides, and decodes a frame itself if the forecast missed it, so results never depend
    on it.
    """

    def __init__(self, config: PipelineConfig):
        self._throttle = StampThrottle(config.target_fps, config.reset_gap_sec)
        self._max_pixels = config.max_pixels

    def __call__(self, log_time_ns: int, data: Any, msgtype: str, deserialize: Deserializer,
                 ros2: bool) -> BagMessage:
        header_stamp = _raw_stamp_ns(data, ros2)
        zero = header_stamp == 0
        message = BagMessage(log_time_ns, log_time_ns if zero else header_stamp, zero, data,
                             msgtype, deserialize)
        if header_stamp is None or not self._throttle.decide(message.stamp_ns).process:
            return message
        try:
            msg = message.decode()
            pixels = message_to_pixels(msg, max_pixels=self._max_pixels)
        except Exception as error:  # noqa: B902 - the pipeline raises it in its own time
            if isinstance(error, FrameError):
                self._throttle.cancel()  # as the pipeline will, rejecting the frame
            return replace(message, error=error)
        return replace(message, pixels=pixels, frame_id=str(msg.header.frame_id))


def _offer(items: queue.Queue, item: object, stop: threading.Event) -> bool:
    """Put ``item`` unless the consumer has stopped; return whether it was put."""
    while not stop.is_set():
        try:
            items.put(item, timeout=_POLL_SEC)
            return True
        except queue.Full:
            continue
    return False


def _bag_messages(paths: list[Path], topic: str, config: PipelineConfig,
                  indexed: TopicMessages | None) -> Iterator[BagMessage]:
    prepare = _DecodeAhead(config)
    if indexed is not None:
        # Plain MCAP: zero-copy views of the mapped files, so skipped frames cost next to
        # nothing. Image and CompressedImage are the same in every ROS 2 distribution, so
        # the standard definitions decode them.
        deserialize = standard_typestore().deserialize_cdr
        for log_time_ns, data in indexed.messages:
            yield prepare(log_time_ns, data, indexed.msgtype, deserialize, True)
        return
    with AnyReader(paths, default_typestore=ros2_typestore()) as reader:
        connections = [c for c in reader.connections if c.topic == topic]
        typestore = reader.typestore
        ros2 = reader.is2
        deserialize = typestore.deserialize_cdr if ros2 else typestore.deserialize_ros1
        for connection, log_time_ns, data in reader.messages(connections=connections):
            yield prepare(log_time_ns, data, connection.msgtype, deserialize, ros2)


@functools.lru_cache(maxsize=1)
def standard_typestore() -> Typestore:
    """Return the standard ROS 2 types, loaded once; deserialisers compile on first use."""
    return ros2_typestore()


def _read_ahead(messages: Iterator[BagMessage], items: queue.Queue,
                stop: threading.Event) -> None:
    try:
        with contextlib.closing(messages):
            for message in messages:
                if not _offer(items, message, stop):
                    return
        _offer(items, _END, stop)
    except BaseException as error:  # noqa: B902 - handed over and raised by the consumer
        _offer(items, _ReadFailure(error), stop)


def _read_failure(error: BaseException, paths: list[Path]) -> BagError:
    if isinstance(error, BagError):
        return error
    names = ', '.join(str(p) for p in paths)
    return BagError(f'cannot read bag {names}: {error}')


def bag_messages(bag_paths: BagPaths, topic: str, config: PipelineConfig = PipelineConfig(),
                 queue_size: int = QUEUE_SIZE) -> Iterator[BagMessage]:
    """
    Yield the image messages of ``topic`` in log-time order, ready for a pipeline.

    The bag, the topic and its type are checked first (BagError naming the image topics
    that exist). Frames that a pipeline with ``config`` will process come decoded. With
    ``queue_size`` > 0 a background thread reads and decodes up to that many messages
    ahead, and stops when the iterator is closed; with 0 the caller's thread does it.
    """
    paths = _as_paths(bag_paths)
    indexed = topic_messages(paths, topic)
    if indexed is None or indexed.msgtype not in IMAGE_TYPES:
        indexed = None
        # Validates the bags, the topic and its type without reading a message.
        read_image_messages(paths, topic).close()
    messages = _bag_messages(paths, topic, config, indexed)
    if queue_size <= 0:
        return _read_here(messages, paths)
    return _read_in_background(messages, paths, queue_size)


def _read_here(messages: Iterator[BagMessage], paths: list[Path]) -> Iterator[BagMessage]:
    try:
        yield from messages
    except MovinetError:
        raise
    except Exception as error:  # noqa: B902 - rosbags and mcap raise many types
        raise _read_failure(error, paths) from error


def _read_in_background(messages: Iterator[BagMessage], paths: list[Path],
                        queue_size: int) -> Iterator[BagMessage]:
    items: queue.Queue = queue.Queue(maxsize=queue_size)
    stop = threading.Event()
    reader = threading.Thread(target=_read_ahead, args=(messages, items, stop),
                              name='bag-reader', daemon=True)
    reader.start()
    try:
        while True:
            try:
                item = items.get(timeout=_POLL_SEC)
            except queue.Empty:
                if not reader.is_alive() and items.empty():
                    raise _read_failure(RuntimeError('the reader thread stopped'), paths) \
                        from None
                continue
            if item is _END:
                return
            if isinstance(item, _ReadFailure):
                raise _read_failure(item.error, paths) from item.error
            yield item
    finally:
        stop.set()
        reader.join(timeout=_JOIN_TIMEOUT_SEC)


class MostLikely:
    """Pick the TIMELINE_RANKED most likely reportable classes; 15x cheaper than ranking."""

    def __init__(self, labels: Sequence[str], ranking: RankingConfig):
        allowed = set(ranking.allowlist) if ranking.allowlist else set(labels)
        allowed -= set(ranking.denylist)
        self._ids = np.array([i for i, label in enumerate(labels) if label in allowed],
                             dtype=np.intp)
        self._first = len(self._ids) - min(TIMELINE_RANKED, len(self._ids))

    def __call__(self, probabilities: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        scores = probabilities[self._ids]
        top = np.argpartition(scores, self._first)[self._first:]
        return self._ids[top], scores[top]


def _picture(rgb: np.ndarray) -> np.ndarray:
    height, width = rgb.shape[:2]
    if height <= ANIMATION_HEIGHT:
        return np.array(rgb, copy=True)
    size = (max(1, round(width * ANIMATION_HEIGHT / height)), ANIMATION_HEIGHT)
    return cv2.resize(rgb, size, interpolation=cv2.INTER_AREA)


def stats_since(before: PipelineStats, after: PipelineStats) -> PipelineStats:
    """Return what each counter of ``after`` added since ``before`` (one run's share)."""
    return PipelineStats(**{name: getattr(after, name) - getattr(before, name)
                            for name in vars(after)})


def run_bags(bag_paths: BagPaths, topic: str, pipeline: RecognitionPipeline,
             keep_pictures: int = 0, progress: bool = False,
             queue_size: int = QUEUE_SIZE, *,
             event_config: EventConfig | None = None) -> BagRun:
    """
    Feed every image of ``topic`` to ``pipeline`` in log-time order; return what it said.

    The pipeline is reset first, so a pipeline can be reused and each run starts fresh.
    Several bags are read as one recording, merged by log time. ``keep_pictures`` keeps
    the RGB frames of the first that many processed frames (for an animation); the action
    events come from ``event_config`` (default settings; the ranking's label lists). With
    ``progress`` a tqdm bar is drawn on stderr. Raises BagError for a missing or unreadable
    bag or topic; bad frames are counted in ``stats.rejected`` and skipped.
    """
    paths = _as_paths(bag_paths)
    # Loading the message types is the library's one-time import cost (0.2 s), not reading.
    standard_typestore()
    # The loop's time covers opening and indexing the bags too.
    started = time.perf_counter()
    messages = bag_messages(paths, topic, pipeline.config, queue_size)
    pipeline.reset()
    before = replace(pipeline.stats)
    run = BagRun(bags=[str(p) for p in paths], topic=topic)
    most_likely = MostLikely(pipeline.labels, pipeline.config.ranking)
    ranking = pipeline.config.ranking
    detector = EventDetector(pipeline.labels, event_config or EventConfig(
        allowlist=ranking.allowlist, denylist=ranking.denylist))
    bar = _progress_bar(paths, topic) if progress else None
    try:
        for message in messages:
            run.frames_read += 1
            if bar is not None:
                bar.update()
            recognition = _recognise(pipeline, message, run)
            if recognition is None:
                continue
            # Decoded pixels carry no header: the frame id then comes from the reader.
            frame_id = message.frame_id if message.pixels is not None else recognition.frame_id
            run.frames.append(ProcessedFrame(
                stamp_ns=recognition.stamp_ns, log_time_ns=message.log_time_ns,
                frame_id=frame_id, ranking=recognition.hypotheses,
                timeline=most_likely(recognition.probabilities),
                frames_in_state=recognition.frames_in_state,
                reset=recognition.reset_reason.value if recognition.reset_reason else '',
                inference_ms=recognition.inference_ms, total_ms=recognition.total_ms))
            if len(run.pictures) < keep_pictures and recognition.pixels is not None:
                run.pictures.append(_picture(recognition.rgb()))
            run.events += detector.update(recognition)
    finally:
        messages.close()
        if bar is not None:
            bar.close()
    run.loop_sec = time.perf_counter() - started
    if run.frames:
        last = run.frames[-1].stamp_ns
        run.events += [replace(event, kind=EventKind.END, stamp_ns=last, end_ns=last,
                               reason=REASON_ONGOING) for event in detector.ongoing]
    run.stats = stats_since(before, pipeline.stats)
    return run


def _recognise(pipeline: RecognitionPipeline, message: BagMessage,
               run: BagRun) -> Recognition | None:
    """Run one message; return the Recognition when the model saw it, else None."""
    stamp_ns = message.stamp_ns
    if stamp_ns is None:
        # Not even a header: the node rejects such a frame before the pipeline sees it.
        pipeline.stats.received += 1
        pipeline.stats.rejected += 1
        return None
    run.zero_stamp_frames += message.zero_stamp
    if run.first_stamp_ns is None:
        run.first_stamp_ns = stamp_ns
    run.last_stamp_ns = stamp_ns
    try:
        return pipeline.process(message.frame(), stamp_ns)
    except FrameError:
        return None  # counted in stats.rejected by the pipeline


def _progress_bar(paths: list[Path], topic: str) -> Any:
    from tqdm import tqdm
    return tqdm(total=count_messages(paths, topic), unit='frame', desc='eval',
                dynamic_ncols=True)


def load_segments(annotations_path: str | os.PathLike, first_stamp_ns: int,
                  labels: Sequence[str]) -> list[Segment]:
    """Load an annotation CSV relative to ``first_stamp_ns`` and check its labels."""
    segments = load_annotations(annotations_path, first_stamp_ns)
    check_labels(segments, labels)
    return segments


def write_predictions_csv(run: BagRun, top_k: int, out_path: str | os.PathLike) -> Path:
    """
    Write one row per processed frame: stamp, time, state length, reset, ranked top-k.

    Times are seconds from the first frame read; scores have six decimals. Frames whose
    ranking is shorter than ``top_k`` (score threshold) leave the remaining cells empty.
    """
    path = Path(out_path)
    origin = run.first_stamp_ns or 0
    header = ['stamp_ns', 'time_sec', 'frames_in_state', 'reset']
    for rank in range(1, top_k + 1):
        header += [f'label_{rank}', f'score_{rank}']
    with open(path, 'w', newline='', encoding='utf-8') as stream:
        writer = csv.writer(stream, lineterminator='\n')
        writer.writerow(header)
        for frame in run.frames:
            row = [str(frame.stamp_ns),
                   TIME_FORMAT.format((frame.stamp_ns - origin) / NS_PER_SEC),
                   str(frame.frames_in_state), frame.reset]
            for rank in range(top_k):
                if rank < len(frame.ranking):
                    hypothesis = frame.ranking[rank]
                    row += [hypothesis.label, SCORE_FORMAT.format(hypothesis.score)]
                else:
                    row += ['', '']
            writer.writerow(row)
    return path


def write_events_csv(run: BagRun, out_path: str | os.PathLike) -> Path:
    """
    Write one row per action event: label, start and end (stamps and seconds), scores.

    ``started_ns``/``ended_ns`` are the stamps of the frames that decided the START and the
    END (the node's ActionEvent header stamps); times are seconds from the first frame.
    """
    path = Path(out_path)
    origin = run.first_stamp_ns or 0
    with open(path, 'w', newline='', encoding='utf-8') as stream:
        writer = csv.writer(stream, lineterminator='\n')
        writer.writerow(['label', 'class_id', 'start_sec', 'end_sec', 'start_ns', 'end_ns',
                         'started_ns', 'ended_ns', 'peak_score', 'mean_score', 'reason'])
        for start, end in run.event_spans():
            writer.writerow([
                end.label, str(end.class_id),
                TIME_FORMAT.format((end.start_ns - origin) / NS_PER_SEC),
                TIME_FORMAT.format((end.end_ns - origin) / NS_PER_SEC),
                str(end.start_ns), str(end.end_ns), str(start.stamp_ns), str(end.stamp_ns),
                SCORE_FORMAT.format(end.peak_score), SCORE_FORMAT.format(end.mean_score),
                end.reason])
    return path


def _predicted_spans(run: BagRun) -> list[PredictedSpan]:
    return [PredictedSpan(end.label, end.start_ns, end.end_ns) for _, end in run.event_spans()]


def write_result_bag(run: BagRun, pipeline: RecognitionPipeline, out_path: str | os.PathLike,
                     topic: str = DEFAULT_ACTIONS_TOPIC) -> int:
    """
    Write the results as ActionRecognition messages into a new mcap rosbag2.

    Each message has the stamp and frame_id of its image and is logged at the image's log
    time, so the result bag lines up with the recording. Returns the message count.
    """
    with RecognitionBagWriter(out_path, topic) as writer:
        for frame in run.frames:
            writer.write(frame.stamp_ns, frame.frame_id,
                         [(h.class_id, h.label, h.score) for h in frame.ranking],
                         pipeline.model.name, frame.frames_in_state, pipeline.model.num_classes,
                         frame.inference_ms, log_time_ns=frame.log_time_ns)
        return writer.count


def animation_fps(run: BagRun, target_fps: float) -> float:
    """Return the playback rate of the animation: the rate the model saw frames at."""
    if target_fps > 0:
        return target_fps
    stamps = np.array([frame.stamp_ns for frame in run.frames], dtype=np.int64)
    steps = np.diff(stamps)
    steps = steps[steps > 0]
    return float(NS_PER_SEC / np.median(steps)) if steps.size else 5.0


def _speed(run: BagRun) -> dict[str, float | None]:
    seconds = run.loop_sec
    return {
        'loop_sec': seconds,
        'frames_per_sec': run.frames_read / seconds if seconds > 0 else None,
        'processed_frames_per_sec': run.stats.processed / seconds if seconds > 0 else None,
    }


def build_summary(run: BagRun, pipeline: RecognitionPipeline, segments: list[Segment] | None,
                  annotations_path: str | os.PathLike | None) -> dict[str, Any]:
    """Return the summary of a run as plain data: counts, settings, accuracies, speed."""
    config = pipeline.config
    report = evaluate(run.scored_predictions(pipeline.labels, config.ranking.score_threshold),
                      segments or [], origin_ns=run.first_stamp_ns)
    scored = segments is not None
    duration = None
    if run.first_stamp_ns is not None and run.last_stamp_ns is not None:
        duration = (run.last_stamp_ns - run.first_stamp_ns) / NS_PER_SEC
    return {
        'model': pipeline.model.name,
        'bags': run.bags,
        'topic': run.topic,
        'annotations': os.fspath(annotations_path) if annotations_path is not None else None,
        'target_fps': config.target_fps,
        'reset_gap_sec': config.reset_gap_sec,
        'context_sec': config.context.context_sec,
        'context_streams': config.context.streams,
        'resize_mode': config.resize_mode,
        'top_k': config.ranking.top_k,
        'score_threshold': config.ranking.score_threshold,
        'frames_read': run.frames_read,
        'frames_processed': run.stats.processed,
        'frames_throttled': run.stats.throttled,
        'frames_duplicate': run.stats.duplicates,
        'frames_rejected': run.stats.rejected,
        'zero_stamp_frames': run.zero_stamp_frames,
        'state_resets': run.stats.resets,
        'first_stamp_ns': run.first_stamp_ns,
        'duration_sec': duration,
        'clip_top1_accuracy': report.clip_top1_accuracy if scored else None,
        'clip_top5_accuracy': report.clip_top5_accuracy if scored else None,
        'frame_top1_accuracy': report.frame_top1_accuracy if scored else None,
        'frame_top5_accuracy': report.frame_top5_accuracy if scored else None,
        'frames_annotated': report.frames_annotated if scored else None,
        'segments': [_segment_dict(s) for s in report.to_dict()['segments']],
        'mean_time_to_correct_sec': report.mean_time_to_correct_sec if scored else None,
        'switches_never_correct': report.switches_never_correct if scored else None,
        'confusion': report.confusion,
        'events': _events_summary(run, segments),
        'inference_ms': latency_stats(f.inference_ms for f in run.frames),
        'pipeline_ms': latency_stats(f.total_ms for f in run.frames),
        'speed': _speed(run),
    }


def _events_summary(run: BagRun, segments: list[Segment] | None) -> dict[str, Any]:
    spans = run.event_spans()
    summary: dict[str, Any] = {'count': len(spans), 'precision': None, 'recall': None,
                               'f1': None}
    if segments is not None:
        summary.update(event_scores(_predicted_spans(run), segments))
    return summary


def _segment_dict(segment: dict[str, Any]) -> dict[str, Any]:
    keys = ('label', 'start', 'end', 'predicted', 'correct', 'correct_top5',
            'time_to_correct_sec', 'frames')
    return {key: segment[key] for key in keys}


def evaluate_bags(bag_paths: BagPaths, topic: str, pipeline: RecognitionPipeline,
                  annotations_path: str | os.PathLike | None = None,
                  out_dir: str | os.PathLike = 'eval', write_bag: bool = False,
                  animate: str | os.PathLike | None = None, progress: bool = False,
                  actions_topic: str = DEFAULT_ACTIONS_TOPIC,
                  max_animation_frames: int = MAX_ANIMATION_FRAMES,
                  queue_size: int = QUEUE_SIZE,
                  event_config: EventConfig | None = None) -> dict[str, Any]:
    """
    Evaluate ``pipeline`` on the images of ``topic``; write the outputs, return the summary.

    Writes ``summary.json``, ``predictions.csv`` and ``timeline.png`` into ``out_dir``
    (created if needed); with ``write_bag`` also the result bag ``out_dir/actions_bag``
    (ActionRecognition on ``actions_topic``), and with ``animate`` an animation (.gif or
    .mp4, by extension) of the first ``max_animation_frames`` processed frames with their
    top-k. Relative annotation times count from the first image's stamp. Inputs are
    checked before the run: BagError, AnnotationError, PlotError, OutputFolderError (all
    MovinetError) say what is wrong.
    """
    out = Path(out_dir)
    result_bag = out / RESULT_BAG_DIR
    if write_bag and result_bag.exists():
        raise BagError(f'{result_bag} exists already; remove it or choose another output '
                       'folder')
    if animate is not None:
        _check_animation_path(Path(animate))
    if annotations_path is not None:
        # Fail before the run: the file must parse and name known labels.
        load_segments(annotations_path, 0, pipeline.labels)
    new_folder = not out.exists()
    try:
        out.mkdir(parents=True, exist_ok=True)
        if animate is not None:
            Path(animate).parent.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise OutputFolderError(f'cannot create the output folder: {error}') from None
    keep = max_animation_frames if animate is not None else 0
    try:
        run = run_bags(bag_paths, topic, pipeline, keep_pictures=keep, progress=progress,
                       queue_size=queue_size, event_config=event_config)
    except BaseException:
        if new_folder:
            with contextlib.suppress(OSError):
                out.rmdir()  # only if still empty: a failed run leaves no trace
        raise

    segments = None
    if annotations_path is not None:
        segments = load_segments(annotations_path, run.first_stamp_ns or 0, pipeline.labels)
    summary = build_summary(run, pipeline, segments, annotations_path)

    outputs = {
        'predictions': str(write_predictions_csv(run, pipeline.config.ranking.top_k,
                                                 out / PREDICTIONS_FILE)),
        'events': str(write_events_csv(run, out / EVENTS_FILE)),
        'timeline': str(plot_timeline(
            run.timeline_predictions(pipeline.labels), segments or [], out / TIMELINE_FILE,
            title=f'{pipeline.model.name} on {topic}', top_n=TIMELINE_CLASSES,
            origin_ns=run.first_stamp_ns, events=_predicted_spans(run))),
    }
    if write_bag:
        write_result_bag(run, pipeline, result_bag, actions_topic)
        outputs['actions_bag'] = str(result_bag)
    if animate is not None:
        # No processed frame, no animation: the summary says so with a count of 0.
        summary['animation_frames'] = 0
        if run.pictures:
            summary['animation_frames'] = write_animation(
                run.pictures, run.predictions()[:len(run.pictures)], animate,
                animation_fps(run, pipeline.config.target_fps),
                top_k=pipeline.config.ranking.top_k)
            outputs['animation'] = str(animate)
    outputs['summary'] = str(out / SUMMARY_FILE)
    summary['outputs'] = outputs
    with open(out / SUMMARY_FILE, 'w', encoding='utf-8') as stream:
        json.dump(summary, stream, indent=2)
        stream.write('\n')
    return summary


def _check_animation_path(path: Path) -> None:
    if path.suffix.lower() not in ANIMATION_FORMATS:
        raise PlotError(f'cannot write animation {path}: use one of '
                        f'{", ".join(ANIMATION_FORMATS)}')
