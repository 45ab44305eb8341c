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
Tell apart the sources of frames on one camera topic, and keep one stream to one source.

A source is the publisher's GID from the message info (rclpy with Kilted passes it), else
the frame's ``header.frame_id`` (Jazzy's message info has no GID). The rule: the first
source owns the camera's stream. Frames from any other source are dropped and counted
(``frames_other_source`` in /diagnostics), a WARN is logged at most every
``SOURCE_WARN_PERIOD_SEC`` and /diagnostics says WARN naming both sources while it goes
on. When the owner has sent nothing for ``takeover_sec`` (the reset gap, on the steady
clock), the next source to send takes over, with one reset of the stream state. A frame
with neither a GID nor a frame_id cannot be told apart and is never refused. Two
cameras mixed into one stream never blend, and never cause a reset storm.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from movinet_ros.ros.log_limits import LogLimiter

# A second source is logged at once, then at most this often while it goes on.
SOURCE_WARN_PERIOD_SEC = 5.0
# /diagnostics names the second source while it sent something this recently.
SOURCE_REPORT_SEC = 5.0
_GID_SHOWN_BYTES = 4


@dataclass(frozen=True)
class Source:
    """Who sent a frame: the publisher's GID (may be empty) and the frame's frame_id."""

    gid: bytes
    frame_id: str

    @property
    def key(self) -> bytes | str:
        """Return what sources are told apart by: the GID when known, else the frame_id."""
        return self.gid or self.frame_id

    def describe(self, node_name: str = '') -> str:
        """Say who this is: node name (if known), a short GID and the frame_id."""
        parts = [node_name] if node_name else []
        if self.gid:
            parts.append('gid ' + self.gid[:_GID_SHOWN_BYTES].hex() + '...')
        parts.append(f'frame_id {self.frame_id!r}')
        return ', '.join(parts)


def source_from_info(info: Any, frame_id: str) -> Source:
    """Build the Source of a frame from rclpy's message info (a dict, or None) and frame_id."""
    gid = (info or {}).get('publisher_gid') if isinstance(info, dict) else None
    if isinstance(gid, dict):
        gid = gid.get('data')
    return Source(bytes(gid or b''), frame_id)


class SourceGuard:
    """Decide, frame by frame, whether a source's frame feeds the camera's stream."""

    def __init__(self, takeover_sec: float, clock: Callable[[], float]) -> None:
        self.takeover_sec = takeover_sec
        self._clock = clock
        self.owner: Source | None = None
        self._owner_seen = 0.0
        self.intruder: Source | None = None
        self._intruder_seen = -1e18
        self._warnings = LogLimiter(SOURCE_WARN_PERIOD_SEC, clock=clock)

    def admit(self, source: Source) -> tuple[bool, bool]:
        """
        Return (accepted, took_over) for a frame from ``source``.

        took_over means the stream changed hands: the caller resets the stream state once.
        """
        now = self._clock()
        if not source.key:
            # No GID and an empty frame_id: nothing tells it apart, so it is not refused.
            return True, False
        if self.owner is None or source.key == self.owner.key:
            self.owner, self._owner_seen = source, now
            return True, False
        if now - self._owner_seen > self.takeover_sec:
            self.owner, self._owner_seen = source, now
            self.intruder = None
            return True, True
        self.intruder, self._intruder_seen = source, now
        return False, False

    def accept(self, source: Source, pipeline: Any, topic: str, logger: Any,
               names: Callable[[Source], str], reset_stream: Callable[[str], None]) -> bool:
        """
        Apply the rule to a frame of ``topic``: True if it feeds ``pipeline``'s stream.

        A takeover calls ``reset_stream(why)`` once (the caller resets the stream state and
        ends its events) and is logged; a dropped frame is counted in the pipeline's stats
        (received, other_source) and reported, rate-limited.
        """
        accepted, took_over = self.admit(source)
        if took_over:
            why = f'{source.describe()} took the stream over'
            reset_stream(why)
            logger.info(f'{topic}: stream state reset: {why} (the previous source was silent '
                        'longer than reset_gap_sec)')
        if accepted:
            return True
        pipeline.drop_other_source()
        if self.should_warn():
            logger.warning(f'{topic}: {self.conflict(names)} ({pipeline.stats.other_source} '
                           'dropped so far; give each camera its own topic)')
        return False

    def should_warn(self) -> bool:
        """Whether to log the second source now (at once, then every SOURCE_WARN_PERIOD_SEC)."""
        return self._warnings.due()

    def conflict(self, names: Callable[[Source], str] = lambda source: '') -> str | None:
        """Say which two sources share the topic, while the second one sends; else None."""
        if self.intruder is None or self.owner is None \
                or self._clock() - self._intruder_seen > SOURCE_REPORT_SEC:
            return None
        return (f'two sources on one image topic: using {self.owner.describe(names(self.owner))}'
                f'; dropping frames of {self.intruder.describe(names(self.intruder))}')

    def reset(self) -> None:
        """Forget every source (deactivated): the next frame's source owns the stream."""
        self.owner = self.intruder = None
        self._intruder_seen = -1e18


def publisher_names(node: Any, topic: str) -> Callable[[Source], str]:
    """
    Return a lookup of a source's node name on ``topic`` ('' if unknown).

    The graph is asked on the first lookup only: most reports name no source at all.
    """
    names: dict[bytes, str] = {}

    def lookup(source: Source) -> str:
        if source.gid and not names:
            names.update({bytes(info.endpoint_gid):
                          f'node {info.node_namespace.rstrip("/")}/{info.node_name}'
                          for info in node.get_publishers_info_by_topic(topic)})
        return names.get(source.gid, '')
    return lookup
