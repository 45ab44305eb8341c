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
StreamModel: state plumbing on a fake interpreter, then the real MoViNet-A0 stream model.

The fake stands in for the runtime at ``movinet_ros.core.model.make_interpreter`` and
mimics the signature runner API of ai_edge_litert (details dicts, keyword call returning a
dict of fresh arrays), so every discovery rule and error path is exercised without a model.
"""

import itertools

from helpers.clips import clip_frames
from movinet_ros.core import errors as core_errors
from movinet_ros.core import model as model_module
from movinet_ros.core import runtime
from movinet_ros.core.errors import MovinetError
from movinet_ros.core.labels import load_labels
from movinet_ros.core.model import (
    ModelError, ModelFileError, ModelSignatureError, NotAStreamModelError, StreamModel)
from movinet_ros.core.postprocess import softmax
from movinet_ros.core.preprocess import Preprocessor
import numpy as np
import pytest

MAX_CLIP_FRAMES = 1000
FRAME_STRIDE = 6


def tensor(shape, dtype=np.float32, quantization=(0.0, 0)):
    """Describe one tensor the way SignatureRunner.get_input_details() does."""
    return {'shape': np.array(shape, dtype=np.int32), 'dtype': dtype,
            'quantization': quantization}


STATES = {
    'state_b0_stream_buffer': tensor([1, 2, 4, 3, 5]),
    'state_b0_pool_buffer': tensor([1, 1, 1, 1, 5]),
    'state_b0_pool_frame_count': tensor([1], np.int32),
}
IMAGE = tensor([1, 1, 8, 6, 3])
LOGITS = tensor([1, 7])


class FakeRunner:
    """
    Signature runner whose states count up and whose logits reveal what it was fed.

    Each call returns new arrays (as the real runner does): every state + 1, and logits
    ``arange(N) + mean(image) + 10 * frame_count`` of the first int32 state.
    """

    def __init__(self, inputs, outputs):
        self.inputs, self.outputs = dict(inputs), dict(outputs)
        for index, details in enumerate(itertools.chain(self.inputs.values(),
                                                        self.outputs.values())):
            details.setdefault('index', index)
        self.calls = []
        self.returned = []

    def get_input_details(self):
        return {name: dict(details) for name, details in self.inputs.items()}

    def get_output_details(self):
        return {name: dict(details) for name, details in self.outputs.items()}

    def __call__(self, **feed):
        assert set(feed) == set(self.inputs)
        self.calls.append(dict(feed))
        image_name = next(name for name in self.inputs if name not in self.outputs)
        counts = [value for name, value in feed.items()
                  if name != image_name and value.dtype == np.int32]
        result = {name: feed[name] + np.ones((), feed[name].dtype)
                  for name in self.outputs if name in self.inputs}
        logits_name = next(name for name in self.outputs if name not in self.inputs)
        details = self.outputs[logits_name]
        logits = np.arange(details['shape'][1], dtype=np.float64) + feed[image_name].mean()
        if counts:
            logits += 10 * counts[0][0]
        result[logits_name] = logits.reshape(details['shape']).astype(details['dtype'])
        self.returned.append(result)
        return result


class FakeInterpreter:
    def __init__(self, runners):
        self.runners = runners

    def allocate_tensors(self):
        pass

    def get_signature_list(self):
        return {key: {'inputs': list(runner.inputs), 'outputs': list(runner.outputs)}
                for key, runner in self.runners.items()}

    def get_signature_runner(self, key):
        return self.runners[key]


@pytest.fixture
def tflite_file(tmp_path):
    """Write a file that passes the TFLite header check; the fake interpreter ignores it."""
    path = tmp_path / 'fake_stream.tflite'
    path.write_bytes(b'\x1c\x00\x00\x00TFL3' + bytes(64))
    return path


@pytest.fixture
def fake(monkeypatch):
    """Install a fake runtime; call it with runners by signature key to set the model."""
    created = {}

    def install(runners):
        def make_interpreter(model_path, num_threads):
            created['args'] = (model_path, num_threads)
            return FakeInterpreter(runners)
        monkeypatch.setattr(model_module, 'make_interpreter', make_interpreter)
        return created
    return install


def stream_runner(image=IMAGE, logits=LOGITS, states=None, image_name='image',
                  logits_name='logits'):
    states = STATES if states is None else states
    return FakeRunner({image_name: image, **states}, {logits_name: logits, **states})


def frame(value, details=IMAGE):
    return np.full(details['shape'], value, dtype=details['dtype'])


def test_discovers_input_states_and_classes(fake, tflite_file):
    created = fake({'serving_default': stream_runner()})
    model = StreamModel(tflite_file, num_threads=3)
    assert created['args'] == (str(tflite_file), 3)
    assert model.num_threads == 3
    assert model.path == tflite_file and model.name == 'fake_stream.tflite'
    assert model.signature_key == 'serving_default'
    assert model.input_size == (8, 6)
    assert model.input_dtype == np.float32
    assert model.input_quantization == (0.0, 0)
    assert model.num_classes == 7
    assert model.state_names == tuple(sorted(STATES))
    assert model.frames_in_state == 0


def test_first_step_feeds_zero_states_of_each_type(fake, tflite_file):
    runner = stream_runner()
    fake({'serving_default': runner})
    StreamModel(tflite_file).step(frame(0.5))
    fed = runner.calls[0]
    for name, details in STATES.items():
        assert fed[name].dtype == details['dtype']
        assert fed[name].shape == tuple(details['shape'])
        assert not fed[name].any()


def test_outputs_are_fed_back_as_the_next_inputs_without_copies(fake, tflite_file):
    runner = stream_runner()
    fake({'serving_default': runner})
    model = StreamModel(tflite_file)
    image = frame(0.25)
    for _ in range(3):
        model.step(image)
    for previous, call in zip(runner.returned, runner.calls[1:]):
        for name in STATES:
            assert call[name] is previous[name]
    assert all(call['image'] is image for call in runner.calls)
    assert runner.calls[2]['state_b0_pool_frame_count'][0] == 2


def test_step_returns_float32_logits_of_the_classes(fake, tflite_file):
    fake({'serving_default': stream_runner()})
    model = StreamModel(tflite_file)
    first = model.step(frame(0.5))
    second = model.step(frame(0.5))
    assert first.shape == (7,) and first.dtype == np.float32
    np.testing.assert_allclose(first, np.arange(7) + 0.5)
    np.testing.assert_allclose(second, np.arange(7) + 10.5)  # one frame in the state


def test_frames_in_state_counts_and_reset_restores_zeros(fake, tflite_file):
    runner = stream_runner()
    fake({'serving_default': runner})
    model = StreamModel(tflite_file)
    for count in range(1, 5):
        model.step(frame(0.0))
        assert model.frames_in_state == count
    model.reset()
    assert model.frames_in_state == 0
    logits = model.step(frame(0.0))
    np.testing.assert_allclose(logits, np.arange(7))
    assert all(not runner.calls[-1][name].any() for name in STATES)
    assert model.frames_in_state == 1


def test_reset_zeros_are_never_modified_by_stepping(fake, tflite_file):
    runner = stream_runner()
    fake({'serving_default': runner})
    model = StreamModel(tflite_file)
    model.step(frame(1.0))
    runner.calls[0]['state_b0_stream_buffer'][...] = 0  # untouched by us, still zero
    model.reset()
    model.step(frame(1.0))
    assert not runner.calls[1]['state_b0_stream_buffer'].any()


class TensorInterpreter:
    """
    An interpreter stepped on its own tensors, as StreamModel drives LiteRT's.

    Tensors live at indices; ``tensor(i)`` returns a view getter and ``invoke`` computes:
    the float buffer state in place (its output is its input tensor), the int32 frame count
    and the int8 quantised state into separate output tensors (they must be carried back),
    logits ``arange(4) + mean(image) + 10 * new frame count``.
    """

    SPECS = {  # name: (input index, output index, details)
        'image': (0, None, tensor([1, 1, 2, 2, 3])),
        'state_buffer': (1, 1, tensor([1, 2])),
        'state_frame_count': (2, 12, tensor([1], np.int32)),
        'state_quantised': (3, 13, tensor([1], np.int8, (0.5, 3))),
        'logits': (None, 10, tensor([1, 4])),
    }

    def __init__(self):
        self.arrays = {}
        for input_index, output_index, details in self.SPECS.values():
            for index in (input_index, output_index):
                if index is not None:
                    self.arrays[index] = np.zeros(details['shape'], details['dtype'])
        runner = FakeRunner({}, {})
        runner._subgraph_index = 0  # the main subgraph, as in every MoViNet export
        runner.inputs = {name: dict(details, index=spec_in)
                         for name, (spec_in, _, details) in self.SPECS.items()
                         if spec_in is not None}
        runner.outputs = {name: dict(details, index=spec_out)
                          for name, (_, spec_out, details) in self.SPECS.items()
                          if spec_out is not None}
        self.runner = runner
        self.invokes = 0

    def allocate_tensors(self):
        pass

    def get_signature_list(self):
        return {'serving_default': {}}

    def get_signature_runner(self, key):
        return self.runner

    def tensor(self, index):
        return lambda: self.arrays[index]

    def invoke(self):
        self.invokes += 1
        arrays = self.arrays
        arrays[1] += 1.0
        arrays[12][...] = arrays[2] + 1
        arrays[13][...] = arrays[3] + 1
        arrays[10][...] = np.arange(4) + arrays[0].mean() + 10 * arrays[12][0]


@pytest.fixture
def tensor_model(monkeypatch, tflite_file):
    interpreter = TensorInterpreter()
    monkeypatch.setattr(model_module, 'make_interpreter', lambda path, threads: interpreter)
    return StreamModel(tflite_file), interpreter


def _counts(model, *values):
    """Step once per value; return the frame counts the logits reveal."""
    image = TensorInterpreter.SPECS['image'][2]
    return [int(round((model.step(frame(value, image))[0] - value) / 10)) for value in values]


def test_tensor_path_carries_states_and_starts_quantised_ones_at_their_zero_point(
        tensor_model):
    model, interpreter = tensor_model
    assert model._runner is None, 'a main-subgraph signature is stepped on the tensors'
    assert _counts(model, 0.25, 0.5, 0.75) == [1, 2, 3]
    assert interpreter.arrays[1].tolist() == [[3.0, 3.0]]  # updated in place, not copied
    # Started at its zero point 3 (the int8 state's real zero), carried back from its own
    # output tensor after each of the 3 steps.
    assert interpreter.arrays[3][0] == 6
    model.reset()
    assert _counts(model, 0.5) == [1]
    assert interpreter.arrays[1].tolist() == [[1.0, 1.0]]


def test_forks_on_one_interpreter_keep_their_own_states(tensor_model):
    first, interpreter = tensor_model
    second = first.fork()
    assert _counts(first, 0.1, 0.2, 0.3) == [1, 2, 3]
    assert _counts(second, 0.4) == [1], 'a fork starts empty'
    assert _counts(first, 0.5) == [4], "the other stream's step must not leak in"
    assert _counts(second, 0.6, 0.7) == [2, 3]
    second.reset()
    assert _counts(first, 0.8) == [5]
    assert _counts(second, 0.9) == [1]
    assert interpreter.invokes == 9


@pytest.mark.parametrize('keys, chosen', [
    (('call',), 'call'), (('serving_default', 'call'), 'serving_default'),
    (('call', 'other'), 'call'), (('stream_step',), 'stream_step')])
def test_signature_key_choice(fake, tflite_file, keys, chosen):
    runners = {key: stream_runner() for key in keys}
    fake(runners)
    model = StreamModel(tflite_file)
    assert model.signature_key == chosen
    model.step(frame(0.0))
    assert len(runners[chosen].calls) == 1


def test_several_signatures_without_a_known_one(fake, tflite_file):
    fake({'encode': stream_runner(), 'decode': stream_runner()})
    with pytest.raises(ModelSignatureError, match=r"\['decode', 'encode'\]"):
        StreamModel(tflite_file)


def test_no_signature(fake, tflite_file):
    fake({})
    with pytest.raises(ModelSignatureError, match='no signature'):
        StreamModel(tflite_file)


def test_logits_and_image_found_by_shape_when_not_named(fake, tflite_file):
    fake({'serving_default': stream_runner(image_name='input_1', logits_name='Identity')})
    model = StreamModel(tflite_file)
    assert model.input_size == (8, 6) and model.num_classes == 7
    np.testing.assert_allclose(model.step(frame(0.5)), np.arange(7) + 0.5)


def test_base_model_without_states(fake, tflite_file):
    fake({'serving_default': stream_runner(states={})})
    with pytest.raises(NotAStreamModelError) as caught:
        StreamModel(tflite_file)
    message = str(caught.value)
    assert '*stream* model is needed' in message
    assert 'google/movinet' in message and 'a0-stream-kinetics-600' in message


def test_base_model_taking_many_frames(fake, tflite_file):
    fake({'serving_default': stream_runner(image=tensor([1, 8, 8, 6, 3]))})
    with pytest.raises(NotAStreamModelError, match='takes 8 frames'):
        StreamModel(tflite_file)


def test_no_image_input(fake, tflite_file):
    fake({'serving_default': stream_runner(image=tensor([1, 8, 6]), image_name='features')})
    with pytest.raises(ModelSignatureError, match="no image input.*'features'"):
        StreamModel(tflite_file)


def test_no_logits_output(fake, tflite_file):
    fake({'serving_default': stream_runner(logits=tensor([1, 2, 7]), logits_name='heatmap')})
    with pytest.raises(ModelSignatureError, match='no logits output'):
        StreamModel(tflite_file)


def test_unmatched_states_are_named(fake, tflite_file):
    runner = FakeRunner({'image': IMAGE, 'state_a': tensor([1, 3]), 'state_b': tensor([1, 3])},
                        {'logits': LOGITS, 'state_a': tensor([1, 3]),
                         'state_c': tensor([1, 3])})
    fake({'serving_default': runner})
    with pytest.raises(ModelSignatureError,
                       match=r"without an output: \['state_b'\].*without an input: \['state_c'\]"):
        StreamModel(tflite_file)


def test_state_shape_mismatch(fake, tflite_file):
    runner = FakeRunner({'image': IMAGE, 'state_a': tensor([1, 3])},
                        {'logits': LOGITS, 'state_a': tensor([1, 4])})
    fake({'serving_default': runner})
    with pytest.raises(ModelSignatureError, match="differ.*'state_a'"):
        StreamModel(tflite_file)


def test_quantised_model(fake, tflite_file):
    image = tensor([1, 1, 4, 4, 3], np.int8, (1 / 255, -128))
    states = {'state_q': tensor([1, 2], np.int8, (0.1, -5))}
    runner = stream_runner(image=image, logits=tensor([1, 3], np.int8, (0.5, 3)), states=states)
    fake({'serving_default': runner})
    model = StreamModel(tflite_file)
    assert model.input_dtype == np.int8
    assert model.input_quantization == (pytest.approx(1 / 255), -128)
    logits = model.step(frame(4, image))
    # A quantised state starts at its zero point (real value 0).
    np.testing.assert_array_equal(runner.calls[0]['state_q'], [[-5, -5]])
    raw = runner.returned[0]['logits'].reshape(-1)
    assert logits.dtype == np.float32
    np.testing.assert_allclose(logits, (raw.astype(np.float32) - 3) * 0.5)


def test_step_rejects_a_frame_of_the_wrong_shape_or_type(fake, tflite_file):
    fake({'serving_default': stream_runner()})
    model = StreamModel(tflite_file)
    with pytest.raises(ModelError, match=r'\(1, 1, 8, 6, 3\)'):
        model.step(np.zeros((1, 1, 6, 8, 3), np.float32))
    with pytest.raises(ModelError, match='float32'):
        model.step(np.zeros((1, 1, 8, 6, 3), np.float64))
    assert model.frames_in_state == 0


@pytest.mark.parametrize('threads', [0, -1, 1.5, True])
def test_bad_thread_count(fake, tflite_file, threads):
    fake({'serving_default': stream_runner()})
    with pytest.raises(ModelError, match='num_threads'):
        StreamModel(tflite_file, num_threads=threads)


def test_runtime_refusal_is_a_model_file_error(monkeypatch, tflite_file):
    def refuse(model_path, num_threads):
        raise ValueError('The model is not a valid Flatbuffer buffer')
    monkeypatch.setattr(model_module, 'make_interpreter', refuse)
    with pytest.raises(ModelFileError, match='cannot load.*not a valid Flatbuffer'):
        StreamModel(tflite_file)


def test_missing_runtime_says_what_to_install(monkeypatch, tflite_file):
    monkeypatch.setattr(runtime, '_Interpreter', None)
    with pytest.raises(runtime.RuntimeMissingError, match='pip install ai-edge-litert'):
        StreamModel(tflite_file)
    assert issubclass(runtime.RuntimeMissingError, ModelError)


def test_error_hierarchy():
    # One class each, in core.errors, whichever module a caller takes it from.
    assert model_module.ModelError is core_errors.ModelError
    assert runtime.RuntimeMissingError is core_errors.RuntimeMissingError
    assert issubclass(ModelError, MovinetError)
    for error in (ModelFileError, NotAStreamModelError, ModelSignatureError):
        assert issubclass(error, ModelError)


def test_runtime_name():
    assert runtime.RUNTIME_NAME in ('ai_edge_litert', 'tflite_runtime')


# --- Model files that are not models -------------------------------------------------------

def test_missing_file(tmp_path):
    with pytest.raises(ModelFileError, match='not found'):
        StreamModel(tmp_path / 'absent.tflite')


def test_empty_file(tmp_path):
    path = tmp_path / 'empty.tflite'
    path.write_bytes(b'')
    with pytest.raises(ModelFileError, match='empty'):
        StreamModel(path)


def test_random_bytes(tmp_path):
    path = tmp_path / 'noise.tflite'
    path.write_bytes(np.random.default_rng(1).integers(0, 256, 4096, np.uint8).tobytes())
    with pytest.raises(ModelFileError, match='not a TFLite model'):
        StreamModel(path)


def test_text_file_renamed(tmp_path):
    path = tmp_path / 'labels.tflite'
    path.write_text('abseiling\nacting in play\n')
    with pytest.raises(ModelFileError, match=r'not a TFLite model.*\.tflite flatbuffer'):
        StreamModel(path)


def test_random_bytes_behind_a_tflite_header(tmp_path):
    path = tmp_path / 'corrupt.tflite'
    noise = np.random.default_rng(2).integers(0, 256, 4096, np.uint8).tobytes()
    path.write_bytes(b'\x1c\x00\x00\x00TFL3' + noise)
    with pytest.raises(ModelFileError, match='cannot load'):
        StreamModel(path)


# --- The real MoViNet-A0 stream model ------------------------------------------------------

@pytest.fixture
def clip_inputs(clip_path, model_path):
    model = StreamModel(model_path)
    preprocess = Preprocessor(model.input_size, model.input_dtype, model.input_quantization)
    # The preprocessor reuses its buffer, so keep a copy of each prepared frame.
    return [preprocess(rgb).copy() for rgb in clip_frames(
        clip_path, stride=FRAME_STRIDE, limit=MAX_CLIP_FRAMES)]


@pytest.mark.model
def test_real_model_loads(model_path):
    model = StreamModel(model_path)
    assert model.signature_key == 'serving_default'
    assert model.input_size == (172, 172)
    assert model.input_dtype == np.float32 and model.input_quantization == (0.0, 0)
    assert model.num_classes == 600
    assert len(model.state_names) == 43
    assert sum(name.endswith('_frame_count') for name in model.state_names) > 0


@pytest.mark.model
def test_real_model_recognises_carving_ice_with_state_carried(model_path, labels_path,
                                                              clip_inputs):
    labels = load_labels(labels_path)
    carving_ice = labels.index('carving ice')
    carried = StreamModel(model_path)
    for image in clip_inputs:
        carried_logits = carried.step(image)
    assert carried.frames_in_state == len(clip_inputs) == 22
    carried_scores = softmax(carried_logits)
    assert labels[int(np.argmax(carried_scores))] == 'carving ice'
    assert carried_scores[carving_ice] >= 0.5

    single = StreamModel(model_path)
    for image in clip_inputs:
        single.reset()
        single_logits = single.step(image)
    assert single.frames_in_state == 1
    assert softmax(single_logits)[carving_ice] < carried_scores[carving_ice]


@pytest.mark.model
def test_real_model_reset_replays_exactly_and_history_matters(model_path, clip_inputs):
    model = StreamModel(model_path)
    first = model.step(clip_inputs[0])
    second = model.step(clip_inputs[1])
    model.reset()
    np.testing.assert_array_equal(model.step(clip_inputs[0]), first)
    np.testing.assert_array_equal(model.step(clip_inputs[1]), second)
    model.reset()
    assert not np.allclose(model.step(clip_inputs[1]), second, atol=1e-3)


@pytest.mark.model
def test_real_model_step_equals_driving_the_runner_by_hand(model_path, clip_inputs):
    model = StreamModel(model_path)
    interpreter = runtime.make_interpreter(str(model_path), 1)
    runner = interpreter.get_signature_runner('serving_default')
    inputs = runner.get_input_details()
    states = {name: np.zeros(details['shape'], details['dtype'])
              for name, details in inputs.items() if name != 'image'}
    for image in clip_inputs[:8]:
        outputs = runner(image=image, **states)
        states = {name: outputs[name] for name in states}
        np.testing.assert_allclose(model.step(image), outputs['logits'][0], rtol=1e-5, atol=1e-5)


@pytest.mark.model
def test_real_model_steps_on_its_tensors_not_the_runner(model_path):
    assert StreamModel(model_path)._tensors is not None


@pytest.mark.model
def test_real_model_forks_interleaved_equal_separate_models(model_path, clip_inputs):
    # Two cameras on one interpreter: stepping them in turns (and resetting one midway)
    # gives exactly what two independent models give.
    first = StreamModel(model_path)
    second = first.fork()
    alone_first, alone_second = StreamModel(model_path), StreamModel(model_path)
    reversed_inputs = clip_inputs[::-1]
    for index, (a, b) in enumerate(zip(clip_inputs, reversed_inputs)):
        if index == 10:
            second.reset()
            alone_second.reset()
        np.testing.assert_array_equal(first.step(a), alone_first.step(a))
        np.testing.assert_array_equal(second.step(b), alone_second.step(b))
    assert first.frames_in_state == len(clip_inputs)
    assert second.frames_in_state == len(clip_inputs) - 10


@pytest.mark.model
def test_real_model_clones_have_their_own_interpreter_and_equal_forks(model_path, clip_inputs):
    # The context's copies: a clone steps on an interpreter of its own (no state swap) and
    # gives exactly what a fork on the shared interpreter gives.
    first = StreamModel(model_path)
    clone, fork = first.clone(), first.fork()
    assert clone._tensors is not None and clone._tensors is not first._tensors
    assert fork._tensors is first._tensors
    assert (clone.path, clone.num_threads) == (first.path, first.num_threads)
    for a, b in zip(clip_inputs, clip_inputs[::-1]):
        first.step(a)
        np.testing.assert_array_equal(clone.step(b), fork.step(b))
    assert clone._tensors.owner is clone, 'nothing else stepped on its interpreter'
    assert clone.frames_in_state == fork.frames_in_state == len(clip_inputs)


@pytest.mark.model
def test_real_model_truncated_copy(model_path, tmp_path):
    data = model_path.read_bytes()
    for length in (64, len(data) // 2, len(data) - 1000):
        path = tmp_path / f'truncated_{length}.tflite'
        path.write_bytes(data[:length])
        with pytest.raises(ModelFileError, match='cannot load'):
            StreamModel(path)
