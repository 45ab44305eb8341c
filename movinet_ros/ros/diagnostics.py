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


"""Health of the node for /diagnostics: rates, latencies and a level from the counters."""

from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass
import threading
from typing import Any

from diagnostic_msgs.msg import DiagnosticArray, DiagnosticStatus, KeyValue
from movinet_ros.core.pipeline import PipelineStats
import numpy as np

OK, WARN, ERROR = 0, 1, 2
# Input slower than this share of target_fps is reported: the model sees too few frames.
SLOW_INPUT_SHARE = 0.9
# More of the camera's frames lost in transport than this is reported.
LOSS_WARN_RATIO = 0.2
LOSS_ADVICE = (
    "match the camera driver's QoS (input_qos auto, the default, subscribes reliable to "
    'reliable cameras) and give the driver a Fast DDS profile whose shared-memory segment '
    'fits its images (config/fastdds_images.xml; docs/cameras_and_dds.md)')


@dataclass(frozen=True)
class HealthReport:
    """Level (OK, WARN, ERROR), a one-line message and the key/values of one status."""

    level: int
    message: str
    values: dict[str, str]


class HealthMonitor:
    """Turn cumulative pipeline counters, sampled about once a second, into a status."""

    def __init__(self, target_fps: float, model_name: str, window: int = 200) -> None:
        self.target_fps = target_fps
        self.model_name = model_name
        self._inference_ms: deque[float] = deque(maxlen=window)
        self._previous: tuple[float, PipelineStats] | None = None

    def add_inference(self, milliseconds: float) -> None:
        """Record one model invoke time."""
        # A deque's append is atomic; report() copies it whole before reading it.
        self._inference_ms.append(milliseconds)

    def report(self, stats: PipelineStats, now_sec: float, *, active: bool = True,
               input_loss: float | None = None,
               problems: Sequence[str] = ()) -> HealthReport:
        """
        Assess the interval since the previous report and return the status to publish.

        ``input_loss`` is the share of the camera's frames lost in transport (the worst
        camera's), None while unknown. ``problems`` are WARN messages of the node's own
        (a second source on a topic, sim time without /clock), reported after errors.
        """
        snapshot = PipelineStats(**vars(stats))
        previous = self._previous
        self._previous = (now_sec, snapshot)
        if previous is None or now_sec <= previous[0]:
            elapsed, before = 0.0, snapshot
        else:
            elapsed, before = now_sec - previous[0], previous[1]
        received = snapshot.received - before.received
        rejected = snapshot.rejected - before.rejected
        input_fps = received / elapsed if elapsed else 0.0
        output_fps = (snapshot.processed - before.processed) / elapsed if elapsed else 0.0
        # Copied in one step: the diagnostics thread reads while the image callback appends.
        inference_ms = tuple(self._inference_ms)
        p50, p95 = np.percentile(inference_ms, [50, 95]) if inference_ms else (0.0, 0.0)
        values = {
            'frames_received': str(snapshot.received),
            'frames_processed': str(snapshot.processed),
            'frames_throttled': str(snapshot.throttled),
            'frames_duplicate': str(snapshot.duplicates),
            'frames_late': str(snapshot.late),
            'frames_other_source': str(snapshot.other_source),
            'frames_rejected': str(snapshot.rejected),
            'state_resets': str(snapshot.resets),
            'input_fps': f'{input_fps:.2f}',
            'output_fps': f'{output_fps:.2f}',
            'target_fps': f'{self.target_fps:.2f}',
            'inference_ms_p50': f'{p50:.2f}',
            'inference_ms_p95': f'{p95:.2f}',
            'input_loss_ratio': '' if input_loss is None else f'{input_loss:.2f}',
            'model': self.model_name,
        }
        if not active:
            return HealthReport(WARN, 'inactive: lifecycle node is not active', values)
        if rejected:
            return HealthReport(ERROR, f'{rejected} malformed frame(s) rejected in the last '
                                f'{elapsed:.1f} s', values)
        if problems:
            return HealthReport(WARN, '; '.join(problems), values)
        # Before "no input": a camera whose frames DDS reports lost is sending, and the fix
        # is its QoS or profile, not starting it.
        if input_loss is not None and input_loss > LOSS_WARN_RATIO:
            return HealthReport(WARN, f"{input_loss:.0%} of the camera's frames never arrive; "
                                + LOSS_ADVICE, values)
        if snapshot.received == 0:
            # Not yet "running": the first status after activation is OK and says so; from
            # the second on, silence is a WARN.
            return HealthReport(WARN if elapsed else OK, (
                'no input images: ' if elapsed else '') + 'waiting for the first frame', values)
        if elapsed and received == 0:
            return HealthReport(WARN, 'no input images', values)
        if elapsed and self.target_fps > 0 and input_fps < SLOW_INPUT_SHARE * self.target_fps:
            return HealthReport(WARN, f'input at {input_fps:.1f} fps is slower than '
                                f'target_fps {self.target_fps:g}', values)
        return HealthReport(OK, 'running', values)


class DiagnosticsThread:
    """
    Call ``publish`` every ``period_sec`` of the steady clock on a thread of its own.

    An executor timer waits for the callback in progress: a frame that takes seconds to
    decode would pause /diagnostics (and blame the input rate). The thread only reads the
    pipeline's counters, which the image callback keeps as plain integers, and objects that
    lock themselves (HealthMonitor, LossEstimator). An error is logged, never raised; once
    the context has shut down the thread ends.
    """

    def __init__(self, publish: Callable[[], None], logger: Any, context: Any,
                 period_sec: float = 1.0) -> None:
        self._publish = publish
        self._logger = logger
        self._context = context
        self._period_sec = period_sec
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._run, name='movinet diagnostics',
                                        daemon=True)
        self._thread.start()

    def stop(self, timeout_sec: float = 5.0) -> None:
        """Stop the thread and wait for a publish in progress to end (bounded)."""
        self._stopped.set()
        if self._thread is not threading.current_thread():
            self._thread.join(timeout_sec)

    def _run(self) -> None:
        while not self._stopped.wait(self._period_sec):
            try:
                self._publish()
            except Exception as error:  # noqa: B902 - diagnostics must never end the node
                if self._stopped.is_set() or not self._context.ok():
                    return
                self._logger.error(f'diagnostics failed: {error!r}',
                                   throttle_duration_sec=30.0)


def node_report(health: HealthMonitor | None, cameras: Sequence[Any], now_sec: float, *,
                active: bool, input_loss: float | None, problems: Sequence[str]) -> HealthReport:
    """Return the node's status: its cameras' counters and events, and any problems."""
    if not cameras or health is None:
        return HealthReport(WARN, '; '.join(['unconfigured: no model loaded', *problems]), {})
    report = health.report(total_stats(cameras), now_sec, active=active, input_loss=input_loss,
                           problems=problems)
    values = dict(report.values)
    values['events_started'] = str(sum(c.detector.counts.started for c in cameras))
    values['events_ongoing'] = str(sum(c.detector.ongoing_count for c in cameras))
    return HealthReport(report.level, report.message, values)


def total_stats(cameras: Sequence[Any]) -> PipelineStats:
    """Return the counters of all cameras' pipelines added up."""
    total = PipelineStats()
    for camera in cameras:
        for key, value in vars(camera.pipeline.stats).items():
            setattr(total, key, getattr(total, key) + value)
    return total


def diagnostic_array(report: HealthReport, name: str, stamp: Any) -> DiagnosticArray:
    """Return ``report`` as the one status of a /diagnostics message."""
    status = DiagnosticStatus(
        level=bytes([report.level]), name=name, message=report.message,
        hardware_id=report.values.get('model', ''),
        values=[KeyValue(key=k, value=v) for k, v in report.values.items()])
    array = DiagnosticArray(status=[status])
    array.header.stamp = stamp
    return array
