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
A robot's real mess against the live node: separate processes on a real DDS graph, real model.

Two camera drivers on one image topic (clocks 0.5 s apart, another clock, the same clock),
sim time without /clock, stamp jitter, invalid stamps and 1x1 / 2x1 frames. Each time the
output must stay near 5 Hz with the state resets bounded, the problem must be reported in
/diagnostics and the log, and the node's output must stay right on the clip (top-1
"carving ice"). Rates are judged from the stamps the drivers sent and the node published,
never from arrival times, which a busy machine stretches and bunches.
"""

import json
import re
import struct

from diagnostic_msgs.msg import DiagnosticStatus
from helpers.clips import clip_frames
from helpers.constants import CAMERA, FASTDDS_PROFILE, NS_PER_SEC as NS
from helpers.nodes import counter, observe, stamp_ns, status_values
from movinet_ros.core.throttle import DEFAULT_TARGET_FPS, DEFAULT_TOLERANCE, StampThrottle
from movinet_ros.ros.dds_profile import profile_environment
import numpy as np
import pytest
from rclpy.qos import QoSProfile, ReliabilityPolicy
from sensor_msgs.msg import Image
from testbed import camera_driver_command

pytestmark = [pytest.mark.ros, pytest.mark.model, pytest.mark.timing]
RELIABLE = QoSProfile(depth=100, reliability=ReliabilityPolicy.RELIABLE)
SIZE = '320x240'


def start_driver(graph, clip_path, *options, frames=300, size=SIZE):
    command = camera_driver_command('--clip', str(clip_path), '--size', size,
                                    '--frames', str(frames), '--topic', CAMERA, *options)
    return graph.start_command(command, profile_environment(FASTDDS_PROFILE))


def camera_frames(graph) -> list[tuple[str, int]]:
    """Record (frame_id, stamp ns) of every frame on CAMERA, read from its CDR header."""
    frames = []

    def keep(data):
        assert data[:2] == b'\x00\x01', 'little-endian CDR expected'
        sec, nanosec, length = struct.unpack_from('<iII', data, 4)
        frames.append((bytes(data[16:16 + length - 1]).decode(), sec * NS + nanosec))
    graph.node.create_subscription(Image, CAMERA, keep, QoSProfile(
        depth=1000, reliability=ReliabilityPolicy.RELIABLE), raw=True)
    return frames


@pytest.mark.parametrize('offset', [0.5, -1000.0, 0.0],
                         ids=['stamps 0.5 s apart', 'another clock', 'same clock'])
def test_a_second_camera_on_the_topic_is_dropped_and_reported(
        graph, model_path, labels_path, clip_path, offset):
    node = graph.start_movinet_node(model_path, labels_path, CAMERA)
    actions, statuses = observe(graph, depth=100)
    frames = camera_frames(graph)
    # The owner runs until stopped below: whatever the second driver's start-up takes on a
    # busy machine, the owner is still sending throughout the window.
    first = start_driver(graph, clip_path, frames=1800)
    assert graph.spin_until(lambda: len(actions) >= 5, 40), graph.output(node)
    second = start_driver(graph, clip_path, '--name', 'second_camera', '--frame-id',
                          'second_optical_frame', '--stamp-offset', str(offset), frames=240)
    assert graph.spin_until(lambda: statuses and counter(statuses[-1], 'frames_other_source')
                            > 30, 30), graph.output(node)
    start, resets_before = len(actions), counter(statuses[-1], 'state_resets')
    graph.spin_for(5.0)
    stream = actions[start:]
    final = statuses[-1]
    conflicts = [s for s in statuses if 'two sources on one image topic' in s.message]
    warned = [line for line in graph.output(node).splitlines()
              if 'two sources on one image topic' in line]
    assert first.poll() is None, 'the owner stopped before the window ended'
    assert graph.spin_until(lambda: second.poll() is not None, 30)
    graph.stop(first)
    owner_sent = [stamp for frame_id, stamp in frames if frame_id == 'camera_optical_frame']
    stamps = [stamp_ns(m.header) for m in stream]
    # What the throttle keeps of the owner's frames sent between the first and the last
    # result of the window: the 5 fps the node owes the owner while the second camera runs.
    throttle = StampThrottle()
    allowed = sum(throttle.decide(sent).process for sent in owner_sent
                  if stamps[0] <= sent <= stamps[-1])
    seconds = (stamps[-1] - stamps[0]) / NS
    # The figures docs/reliability.md's DDS cases quotes (pytest -s shows them).
    print(f'\nfigures: second camera {offset:+g} s: /actions {len(stream)} results over '
          f'{seconds:.2f} s of stamps ({(len(stream) - 1) / seconds:.2f} Hz, {allowed} '
          f'allowed), resets {counter(final, "state_resets") - resets_before}, '
          f'frames_other_source {counter(final, "frames_other_source")}')
    # Only the owner's frames reach the model, never faster than the throttle allows, and
    # at least 4 in 5 of those it allows (the 4 Hz of a 5 fps throttle).
    assert set(stamps) <= set(owner_sent), sorted(set(stamps) - set(owner_sent))[:5]
    min_gap_ns = DEFAULT_TOLERANCE * NS / DEFAULT_TARGET_FPS - 1
    assert all(b - a >= min_gap_ns for a, b in zip(stamps, stamps[1:])), stamps
    assert 0.8 * allowed <= len(stream) <= allowed, (len(stream), allowed)
    assert seconds >= 4.0, seconds  # the window covers the owner's frames of 5 s
    assert counter(final, 'state_resets') == resets_before, status_values(final)
    assert conflicts and all(s.level == DiagnosticStatus.WARN for s in conflicts)
    message = conflicts[-1].message
    assert "frame_id 'camera_optical_frame'" in message
    assert "frame_id 'second_optical_frame'" in message
    # Kilted's message info carries the GIDs, so the graph names the nodes (while the second
    # driver runs: it is reported for a few seconds after its last frame).
    assert 'gid ' not in message or any(
        'node /second_camera' in s.message for s in conflicts), [s.message for s in conflicts]
    # No restart of the state (frames_in_state is bounded by context_sec, never back to 1).
    assert min(m.frames_in_state for m in stream) > 1, [m.frames_in_state for m in stream]
    assert stream[-1].results[0].label == 'carving ice', [r.label for r in stream[-1].results]
    assert 1 <= len(warned) <= 3, warned  # rate-limited: once, then every 5 s at most


def test_sim_time_without_clock_still_publishes_diagnostics_and_warns(
        graph, model_path, labels_path, clip_path):
    node = graph.start_movinet_node(model_path, labels_path, CAMERA,
                                    '-p', 'use_sim_time:=true')
    actions, statuses = observe(graph, depth=100)
    assert graph.spin_until(lambda: len(statuses) >= 6, 12), graph.output(node)
    warned = [s for s in statuses if 'no /clock' in s.message]
    print(f'\nfigures: sim time without /clock: {len(statuses)} diagnostics, {len(warned)} WARN')
    assert warned and all(s.level == DiagnosticStatus.WARN for s in warned), [
        s.message for s in statuses]
    assert re.search(r'WARN.*use_sim_time is true but no /clock', graph.output(node))
    # Frames stamped by their camera are recognised whatever the node's clock does.
    driver = start_driver(graph, clip_path, frames=200)
    assert graph.spin_until(lambda: len(actions) >= 25, 40), graph.output(node)
    assert actions[-1].results[0].label == 'carving ice'
    assert graph.spin_until(lambda: driver.poll() is not None, 30)


def raw_frame(bgr: np.ndarray, stamp: int, nanosec: int | None = None) -> Image:
    msg = Image(height=bgr.shape[0], width=bgr.shape[1], encoding='bgr8',
                step=bgr.shape[1] * 3)
    msg.header.frame_id = 'camera_optical_frame'
    msg.header.stamp.sec, msg.header.stamp.nanosec = divmod(stamp, NS)
    if nanosec is not None:
        msg.header.stamp.nanosec = nanosec
    msg.data = bgr.tobytes()
    return msg


def test_invalid_stamps_and_tiny_frames_are_rejected_without_a_reset(
        graph, model_path, labels_path, clip_path):
    clip = clip_frames(clip_path, rgb=False)
    node = graph.start_movinet_node(
        model_path, labels_path, CAMERA,
        '-p', f'qos_overrides.{CAMERA}.subscription.reliability:=reliable',
        '-p', f'qos_overrides.{CAMERA}.subscription.depth:=100')
    actions, statuses = observe(graph, depth=100)
    camera = graph.node.create_publisher(Image, CAMERA, RELIABLE)
    assert graph.spin_until(lambda: camera.get_subscription_count() > 0, 10)
    period = NS // 30
    stamp = 1_700_000_000 * NS
    bad = 0
    for index, bgr in enumerate(clip):
        camera.publish(raw_frame(bgr, stamp))
        if index % 10 == 5:
            # Each between two good frames, a full 5 fps slot after the last one.
            camera.publish(raw_frame(bgr, stamp + 7 * period, nanosec=4_294_967_295))
            camera.publish(raw_frame(bgr[:1, :1], stamp + 7 * period))
            camera.publish(raw_frame(bgr[:1, :2], stamp + 8 * period))
            bad += 3
        stamp += period
        graph.spin_for(1 / 30)
    received = len(clip) + bad
    assert graph.spin_until(lambda: statuses and counter(statuses[-1], 'frames_received')
                            == received, 10), graph.output(node)
    final = status_values(statuses[-1])
    print(f'\nfigures: {bad} bad frames: frames_rejected {final["frames_rejected"]}, '
          f'state_resets {final["state_resets"]}, {len(actions)} results')
    assert int(final['frames_rejected']) == bad, final
    assert int(final['state_resets']) == 0, final
    output = graph.output(node)
    assert 'invalid stamp' in output and 'below the minimum of 16 pixels' in output, output
    assert [m.frames_in_state for m in actions].count(1) == 1
    assert actions[-1].results[0].label == 'carving ice'


def test_stamp_jitter_of_20_ms_at_30_hz_never_resets_in_30_s(
        graph, model_path, labels_path, clip_path):
    # 30 s is 900 frames of jitter: the reset rule that jitter broke reset 26 times a minute,
    # about 13 times in 30 s, so this shows it as surely as longer runs.
    node = graph.start_movinet_node(model_path, labels_path, CAMERA)
    actions, statuses = observe(graph, depth=100)
    driver = start_driver(graph, clip_path, '--jitter-ms', '20', frames=30 * 30,
                          size='640x480')
    assert graph.spin_until(lambda: driver.poll() is not None, 100), graph.output(node)
    graph.spin_for(2.0)
    sent = json.loads(graph.output(driver).strip().splitlines()[-1])['sent']
    final = status_values(statuses[-1])
    print(f'\nfigures: +-20 ms jitter, {len(sent)} frames at 30 Hz: state_resets '
          f'{final["state_resets"]}, frames_late {final["frames_late"]}, {len(actions)} results')
    assert int(final['state_resets']) == 0, final
    assert int(final['frames_late']) > 0, final
    seconds = (sent[-1] - sent[0]) / NS
    assert 0.9 * 5 * seconds <= len(actions) <= 5 / 0.9 * seconds + 2, (len(actions), seconds)
    assert actions[-1].results[0].label == 'carving ice'
    assert [m.frames_in_state for m in actions].count(1) == 1
