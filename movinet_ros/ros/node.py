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
"""

from dataclasses import dataclass, field
import re
import sys
import time
from typing import Any, Dict, List, Optional, Sequence, Tuple

from diagnostic_msgs.msg import DiagnosticArray, DiagnosticStatus, KeyValue
from movinet_ros.core.cdr import check_sizes, frame_id
from movinet_ros.core.errors import MovinetError
from movinet_ros.core.events import ActionEvent as Event, EventDetector
from movinet_ros.core.frames import FrameError
from movinet_ros.core.loss import LossEstimator
from movinet_ros.core.overlay import draw_hypotheses
from movinet_ros.core.pipeline import PipelineStats, Recognition, RecognitionPipeline
from movinet_ros.core.serialized import process_frame, read_frame
from movinet_ros.ros.clocks import SimClockWatch
from movinet_ros.ros.command_line import Executable, handle_arguments, USAGE_ERROR
from movinet_ros.ros.conversions import (
    event_to_msg, pixels_to_image_msg, recognition_to_msg, stamp_from_ns)
from movinet_ros.ros.diagnostics import (
    DiagnosticsThread, HealthMonitor, LOSS_ADVICE, LOSS_WARN_RATIO, WARN)
from movinet_ros.ros.input_qos import (
    choose_reliability, describe, input_profile, overriding_options)
from movinet_ros.ros.input_watch import InputWatch
from movinet_ros.ros.params import (
    check_labels_known, check_value, NodeSettings, PARAMS, PARAMS_BY_NAME, ParamSpec,
    settings_from_values, SettingsError)
from movinet_ros.ros.sources import publisher_names, source_from_info, SourceGuard
from movinet_ros.ros.spin import init_with_stop_flag, spin_until_stopped
from movinet_ros_interfaces.msg import ActionEvent, ActionRecognition
from rcl_interfaces.msg import (
    FloatingPointRange, IntegerRange, ParameterDescriptor, ParameterType, SetParametersResult)
import rclpy
from rclpy.clock import Clock, ClockType
from rclpy.event_handler import SubscriptionEventCallbacks
from rclpy.exceptions import ParameterException
from rclpy.lifecycle import LifecycleNode, LifecycleState, TransitionCallbackReturn
from rclpy.parameter import Parameter
from rclpy.qos import QoSProfile, ReliabilityPolicy
from rclpy.qos_overriding_options import QoSOverridingOptions
from rclpy.serialization import deserialize_message
from sensor_msgs.msg import CompressedImage, Image
from std_srvs.srv import Trigger

NODE_NAME = 'movinet'
RUNTIME_RANKING_PARAMS = ('top_k', 'score_threshold', 'label_allowlist', 'label_denylist')
# How often the image topics' publishers are looked at to match their QoS (input_qos auto).
INPUT_MATCH_PERIOD_SEC = 0.2
LOSS_CHECK_PERIOD_NS = 1_000_000_000
# After activation, how long input_qos auto waits for a camera to be discovered before it
# subscribes best effort: subscribed before its QoS is known, a reliable camera's large
# frames would come best effort, mostly lost, until the next decision.
DISCOVERY_WAIT_SEC = 2.0
OUTPUT_QOS = QoSProfile(depth=10, reliability=ReliabilityPolicy.RELIABLE)
# Events are rare and each one matters (a missed END leaves a consumer's action running).
EVENTS_QOS = QoSProfile(depth=100, reliability=ReliabilityPolicy.RELIABLE)
EVENT_PARAMS = ('event_enter_score', 'event_exit_score', 'event_min_duration_sec',
                'event_min_gap_sec', 'event_max_concurrent', 'label_allowlist', 'label_denylist')
# Each kind of rejection is logged at once, and then at most this often.
REJECTION_LOG_PERIOD_SEC = 5.0
_MAX_REJECTION_KINDS = 64


def _descriptor(spec: ParamSpec) -> ParameterDescriptor:
    # Float parameters also take integers (target_fps: 5 in YAML, -p target_fps:=5), the
    # most common type error; the values are validated and turned into floats anyway.
    descriptor = ParameterDescriptor(description=spec.description, read_only=spec.read_only,
                                     dynamic_typing=spec.float_range is not None)
    if spec.choices:
        descriptor.additional_constraints = 'one of: ' + ', '.join(spec.choices)
    if spec.int_range is not None:
        descriptor.integer_range = [IntegerRange(from_value=spec.int_range[0],
                                                 to_value=spec.int_range[1], step=0)]
    if spec.float_range is not None:
        descriptor.floating_point_range = [FloatingPointRange(
            from_value=spec.float_range[0], to_value=spec.float_range[1], step=0.0)]
    return descriptor


@dataclass
class Camera:
    """One input stream: its topic, its own pipeline (stream state) and its publishers."""

    image_topic: str
    actions_topic: str
    overlay_topic: str
    pipeline: RecognitionPipeline
    actions_pub: Any = None
    overlay_pub: Any = None
    subscription: Any = None
    reliability: Optional[ReliabilityPolicy] = None
    # Event callbacks of the no-input watch (incompatible QoS), kept for re-subscriptions.
    watch_events: Any = None
    loss: LossEstimator = field(default_factory=LossEstimator)
    loss_warned: bool = False
    loss_checked_ns: int = -(1 << 62)
    events_topic: str = 'action_events'
    events_pub: Any = None
    detector: Optional[EventDetector] = None
    frame_id: str = ''
    sources: Optional[SourceGuard] = None


def camera_topics(image_topics: Sequence[str]) -> List[Tuple[str, str]]:
    """
    Map fully resolved camera image topics to their actions topics: the sibling ``actions``.

    ``/front/image_raw`` publishes on ``/front/actions``, so several cameras into one node
    stay apart by topic while sharing one interpreter. Raises SettingsError when two cameras
    would share an actions topic (or a topic is given twice).
    """
    pairs: List[Tuple[str, str]] = []
    owners: Dict[str, str] = {}
    for topic in image_topics:
        actions = topic.rstrip('/').rsplit('/', 1)[0] + '/actions'
        if actions in owners:
            raise SettingsError(
                f'image_topics {owners[actions]} and {topic} would both publish on {actions}; '
                'give each camera its own namespace (/front/image_raw, /rear/image_raw)')
        owners[actions] = topic
        pairs.append((topic, actions))
    return pairs


def events_topic(actions_topic: str) -> str:
    """Return a camera's events topic: ``action_events`` beside its ``actions`` topic."""
    head, _, _ = actions_topic.rpartition('/')
    return f'{head}/action_events' if actions_topic.count('/') else 'action_events'


class MovinetNode(LifecycleNode):
    """Streaming action recognition on one camera topic, or several sharing one model."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(NODE_NAME, **kwargs)
        # Start-up values that rclpy refused (out of range, wrong type), by parameter: the
        # node comes up with the default and configure fails saying what to fix.
        self.rejected_overrides: Dict[str, str] = {}
        for spec in PARAMS:
            self._declare(spec)
        self.add_on_set_parameters_callback(self._on_set_parameters)
        self.settings: Optional[NodeSettings] = None
        self.cameras: List[Camera] = []
        self.health: Optional[HealthMonitor] = None
        self._active = False
        self._activated_at = 0.0
        self._warned_zero_stamp = False
        self._rejections_logged: Dict[str, float] = {}
        self._time = SimClockWatch(self)
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

    def _declare(self, spec: ParamSpec) -> None:
        descriptor = _descriptor(spec)
        default = spec.default
        if isinstance(default, list):
            descriptor.type = ParameterType.PARAMETER_STRING_ARRAY
            default = Parameter.Type.STRING_ARRAY
        try:
            self.declare_parameter(spec.name, default, descriptor)
        except ParameterException as error:
            # Our own reason reads better than rclpy's ("Invalid parameter value (0) for
            # parameter. Reason: ..."); configure reports it, so it is not logged twice.
            given = self._parameter_overrides.get(spec.name)
            reason = check_value(spec.name, given.value) if given is not None else None
            self.rejected_overrides[spec.name] = reason or f'{spec.name}: {error}'
            self.declare_parameter(spec.name, default, descriptor, ignore_override=True)

    @property
    def pipeline(self) -> Optional[RecognitionPipeline]:
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
            self.settings = settings_from_values(self._parameter_values())
            first = RecognitionPipeline.from_files(
                self.settings.model_path, self.settings.labels_path,
                self.settings.pipeline_config(), self.settings.num_threads)
        except (SettingsError, MovinetError) as error:
            self.get_logger().error(f'configure failed: {error}')
            return TransitionCallbackReturn.FAILURE
        compressed = '/compressed' if self.settings.input_transport == 'compressed' else ''
        if self.settings.image_topics:
            try:
                pairs = camera_topics([self.resolve_topic_name(image)
                                       for image in self.settings.image_topics])
            except SettingsError as error:
                self.get_logger().error(f'configure failed: {error}')
                return TransitionCallbackReturn.FAILURE
            topics = [(image + compressed, actions, actions + '/overlay')
                      for image, actions in pairs]
        else:
            topics = [(self.resolve_topic_name('image') + compressed, 'actions', '~/overlay')]
        self.cameras = [
            Camera(image, actions, overlay, first if index == 0 else RecognitionPipeline(
                first.model.fork(), first.labels, first.config),
                events_topic=events_topic(actions),
                detector=EventDetector(first.labels, self.settings.event_config()),
                sources=SourceGuard(self.settings.reset_gap_sec, time.monotonic))
            for index, (image, actions, overlay) in enumerate(topics)]
        for camera in self.cameras:
            camera.events_pub = self.create_lifecycle_publisher(
                ActionEvent, camera.events_topic, EVENTS_QOS,
                qos_overriding_options=QoSOverridingOptions.with_default_policies())
            camera.actions_pub = self.create_lifecycle_publisher(
                ActionRecognition, camera.actions_topic, OUTPUT_QOS,
                qos_overriding_options=QoSOverridingOptions.with_default_policies())
            camera.overlay_pub = self.create_lifecycle_publisher(
                Image, camera.overlay_topic, OUTPUT_QOS,
                qos_overriding_options=QoSOverridingOptions.with_default_policies())
        model = first.model
        self.health = HealthMonitor(self.settings.target_fps * len(self.cameras), model.name)
        self.get_logger().info(
            f'configured: model {model.name} (signature {model.signature_key!r}, input '
            f'{model.input_size[1]}x{model.input_size[0]} {model.input_dtype}, '
            f'{len(model.state_names)} states, {model.num_classes} classes), '
            f'{self.settings.target_fps:g} fps, {self.settings.input_transport} transport, '
            f'{len(self.cameras)} camera(s)')
        return TransitionCallbackReturn.SUCCESS

    def on_activate(self, state: LifecycleState) -> TransitionCallbackReturn:
        self._activated_at = time.monotonic()
        for camera in self.cameras:
            # Watched for silence from activation on, subscribed or not yet.
            camera.watch_events = self._input_watch.watch(
                camera.image_topic, lambda camera=camera: camera.pipeline.stats.received,
                self.settings.no_input_warn_sec)
            if self.settings.input_qos != 'auto' or self._reliability_overridden(camera) \
                    or self.get_publishers_info_by_topic(camera.image_topic):
                self._subscribe(camera)
            # else: _match_inputs subscribes once discovery shows the camera's QoS.
            self.get_logger().info(
                f'active: {camera.image_topic} -> {camera.actions_pub.topic_name}')
        self._active = True
        return super().on_activate(state)

    def _reliability_overridden(self, camera: Camera) -> bool:
        # Start-up qos_overrides for this subscription's reliability win over input_qos.
        name = f'qos_overrides.{camera.image_topic}.subscription.reliability'
        return name in self._parameter_overrides

    def _subscribe(self, camera: Camera, publishers: Optional[list] = None) -> None:
        """(Re)create the camera's subscription with the QoS its publishers call for."""
        if publishers is None:
            publishers = self.get_publishers_info_by_topic(camera.image_topic)
        overridden = self._reliability_overridden(camera)
        reliability, reason = choose_reliability(
            self.settings.input_qos, [info.qos_profile.reliability for info in publishers])
        if overridden:
            reason = 'qos_overrides'
        if camera.subscription is not None:
            self.destroy_subscription(camera.subscription)
        msg_type = CompressedImage if self.settings.input_transport == 'compressed' else Image
        camera.subscription = self.create_subscription(
            msg_type, camera.image_topic,
            lambda data, info, camera=camera: self._on_image(camera, data, msg_type, info),
            input_profile(reliability), raw=True,
            qos_overriding_options=overriding_options(overridden),
            event_callbacks=SubscriptionEventCallbacks(
                incompatible_qos=camera.watch_events.incompatible_qos,
                message_lost=lambda info, camera=camera: self._on_lost(camera, info)))
        camera.reliability = reliability
        actual = camera.subscription.qos_profile.reliability if overridden else reliability
        self.get_logger().info(
            f'{camera.image_topic}: subscribing {describe(actual)}, depth 1 ({reason})')

    def _match_inputs(self) -> None:
        if not self._active or self.settings is None or self.settings.input_qos != 'auto':
            return
        for camera in self.cameras:
            if self._reliability_overridden(camera):
                continue
            publishers = self.get_publishers_info_by_topic(camera.image_topic)
            if camera.subscription is None:
                # Just activated: a running camera shows up within discovery; one that does
                # not gets a best-effort subscription, which matches whatever comes later.
                if publishers or time.monotonic() - self._activated_at > DISCOVERY_WAIT_SEC:
                    self._subscribe(camera, publishers)
                continue
            if not publishers:
                # A camera that went away: keep matching it as it was until another comes.
                continue
            wanted, _ = choose_reliability(
                'auto', [info.qos_profile.reliability for info in publishers])
            if wanted != camera.reliability:
                self._subscribe(camera, publishers)

    def on_deactivate(self, state: LifecycleState) -> TransitionCallbackReturn:
        self._stop_input()
        for camera in self.cameras:
            camera.pipeline.reset()
            camera.sources.reset()
            self._publish_events(camera, camera.detector.reset('node deactivated'))
        return super().on_deactivate(state)

    def on_cleanup(self, state: LifecycleState) -> TransitionCallbackReturn:
        self._release()
        return TransitionCallbackReturn.SUCCESS

    def on_shutdown(self, state: LifecycleState) -> TransitionCallbackReturn:
        self._stop_input()
        self._release()
        return TransitionCallbackReturn.SUCCESS

    def _stop_input(self) -> None:
        self._active = False
        self._input_watch.clear()
        for camera in self.cameras:
            if camera.subscription is not None:
                self.destroy_subscription(camera.subscription)
                camera.subscription = None

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
        pipeline = camera.pipeline
        # Zero stamps take the time of receipt: ROS time, or the steady clock while sim time
        # has no /clock (never a stuck stamp).
        frame = read_frame(data, msg_type, deserialize_message,
                           receive_ns=self._time.stand_in_stamp_ns)
        if frame.stamp_ns is not None:
            try:
                # Sizes checked up front: a broken frame is rejected, not taken for another
                # source, and rclpy never prints its overrun to raw stderr.
                check_sizes(data, msg_type.__name__)
                source = source_from_info(info, frame_id(data, msg_type.__name__))
            except FrameError as error:
                pipeline.reject_unread()
                self._warn_rejected(f'{camera.image_topic}: {error}')
                return
            if not camera.sources.accept(source, pipeline, camera.image_topic, self.get_logger(),
                                         publisher_names(self, camera.image_topic)):
                return
            if not frame.zero_stamp:
                self._track_loss(camera, frame.stamp_ns)
            elif not self._warned_zero_stamp:
                self._warned_zero_stamp = True
                self.get_logger().warning(
                    'input images have a zero header.stamp; using the time of receipt '
                    'instead (fix the camera driver to stamp its frames)')
        try:
            result = process_frame(pipeline, frame, received_ns=time.monotonic_ns())
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
        now = time.monotonic_ns()
        camera.loss.add_lost(info.total_count_change, now)
        self._warn_loss(camera, now)

    def _track_loss(self, camera: Camera, stamp_ns: int) -> None:
        now = time.monotonic_ns()
        camera.loss.add(stamp_ns, now)
        self._warn_loss(camera, now)

    def _warn_loss(self, camera: Camera, now_ns: int) -> None:
        # Logged once per camera; /diagnostics carries the ratio all along. Looked at once a
        # second at most: a dropped frame's callback must stay a small share of a processed
        # one's (drop_cost_ratio).
        if camera.loss_warned or now_ns - camera.loss_checked_ns < LOSS_CHECK_PERIOD_NS:
            return
        camera.loss_checked_ns = now_ns
        ratio = camera.loss.loss_ratio(now_ns)
        if ratio is not None and ratio > LOSS_WARN_RATIO:
            camera.loss_warned = True
            self.get_logger().warning(
                f"{camera.image_topic}: {ratio:.0%} of the camera's frames never arrive "
                f'(subscribed {describe(camera.reliability)}); {LOSS_ADVICE}')

    def input_loss_ratio(self) -> Optional[float]:
        """Return the worst camera's share of frames lost in transport, None if unknown."""
        now = time.monotonic_ns()
        ratios = [r for camera in self.cameras
                  if (r := camera.loss.loss_ratio(now)) is not None]
        return max(ratios) if ratios else None

    def _publish(self, camera: Camera, result: Recognition) -> None:
        if result.reset_reason is not None:
            self.get_logger().info(
                f'{camera.image_topic}: stream state reset: {result.reset_reason.value}')
        self.health.add_inference(result.inference_ms)
        camera.actions_pub.publish(recognition_to_msg(result, camera.pipeline.model.name))
        camera.frame_id = result.frame_id
        self._publish_events(camera, camera.detector.update(result))
        if (self.settings.publish_overlay and result.pixels is not None
                and camera.overlay_pub.get_subscription_count() > 0):
            overlay = draw_hypotheses(result.rgb(), result.hypotheses)
            camera.overlay_pub.publish(pixels_to_image_msg(
                overlay, 'rgb8', stamp_from_ns(result.stamp_ns), result.frame_id))

    def _publish_events(self, camera: Camera, events: List[Event]) -> None:
        for event in events:
            camera.events_pub.publish(event_to_msg(event, camera.frame_id))

    def _warn_rejected(self, reason: str) -> None:
        # A kind of reason is its text without the numbers: a camera that sends the same
        # broken frame at 30 fps is logged every 5 s, but a second problem is never hidden
        # behind the first.
        kind = re.sub(r'\d+', '#', reason)
        now = time.monotonic()
        last = self._rejections_logged.get(kind)
        if last is not None and now - last < REJECTION_LOG_PERIOD_SEC:
            return
        if last is None and len(self._rejections_logged) >= _MAX_REJECTION_KINDS:
            self._rejections_logged.clear()
        self._rejections_logged[kind] = now
        self.get_logger().warning(f'rejected frame: {reason}')

    # Services, parameters, diagnostics --------------------------------------------------
    def _on_reset(self, request: Trigger.Request, response: Trigger.Response) -> Trigger.Response:
        if not self.cameras:
            response.success = False
            response.message = 'not configured: no model loaded'
            return response
        for camera in self.cameras:
            camera.pipeline.reset()
            self._publish_events(camera, camera.detector.reset('requested via ~/reset'))
        self.get_logger().info('stream state reset: requested via ~/reset')
        response.success = True
        response.message = f'stream state reset ({len(self.cameras)} camera(s))'
        return response

    def _parameter_values(self) -> dict:
        values = {}
        for spec in PARAMS:
            value = self.get_parameter_or(spec.name, None).value
            if isinstance(spec.default, list):
                value = list(value or [])
            values[spec.name] = value
        return values

    def _on_set_parameters(self, parameters: List[Parameter]) -> SetParametersResult:
        changed = {}
        for parameter in parameters:
            if parameter.name not in PARAMS_BY_NAME:
                continue
            value = parameter.value
            if isinstance(PARAMS_BY_NAME[parameter.name].default, list):
                value = list(value or [])
            reason = check_value(parameter.name, value)
            if reason is not None:
                return SetParametersResult(successful=False, reason=reason)
            changed[parameter.name] = value
        for name in changed:
            self.rejected_overrides.pop(name, None)
        ranking_changes = {k: v for k, v in changed.items() if k in RUNTIME_RANKING_PARAMS}
        event_changes = {k: v for k, v in changed.items() if k in EVENT_PARAMS}
        if self.settings is None and ranking_changes:
            reason = check_labels_known(self._parameter_values(), ranking_changes)
            if reason is not None:
                return SetParametersResult(successful=False, reason=reason)
        if self.settings is not None and (ranking_changes or event_changes
                                          or 'publish_overlay' in changed):
            values = {**vars(self.settings), **changed}
            try:
                settings = settings_from_values(values)
                event_config = settings.event_config()
                if ranking_changes:
                    for camera in self.cameras:
                        camera.pipeline.set_ranking(settings.ranking())
            except (SettingsError, MovinetError) as error:
                return SetParametersResult(successful=False, reason=str(error))
            if event_changes:
                for camera in self.cameras:
                    forced = camera.detector.set_config(event_config)
                    if self._active:
                        self._publish_events(camera, forced)
            self.settings = settings
        return SetParametersResult(successful=True)

    def total_stats(self) -> PipelineStats:
        """Counters of all cameras added up."""
        total = PipelineStats()
        for camera in self.cameras:
            for key, value in vars(camera.pipeline.stats).items():
                setattr(total, key, getattr(total, key) + value)
        return total

    def destroy_node(self) -> None:
        """Stop the diagnostics thread, then destroy the node."""
        self._diagnostics_thread.stop()
        super().destroy_node()

    def _publish_diagnostics(self) -> None:
        # Runs on the diagnostics thread. Read once: a lifecycle transition on the executor
        # thread may replace them meanwhile.
        cameras, health = self.cameras, self.health
        problems = [p for p in [self._time.check()] + [
            c.sources.conflict(publisher_names(self, c.image_topic)) for c in cameras]
            if p is not None]
        if not cameras or health is None:
            level, message, values = WARN, 'unconfigured: no model loaded', {}
            message = '; '.join([message, *problems])
        else:
            report = health.report(self.total_stats(), time.monotonic(), self._active,
                                   self.input_loss_ratio(), problems)
            level, message, values = report.level, report.message, dict(report.values)
            values['events_started'] = str(sum(c.detector.counts.started for c in cameras))
            values['events_ongoing'] = str(sum(c.detector.ongoing_count for c in cameras))
        status = DiagnosticStatus(
            level=bytes([level]), name=f'{self.get_name()}: movinet action recognition',
            message=message, hardware_id=values.get('model', ''),
            values=[KeyValue(key=k, value=v) for k, v in values.items()])
        array = DiagnosticArray(status=[status])
        array.header.stamp = self.get_clock().now().to_msg()
        self._diagnostics_pub.publish(array)


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


def main(args: Optional[List[str]] = None,
         stop_requested: Optional[List[int]] = None) -> int:
    """
    Run the node until SIGINT or SIGTERM (exit 0); a failed autostart exits 2.

    ``stop_requested`` is the flag list of ``ros.node_entry``, whose handlers were in place
    before this module's imports.
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
                'model_path and labels_path are read-only)')
    spin_until_stopped(node, stop_requested)
    return 0


if __name__ == '__main__':
    sys.exit(main())
