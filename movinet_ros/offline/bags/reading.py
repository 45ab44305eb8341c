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
Read the image messages of a bag topic ahead of the model, stamped and partly decoded.

Plain MCAP bags are memory-mapped (:mod:`.mcap_index`), so a frame the throttle drops costs
a look at its 12 stamp bytes; other bags (sqlite3, compressed, ROS 1) go through one open
rosbags reader. Every message becomes a :class:`~movinet_ros.core.serialized_frame.SerializedFrame`
the way the node makes one of a received message (header stamp from the bytes, zero stamp
-> log time). A background thread reads the messages into a small bounded queue and
decodes, while the model works on the previous frame, those that a copy of the pipeline's
throttle forecasts it will take. The forecast only saves time: the pipeline still decides,
and decodes a frame itself if the forecast missed it, so results never depend on it.
"""

from collections.abc import Generator
import contextlib
from dataclasses import dataclass
import functools
import os
from pathlib import Path
import queue
import threading
from typing import Any

from movinet_ros.core.errors import MovinetError
from movinet_ros.core.frames import FrameError
from movinet_ros.core.pipeline import PipelineConfig
from movinet_ros.core.serialized_frame import Deserializer, read_frame, SerializedFrame
from movinet_ros.core.throttle import StampThrottle
from movinet_ros.offline.bags.bag_io import BagPaths, IMAGE_TYPES, ImageTopic, ros2_typestore
from movinet_ros.offline.bags.mcap_index import topic_messages, TopicMessages
from movinet_ros.offline.errors import BagError
from rosbags.typesys.store import Typestore

# Messages read ahead of the model. Skipped frames cost next to nothing to read, so a few
# keep the model busy (8, 16 and 32 measured alike); the bound keeps memory small on any bag.
QUEUE_SIZE = 8
# How long the reader thread may take to notice that the run has stopped.
_POLL_SEC = 0.1
_JOIN_TIMEOUT_SEC = 5.0


Messages = Generator['BagMessage', None, None]


@dataclass(frozen=True)
class BagMessage:
    """One image message of the evaluated topic: its log time and its serialised frame."""

    log_time_ns: int
    serialized: SerializedFrame

    @property
    def stamp_ns(self) -> int | None:
        """Return the header stamp, the log time for a zero one, None without a header."""
        return self.serialized.stamp_ns

    @property
    def zero_stamp(self) -> bool:
        """Return whether the header stamp was zero (``stamp_ns`` is the log time then)."""
        return self.serialized.zero_stamp

    @property
    def frame_id(self) -> str:
        """Return the header's frame_id once the message is deserialised, else ''."""
        return self.serialized.frame_id

    def frame(self) -> Any:
        """Return what the pipeline takes: the decoded pixels, or a deserialiser."""
        return self.serialized.source()


@dataclass(frozen=True)
class BagReading:
    """The messages of a topic as they are read, and how many the topic holds."""

    messages: Messages
    count: int


@dataclass(frozen=True)
class _ReadFailure:
    error: BaseException


_END = object()


def as_paths(bag_paths: BagPaths) -> list[Path]:
    """Return one bag path or several as a list of Paths."""
    if isinstance(bag_paths, (str, os.PathLike)):
        return [Path(bag_paths)]
    return [Path(p) for p in bag_paths]


@functools.lru_cache(maxsize=1)
def standard_typestore() -> Typestore:
    """Return the standard ROS 2 types, loaded once; deserialisers compile on first use."""
    return ros2_typestore()


class _DecodeAhead:
    """Turn serialised messages into BagMessages, decoding the frames the pipeline will take."""

    def __init__(self, config: PipelineConfig):
        self._throttle = StampThrottle(config.target_fps, config.reset_gap_sec)
        self._max_pixels = config.max_pixels

    def __call__(self, log_time_ns: int, data: Any, msgtype: str, deserialize: Deserializer,
                 ros2: bool) -> BagMessage:
        frame = read_frame(data, msgtype, deserialize, receive_ns=log_time_ns, ros2=ros2)
        if frame.stamp_ns is not None and self._throttle.decide(frame.stamp_ns).process:
            if isinstance(frame.decode(max_pixels=self._max_pixels), FrameError):
                self._throttle.cancel()  # as the pipeline will, rejecting the frame
        return BagMessage(log_time_ns, frame)


def _indexed_messages(indexed: TopicMessages, prepare: _DecodeAhead) -> Messages:
    # Plain MCAP: zero-copy views of the mapped files, so skipped frames cost next to
    # nothing. Image and CompressedImage are the same in every ROS 2 distribution, so the
    # standard definitions decode them.
    deserialize = standard_typestore().deserialize_cdr
    for log_time_ns, data in indexed.messages:
        yield prepare(log_time_ns, data, indexed.msgtype, deserialize, True)


def _reader_messages(images: ImageTopic, prepare: _DecodeAhead) -> Messages:
    # AnyReader empties its own typestore on close, while messages read ahead may still
    # wait in the queue: each message keeps the deserialiser it needs.
    with contextlib.closing(images):
        typestore = images.reader.typestore
        ros2 = images.reader.is2
        deserialize = typestore.deserialize_cdr if ros2 else typestore.deserialize_ros1
        for msgtype, log_time_ns, data in images.raw_messages():
            yield prepare(log_time_ns, data, msgtype, deserialize, ros2)


def _offer(items: queue.Queue[object], item: object, stop: threading.Event) -> bool:
    """Put ``item`` unless the consumer has stopped; return whether it was put."""
    while not stop.is_set():
        try:
            items.put(item, timeout=_POLL_SEC)
            return True
        except queue.Full:
            continue
    return False


def _read_ahead(messages: Messages, items: queue.Queue[object],
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


def open_bag_messages(bag_paths: BagPaths, topic: str, *,
                      config: PipelineConfig = PipelineConfig(),
                      queue_size: int = QUEUE_SIZE) -> BagReading:
    """
    Open the image messages of ``topic`` for reading in log-time order, ready for a pipeline.

    The bag, the topic and its type are checked first (BagError naming the image topics
    that exist); each bag is opened once. Frames that a pipeline with ``config`` will
    process come decoded. With ``queue_size`` > 0 a background thread reads and decodes
    up to that many messages ahead, and stops when the iterator is closed; with 0 the
    caller's thread does it.
    """
    paths = as_paths(bag_paths)
    prepare = _DecodeAhead(config)
    indexed = topic_messages(paths, topic)
    messages: Messages
    if indexed is not None and indexed.msgtype in IMAGE_TYPES:
        messages, count = _indexed_messages(indexed, prepare), len(indexed.messages)
    else:
        images = ImageTopic(paths, topic)
        messages, count = _reader_messages(images, prepare), images.count
    if queue_size <= 0:
        return BagReading(_read_here(messages, paths), count)
    return BagReading(_read_in_background(messages, paths, queue_size), count)


def bag_messages(bag_paths: BagPaths, topic: str, config: PipelineConfig = PipelineConfig(),
                 queue_size: int = QUEUE_SIZE) -> Messages:
    """Yield the image messages of ``topic`` in log-time order (see open_bag_messages)."""
    return open_bag_messages(bag_paths, topic, config=config, queue_size=queue_size).messages


def _read_here(messages: Messages, paths: list[Path]) -> Messages:
    try:
        yield from messages
    except MovinetError:
        raise
    except Exception as error:  # noqa: B902 - rosbags and mcap raise many types
        raise _read_failure(error, paths) from error


def _read_in_background(messages: Messages, paths: list[Path],
                        queue_size: int) -> Messages:
    items: queue.Queue[object] = queue.Queue(maxsize=queue_size)
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
            if isinstance(item, BagMessage):
                yield item
    finally:
        stop.set()
        reader.join(timeout=_JOIN_TIMEOUT_SEC)
