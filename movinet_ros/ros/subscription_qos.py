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
The input subscription's QoS, matched to the camera's publishers as rosbag2's recorder does.

A best-effort subscription matches every publisher, but from a reliable camera driver
(v4l2_camera, usb_cam, most C++ drivers) it gets best-effort delivery, and raw images
larger than Fast DDS's shared-memory segment are then mostly lost. ``auto`` subscribes
reliable when every publisher on the topic offers reliable, else best effort; the node
re-decides when publishers come, go or change. Always volatile and keep-last
``INPUT_DEPTH`` (2): the newest frames, never a queue of stale ones, and one frame of slack
so that a node held up for a camera period (a busy machine, a reliable sample repaired
late) still takes the frame its throttle's slot wants (docs/cameras_and_dds.md has the figures).
"""

from __future__ import annotations

from collections.abc import Iterable

from movinet_ros.ros.settings import INPUT_QOS_MODES
from rclpy.qos import (
    DurabilityPolicy, HistoryPolicy, QoSPolicyKind, QoSProfile, ReliabilityPolicy)
from rclpy.qos_overriding_options import QoSOverridingOptions

__all__ = ['choose_reliability', 'describe', 'input_profile', 'INPUT_DEPTH',
           'INPUT_QOS_MODES', 'overriding_options']
INPUT_DEPTH = 2
_NAMES = {ReliabilityPolicy.RELIABLE: 'reliable', ReliabilityPolicy.BEST_EFFORT: 'best effort'}


def input_profile(reliability: ReliabilityPolicy) -> QoSProfile:
    """Return the input QoS: keep-last ``INPUT_DEPTH``, volatile, with ``reliability``."""
    return QoSProfile(depth=INPUT_DEPTH, history=HistoryPolicy.KEEP_LAST,
                      durability=DurabilityPolicy.VOLATILE, reliability=reliability)


def choose_reliability(mode: str,
                       offered: Iterable[ReliabilityPolicy]) -> tuple[ReliabilityPolicy, str]:
    """
    Return the reliability to subscribe with and why, from the publishers' offered QoS.

    ``offered`` holds one policy per publisher on the topic. With no publisher yet, ``auto``
    subscribes best effort (it matches whatever comes) and decides again when one appears.
    """
    if mode == 'reliable':
        return ReliabilityPolicy.RELIABLE, 'input_qos reliable'
    if mode == 'sensor_data':
        return ReliabilityPolicy.BEST_EFFORT, 'input_qos sensor_data'
    offered = list(offered)
    if not offered:
        return ReliabilityPolicy.BEST_EFFORT, 'no publisher yet'
    reliable = sum(policy == ReliabilityPolicy.RELIABLE for policy in offered)
    if reliable == len(offered):
        return ReliabilityPolicy.RELIABLE, f'{reliable} reliable publisher(s)'
    return (ReliabilityPolicy.BEST_EFFORT,
            f'{len(offered) - reliable} of {len(offered)} publisher(s) best effort')


def describe(reliability: ReliabilityPolicy) -> str:
    """Return 'reliable' or 'best effort'."""
    return _NAMES.get(reliability, str(reliability))


def overriding_options(reliability_overridden: bool) -> QoSOverridingOptions:
    """
    Return which input QoS policies ``qos_overrides`` parameters may set.

    Reliability is declared as an overridable parameter only when the user overrides it:
    a declared parameter keeps its first value, which would pin every later automatic
    decision to the first one.
    """
    if reliability_overridden:
        return QoSOverridingOptions.with_default_policies()
    return QoSOverridingOptions(policy_kinds=(QoSPolicyKind.HISTORY, QoSPolicyKind.DEPTH))
