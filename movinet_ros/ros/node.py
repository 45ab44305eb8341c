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
The movinet lifecycle node: camera images in, ActionRecognition out.

configure loads the model and labels (a failure leaves the node unconfigured with an error
saying what to fix), activate subscribes and publishes, deactivate stops and resets the
stream state. With ``autostart`` (default) the node walks itself to active.

Every START gets its END: besides the scores, an ongoing event ends on every stream-state
reset (also a new source taking the stream over, and ``~/reset``), when the camera stops
sending (``ros.event_ends``), on deactivate, and when the node shuts down or is destroyed.
"""

import sys
import time
from typing import Any

from diagnostic_msgs.msg import DiagnosticArray
from movinet_ros.core.cdr_header import checked_frame_id
from movinet_ros.core.errors import MovinetError
from movinet_ros.core.events import REASON_DEACTIVATED
from movinet_ros.core.frames import FrameError
from movinet_ros.core.overlay import draw_hypotheses
from movinet_ros.core.pipeline import Recognition, RecognitionPipeline
from movinet_ros.core.serialized_frame import process_frame, read_frame
from movinet_ros.core.transport_loss import LossChange
from movinet_ros.ros.camera_streams import (
    Camera, create_publishers, make_cameras, worst_loss_ratio)
from movinet_ros.ros.camera_subscriptions import CameraInputs, INPUT_MATCH_PERIOD_SEC
from movinet_ros.ros.command_line import (
    Executable, handle_arguments, unknown_parameter_warnings, USAGE_ERROR)
from movinet_ros.ros.diagnostics import (
    diagnostic_array, DiagnosticsThread, HealthMonitor, node_report)
from movinet_ros.ros.event_ends import end_for_good, InputTimeout, publish_events
from movinet_ros.ros.frame_sources import publisher_names, source_from_info
from movinet_ros.ros.log_limits import RejectionLog
from movinet_ros.ros.message_conversion import (
    pixels_to_image_msg, recognition_to_msg, stamp_from_ns)
from movinet_ros.ros.node_parameters import (
    checked_changes, declare_all, EVENT_PARAMS, parameter_values, RUNTIME_RANKING_PARAMS)
from movinet_ros.ros.settings import (
    check_labels_known, NodeSettings, PARAMS, settings_from_values)
from movinet_ros.ros.silent_topic_watch import InputWatch
from movinet_ros.ros.sim_clock import SimClockWatch
from movinet_ros.ros.spin import init_with_stop_flag, spin_until_stopped
from rcl_interfaces.msg import SetParametersResult
import rclpy
from rclpy.clock import Clock, ClockType
from rclpy.lifecycle import LifecycleNode, LifecycleState, TransitionCallbackReturn
from rclpy.parameter import Parameter
from rclpy.serialization import deserialize_message
from std_srvs.srv import Trigger

NODE_NAME = 'movinet'


class MovinetNode(LifecycleNode):
    """Streaming action recognition on one camera topic, or several sharing one model."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(NODE_NAME, **kwargs)
        # Start-up values that rclpy refused (out of range, wrong type), by parameter: the
        # node comes up with the default and configure fails saying what to fix.
        self.rejected_overrides = declare_all(self)
        for warning in unknown_parameter_warnings(self, EXECUTABLE):
            self.get_logger().warning(warning)
        self.add_on_set_parameters_callback(self._on_set_parameters)
        self.settings: NodeSettings | None = None
        self.cameras: list[Camera] = []
        self.health: HealthMonitor | None = None
        self._active = False
        self._warned_zero_stamp = False
        # Time spent in image callbacks so far: frames that came meanwhile are not lost.
        self.busy_ns = 0
        self._rejections = RejectionLog()
        self._time = SimClockWatch(self)
        self._inputs = CameraInputs(self, self._on_image, self._on_lost)
        self._diagnostics_pub = self.create_publisher(DiagnosticArray, '/diagnostics', 10)
        # A thread of its own on the steady clock, not an executor timer: a frame that takes
        # seconds to decode holds the executor, and sim time may have no /clock; the
        # diagnostics keep their 1 Hz through both.
        self._diagnostics_thread = DiagnosticsThread(self._publish_diagnostics,
                                                     self.get_logger(), self.context)
        # On the steady clock: the graph changes whatever the ROS time (sim time) does.
        self.create_timer(INPUT_MATCH_PERIOD_SEC, self._match_inputs,
                          clock=Clock(clock_type=ClockType.STEADY_TIME))
        self.create_service(Trigger, '~/reset', self._on_reset)
        self._input_watch = InputWatch(self)
        self._input_timeout = InputTimeout(
            self, lambda: self.cameras if self._active else [],
            lambda: self.settings.event_input_timeout_sec if self.settings else 0.0)

    @property
    def pipeline(self) -> RecognitionPipeline | None:
        """Pipeline of the first camera (the only one unless image_topics is set)."""
        return self.cameras[0].pipeline if self.cameras else None

    # Lifecycle transitions ------------------------------------------------------------
    def on_configure(self, state: LifecycleState) -> TransitionCallbackReturn:
        if self.rejected_overrides:
            self.get_logger().error(
                'configure failed: ' + '; '.join(self.rejected_overrides.values())
                + ' (given at start-up; fix it and start again, or set it through the '
                'parameter services and configure again)')
            return TransitionCallbackReturn.FAILURE
        try:
            settings = settings_from_values(parameter_values(self))
            first = RecognitionPipeline.from_files(
                settings.model_path, settings.labels_path or None,
                settings.pipeline_config(), settings.num_threads,
                head_path=settings.head_path or None)
            cameras = make_cameras(settings, first, self.resolve_topic_name)
        except MovinetError as error:
            self.get_logger().error(f'configure failed: {error}')
            return TransitionCallbackReturn.FAILURE
        self.settings, self.cameras = settings, cameras
        for camera in cameras:
            create_publishers(self, camera)
        model = first.model
        if first.head_warning:
            self.get_logger().warning(first.head_warning)
        self.health = HealthMonitor(settings.target_fps * len(cameras), model.name)
        self.get_logger().info(
            f'configured: model {model.name} (signature {model.signature_key!r}, input '
            f'{model.input_size[1]}x{model.input_size[0]} {model.input_dtype}, '
            f'{len(model.state_names)} states, {model.num_classes} classes), '
            + (f'head {settings.head_path} ({len(first.labels)} classes), '
               if settings.head_path else '')
            + f'{settings.target_fps:g} fps, {settings.input_transport} transport, '
            f'{len(cameras)} camera(s)')
        return TransitionCallbackReturn.SUCCESS

    def on_activate(self, state: LifecycleState) -> TransitionCallbackReturn:
        assert self.settings is not None
        self._inputs.activated()
        for camera in self.cameras:
            # Watched for silence from activation on, subscribed or not yet.
            camera.watch_events = self._input_watch.watch(
                camera.image_topic, lambda camera=camera: camera.pipeline.stats.received,
                self.settings.no_input_warn_sec)
            self._inputs.start(camera, self.settings)
            self.get_logger().info(
                f'active: {camera.image_topic} -> {camera.actions_pub.topic_name}')
        self._active = True
        return super().on_activate(state)

    def _match_inputs(self) -> None:
        if self._active and self.settings is not None:
            self._inputs.match(self.cameras, self.settings)

    def on_deactivate(self, state: LifecycleState) -> TransitionCallbackReturn:
        self._stop_input()
        for camera in self.cameras:
            camera.pipeline.reset()
            camera.sources.reset()
            publish_events(camera, camera.detector.end_all(REASON_DEACTIVATED))
        return super().on_deactivate(state)

    def on_cleanup(self, state: LifecycleState) -> TransitionCallbackReturn:
        self._release()
        return TransitionCallbackReturn.SUCCESS

    def on_shutdown(self, state: LifecycleState) -> TransitionCallbackReturn:
        self._stop_input()
        end_for_good(self.cameras)
        self._release()
        return TransitionCallbackReturn.SUCCESS

    def _stop_input(self) -> None:
        self._active = False
        self._input_watch.clear()
        self._inputs.stop(self.cameras)
        self._input_timeout.clear()

    def _release(self) -> None:
        for camera in self.cameras:
            for publisher in (camera.actions_pub, camera.overlay_pub, camera.events_pub):
                if publisher is not None:
                    self.destroy_lifecycle_publisher(publisher)
        self.cameras = []

    # Frames ---------------------------------------------------------------------------
    def _on_image(self, camera: Camera, data: bytes, msg_type: type, info: Any = None) -> None:
        if not self._active:
            return
        started = time.monotonic_ns()
        try:
            self._take_image(camera, data, msg_type, info)
        finally:
            self.busy_ns += time.monotonic_ns() - started

    def _take_image(self, camera: Camera, data: bytes, msg_type: type, info: Any) -> None:
        pipeline = camera.pipeline
        # Zero stamps take the time of receipt: ROS time, or the steady clock while sim time
        # has no /clock (never a stuck stamp).
        frame = read_frame(data, msg_type, deserialize_message,
                           receive_ns=self._time.stand_in_stamp_ns)
        if frame.stamp_ns is not None:
            try:
                # Sizes checked up front: a broken frame is rejected, not taken for another
                # source, and rclpy never prints its overrun to raw stderr.
                source = source_from_info(info, checked_frame_id(data, msg_type.__name__))
            except FrameError as error:
                pipeline.reject_unread()
                self._warn_rejected(f'{camera.image_topic}: {error}')
                return
            if not camera.sources.accept(
                    source, pipeline, camera.image_topic, self.get_logger(),
                    publisher_names(self, camera.image_topic),
                    lambda why: self._reset_stream(camera, why)):
                return
            if not frame.zero_stamp:
                self._track_loss(camera, frame.stamp_ns)
            elif not self._warned_zero_stamp:
                self._warned_zero_stamp = True
                self.get_logger().warning(
                    'input images have a zero header.stamp; using the time of receipt '
                    'instead (fix the camera driver to stamp its frames)')
        received_ns = time.monotonic_ns()
        self._input_timeout.seen(camera, received_ns)
        try:
            result = process_frame(pipeline, frame, received_ns=received_ns)
        except FrameError as error:
            self._warn_rejected(f'{camera.image_topic}: {error}')
            return
        except Exception as error:  # noqa: B902 - a bad frame must never take the node down
            pipeline.stats.rejected += 1
            self.get_logger().error(f'frame failed unexpectedly: {error!r}',
                                    throttle_duration_sec=5.0)
            return
        if result is not None:
            self._publish(camera, result)

    def _on_lost(self, camera: Camera, info: Any) -> None:
        # DDS knows of samples it lost (sequence numbers it never completed).
        if not camera.loss_counted:
            return
        now = time.monotonic_ns()
        camera.loss.add_lost(info.total_count_change, now)
        self._warn_loss(camera, now)

    def _track_loss(self, camera: Camera, stamp_ns: int) -> None:
        busy, camera.busy_mark_ns = self.busy_ns - camera.busy_mark_ns, self.busy_ns
        if not camera.loss_counted:
            return
        now = time.monotonic_ns()
        camera.loss.add(stamp_ns, now, busy_ns=busy)
        self._warn_loss(camera, now)

    def _warn_loss(self, camera: Camera, now_ns: int) -> None:
        report = camera.loss_report(now_ns)
        if report is None:
            return
        change, text = report
        if change is LossChange.WARN:
            self.get_logger().warning(text)
        else:
            self.get_logger().info(text)

    def input_loss_ratio(self) -> float | None:
        """Return the worst camera's share of frames lost in transport, None if unknown."""
        return worst_loss_ratio(self.cameras, time.monotonic_ns())

    def _publish(self, camera: Camera, result: Recognition) -> None:
        assert self.settings is not None and self.health is not None
        if result.reset_reason is not None:
            self.get_logger().info(
                f'{camera.image_topic}: stream state reset: {result.reset_reason.value}')
        self.health.add_inference(result.inference_ms)
        camera.actions_pub.publish(recognition_to_msg(result, camera.pipeline.model.name))
        camera.frame_id = result.frame_id
        publish_events(camera, camera.detector.update(result))
        if (self.settings.publish_overlay and result.pixels is not None
                and camera.overlay_pub.get_subscription_count() > 0):
            overlay = draw_hypotheses(result.rgb(), result.hypotheses)
            camera.overlay_pub.publish(pixels_to_image_msg(
                overlay, 'rgb8', stamp_from_ns(result.stamp_ns), result.frame_id))

    def _reset_stream(self, camera: Camera, why: str) -> None:
        """Start the camera's stream over and end its events (``stream reset: <why>``)."""
        camera.pipeline.reset()
        publish_events(camera, camera.detector.reset(why))

    def _warn_rejected(self, reason: str) -> None:
        if self._rejections.should_log(reason):
            self.get_logger().warning(f'rejected frame: {reason}')

    # Services, parameters, diagnostics --------------------------------------------------
    def _on_reset(self, request: Trigger.Request, response: Trigger.Response) -> Trigger.Response:
        if not self.cameras:
            response.success = False
            response.message = 'not configured: no model loaded'
            return response
        for camera in self.cameras:
            self._reset_stream(camera, 'requested via ~/reset')
        self.get_logger().info('stream state reset: requested via ~/reset')
        response.success = True
        response.message = f'stream state reset ({len(self.cameras)} camera(s))'
        return response

    def _on_set_parameters(self, parameters: list[Parameter]) -> SetParametersResult:
        changed, reason = checked_changes(parameters)
        if reason is not None:
            return SetParametersResult(successful=False, reason=reason)
        for name in changed:
            self.rejected_overrides.pop(name, None)
        ranking_changes = {k: v for k, v in changed.items() if k in RUNTIME_RANKING_PARAMS}
        event_changes = {k: v for k, v in changed.items() if k in EVENT_PARAMS}
        if self.settings is None and ranking_changes:
            reason = check_labels_known(parameter_values(self), ranking_changes)
            if reason is not None:
                return SetParametersResult(successful=False, reason=reason)
        if self.settings is not None and (ranking_changes or event_changes
                                          or 'publish_overlay' in changed):
            try:
                settings = settings_from_values({**vars(self.settings), **changed})
                event_config = settings.event_config()
                if ranking_changes:
                    for camera in self.cameras:
                        camera.pipeline.set_ranking(settings.ranking())
            except MovinetError as error:
                return SetParametersResult(successful=False, reason=str(error))
            if event_changes:
                for camera in self.cameras:
                    forced = camera.detector.set_config(event_config)
                    if self._active:
                        publish_events(camera, forced)
            self.settings = settings
        return SetParametersResult(successful=True)

    def destroy_node(self) -> None:
        """Stop the diagnostics thread, end the ongoing events, then destroy the node."""
        self._diagnostics_thread.stop()
        self._active = False
        end_for_good(self.cameras)
        super().destroy_node()

    def _publish_diagnostics(self) -> None:
        # Runs on the diagnostics thread. Read once: a lifecycle transition on the executor
        # thread may replace them meanwhile.
        cameras, health = self.cameras, self.health
        problems = [p for p in [self._time.check()] + [
            c.sources.conflict(publisher_names(self, c.image_topic)) for c in cameras]
            if p is not None]
        report = node_report(health, cameras, time.monotonic(), active=self._active,
                             input_loss=worst_loss_ratio(cameras, time.monotonic_ns()),
                             problems=problems)
        self._diagnostics_pub.publish(diagnostic_array(
            report, f'{self.get_name()}: movinet action recognition',
            self.get_clock().now().to_msg()))


EXECUTABLE = Executable(
    'movinet_node',
    'The movinet lifecycle node (node name "movinet"): camera images on "image" in, the '
    'top-k actions as movinet_ros_interfaces/ActionRecognition on "actions" out, using a '
    'MoViNet stream TFLite model.',
    PARAMS,
    'example:\n'
    '  movinet_node --ros-args -p model_path:=model.tflite -p labels_path:=labels.txt '
    '-r image:=/camera/image_raw\n'
    'Under autostart a configuration that fails (a wrong file or value) logs one line and '
    'exits with code 2.')


def main(args: list[str] | None = None, stop_requested: list[int] | None = None) -> int:
    """
    Run the node until SIGINT or SIGTERM (exit 0); a failed autostart exits 2.

    ``stop_requested`` is the flag list of ``ros.node_entry``, whose handlers were in place
    before this module's imports (``ros.stop_flag``).
    """
    code = handle_arguments(EXECUTABLE, args)
    if code is not None:
        return code
    stop_requested = init_with_stop_flag(args, stop_requested)
    node = MovinetNode()
    if node.get_parameter('autostart').value:
        if node.trigger_configure() == TransitionCallbackReturn.SUCCESS:
            node.trigger_activate()
        elif node.get_parameter('exit_on_configure_failure').value:
            # A process that idles unconfigured looks healthy to scripts, respawn and
            # systemd; ending it with a failure code lets them see it.
            node.get_logger().error(
                f'exiting with code {USAGE_ERROR}: configure failed under autostart '
                '(exit_on_configure_failure:=false keeps the node up for a lifecycle manager)')
            node.destroy_node()
            rclpy.try_shutdown()
            return USAGE_ERROR
        else:
            node.get_logger().error(
                'autostart: staying unconfigured; fix what the error above names, then '
                'configure again through the lifecycle services (or restart the node: '
                'model_path, labels_path and head_path are read-only)')
    spin_until_stopped(node, stop_requested)
    return 0


if __name__ == '__main__':
    sys.exit(main())
