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
List the messages of one topic in uncompressed MCAP bags without copying them.

A camera bag is mostly image bytes, and an evaluation at 5 fps of a 30 fps camera needs
only one message in six; the rest only need their 12 header-stamp bytes read. A general
reader (rosbags) copies every message several times on the way out, which at 640x480 costs
more than running the model. Here the files are memory-mapped and a message is a
``memoryview`` into the map: nothing is copied until a message is deserialised.

Only what ``ros2 bag record`` and rosbags write by default is handled: rosbag2 folders (or
single ``.mcap`` files) in MCAP storage, without file compression, with uncompressed chunks
and CDR messages of one type on the topic. For anything else (and for a topic that is not
there) :func:`topic_messages` returns None and the caller uses a general reader, which also
explains what is wrong. Messages come in log-time order (a stable sort: equal log times keep
their order in the files, files in the order given).
"""

from collections.abc import Sequence
from dataclasses import dataclass
import mmap
from pathlib import Path
import struct

from movinet_ros.core.errors import MovinetError
import yaml

MAGIC = b'\x89MCAP0\r\n'
_SCHEMA, _CHANNEL, _MESSAGE, _CHUNK, _DATA_END = 0x03, 0x04, 0x05, 0x06, 0x0F
_RECORD = struct.Struct('<BQ')  # opcode, content length
_U16 = struct.Struct('<H')
_U32 = struct.Struct('<I')
_U64 = struct.Struct('<Q')
_CHANNEL_HEADER = struct.Struct('<HH')  # channel id, schema id
_MESSAGE_HEADER = struct.Struct('<HIQQ')  # channel id, sequence, log time, publish time
_CHUNK_HEADER = struct.Struct('<QQQI')  # start, end, uncompressed size, crc

IndexedMessage = tuple[int, memoryview]
# libyaml when PyYAML has it: the pure-Python parsers take tens of ms for a metadata.yaml.
_YAML_LOADER = getattr(yaml, 'CSafeLoader', yaml.SafeLoader)


@dataclass(frozen=True)
class TopicMessages:
    """The messages of one topic: their type (schema name) and (log time, CDR bytes) pairs."""

    msgtype: str
    messages: list[IndexedMessage]


class _NotHandled(MovinetError):
    """The bag needs the general reader (never leaves this module: caught by the caller)."""


def mcap_files(bag_path: Path) -> list[Path] | None:
    """Return the MCAP files of a rosbag2 folder or ``.mcap`` path, None when not plain MCAP."""
    if bag_path.is_file():
        return [bag_path] if bag_path.suffix == '.mcap' else None
    try:
        with open(bag_path / 'metadata.yaml', encoding='utf-8') as stream:
            info = yaml.load(stream, Loader=_YAML_LOADER)['rosbag2_bagfile_information']
        if info.get('storage_identifier') != 'mcap' or info.get('compression_mode'):
            return None
        files = [bag_path / Path(name).name for name in info['relative_file_paths']]
    except (OSError, yaml.YAMLError, KeyError, TypeError):
        return None
    return files if files and all(f.suffix == '.mcap' for f in files) else None


def topic_messages(bag_paths: Sequence[Path], topic: str) -> TopicMessages | None:
    """
    Return the type and the (log time ns, CDR bytes) of the messages on ``topic``, by log time.

    Returns None when a bag is not plain uncompressed MCAP with CDR messages, or the topic
    is absent or has several types; the caller then reads it with a general reader, which
    also reports what is wrong.
    """
    files = []
    for bag_path in bag_paths:
        found = mcap_files(Path(bag_path))
        if found is None:
            return None
        files.extend(found)
    messages: list[IndexedMessage] = []
    msgtypes: set[str] = set()
    try:
        for path in files:
            scan = _scan_file(path, topic)
            messages.extend(scan.messages)
            msgtypes |= scan.msgtypes
    except (_NotHandled, OSError, ValueError, struct.error, UnicodeDecodeError):
        return None
    if len(msgtypes) != 1:
        return None
    messages.sort(key=lambda message: message[0])
    return TopicMessages(msgtypes.pop(), messages)


def _scan_file(path: Path, topic: str) -> '_Scan':
    with open(path, 'rb') as stream:
        # The map outlives the file and is freed when the last view of it is dropped.
        mapped = mmap.mmap(stream.fileno(), 0, access=mmap.ACCESS_READ)
    if mapped[:len(MAGIC)] != MAGIC:
        raise _NotHandled(f'{path} does not start with the MCAP magic')
    scan = _Scan(memoryview(mapped), topic)
    scan.records(len(MAGIC), len(mapped), in_chunk=False)
    return scan


class _Scan:
    """Walk the records of one file, collecting the topic's messages."""

    def __init__(self, view: memoryview, topic: str):
        self.view = view
        self.topic = topic
        self.schemas: dict[int, str] = {}
        self.channels: set[int] = set()
        self.msgtypes: set[str] = set()
        self.messages: list[IndexedMessage] = []

    def records(self, position: int, end: int, in_chunk: bool) -> None:
        view = self.view
        while position + _RECORD.size <= end:
            opcode, length = _RECORD.unpack_from(view, position)
            body = position + _RECORD.size
            position = body + length
            if position > end:
                # A truncated recording: the general reader decides what can be saved.
                raise _NotHandled('a record runs past the end of its file or chunk')
            if opcode == _MESSAGE:
                channel, _, log_time, _ = _MESSAGE_HEADER.unpack_from(view, body)
                if channel in self.channels:
                    self.messages.append((log_time, view[body + _MESSAGE_HEADER.size:position]))
            elif opcode == _SCHEMA:
                (schema,) = _U16.unpack_from(view, body)
                self.schemas[schema] = self._string(body + _U16.size)[0]
            elif opcode == _CHANNEL:
                self._channel(body)
            elif opcode == _CHUNK and not in_chunk:
                self._chunk(body, position)
            elif opcode == _DATA_END and not in_chunk:
                return

    def _string(self, position: int) -> tuple[str, int]:
        (size,) = _U32.unpack_from(self.view, position)
        start = position + _U32.size
        return str(self.view[start:start + size], 'utf-8'), start + size

    def _channel(self, body: int) -> None:
        channel, schema = _CHANNEL_HEADER.unpack_from(self.view, body)
        topic, position = self._string(body + _CHANNEL_HEADER.size)
        if topic != self.topic:
            return
        encoding, _ = self._string(position)
        if encoding != 'cdr' or schema not in self.schemas:
            raise _NotHandled(f'topic {topic} is encoded as {encoding!r} with schema {schema}')
        self.channels.add(channel)
        self.msgtypes.add(self.schemas[schema])

    def _chunk(self, body: int, end: int) -> None:
        compression, position = self._string(body + _CHUNK_HEADER.size)
        if compression:
            raise _NotHandled(f'chunk compressed with {compression}')
        (size,) = _U64.unpack_from(self.view, position)
        start = position + _U64.size
        self.records(start, min(start + size, end), in_chunk=True)
