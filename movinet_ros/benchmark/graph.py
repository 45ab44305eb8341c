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

import ctypes
from dataclasses import dataclass
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from typing import Callable, Dict, IO, List, Optional, Sequence, Tuple

from diagnostic_msgs.msg import DiagnosticArray
from movinet_ros.benchmark import BenchmarkError
from movinet_ros.benchmark.stats import Figure, median, missing, percentile, summarize
from movinet_ros.ros.dds import profile_environment, PROFILE_VARIABLES
from movinet_ros.ros.input_qos import input_profile
from movinet_ros.ros.wire import header_stamp_ns
from movinet_ros_interfaces.msg import ActionRecognition
import psutil
import rclpy
from rclpy.context import Context
from rclpy.executors import SingleThreadedExecutor
from rclpy.qos import QoSProfile, ReliabilityPolicy
from rclpy.signals import SignalHandlerOptions
from sensor_msgs.msg import Image

NODE_MODULE = 'movinet_ros.ros.node'
PUBLISHER_MODULE = 'movinet_ros.ros.video_publisher'
DDS_VARIABLES = ('ROS_AUTOMATIC_DISCOVERY_RANGE', *PROFILE_VARIABLES,
                 'RMW_IMPLEMENTATION', 'ROS_DOMAIN_ID')
STOP_TIMEOUT_SEC = 10.0
RESOURCE_SAMPLE_SEC = 0.5
_RELIABLE = QoSProfile(depth=100, reliability=ReliabilityPolicy.RELIABLE)
_PR_SET_PDEATHSIG = 1


def dds_environment(domain_id: int, profile_path: str) -> Dict[str, str]:
    """Return the variables that keep DDS traffic on this machine, in its own domain."""
    if not os.path.isfile(profile_path):
        raise BenchmarkError(f'Fast DDS profile not found: {profile_path}')
    return {
        'ROS_AUTOMATIC_DISCOVERY_RANGE': 'LOCALHOST',
        **profile_environment(profile_path),
        'RMW_IMPLEMENTATION': 'rmw_fastrtps_cpp',
        'ROS_DOMAIN_ID': str(domain_id),
    }


def _die_with_parent() -> None:
    # A benchmark killed outright must not leave nodes publishing: Linux sends the child
    # SIGTERM when this process dies (rclpy nodes shut down on it).
    try:
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)
    except (OSError, AttributeError):
        pass


class ProcessGroup:
    """Child processes of one measurement; closing stops them all."""

    def __init__(self, env: Dict[str, str]) -> None:
        self.env = {**os.environ, **env, 'PYTHONUNBUFFERED': '1'}
        self.env.pop('ROS_LOCALHOST_ONLY', None)
        self.processes: List[subprocess.Popen] = []
        self._logs: Dict[int, IO[str]] = {}

    def start(self, module: str, *ros_args: str) -> subprocess.Popen:
        """Start ``python -m module --ros-args ...``; its output goes to a temporary file."""
        log = tempfile.TemporaryFile(mode='w+')
        process = subprocess.Popen(
            [sys.executable, '-m', module, '--ros-args', *ros_args], env=self.env,
            stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            preexec_fn=_die_with_parent if sys.platform.startswith('linux') else None)
        self.processes.append(process)
        self._logs[process.pid] = log
        return process

    def output(self, process: subprocess.Popen, tail: int = 2000) -> str:
        """Return the last ``tail`` characters the process printed."""
        log = self._logs[process.pid]
        log.flush()
        log.seek(0)
        return log.read()[-tail:]

    def close(self) -> None:
        """Stop every process: SIGINT, then SIGKILL after STOP_TIMEOUT_SEC, newest first."""
        for process in reversed(self.processes):
            if process.poll() is None:
                process.send_signal(signal.SIGINT)
        deadline = time.monotonic() + STOP_TIMEOUT_SEC
        for process in reversed(self.processes):
            try:
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=STOP_TIMEOUT_SEC)
        for log in self._logs.values():
            log.close()
        self.processes.clear()
        self._logs.clear()

    def __enter__(self) -> 'ProcessGroup':
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()


class Probe:
    """An in-process node on the benchmark's domain that receives results and times them."""

    def __init__(self, domain_id: int) -> None:
        self.context = Context()
        rclpy.init(context=self.context, domain_id=domain_id,
                   signal_handler_options=SignalHandlerOptions.NO)
        self.node = rclpy.create_node('movinet_bench_probe', context=self.context)
        self.executor = SingleThreadedExecutor(context=self.context)
        self.executor.add_node(self.node)
        # (monotonic receive time, latency in ms, the node's model step in ms) per topic.
        self.latencies: Dict[str, List[Tuple[float, float, float]]] = {}
        # (monotonic receive time, ms since the image's stamp) of raw images received.
        self.image_arrivals: List[Tuple[float, float]] = []

    def listen(self, topic: str) -> None:
        """Record the latency of every ActionRecognition on ``topic``."""
        samples = self.latencies.setdefault(topic, [])

        def received(msg: ActionRecognition) -> None:
            now_ns = time.time_ns()
            stamp_ns = msg.header.stamp.sec * 1_000_000_000 + msg.header.stamp.nanosec
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

    def spin_until(self, condition: Callable[[], bool], timeout: float,
                   every: Optional[Callable[[], None]] = None) -> bool:
        """Spin until ``condition()`` or ``timeout`` s; call ``every`` about twice a second."""
        deadline = time.monotonic() + timeout
        next_call = time.monotonic()
        while time.monotonic() < deadline:
            if condition():
                return True
            if every is not None and time.monotonic() >= next_call:
                every()
                next_call += RESOURCE_SAMPLE_SEC
            self.executor.spin_once(timeout_sec=0.02)
        return condition()

    def close(self) -> None:
        """Destroy the probe and its context."""
        self.executor.shutdown()
        self.node.destroy_node()
        rclpy.try_shutdown(context=self.context)

    def __enter__(self) -> 'Probe':
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()


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
    def failed(cls, reason: str) -> 'LiveResult':
        """Return a result whose figures all say why they are missing."""
        return cls(*(missing(reason),) * 6)


def measure_live(model_path: str, labels_path: str, clip_path: str, env: Dict[str, str],
                 namespace: str, timing: LiveTiming, cameras: int = 1,
                 size: Tuple[int, int] = (640, 480), fps: float = 30.0) -> LiveResult:
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
    with ProcessGroup(env) as group, Probe(int(env['ROS_DOMAIN_ID'])) as probe:
        for topic in actions:
            probe.listen(topic)
        node = group.start(NODE_MODULE, *node_args)
        for camera in camera_namespaces:
            group.start(PUBLISHER_MODULE, *publisher_args, '-r', f'__ns:={camera}')
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
                f'\n{group.output(culprit)}')
        try:
            images = f'{namespace}/image' if cameras == 1 else None
            return _measure_windows(probe, psutil.Process(node.pid), actions, images, timing)
        except psutil.Error as error:
            raise BenchmarkError(f'the node exited while measuring ({error}); its output:\n'
                                 f'{group.output(node)}') from error


def _measure_windows(probe: Probe, node: psutil.Process, actions: Sequence[str],
                     images: Optional[str], timing: LiveTiming) -> LiveResult:
    probe.spin_until(lambda: False, timing.warmup_sec)
    p50s, p95s, cpus, rsss, steps = [], [], [], [], []
    processed = 0
    for _ in range(timing.segments):
        window_rss: List[float] = []
        node.cpu_percent(None)
        began = time.monotonic()
        probe.spin_until(lambda: False, timing.segment_sec,
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


def _image_transport(probe: Probe, images: str, timing: LiveTiming) -> Figure:
    """
    Time images from the camera to the probe, in windows after the latency windows.

    Receiving 30 frames a second costs the probe CPU that would otherwise disturb the
    latencies measured before, on a machine with as few cores as this one.
    """
    probe.listen_images(images)
    p50s = []
    for _ in range(timing.segments):
        began = time.monotonic()
        probe.spin_until(lambda: False, timing.segment_sec / 4)
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


def measure_delivery(model_path: str, labels_path: str, clip_path: str, env: Dict[str, str],
                     namespace: str, *, size: Tuple[int, int], reliability: str,
                     driver_profile: str, frames: int, target_fps: float = 5.0,
                     timeout_sec: float = 90.0) -> DeliveryResult:
    """
    Feed the node (defaults) from a camera driver process on ``driver_profile``; count all.

    The driver (movinet_ros.benchmark.camera_driver) sends ``frames`` bgr8 frames of
    ``size`` at 30 Hz with ``reliability``. The node's own ``frames_received`` counter (its
    /diagnostics) says how many arrived; every result on the actions topic is counted and
    timed, and compared with the results due at ``target_fps`` over the stream the driver
    sent, so frames lost on the way show as missing results, never as a better latency.
    """
    topic = f'{namespace}/image'
    actions = f'{namespace}/actions'
    node_args = ['-r', f'__ns:={namespace}', '-p', f'model_path:={model_path}',
                 '-p', f'labels_path:={labels_path}']
    with ProcessGroup(env) as group, Probe(int(env['ROS_DOMAIN_ID'])) as probe:
        probe.listen(actions)
        received: List[int] = []

        def diagnostics(msg: DiagnosticArray) -> None:
            for status in msg.status:
                for value in status.values:
                    if value.key == 'frames_received':
                        received.append(int(value.value))

        probe.node.create_subscription(DiagnosticArray, '/diagnostics', diagnostics, 10)
        node = group.start(NODE_MODULE, *node_args)
        if not probe.spin_until(lambda: node.poll() is not None
                                or probe.node.count_subscribers(topic) > 0, timeout_sec):
            raise BenchmarkError(f'the node did not subscribe to {topic}:\n'
                                 f'{group.output(node)}')
        log = tempfile.TemporaryFile(mode='w+')
        driver = subprocess.Popen(
            [sys.executable, '-m', 'movinet_ros.benchmark.camera_driver', '--clip',
             str(clip_path), '--size', f'{size[0]}x{size[1]}', '--reliability', reliability,
             '--frames', str(frames), '--topic', topic],
            env={**group.env, **profile_environment(driver_profile)},
            stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            preexec_fn=_die_with_parent if sys.platform.startswith('linux') else None)
        try:
            probe.spin_until(lambda: driver.poll() is not None, timeout_sec)
            # The last results and a diagnostics report after the stream ended.
            probe.spin_until(lambda: False, 2.5)
        finally:
            if driver.poll() is None:
                driver.kill()
            driver.wait(timeout=STOP_TIMEOUT_SEC)
        log.seek(0)
        output = log.read()
        log.close()
        if driver.returncode != 0:
            raise BenchmarkError(f'the camera driver failed:\n{output[-2000:]}')
        sent = json.loads(output.strip().splitlines()[-1])['sent']
        latencies = [latency for _, latency, _ in probe.latencies[actions]]
        duration = (sent[-1] - sent[0]) / 1e9 if len(sent) > 1 else 0.0
        return DeliveryResult(
            sent=len(sent), received=received[-1] if received else 0,
            results=len(latencies), expected_results=duration * target_fps,
            latency_p50=summarize([median(latencies)]) if latencies
            else missing('no result arrived'))
