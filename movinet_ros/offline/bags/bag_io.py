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
Write videos into rosbags, read camera images back, and record recognition results.

Everything goes through the ``rosbags`` library, so neither rclpy nor a ROS 2 installation is
needed. Written bags are rosbag2 (storage ``mcap`` or ``sqlite3``, metadata version 8) with
the message definitions and RIHS01 type hashes embedded, as ``ros2 bag record`` writes them;
``ros2 bag info``/``play`` read them. Read bags may be rosbag2 directories (or a single
``.mcap`` file) or ROS 1 ``.bag`` files.

Stamps: images written from a video get ``header.stamp`` = ``start_ns`` + the video stamp of
the frame (see :mod:`movinet_ros.offline.video`), and the bag's log time equals that stamp.
"""

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
import os
from pathlib import Path
import shutil
from typing import Any, Literal

import cv2
from movinet_ros.core.messages import MessageTypes, recognition_message, RecognitionRecord
from movinet_ros.core.stamps import NS_PER_SEC, split_ns, stamp_to_ns
from movinet_ros.offline.errors import BagError
from movinet_ros.offline.video import read_video, VideoSource
import numpy as np
from rosbags.highlevel import AnyReader, AnyReaderError
from rosbags.interfaces import Connection
from rosbags.rosbag2 import StoragePlugin, Writer
from rosbags.typesys import get_types_from_msg, get_typestore, Stores
from rosbags.typesys.store import Typestore

IMAGE_TYPE = 'sensor_msgs/msg/Image'
COMPRESSED_IMAGE_TYPE = 'sensor_msgs/msg/CompressedImage'
IMAGE_TYPES = (IMAGE_TYPE, COMPRESSED_IMAGE_TYPE)
INTERFACE_PACKAGE = 'movinet_ros_interfaces'
RECOGNITION_TYPE = f'{INTERFACE_PACKAGE}/msg/ActionRecognition'
HYPOTHESIS_TYPE = f'{INTERFACE_PACKAGE}/msg/ActionHypothesis'
INTERFACE_MESSAGES = ('ActionHypothesis', 'ActionRecognition')

# 2023-11-14T22:13:20Z: written stamps look like real recording times.
DEFAULT_START_NS = 1_700_000_000 * NS_PER_SEC
# What image_transport's compressed publisher writes for a JPEG of a bgr8 image.
JPEG_FORMAT = 'bgr8; jpeg compressed bgr8'
STORAGES = {'mcap': StoragePlugin.MCAP, 'sqlite3': StoragePlugin.SQLITE3}
# Version 8 is read by ROS 2 Jazzy and later and carries type description hashes.
ROSBAG2_VERSION: Literal[8] = 8
# The ROS 2 distribution of the project's wheels; sensor_msgs and std_msgs are identical
# from Humble on, so bags written with it play on those too.
ROS2_STORE = Stores.ROS2_KILTED

BagPaths = str | os.PathLike[str] | Sequence[str | os.PathLike[str]]


@dataclass(frozen=True)
class BagImage:
    """One image message: its header stamp, its log (receive) time and the message itself."""

    stamp_ns: int
    log_time_ns: int
    msg: Any


def ros2_typestore() -> Typestore:
    """Return a fresh typestore with the standard ROS 2 message types."""
    return get_typestore(ROS2_STORE)


def _header(typestore: Typestore, stamp_ns: int, frame_id: str) -> Any:
    sec, nanosec = split_ns(stamp_ns)
    time = typestore.types['builtin_interfaces/msg/Time'](sec=sec, nanosec=nanosec)
    return typestore.types['std_msgs/msg/Header'](stamp=time, frame_id=frame_id)


def _storage_plugin(storage: str) -> StoragePlugin:
    try:
        return STORAGES[storage]
    except KeyError:
        raise BagError(f'unknown bag storage {storage!r}; use one of '
                       f'{", ".join(sorted(STORAGES))}') from None


def _new_bag_path(out_path: str | os.PathLike[str]) -> Path:
    path = Path(out_path)
    if path.exists():
        raise BagError(f'{path} exists already; not overwriting it')
    return path


def image_message(typestore: Typestore, bgr: np.ndarray, stamp_ns: int, frame_id: str,
                  *, compressed: bool = False, jpeg_quality: int = 90) -> Any:
    """Build a sensor_msgs Image (bgr8) or CompressedImage (JPEG) from BGR pixels."""
    header = _header(typestore, stamp_ns, frame_id)
    if compressed:
        ok, jpeg = cv2.imencode('.jpg', bgr, [cv2.IMWRITE_JPEG_QUALITY, int(jpeg_quality)])
        if not ok:
            raise BagError(f'JPEG encoding failed for an image of shape {bgr.shape}')
        return typestore.types[COMPRESSED_IMAGE_TYPE](
            header=header, format=JPEG_FORMAT, data=np.asarray(jpeg, np.uint8).reshape(-1))
    height, width = bgr.shape[:2]
    return typestore.types[IMAGE_TYPE](
        header=header, height=height, width=width, encoding='bgr8', is_bigendian=0,
        step=width * 3, data=np.ascontiguousarray(bgr, np.uint8).reshape(-1))


def write_video_bag(video_path: VideoSource, out_path: str | os.PathLike[str], topic: str,
                    *, storage: str = 'mcap', compressed: bool = False, frame_id: str = 'camera',
                    jpeg_quality: int = 90, start_ns: int = DEFAULT_START_NS,
                    max_frames: int | None = None) -> int:
    """
    Write the frames of a video into a new rosbag2 as camera images; return how many.

    Frame ``i`` is stamped ``start_ns + i / fps``; the rest is as ``write_frames_bag``.
    """
    plugin = _storage_plugin(storage)
    path = _new_bag_path(out_path)
    frames = read_video(video_path, max_frames=max_frames, start_ns=start_ns)
    return _write_images(((frame.stamp_ns, frame.bgr) for frame in frames), path, plugin,
                         topic, compressed=compressed, frame_id=frame_id,
                         jpeg_quality=jpeg_quality)


def write_frames_bag(frames: Iterable[tuple[int, np.ndarray]], out_path: str | os.PathLike[str],
                     topic: str, *, storage: str = 'mcap', compressed: bool = False,
                     frame_id: str = 'camera', jpeg_quality: int = 90) -> int:
    """
    Write (stamp ns, BGR pixels) frames into a new rosbag2 as camera images; return how many.

    Raw frames become sensor_msgs/msg/Image (bgr8); with ``compressed`` they become
    sensor_msgs/msg/CompressedImage holding a JPEG of ``jpeg_quality``. Each is logged at
    its stamp. ``out_path`` must not exist; if writing fails, the partly written bag is
    removed.
    """
    return _write_images(frames, _new_bag_path(out_path), _storage_plugin(storage), topic,
                         compressed=compressed, frame_id=frame_id, jpeg_quality=jpeg_quality)


def _write_images(frames: Iterable[tuple[int, np.ndarray]], path: Path, plugin: StoragePlugin,
                  topic: str, *, compressed: bool, frame_id: str, jpeg_quality: int) -> int:
    typestore = ros2_typestore()
    msgtype = COMPRESSED_IMAGE_TYPE if compressed else IMAGE_TYPE
    count = 0
    try:
        with Writer(path, version=ROSBAG2_VERSION, storage_plugin=plugin) as writer:
            connection = writer.add_connection(topic, msgtype, typestore=typestore)
            for stamp_ns, bgr in frames:
                msg = image_message(typestore, bgr, stamp_ns, frame_id,
                                    compressed=compressed, jpeg_quality=jpeg_quality)
                writer.write(connection, stamp_ns, typestore.serialize_cdr(msg, msgtype))
                count += 1
    except BaseException:
        shutil.rmtree(path, ignore_errors=True)
        raise
    return count


def _paths(bag_paths: BagPaths) -> list[Path]:
    if isinstance(bag_paths, (str, os.PathLike)):
        paths = [Path(bag_paths)]
    else:
        paths = [Path(p) for p in bag_paths]
    if not paths:
        raise BagError('no bag given')
    missing = [str(p) for p in paths if not p.exists()]
    if missing:
        raise BagError(f'bag {", ".join(missing)} does not exist')
    return paths


def _reader(paths: list[Path]) -> AnyReader:
    names = ', '.join(str(p) for p in paths)
    try:
        return AnyReader(paths, default_typestore=ros2_typestore())
    except Exception as err:  # noqa: B902 - a corrupt bag makes rosbags raise many types
        raise BagError(f'cannot read bag {names}: a rosbag2 directory with metadata.yaml, '
                       f'an .mcap file or ROS 1 .bag files are expected ({err})') from None


class _OpenBag:
    """An open AnyReader whose reading errors surface as BagError."""

    def __init__(self, paths: list[Path]):
        self.paths = paths
        self.reader = _reader(paths)

    def __enter__(self) -> AnyReader:
        try:
            self.reader.open()
        except Exception as err:  # noqa: B902 - e.g. OverflowError, MemoryError on bad sizes
            raise BagError(f'cannot read bag {self.names}: {type(err).__name__}: {err}') \
                from None
        return self.reader

    def __exit__(self, *exc_info: object) -> None:
        self.reader.close()

    @property
    def names(self) -> str:
        return ', '.join(str(p) for p in self.paths)


def _check_image_topic(reader: AnyReader, topic: str, names: str) -> None:
    topics = reader.topics
    info = topics.get(topic)
    if info is None:
        images = sorted(name for name, info in topics.items() if info.msgtype in IMAGE_TYPES)
        if images:
            hint = f'image topics there: {", ".join(images)}'
        else:
            hint = ('it has no image topic; topics there: '
                    f'{", ".join(sorted(topics)) or "none"}')
        raise BagError(f'topic {topic} is not in bag {names}; {hint}')
    if info.msgtype not in IMAGE_TYPES:
        raise BagError(f'topic {topic} in bag {names} carries {info.msgtype}, not '
                       f'{IMAGE_TYPE} or {COMPRESSED_IMAGE_TYPE}')


class ImageTopic:
    """
    One open bag (or several read as one), checked to carry images on ``topic``.

    Opening it reads the bag's index once; :meth:`raw_messages` then yields the topic's
    serialised messages from that same open reader, and :meth:`close` releases it.
    Raises BagError with the image topics that do exist when the topic is absent or is
    not sensor_msgs Image or CompressedImage.
    """

    def __init__(self, bag_paths: BagPaths, topic: str):
        self._bag = _OpenBag(_paths(bag_paths))
        self.reader = self._bag.__enter__()
        try:
            _check_image_topic(self.reader, topic, self._bag.names)
        except BaseException:
            self.close()
            raise
        self.topic = topic
        self.names = self._bag.names
        # What the topic holds in all; a header-less message counts too.
        self.count: int = self.reader.topics[topic].msgcount

    def raw_messages(self) -> Iterator[tuple[str, int, Any]]:
        """Yield (message type, log time ns, serialised bytes) in log-time order."""
        connections = [c for c in self.reader.connections if c.topic == self.topic]
        for connection, log_time_ns, raw in self.reader.messages(connections=connections):
            yield connection.msgtype, log_time_ns, raw

    def close(self) -> None:
        """Close the bag."""
        self._bag.__exit__(None, None, None)


def read_image_messages(bag_paths: BagPaths, topic: str) -> Iterator[BagImage]:
    """
    Yield the image messages of ``topic`` in log-time order, deserialised.

    ``bag_paths`` is one bag or a list of them (several ROS 1 .bag files are read as one
    recording). The bag, the topic and its type (sensor_msgs Image or CompressedImage) are
    checked when this is called, raising BagError with the image topics that do exist.
    """
    return _image_messages(ImageTopic(bag_paths, topic))


def _image_messages(images: ImageTopic) -> Iterator[BagImage]:
    try:
        for msgtype, log_time_ns, raw in images.raw_messages():
            try:
                msg: Any = images.reader.deserialize(raw, msgtype)
            except AnyReaderError as err:
                raise BagError(f'cannot deserialise a {msgtype} message on {images.topic} '
                               f'in bag {images.names}: {err}') from None
            yield BagImage(stamp_ns=stamp_to_ns(msg.header.stamp), log_time_ns=log_time_ns,
                           msg=msg)
    finally:
        images.close()


def count_messages(bag_paths: BagPaths, topic: str) -> int:
    """Return how many messages of any type ``topic`` holds; BagError when it is absent."""
    bag = _OpenBag(_paths(bag_paths))
    with bag as reader:
        info = reader.topics.get(topic)
        if info is None:
            raise BagError(f'topic {topic} is not in bag {bag.names}; topics there: '
                           f'{", ".join(sorted(reader.topics)) or "none"}')
        return info.msgcount


def image_topics(bag_paths: BagPaths) -> list[str]:
    """Return the topics carrying Image or CompressedImage, sorted; BagError if unreadable."""
    bag = _OpenBag(_paths(bag_paths))
    with bag as reader:
        return sorted(name for name, info in reader.topics.items()
                      if info.msgtype in IMAGE_TYPES)


def find_interface_msg_dir() -> Path:
    """
    Return the folder holding the .msg files of movinet_ros_interfaces.

    The installed package (ament index share folder) comes first; the source tree next to
    this package is the fallback, so offline tools work before colcon has built anything.
    """
    candidates = []
    share_directory: Callable[[str], str] | None
    try:
        from ament_index_python.packages import get_package_share_directory as share_directory
    except ImportError:
        share_directory = None
    if share_directory is not None:
        try:
            candidates.append(Path(share_directory(INTERFACE_PACKAGE)) / 'msg')
        except (LookupError, ValueError, OSError):
            pass
    candidates.append(Path(__file__).resolve().parents[3] / INTERFACE_PACKAGE / 'msg')
    for folder in candidates:
        if all((folder / f'{name}.msg').is_file() for name in INTERFACE_MESSAGES):
            return folder
    raise BagError(f'message definitions of {INTERFACE_PACKAGE} not found; looked in '
                   f'{", ".join(str(c) for c in candidates)}')


def recognition_typestore(msg_dir: str | os.PathLike[str] | None = None) -> Typestore:
    """Return a ROS 2 typestore with the ActionHypothesis and ActionRecognition types added."""
    folder = Path(msg_dir) if msg_dir is not None else find_interface_msg_dir()
    typestore = ros2_typestore()
    types = {}
    for name in INTERFACE_MESSAGES:
        path = folder / f'{name}.msg'
        try:
            text = path.read_text(encoding='utf-8')
        except OSError as err:
            raise BagError(f'cannot read message definition {path}: {err}') from None
        types.update(get_types_from_msg(text, f'{INTERFACE_PACKAGE}/msg/{name}'))
    typestore.register(types)
    return typestore


class RecognitionBagWriter:
    """
    Write ActionRecognition messages into a new rosbag2; use it as a context manager.

    The message types are built from the interface package's own .msg files, so the bag
    carries the same definitions and RIHS01 hashes as one recorded from the live node.
    """

    def __init__(self, out_path: str | os.PathLike[str], topic: str, storage: str = 'mcap',
                 msg_dir: str | os.PathLike[str] | None = None):
        self.path = Path(out_path)
        self.topic = topic
        self.count = 0
        self._plugin = _storage_plugin(storage)
        self._typestore = recognition_typestore(msg_dir)
        types = self._typestore.types
        self._types = MessageTypes(
            time=types['builtin_interfaces/msg/Time'], header=types['std_msgs/msg/Header'],
            hypothesis=types[HYPOTHESIS_TYPE], recognition=types[RECOGNITION_TYPE])
        self._writer: Writer | None = None
        self._connection: Connection | None = None

    def __enter__(self) -> 'RecognitionBagWriter':
        """Create the bag; BagError when ``out_path`` exists already."""
        path = _new_bag_path(self.path)
        writer = Writer(path, version=ROSBAG2_VERSION, storage_plugin=self._plugin)
        writer.open()
        self._connection = writer.add_connection(self.topic, RECOGNITION_TYPE,
                                                 typestore=self._typestore)
        self._writer = writer
        return self

    def close(self) -> None:
        """Finish the bag: write its index and metadata.yaml."""
        writer, self._writer = self._writer, None
        if writer is not None:
            writer.close()

    def __exit__(self, *exc_info: object) -> None:
        # Also on an error: a finished partial result bag helps to find what went wrong.
        self.close()

    def write(self, record: RecognitionRecord, *, model: str, num_classes: int,
              log_time_ns: int | None = None) -> None:
        """
        Append the ActionRecognition of one processed frame, as the node publishes it.

        The log time defaults to the image stamp, so the result bag lines up with the
        replayed images.
        """
        if self._writer is None or self._connection is None:
            raise BagError(f'result bag {self.path} is not open')
        msg = recognition_message(self._types, record, model=model, num_classes=num_classes)
        data = self._typestore.serialize_cdr(msg, RECOGNITION_TYPE)
        self._writer.write(self._connection,
                           record.stamp_ns if log_time_ns is None else log_time_ns, data)
        self.count += 1
