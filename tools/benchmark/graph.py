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
Measurements across processes on an isolated localhost DDS graph.

The node and the video publishers run as their own processes, exactly as deployed, in a
ROS domain of their own with the localhost-only Fast DDS profile, under a namespace unique
to this run; a probe node in this process receives the ActionRecognition messages. Latency
is the probe's receive time minus the header stamp, which is the source image's stamp (the
publisher's clock at publication). Every wait is bounded, and every child process is
stopped (SIGINT, then kill) however the measurement ends.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
import json
import os
import signal
import time

from benchmark import BenchmarkError
from benchmark.stats import Figure, median, missing, percentile, summarize
from diagnostic_msgs.msg import DiagnosticArray
from movinet_ros.core.cdr_header import header_stamp_ns
from movinet_ros.core.stamps import NS_PER_SEC, stamp_to_ns
from movinet_ros.ros.dds_profile import profile_environment
from movinet_ros.ros.subscription_qos import input_profile
from movinet_ros_interfaces.msg import ActionRecognition
import psutil
from rclpy.qos import QoSProfile, ReliabilityPolicy
from sensor_msgs.msg import Image
from testbed import camera_driver_command
from testbed.process_graph import (
    dds_variables, graph_environment, Probe, ProcessGroup, STOP_TIMEOUT_SEC)

NODE_MODULE = 'movinet_ros.ros.node_entry'
PUBLISHER_MODULE = 'movinet_ros.ros.video_publisher_entry'
_RELIABLE = QoSProfile(depth=100, reliability=ReliabilityPolicy.RELIABLE)


def dds_environment(domain_id: int, profile_path: str) -> dict[str, str]:
    """Return the variables that keep DDS traffic on this machine, in its own domain."""
    if not os.path.isfile(profile_path):
        raise BenchmarkError(f'Fast DDS profile not found: {profile_path}')
    return dds_variables(domain_id, profile_path)


class ResultProbe(Probe):
    """A probe on the benchmark's domain that receives results and times them."""

    def __init__(self, env: dict[str, str]) -> None:
        super().__init__(env, 'movinet_bench_probe')
        # (monotonic receive time, latency in ms, the node's model step in ms) per topic.
        self.latencies: dict[str, list[tuple[float, float, float]]] = {}
        # (monotonic receive time, ms since the image's stamp) of raw images received.
        self.image_arrivals: list[tuple[float, float]] = []

    def listen(self, topic: str) -> None:
        """Record the latency of every ActionRecognition on ``topic``."""
        samples = self.latencies.setdefault(topic, [])

        def received(msg: ActionRecognition) -> None:
            now_ns = time.time_ns()
            stamp_ns = stamp_to_ns(msg.header.stamp)
            samples.append((time.monotonic(), (now_ns - stamp_ns) / 1e6, msg.inference_ms))

        self.node.create_subscription(ActionRecognition, topic, received, _RELIABLE)

    def listen_images(self, topic: str) -> None:
        """Record how long images on ``topic`` take to arrive here, as the node subscribes."""
        def received(data: bytes) -> None:
            now_ns = time.time_ns()
            # Raw, so the probe never deserialises: the bytes are what DDS delivered.
            self.image_arrivals.append(
                (time.monotonic(), (now_ns - header_stamp_ns(data)) / 1e6))

        self.node.create_subscription(Image, topic, received,
                                      input_profile(ReliabilityPolicy.BEST_EFFORT), raw=True)


@dataclass(frozen=True)
class LiveTiming:
    """How long a live measurement warms up and measures."""

    warmup_sec: float
    segments: int
    segment_sec: float
    startup_timeout_sec: float


@dataclass(frozen=True)
class LiveResult:
    """
    Latency percentiles (ms) of processed frames, the node's CPU (%) and RSS (MiB).

    ``step_p50`` is the median model step the node reported in those results
    (ActionRecognition.inference_ms): the part of the latency that is the model's.
    ``image_p50`` is the median time an image took from its publisher to another process
    (the probe, subscribed like the node), timed after the latency windows and with one
    camera only: the part that is transport.
    """

    latency_p50: Figure
    latency_p95: Figure
    cpu_percent: Figure
    rss_mb: Figure
    step_p50: Figure
    image_p50: Figure
    processed: int = 0

    @classmethod
    def failed(cls, reason: str) -> LiveResult:
        """Return a result whose figures all say why they are missing."""
        return cls(*(missing(reason),) * 6)


def measure_live(model_path: str, labels_path: str, clip_path: str, env: dict[str, str],
                 namespace: str, timing: LiveTiming, *, cameras: int = 1,
                 size: tuple[int, int] = (640, 480), fps: float = 30.0) -> LiveResult:
    """
    Run one node fed by ``cameras`` video publishers (``size`` at ``fps``) and time it.

    One camera uses the node's ``image`` topic; several use its ``image_topics`` parameter
    with ``<namespace>/camN/image`` in and ``<namespace>/camN/actions`` out. After the first
    result of every camera and ``warmup_sec``, each of ``segments`` windows of
    ``segment_sec`` gives the latency p50/p95 over all cameras, the node's CPU use and its
    largest RSS; the figures are the medians over the windows.
    """
    node_args = ['-r', f'__ns:={namespace}', '-p', f'model_path:={model_path}',
                 '-p', f'labels_path:={labels_path}']
    if cameras == 1:
        camera_namespaces = [namespace]
        actions = [f'{namespace}/actions']
    else:
        camera_namespaces = [f'{namespace}/cam{index}' for index in range(cameras)]
        actions = [f'{camera}/actions' for camera in camera_namespaces]
        topics = ','.join(f'{camera}/image' for camera in camera_namespaces)
        node_args += ['-p', f'image_topics:=[{topics}]']
    # best_effort: the publisher's QoS before it had a reliability parameter (now reliable by
    # default), so the figures stay comparable with the ones measured so far.
    publisher_args = ['-p', f'video:={clip_path}', '-p', f'width:={size[0]}',
                      '-p', f'height:={size[1]}', '-p', f'fps:={float(fps)}',
                      '-p', 'loop:=true', '-p', 'reliability:=best_effort']
    with ProcessGroup(graph_environment(env)) as group, ResultProbe(env) as probe:
        for topic in actions:
            probe.listen(topic)
        node = group.start_module(NODE_MODULE, *node_args)
        for camera in camera_namespaces:
            group.start_module(PUBLISHER_MODULE, *publisher_args, '-r', f'__ns:={camera}')
        started = probe.spin_until(
            lambda: node.poll() is not None or any(p.poll() is not None
                                                   for p in group.processes)
            or all(probe.latencies[topic] for topic in actions), timing.startup_timeout_sec)
        dead = [p for p in group.processes if p.poll() is not None]
        if dead or not started:
            culprit = dead[0] if dead else node
            what = 'exited' if dead else f'gave no result within {timing.startup_timeout_sec:g} s'
            raise BenchmarkError(
                f'{"the node" if culprit is node else "a video publisher"} {what}; its output:'
                f'\n{group.output(culprit, tail=2000)}')
        try:
            images = f'{namespace}/image' if cameras == 1 else None
            return _measure_windows(probe, psutil.Process(node.pid), actions, images, timing)
        except psutil.Error as error:
            raise BenchmarkError(f'the node exited while measuring ({error}); its output:\n'
                                 f'{group.output(node, tail=2000)}') from error


def _measure_windows(probe: ResultProbe, node: psutil.Process, actions: Sequence[str],
                     images: str | None, timing: LiveTiming) -> LiveResult:
    probe.spin_for(timing.warmup_sec)
    p50s, p95s, cpus, rsss, steps = [], [], [], [], []
    processed = 0
    for _ in range(timing.segments):
        window_rss: list[float] = []
        node.cpu_percent(None)
        began = time.monotonic()
        probe.spin_for(timing.segment_sec,
                       every=lambda: window_rss.append(node.memory_info().rss / 2 ** 20))
        cpus.append(node.cpu_percent(None))
        ended = time.monotonic()
        rsss.append(max(window_rss))
        window = [(latency, step) for topic in actions
                  for at, latency, step in probe.latencies[topic] if began <= at < ended]
        processed += len(window)
        if window:
            latencies = [latency for latency, _ in window]
            p50s.append(median(latencies))
            p95s.append(percentile(latencies, 0.95))
            steps.append(median([step for _, step in window]))
    if not p50s:
        return LiveResult.failed('no result arrived while measuring')
    return LiveResult(summarize(p50s), summarize(p95s), summarize(cpus), summarize(rsss),
                      summarize(steps),
                      _image_transport(probe, images, timing) if images
                      else missing('measured with one camera only'), processed)


def _image_transport(probe: ResultProbe, images: str, timing: LiveTiming) -> Figure:
    """
    Time images from the camera to the probe, in windows after the latency windows.

    Receiving 30 frames a second costs the probe CPU that would otherwise disturb the
    latencies measured before, on a machine with as few cores as this one.
    """
    probe.listen_images(images)
    p50s = []
    for _ in range(timing.segments):
        began = time.monotonic()
        probe.spin_for(timing.segment_sec / 4)
        arrivals = [latency for at, latency in probe.image_arrivals if at >= began]
        if arrivals:
            p50s.append(median(arrivals))
    return summarize(p50s)


@dataclass(frozen=True)
class DeliveryResult:
    """What reached the node from a camera driver on Fast DDS defaults, and what came out."""

    sent: int
    received: int
    results: int
    expected_results: float
    latency_p50: Figure

    @property
    def delivered_ratio(self) -> float:
        """Return frames received by the node / frames the camera sent."""
        return self.received / self.sent if self.sent else 0.0

    @property
    def output_ratio(self) -> float:
        """Return results published / results due at target_fps over the sent stream."""
        return self.results / self.expected_results if self.expected_results else 0.0


def measure_delivery(model_path: str, labels_path: str, clip_path: str, env: dict[str, str],
                     namespace: str, *, size: tuple[int, int], reliability: str,
                     driver_profile: str, frames: int, target_fps: float = 5.0,
                     timeout_sec: float = 90.0) -> DeliveryResult:
    """
    Feed the node (defaults) from a camera driver process on ``driver_profile``; count all.

    The driver (tools/testbed/camera_driver.py) sends ``frames`` bgr8 frames of
    ``size`` at 30 Hz with ``reliability``. The node's own ``frames_received`` counter (its
    /diagnostics) says how many arrived; every result on the actions topic is counted and
    timed, and compared with the results due at ``target_fps`` over the stream the driver
    sent, so frames lost on the way show as missing results, never as a better latency.
    """
    topic = f'{namespace}/image'
    actions = f'{namespace}/actions'
    node_args = ['-r', f'__ns:={namespace}', '-p', f'model_path:={model_path}',
                 '-p', f'labels_path:={labels_path}']
    with ProcessGroup(graph_environment(env)) as group, ResultProbe(env) as probe:
        probe.listen(actions)
        received: list[int] = []

        def diagnostics(msg: DiagnosticArray) -> None:
            for status in msg.status:
                for value in status.values:
                    if value.key == 'frames_received':
                        received.append(int(value.value))

        probe.node.create_subscription(DiagnosticArray, '/diagnostics', diagnostics, 10)
        node = group.start_module(NODE_MODULE, *node_args)
        if not probe.spin_until(lambda: node.poll() is not None
                                or probe.node.count_subscribers(topic) > 0, timeout_sec):
            raise BenchmarkError(f'the node did not subscribe to {topic}:\n'
                                 f'{group.output(node, tail=2000)}')
        driver = group.start_command(
            camera_driver_command('--clip', str(clip_path), '--size', f'{size[0]}x{size[1]}',
                                  '--reliability', reliability, '--frames', str(frames),
                                  '--topic', topic), profile_environment(driver_profile))
        try:
            probe.spin_until(lambda: driver.poll() is not None, timeout_sec)
            # The last results and a diagnostics report after the stream ended.
            probe.spin_for(2.5)
        finally:
            ProcessGroup.stop(driver, signal.SIGKILL, STOP_TIMEOUT_SEC)
        output = group.output(driver)
        if driver.returncode != 0:
            raise BenchmarkError(f'the camera driver failed:\n{output[-2000:]}')
        sent = json.loads(output.strip().splitlines()[-1])['sent']
        latencies = [latency for _, latency, _ in probe.latencies[actions]]
        duration = (sent[-1] - sent[0]) / NS_PER_SEC if len(sent) > 1 else 0.0
        return DeliveryResult(
            sent=len(sent), received=received[-1] if received else 0,
            results=len(latencies), expected_results=duration * target_fps,
            latency_p50=summarize([median(latencies)]) if latencies
            else missing('no result arrived'))
