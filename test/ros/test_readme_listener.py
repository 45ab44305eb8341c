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

"""The docs' listener snippet (docs/node.md), run as a user runs it: it logs and ends on Ctrl-C."""

import signal
import subprocess
import sys

from helpers.constants import NODE_DOC
from helpers.signals import with_sigint
from movinet_ros_interfaces.msg import ActionHypothesis, ActionRecognition
import pytest
from rclpy.qos import QoSProfile, ReliabilityPolicy

pytestmark = pytest.mark.ros


def listener_snippet() -> str:
    text = NODE_DOC.read_text().split('## Subscribing from your own node', 1)[1]
    return text.split('```python\n', 1)[1].split('```', 1)[0]


def test_listener_logs_confident_results_and_ends_cleanly_on_ctrl_c(graph, tmp_path):
    script = tmp_path / 'action_listener.py'
    script.write_text(listener_snippet())
    log = (tmp_path / 'output').open('w+')
    # Started as from a terminal, where Ctrl-C reaches a Python program as KeyboardInterrupt.
    listener = subprocess.Popen(with_sigint([sys.executable, str(script)]),
                                env=dict(graph.env, PYTHONFAULTHANDLER='1'), stdout=log,
                                stderr=subprocess.STDOUT, text=True)
    try:
        publisher = graph.node.create_publisher(
            ActionRecognition, '/actions', QoSProfile(depth=10,
                                                      reliability=ReliabilityPolicy.RELIABLE))
        assert graph.spin_until(lambda: publisher.get_subscription_count() > 0, 30), \
            'the listener never subscribed to /actions'
        msg = ActionRecognition(results=[ActionHypothesis(class_id=84, label='carving ice',
                                                          score=0.9)])
        msg.header.stamp.sec = 1234

        def logged() -> bool:
            log.seek(0)
            return 'carving ice (0.90) at 1234' in log.read()
        for _ in range(50):
            publisher.publish(msg)
            if graph.spin_until(logged, 0.2):
                break
        assert logged(), 'the listener did not log the result'
        listener.send_signal(signal.SIGINT)
        try:
            listener.wait(timeout=20)
        except subprocess.TimeoutExpired:
            pytest.fail(f'the listener did not end on SIGINT: {_stuck(listener, log)}')
        log.seek(0)
        assert listener.returncode == 0, log.read()
    finally:
        if listener.poll() is None:
            listener.kill()
            listener.wait(timeout=10)
    log.seek(0)
    output = log.read()
    log.close()
    assert 'Traceback' not in output and 'KeyboardInterrupt' not in output, output


def _stuck(process: subprocess.Popen, log) -> str:
    """Say what a process that did not end is doing: its signal masks and Python stacks."""
    with open(f'/proc/{process.pid}/status', encoding='utf-8') as status:
        masks = [line.strip() for line in status if line.startswith(('State', 'Sig', 'Threads'))]
    process.send_signal(signal.SIGABRT)  # PYTHONFAULTHANDLER: every thread's stack
    process.wait(timeout=10)
    log.seek(0)
    return '; '.join(masks) + '\n' + log.read()
