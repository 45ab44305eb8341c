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
The node never goes down: malformed frames, a camera that dies and comes back, reset storms.

The DDS tests start ``movinet_node`` (real model) in their own localhost domain and feed it
from a publisher in the test process, with sensor-data QoS as a camera driver uses. The
in-process tests build the node in the test process and call its raw subscription callback
with serialised messages, the bytes DDS would deliver.

Malformed frames are counted where they are decided: the throttle runs on the header stamp
before anything is decoded, so a malformed frame at a stamp the throttle drops is counted as
throttled, and only one at a stamp the model would take is decoded and rejected. The stream
tests publish every malformed frame twice, once at each kind of stamp, so the expected
frames_rejected is exact.
"""

import re
import signal
import time
import tracemalloc
from types import SimpleNamespace

from diagnostic_msgs.msg import DiagnosticStatus
from helpers.clips import clip_frames
from helpers.constants import CAMERA, NS_PER_SEC as NS
from helpers.images import encode, with_jpeg_size
from helpers.nodes import counter, observe, RosGraph, stamp_ns, start_node, status_values
from movinet_ros.core.frames import FrameError, message_to_rgb
from movinet_ros.core.throttle import StampThrottle
from movinet_ros.ros.message_conversion import pixels_to_image_msg, stamp_from_ns
from movinet_ros.ros.node import MovinetNode
import numpy as np
import pytest
from rclpy.lifecycle import TransitionCallbackReturn
from rclpy.parameter import Parameter
from rclpy.qos import QoSProfile, ReliabilityPolicy
from rclpy.serialization import serialize_message
from sensor_msgs.msg import CompressedImage, Image
from std_srvs.srv import Trigger

START_NS = 1_700_000_000 * NS
PERIOD_NS = 33_333_333  # the good frames' stamps advance at 30 fps
SLOT_NS = 200_000_000  # one 5 fps period: a stamp this far ahead is always processed
RELIABLE = QoSProfile(depth=200, reliability=ReliabilityPolicy.RELIABLE)
JPEG_FORMAT = 'bgr8; jpeg compressed bgr8'


# Messages -----------------------------------------------------------------------------
def raw_image(bgr: np.ndarray, stamp_ns: int, **fields) -> Image:
    msg = pixels_to_image_msg(bgr, 'bgr8', stamp_from_ns(stamp_ns), 'camera_optical_frame')
    for name, value in fields.items():
        setattr(msg, name, value)
    return msg


def compressed_image(data: bytes, stamp_ns: int, image_format: str = JPEG_FORMAT):
    msg = CompressedImage(format=image_format, data=bytes(data))
    msg.header.stamp, msg.header.frame_id = stamp_from_ns(stamp_ns), 'camera_optical_frame'
    return msg


def truncated(data: bytes) -> bytes:
    # Half of any frame's JPEG, so even the clip's black first frame (1 kB) is cut short.
    return data[:len(data) // 2]


def corrupt_png(bgr: np.ndarray) -> bytes:
    data = bytearray(encode('.png', bgr))
    middle = len(data) // 2
    data[middle:middle + 64] = bytes(64)  # breaks the IDAT checksum and its deflate stream
    return bytes(data)


# kind -> (build(bgr, stamp_ns), words of the reason the node must log)
RAW_MALFORMED = {
    'unknown encoding': (lambda bgr, t: raw_image(bgr, t, encoding='rgb32'),
                         "unsupported Image encoding 'rgb32'"),
    'data shorter than step x height': (lambda bgr, t: raw_image(bgr, t, data=bytes(100)),
                                        'data has 100 bytes, expected at least'),
    'zero width': (lambda bgr, t: raw_image(bgr, t, width=0), 'has no pixels'),
    'zero height': (lambda bgr, t: raw_image(bgr, t, height=0), 'has no pixels'),
    'step shorter than a row': (lambda bgr, t: raw_image(bgr, t, step=10),
                                'step 10 is shorter than a row'),
    'claims 100000x100000': (
        lambda bgr, t: raw_image(bgr, t, width=100_000, height=100_000, step=300_000,
                                 data=bytes(10)),
        'image 100000x100000 (step 300000) exceeds the 16384 pixel limit'),
}
COMPRESSED_MALFORMED = {
    'truncated JPEG': (lambda bgr, t: compressed_image(truncated(encode('.jpg', bgr)), t),
                       'is truncated'),
    'corrupt PNG': (lambda bgr, t: compressed_image(corrupt_png(bgr), t, 'bgr8; png compressed'),
                    'could not decode png image'),
    'unknown format': (lambda bgr, t: compressed_image(encode('.png', bgr), t, 'tiff'),
                       "unsupported CompressedImage format 'tiff'"),
    'empty data': (lambda bgr, t: compressed_image(b'', t), 'has no data'),
    'PNG data labelled JPEG': (lambda bgr, t: compressed_image(encode('.png', bgr), t),
                               'says JPEG, but the data starts with 89 50 4e 47'),
    'JPEG claims 65535x65535': (
        lambda bgr, t: compressed_image(with_jpeg_size(encode('.jpg', bgr), 65535, 65535), t),
        'of 65535x65535 exceeds the 16384 pixel limit'),
}


def good_raw(bgr, stamp_ns):
    return raw_image(bgr, stamp_ns)


def good_compressed(bgr, stamp_ns):
    return compressed_image(encode('.jpg', bgr), stamp_ns)


LOSSLESS = QoSProfile(depth=300, reliability=ReliabilityPolicy.RELIABLE)
TRANSPORTS = {
    # transport: (message type, topic, good frame builder, malformed kinds)
    'raw': (Image, CAMERA, good_raw, RAW_MALFORMED),
    'compressed': (CompressedImage, CAMERA + '/compressed', good_compressed,
                   COMPRESSED_MALFORMED),
}


@pytest.fixture
def clip_bgr(clip_path):
    """Read the clip's 131 frames, BGR as a camera driver sends them."""
    return clip_frames(clip_path, rgb=False)


# DDS graph ----------------------------------------------------------------------------
def next_status(graph, statuses, timeout=3.0):
    count = len(statuses)
    assert graph.spin_until(lambda: len(statuses) > count, timeout), 'no /diagnostics'
    return statuses[-1]


@pytest.mark.ros
@pytest.mark.parametrize('transport', ['raw', 'compressed'])
def test_malformed_frames_are_rejected_and_good_frames_still_recognised(
        graph, model_path, labels_path, clip_bgr, transport):
    msg_type, topic, good, malformed = TRANSPORTS[transport]
    # Exact counts need every frame delivered: a reliable, deep input (through the node's
    # qos_overrides) so that a scheduling stall of the node on a busy machine drops nothing.
    node = start_node(graph, model_path, labels_path, '-p', f'input_transport:={transport}',
                      '-p', f'qos_overrides.{topic}.subscription.reliability:=reliable',
                      '-p', f'qos_overrides.{topic}.subscription.depth:={LOSSLESS.depth}')
    actions, statuses = observe(graph)
    camera = graph.node.create_publisher(msg_type, topic, LOSSLESS)
    assert graph.spin_until(lambda: camera.get_subscription_count() > 0, 10)

    # Warm-up until the node answers, so no frame of the stream is lost to discovery; its
    # stamps lie 10 s before the stream's, which therefore starts with a fresh state.
    for attempt in range(40):
        camera.publish(good(clip_bgr[0], START_NS - 10 * NS + attempt * SLOT_NS))
        if graph.spin_until(lambda: actions, 0.25):
            break
    assert actions, 'the node never answered:\n' + graph.output(node)
    graph.spin_for(0.3)
    baseline = next_status(graph, statuses)
    warm_up = len(actions)

    kinds = list(malformed)
    # Spread the malformed kinds over the clip, after the model has settled in.
    malformed_at = dict(zip(range(12, len(clip_bgr), (len(clip_bgr) - 20) // len(kinds)),
                            kinds))
    published = 0
    # The node's throttle decisions, replayed: which frames it must process, which reject.
    throttle = StampThrottle()
    expected = {'frames_processed': 0, 'frames_throttled': 0, 'frames_rejected': 0}

    def publish(msg, at, is_malformed) -> bool:
        nonlocal published
        camera.publish(msg)
        published += 1
        if not throttle.decide(at).process:
            expected['frames_throttled'] += 1
            return False
        if is_malformed:
            throttle.cancel()
            expected['frames_rejected'] += 1
            return False
        expected['frames_processed'] += 1
        # Lockstep on every processed frame, so the results come in the order of the frames.
        assert graph.spin_until(lambda: any(stamp_ns(m.header) == at for m in actions), 5), \
            f'no result for the frame stamped {at}:\n' + graph.output(node)
        return True

    stamp = START_NS - PERIOD_NS
    for index, bgr in enumerate(clip_bgr):
        kind = malformed_at.get(index)
        if kind is None:
            stamp += PERIOD_NS
            publish(good(bgr, stamp), stamp, False)
            graph.spin_for(1 / 30)
            continue
        build = malformed[kind][0]
        # A full period after the last frame: the model's slot, so it is decoded, rejected.
        stamp += SLOT_NS
        assert not publish(build(bgr, stamp), stamp, True)
        graph.spin_for(0.1)
        # The rejected frame gave its slot back: the next good frame is processed.
        stamp += PERIOD_NS
        assert publish(good(bgr, stamp), stamp, False), f'slot of the {kind} frame not freed'
        # 1 ms after a processed frame: throttled, so never decoded and not rejected.
        stamp += 1_000_000
        publish(build(bgr, stamp), stamp, True)
        graph.spin_for(0.05)

    assert expected['frames_rejected'] == len(kinds)
    assert expected['frames_throttled'] >= len(kinds)
    received = counter(baseline, 'frames_received') + published
    assert graph.spin_until(
        lambda: statuses and counter(statuses[-1], 'frames_received') == received, 6), (
        f'the node received {counter(statuses[-1], "frames_received")} frames, '
        f'{received} were published')
    final = statuses[-1]
    for key, value in expected.items():
        assert counter(final, key) - counter(baseline, key) == value, (key, status_values(final))
    # Rejected frames reset nothing: only the 10 s jump from the warm-up did.
    assert counter(final, 'state_resets') - counter(baseline, 'state_resets') == 1

    assert graph.spin_until(
        lambda: len(actions) - warm_up == expected['frames_processed'], 3)
    stream = actions[warm_up:]
    assert [m.frames_in_state for m in stream] == list(range(1, len(stream) + 1))
    assert stream[-1].results[0].label == 'carving ice', [r.label for r in stream[-1].results]

    during = [s for s in statuses if counter(s, 'frames_received')
              > counter(baseline, 'frames_received')]
    errors = [s for s in during if s.level == DiagnosticStatus.ERROR]
    assert errors and all('malformed frame(s) rejected' in s.message for s in errors), \
        [(s.level, s.message) for s in during]

    output = graph.output(node)
    logged = [line for line in output.splitlines() if 'rejected frame:' in line]
    assert logged, output
    reasons = [words for _, words in malformed.values()]
    assert reasons[0] in logged[0]
    assert all(any(words in line for words in reasons) for line in logged), logged

    assert node.poll() is None
    assert graph.stop(node, signal.SIGTERM) == 0
    assert 'Traceback' not in graph.output(node), graph.output(node)


@pytest.mark.ros
def test_camera_killed_and_restarted_resumes_with_a_fresh_state(
        graph, model_path, labels_path, clip_path):
    node = start_node(graph, model_path, labels_path)
    actions, _ = observe(graph)
    camera_args = ('-p', f'video:={clip_path}', '-p', 'wait_for_subscribers:=1',
                   '-r', f'image:={CAMERA}')
    camera = graph.start('video_publisher', *camera_args)
    assert graph.spin_until(lambda: len(actions) >= 8, 30), graph.output(node)
    assert graph.stop(camera, signal.SIGKILL) is not None  # no clean DDS goodbye

    graph.spin_for(0.5)
    before = len(actions)
    graph.spin_for(2.0)  # beyond reset_gap_sec (2 s) without frames
    assert len(actions) == before, 'results without a camera'
    assert node.poll() is None, graph.output(node)

    graph.start('video_publisher', *camera_args)
    assert graph.spin_until(lambda: len(actions) >= before + 12, 30), graph.output(node)
    resumed = actions[before:]
    assert [m.frames_in_state for m in resumed] == list(range(1, len(resumed) + 1))
    assert resumed[-1].results[0].label == 'carving ice'
    assert stamp_ns(resumed[0].header) - stamp_ns(actions[before - 1].header) > 2 * NS
    # The restarted driver is a new publisher (GID) after a silence: it takes the stream over
    # with one reset (Jazzy, without GIDs: its first frame is after a gap).
    assert re.search('stream state reset: (gap between frames|.* took the stream over)',
                     graph.output(node)), graph.output(node)
    assert graph.stop(node, signal.SIGINT) == 0
    assert 'Traceback' not in graph.output(node), graph.output(node)


@pytest.mark.ros
def test_reset_service_called_repeatedly_while_streaming_is_safe(
        graph, model_path, labels_path, clip_path):
    node = start_node(graph, model_path, labels_path)
    actions, statuses = observe(graph)
    graph.start('video_publisher', '-p', f'video:={clip_path}', '-r', f'image:={CAMERA}')
    assert graph.spin_until(lambda: len(actions) >= 5, 30), graph.output(node)
    client = graph.node.create_client(Trigger, '/movinet/reset')
    assert client.wait_for_service(timeout_sec=10)
    rounds, concurrent, sequential = 3, 8, 10
    for _ in range(rounds):
        graph.spin_for(0.3)
        # Requests in flight at once (fewer than the service queue's depth of 10, beyond
        # which DDS itself drops requests), then back-to-back calls, all between frames.
        futures = [client.call_async(Trigger.Request()) for _ in range(concurrent)]
        assert graph.spin_until(lambda: all(f.done() for f in futures), 15)
        assert all(f.result().success for f in futures)
        for _ in range(sequential):
            assert graph.call(client, Trigger.Request()).success
    count = len(actions)
    assert graph.spin_until(lambda: len(actions) >= count + 8, 15), graph.output(node)
    # Results already in flight may predate the last reset; the first one after it is
    # frame 1 of a new stream, which then carries on undisturbed.
    after = [m.frames_in_state for m in actions[count:]]
    first = after.index(1) if 1 in after[:4] else None
    assert first is not None, after
    assert after[first:] == list(range(1, len(after) - first + 1)), after
    status = next_status(graph, statuses)
    assert counter(status, 'state_resets') >= rounds * (concurrent + sequential)
    assert counter(status, 'frames_rejected') == 0
    assert node.poll() is None
    assert graph.stop(node, signal.SIGTERM) == 0
    assert 'Traceback' not in graph.output(node), graph.output(node)


# In process ---------------------------------------------------------------------------
@pytest.fixture
def live_node(request, ros_env, model_path, labels_path):
    """
    Build a configured, active MovinetNode in this process, fed through its callback.

    Its input transport is raw unless the test parametrizes the fixture indirectly, with
    the transport or a dict of more parameters.
    """
    given = getattr(request, 'param', 'raw')
    extra = given if isinstance(given, dict) else {'input_transport': given}
    graph = RosGraph(ros_env)
    node = MovinetNode(context=graph.context, parameter_overrides=[
        Parameter('model_path', value=str(model_path)),
        Parameter('labels_path', value=str(labels_path)),
        # Fed through its callback: no camera to wait for, as input_qos auto would.
        Parameter('input_qos', value='sensor_data'),
        Parameter('autostart', value=False),
        *(Parameter(name, value=value) for name, value in extra.items())])
    try:
        assert node.trigger_configure() == TransitionCallbackReturn.SUCCESS
        assert node.trigger_activate() == TransitionCallbackReturn.SUCCESS
        (subscription,) = [s for s in node.subscriptions if 'image' in s.topic_name]
        # The node's callback takes rclpy's message info too (the publisher's GID).
        node.feed = lambda msg, info=None: subscription.callback(
            msg if isinstance(msg, bytes) else serialize_message(msg), info)
        yield node
    finally:
        node.destroy_node()
        graph.close()


def test_raw_callback_survives_any_bytes(live_node, clip_bgr):
    valid = serialize_message(raw_image(clip_bgr[0], START_NS + SLOT_NS))
    garbage = [b'', b'\x00', b'\x00\x01', b'\x07\x07' + bytes(20),
               valid[:12] + bytes(reversed(valid[12:200])), valid[:40], valid[:-5000]]
    stamp = START_NS
    live_node.feed(raw_image(clip_bgr[0], stamp))
    for data in garbage:
        stamp += SLOT_NS
        data = data[:4] + stamp_of_bytes(stamp) + data[12:] if len(data) >= 12 else data
        live_node.feed(data)  # must not raise
    stats = live_node.pipeline.stats
    assert stats.received == 1 + len(garbage)
    assert stats.rejected == len(garbage)
    assert stats.processed == 1
    live_node.feed(raw_image(clip_bgr[1], stamp + SLOT_NS))
    assert stats.processed == 2


def stamp_of_bytes(stamp: int) -> bytes:
    sec, nanosec = divmod(stamp, NS)
    return sec.to_bytes(4, 'little', signed=True) + nanosec.to_bytes(4, 'little')


def test_undeserialisable_frame_is_a_rejected_frame(live_node, clip_bgr, capfd):
    live_node.feed(raw_image(clip_bgr[0], START_NS))
    truncated = serialize_message(raw_image(clip_bgr[1], START_NS + SLOT_NS))[:-5000]
    live_node.feed(truncated)
    # Like any rejected frame, it frees its slot for the next frame.
    live_node.feed(raw_image(clip_bgr[2], START_NS + SLOT_NS + PERIOD_NS))
    assert live_node.pipeline.stats.processed == 2
    err = capfd.readouterr().err
    assert 'rejected frame:' in err and 'failed unexpectedly' not in err, err
    # Its sizes are checked before rclpy sees it, so the C layer prints nothing of its own.
    assert 'sequence size exceeds remaining buffer' not in err, err


@pytest.mark.parametrize('live_node, transport', [('raw', 'raw'), ('compressed', 'compressed')],
                         indirect=['live_node'], ids=['raw', 'compressed'])
def test_every_kind_of_rejection_is_logged(live_node, clip_bgr, capfd, transport):
    _, _, good, malformed = TRANSPORTS[transport]
    stamp = START_NS
    for build, _ in malformed.values():
        live_node.feed(good(clip_bgr[0], stamp))
        stamp += SLOT_NS
        live_node.feed(build(clip_bgr[0], stamp))
        stamp += SLOT_NS
    assert live_node.pipeline.stats.rejected == len(malformed)
    err = capfd.readouterr().err
    missing = [kind for kind, (_, words) in malformed.items() if words not in err]
    assert not missing, err


def test_zero_stamps_are_replaced_by_the_time_of_receipt(live_node, clip_bgr, capfd):
    # The node stamps each frame with its clock when the callback starts: replaying the
    # throttle on the times just before each feed predicts its decisions, even when a busy
    # machine stretches the 100 ms sleeps.
    replay = StampThrottle()
    predicted = 0
    for bgr in clip_bgr[:12]:
        predicted += replay.decide(time.time_ns()).process
        live_node.feed(raw_image(bgr, 0))
        time.sleep(0.1)
    stats = live_node.pipeline.stats
    # Receipt times ~100 ms apart thinned to 5 fps: about every other frame, no duplicate.
    assert stats.duplicates == 0
    assert 4 <= stats.processed < 12, stats
    assert abs(stats.processed - predicted) <= 1, (stats, predicted)
    assert capfd.readouterr().err.count('zero header.stamp') == 1


@pytest.mark.parametrize('live_node', [{'use_sim_time': True}], indirect=True)
def test_zero_stamps_under_sim_time_without_clock_are_not_all_duplicates(live_node, clip_bgr):
    # ROS time stands at 0 until a /clock comes (none here): the steady clock stands in, so
    # frames 250 ms apart are thinned to 5 fps, not taken for duplicates of the first.
    assert live_node.get_clock().now().nanoseconds == 0
    for bgr in clip_bgr[:8]:
        live_node.feed(raw_image(bgr, 0))
        time.sleep(0.25)
    stats = live_node.pipeline.stats
    assert stats.duplicates == 0, stats
    assert stats.processed >= 6, stats


ABSURD_HEADERS = {
    'rgb8 100000x100000': SimpleNamespace(height=100_000, width=100_000, encoding='rgb8',
                                          is_bigendian=0, step=300_000, data=bytes(10)),
    'mono16 100000x100000': SimpleNamespace(height=100_000, width=100_000, encoding='mono16',
                                            is_bigendian=1, step=200_000, data=bytes(10)),
    'bgr8 16384x16384': SimpleNamespace(height=16384, width=16384, encoding='bgr8',
                                        is_bigendian=0, step=16384 * 3, data=bytes(10)),
    'bgr8 2**32-1 step': SimpleNamespace(height=1, width=1, encoding='bgr8', is_bigendian=0,
                                         step=2**32 - 1, data=bytes(10)),
}


def absurd_compressed(kind: str):
    tiny = np.zeros((16, 16, 3), np.uint8)
    if kind == 'jpeg 65535x65535':
        return SimpleNamespace(format='jpeg',
                               data=with_jpeg_size(encode('.jpg', tiny), 65535, 65535))
    if kind == 'jpeg 8192x8192 from 600 bytes':
        return SimpleNamespace(format='jpeg',
                               data=with_jpeg_size(encode('.jpg', tiny), 8192, 8192))
    png = bytearray(encode('.png', tiny))
    png[16:24] = (16384).to_bytes(4, 'big') * 2  # IHDR width and height
    return SimpleNamespace(format='png', data=bytes(png))


@pytest.mark.parametrize('msg', [
    *[pytest.param(msg, id=name) for name, msg in ABSURD_HEADERS.items()],
    pytest.param(absurd_compressed('jpeg 65535x65535'), id='jpeg 65535x65535'),
    pytest.param(absurd_compressed('png 16384x16384'), id='png 16384x16384'),
    pytest.param(absurd_compressed('jpeg 8192x8192 from 600 bytes'),
                 id='jpeg 8192x8192 from 600 bytes'),
])
def test_absurd_claimed_size_allocates_nothing(msg):
    tracemalloc.start()
    try:
        with pytest.raises(FrameError):
            message_to_rgb(msg)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 1_000_000, f'{peak} bytes allocated'


def test_deactivate_and_activate_while_fed_keep_the_node_working(live_node, clip_bgr):
    stamp = START_NS
    stats = live_node.pipeline.stats
    for cycle in range(3):
        before = stats.processed
        for bgr in clip_bgr[:30]:
            stamp += PERIOD_NS
            live_node.feed(raw_image(bgr, stamp))
        assert stats.processed - before == 5
        assert live_node.pipeline.model.frames_in_state == 5
        stale_feed = live_node.feed
        assert live_node.trigger_deactivate() == TransitionCallbackReturn.SUCCESS
        assert live_node.pipeline.model.frames_in_state == 0
        received = stats.received
        stale_feed(raw_image(clip_bgr[0], stamp + SLOT_NS))  # a frame still in flight
        assert stats.received == received
        assert live_node.trigger_activate() == TransitionCallbackReturn.SUCCESS
        (subscription,) = [s for s in live_node.subscriptions if 'image' in s.topic_name]
        live_node.feed = lambda msg, s=subscription: s.callback(serialize_message(msg), None)
