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
Broken model and label files: a clear error saying what is wrong and what to do, never a crash.

Every case is checked three ways: the pipeline (what the node and the CLIs load) raises a
MovinetError naming the file, the problem and the remedy; ``movinet-ros classify`` exits
non-zero with that one line and no traceback; and (one representative case) the node's
configure fails with the message in its log while the node stays up, unconfigured.

A base (whole-clip) MoViNet cannot be downloaded here, and building one needs TensorFlow, so
the tests write minimal TFLite flatbuffers of their own with the schema LiteRT ships: a
5-D "image" input and no states, as the base exports have. The real runtime loads them.
"""

import pathlib
import re
import signal
import subprocess
import sys

from diagnostic_msgs.msg import DiagnosticArray
from helpers.nodes import RosGraph
from lifecycle_msgs.srv import GetState
from movinet_ros.cli import main
from movinet_ros.core.errors import MovinetError
from movinet_ros.core.labels import LabelError
from movinet_ros.core.model import ModelFileError, NotAStreamModelError
from movinet_ros.core.pipeline import RecognitionPipeline
import pytest
from rclpy.qos import QoSProfile, ReliabilityPolicy
from std_srvs.srv import Trigger

# A remedy: the message tells the user what to use, set, fetch or change.
ADVICE = re.compile(r'\b(use|set|download|get|fetch|re-?export|must|expected|save|needed)\b')


def write_base_model(path: pathlib.Path, frames: int) -> pathlib.Path:
    """
    Write a TFLite model shaped like a MoViNet base export: one 5-D image input, no states.

    ``frames`` 0 gives the dynamic [1, -1, -1, -1, 3] signature of the Kaggle base models,
    otherwise a fixed clip of that many 172x172 frames.
    """
    schema = pytest.importorskip('ai_edge_litert.schema_py_generated')
    flatbuffers = pytest.importorskip('flatbuffers')
    image = schema.TensorT()
    image.name = b'image'
    image.type = schema.TensorType.FLOAT32
    image.buffer = 0
    if frames:
        image.shape = [1, frames, 172, 172, 3]
    else:
        image.shape, image.shapeSignature = [1, 1, 1, 1, 3], [1, -1, -1, -1, 3]
    graph = schema.SubGraphT()
    graph.name, graph.tensors, graph.inputs, graph.outputs = b'main', [image], [0], [0]
    graph.operators = []
    signature = schema.SignatureDefT()
    signature.signatureKey, signature.subgraphIndex = b'serving_default', 0
    signature.inputs, signature.outputs = schema.TensorMapT(), schema.TensorMapT()
    signature.inputs.name, signature.inputs.tensorIndex = b'image', 0
    signature.outputs.name, signature.outputs.tensorIndex = b'logits', 0
    signature.inputs, signature.outputs = [signature.inputs], [signature.outputs]
    model = schema.ModelT()
    model.version, model.buffers, model.subgraphs = 3, [schema.BufferT()], [graph]
    model.operatorCodes, model.signatureDefs = [], [signature]
    builder = flatbuffers.Builder(1024)
    builder.Finish(model.Pack(builder), file_identifier=b'TFL3')
    path.write_bytes(builder.Output())
    return path


def broken_model(kind: str, directory: pathlib.Path, real_model: pathlib.Path) -> pathlib.Path:
    path = directory / f'{kind.replace(" ", "_")}.tflite'
    if kind == 'missing':
        return path
    if kind == 'empty':
        path.write_bytes(b'')
    elif kind == 'truncated':
        data = real_model.read_bytes()
        path.write_bytes(data[:len(data) // 2])
    elif kind == 'text':
        path.write_text('MoViNet model: see https://www.kaggle.com/models/google/movinet\n')
    elif kind == 'png':
        path.write_bytes(b'\x89PNG\r\n\x1a\n' + bytes(64))
    elif kind == 'base clip':
        write_base_model(path, frames=8)
    elif kind == 'base dynamic':
        write_base_model(path, frames=0)
    return path


def broken_labels(kind: str, directory: pathlib.Path, real_labels: pathlib.Path) -> pathlib.Path:
    path = directory / f'{kind.replace(" ", "_")}.txt'
    lines = real_labels.read_text(encoding='utf-8').splitlines()
    if kind == 'missing':
        return path
    if kind == 'empty':
        path.write_bytes(b'')
    elif kind == 'only blank lines':
        path.write_text('\n \n\t\n')
    elif kind == 'blank line':
        path.write_text('\n'.join(lines[:3] + [''] + lines[3:]) + '\n')
    elif kind == 'not utf-8':
        path.write_bytes('\n'.join(lines[:5]).encode() + b'\ncaf\xe9\n'
                         + '\n'.join(lines[6:]).encode())
    elif kind == 'one short':
        path.write_text('\n'.join(lines[:-1]) + '\n')
    elif kind == 'kinetics-400 count':
        path.write_text('\n'.join(lines[:400]) + '\n')
    return path


# (file, kind, error class, words the message must contain besides the file name)
CASES = [
    ('model', 'missing', ModelFileError, ['not found']),
    ('model', 'empty', ModelFileError, ['empty']),
    ('model', 'truncated', ModelFileError, ['truncated or corrupt']),
    ('model', 'text', ModelFileError, ['not a TFLite model']),
    ('model', 'png', ModelFileError, ['not a TFLite model']),
    ('model', 'base clip', NotAStreamModelError, ['8 frames', 'base model', 'stream']),
    ('model', 'base dynamic', NotAStreamModelError, ['no state inputs', 'base model', 'stream']),
    ('labels', 'missing', LabelError, ['not found']),
    ('labels', 'empty', LabelError, ['empty']),
    ('labels', 'only blank lines', LabelError, ['empty']),
    ('labels', 'blank line', LabelError, ['line 4 is blank']),
    ('labels', 'not utf-8', LabelError, ['line 6', 'UTF-8']),
    ('labels', 'one short', LabelError, ['599 labels', '600 classes', 'Kinetics-600']),
    ('labels', 'kinetics-400 count', LabelError, ['400 labels', '600 classes', 'Kinetics-600']),
]
# Naming the file and the problem holds for every case already; only the remedy is missing.
CASES_WITHOUT_ADVICE_MARK = [case.values if hasattr(case, 'values') else case
                             for case in CASES]


def make_files(which, kind, tmp_path, model_path, labels_path):
    if which == 'model':
        return broken_model(kind, tmp_path, model_path), labels_path
    return model_path, broken_labels(kind, tmp_path, labels_path)


def load_error(model, labels) -> MovinetError:
    with pytest.raises(MovinetError) as caught:
        RecognitionPipeline.from_files(model, labels)
    return caught.value


@pytest.mark.parametrize('which, kind, error_type, words', CASES_WITHOUT_ADVICE_MARK)
def test_load_error_names_the_file_and_the_problem(
        tmp_path, model_path, labels_path, which, kind, error_type, words):
    model, labels = make_files(which, kind, tmp_path, model_path, labels_path)
    error = load_error(model, labels)
    assert type(error) is error_type, repr(error)
    message = str(error)
    broken = model if which == 'model' else labels
    assert broken.name in message, message
    for word in words:
        assert word in message, message
    assert '\n' not in message


@pytest.mark.parametrize('which, kind, error_type, words', CASES)
def test_load_error_says_what_to_do(
        tmp_path, model_path, labels_path, which, kind, error_type, words):
    model, labels = make_files(which, kind, tmp_path, model_path, labels_path)
    message = str(load_error(model, labels))
    assert ADVICE.search(message), f'no remedy in: {message}'


def classify_argv(clip, model, labels):
    return ['classify', str(clip), '--model', str(model), '--labels', str(labels)]


def assert_one_error_line(stderr: str, expected: str) -> None:
    assert 'Traceback' not in stderr
    # The TFLite runtime itself may print an INFO line when it builds an interpreter.
    lines = [line for line in stderr.splitlines() if not line.startswith('INFO: ')]
    assert lines == [f'movinet-ros classify: error: {expected}'], stderr


@pytest.mark.parametrize('which, kind, error_type, words', CASES_WITHOUT_ADVICE_MARK)
def test_classify_cli_exits_non_zero_with_one_line(
        tmp_path, model_path, labels_path, clip_path, capfd, which, kind, error_type, words):
    model, labels = make_files(which, kind, tmp_path, model_path, labels_path)
    expected = str(load_error(model, labels))
    capfd.readouterr()
    assert main(classify_argv(clip_path, model, labels)) == 2
    out, err = capfd.readouterr()
    assert out == ''
    assert_one_error_line(err, expected)


@pytest.mark.parametrize('which, kind', [('model', 'truncated'), ('model', 'base dynamic'),
                                         ('labels', 'not utf-8')])
def test_classify_cli_process_exits_non_zero_with_one_line(
        tmp_path, model_path, labels_path, clip_path, which, kind):
    model, labels = make_files(which, kind, tmp_path, model_path, labels_path)
    expected = str(load_error(model, labels))
    command = [sys.executable, '-m', 'movinet_ros.cli', *classify_argv(clip_path, model, labels)]
    done = subprocess.run(command, capture_output=True, text=True, timeout=60)
    assert done.returncode == 2, done
    assert done.stdout == ''
    assert_one_error_line(done.stderr, expected)


@pytest.mark.ros
def test_node_configure_fails_with_the_message_and_stays_unconfigured(
        ros_env, tmp_path, model_path, labels_path):
    labels = broken_labels('one short', tmp_path, labels_path)
    graph = RosGraph(ros_env)
    try:
        statuses = []
        graph.node.create_subscription(
            DiagnosticArray, '/diagnostics',
            lambda array: statuses.extend(s for s in array.status if 'movinet' in s.name),
            QoSProfile(depth=20, reliability=ReliabilityPolicy.RELIABLE))
        node = graph.start('movinet_node', '-p', f'model_path:={model_path}',
                           '-p', f'labels_path:={labels}',
                           '-p', 'exit_on_configure_failure:=false')
        state = graph.call(graph.node.create_client(GetState, '/movinet/get_state'),
                           GetState.Request(), timeout=30, resend_sec=5.0)
        assert state.current_state.label == 'unconfigured'
        reset = graph.call(graph.node.create_client(Trigger, '/movinet/reset'),
                           Trigger.Request())
        assert not reset.success and 'not configured' in reset.message
        assert graph.spin_until(lambda: statuses, 5), 'no /diagnostics from the node'
        assert 'unconfigured' in statuses[-1].message
        assert node.poll() is None, graph.output(node)
        output = graph.output(node)
        configure_lines = [line for line in output.splitlines() if 'configure failed' in line]
        assert len(configure_lines) == 1, output
        assert '599 labels but the model has 600 classes' in configure_lines[0]
        assert str(labels) in configure_lines[0]
        assert graph.stop(node, signal.SIGTERM) == 0
        assert 'Traceback' not in graph.output(node), graph.output(node)
    finally:
        graph.close()
