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
The node's parameters in rclpy terms: declared from the ParamSpecs, read, and validated.

What the parameters are, their defaults and their checks live in ``ros.settings`` (pure);
this module turns them into rclpy declarations and SetParametersResult reasons.
"""

from typing import Any

from movinet_ros.ros.settings import check_value, PARAMS, PARAMS_BY_NAME, ParamSpec
from rcl_interfaces.msg import (
    FloatingPointRange, IntegerRange, ParameterDescriptor, ParameterType)
from rclpy.exceptions import ParameterException
from rclpy.parameter import Parameter

# Parameters that take effect at once on a configured node, by what they change.
RUNTIME_RANKING_PARAMS = ('top_k', 'score_threshold', 'label_allowlist', 'label_denylist')
EVENT_PARAMS = ('event_enter_score', 'event_exit_score', 'event_min_duration_sec',
                'event_min_gap_sec', 'event_max_concurrent', 'event_input_timeout_sec',
                'label_allowlist', 'label_denylist')


def descriptor(spec: ParamSpec) -> ParameterDescriptor:
    """Return the rclpy descriptor of one parameter: description, range, choices."""
    # Float parameters also take integers (target_fps: 5 in YAML, -p target_fps:=5), the
    # most common type error; the values are validated and turned into floats anyway.
    result = ParameterDescriptor(description=spec.description, read_only=spec.read_only,
                                 dynamic_typing=spec.float_range is not None)
    if spec.choices:
        result.additional_constraints = 'one of: ' + ', '.join(spec.choices)
    if spec.int_range is not None:
        result.integer_range = [IntegerRange(from_value=spec.int_range[0],
                                             to_value=spec.int_range[1], step=0)]
    if spec.float_range is not None:
        result.floating_point_range = [FloatingPointRange(
            from_value=spec.float_range[0], to_value=spec.float_range[1], step=0.0)]
    return result


def declare_all(node: Any) -> dict[str, str]:
    """
    Declare every parameter on node; return the start-up values rclpy refused.

    A refused value (out of range, wrong type) is replaced by the default, and its reason
    kept by parameter name: configure fails saying what to fix.
    """
    refused: dict[str, str] = {}
    for spec in PARAMS:
        spec_descriptor = descriptor(spec)
        default = spec.default
        if isinstance(default, list):
            spec_descriptor.type = ParameterType.PARAMETER_STRING_ARRAY
            default = Parameter.Type.STRING_ARRAY
        try:
            node.declare_parameter(spec.name, default, spec_descriptor)
        except ParameterException as error:
            # Our own reason reads better than rclpy's ("Invalid parameter value (0) for
            # parameter. Reason: ..."); configure reports it, so it is not logged twice.
            given = node._parameter_overrides.get(spec.name)
            reason = check_value(spec.name, given.value) if given is not None else None
            refused[spec.name] = reason or f'{spec.name}: {error}'
            node.declare_parameter(spec.name, default, spec_descriptor, ignore_override=True)
    return refused


def _plain(name: str, value: Any) -> Any:
    # An empty string array comes back from rclpy as None or a tuple-like: always a list.
    return list(value or []) if isinstance(PARAMS_BY_NAME[name].default, list) else value


def parameter_values(node: Any) -> dict[str, Any]:
    """Return the current value of every parameter of node, by name."""
    return {spec.name: _plain(spec.name, node.get_parameter_or(spec.name, None).value)
            for spec in PARAMS}


def checked_changes(parameters: list[Parameter]) -> tuple[dict[str, Any], str | None]:
    """Return the changes to our parameters by name, and the first value's reason to refuse."""
    changed: dict[str, Any] = {}
    for parameter in parameters:
        if parameter.name not in PARAMS_BY_NAME:
            continue
        value = _plain(parameter.name, parameter.value)
        reason = check_value(parameter.name, value)
        if reason is not None:
            return {}, reason
        changed[parameter.name] = value
    return changed, None
