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
Run any MoViNet *stream* TFLite model one frame at a time, carrying its states.

A stream model takes one frame ``image`` [1, 1, H, W, 3] plus its recurrent states and
returns ``logits`` [1, N] plus the next states, each state output named like the state input
it feeds. Everything (signature, input size and type, quantisation, states) is read from the
model, so MoViNet A0-A5, int8/float16/float32 variants and fine-tunes all load the same way.
"""

from collections.abc import Mapping
import copy
import pathlib
from typing import Any

from movinet_ros.core.errors import (
    ModelError, ModelFileError, ModelSignatureError, NotAStreamModelError, RuntimeMissingError)
from movinet_ros.core.runtime import make_interpreter
import numpy as np

__all__ = [
    'ModelError', 'ModelFileError', 'ModelSignatureError', 'NotAStreamModelError',
    'RuntimeMissingError', 'StreamModel',
]

# What the runtime reports of one input or output tensor (name, index, shape, dtype, ...).
TensorDetails = dict[str, Any]
# One interpreter thread unless asked: the node shares the CPU with the robot's other nodes.
DEFAULT_NUM_THREADS = 1
_TFLITE_IDENTIFIER = b'TFL3'
_PREFERRED_SIGNATURES = ('serving_default', 'call')
_STREAM_MODEL_HINT = (
    'a MoViNet *stream* model is needed: download one of the "stream" TFLite variants of '
    'the Kaggle model google/movinet, e.g. a0-stream-kinetics-600-classification-tflite-int8')


def _check_model_file(path: pathlib.Path) -> None:
    if not path.is_file():
        raise ModelFileError(
            f'model file not found: {path}; set model_path (movinet-ros: --model) to a MoViNet '
            'stream .tflite file (README, "Get a model")')
    try:
        with path.open('rb') as model_file:
            header = model_file.read(8)
    except OSError as error:
        raise ModelFileError(f'cannot read model file {path}: {error}') from error
    if not header:
        raise ModelFileError(
            f'model file is empty: {path}; its download or copy did not complete, fetch the '
            'model again')
    if header[4:8] != _TFLITE_IDENTIFIER:
        raise ModelFileError(
            f'{path} is not a TFLite model (no "TFL3" identifier in its header); '
            'expected a .tflite flatbuffer')


def _choose_signature(signatures: Mapping[str, object], path: pathlib.Path) -> str:
    if not signatures:
        raise ModelSignatureError(
            f'{path} has no signature; MoViNet stream models exported for TFLite carry one '
            '(e.g. "serving_default"), re-export the model with its signature')
    for key in _PREFERRED_SIGNATURES:
        if key in signatures:
            return key
    if len(signatures) == 1:
        return next(iter(signatures))
    raise ModelSignatureError(
        f'{path} has several signatures {sorted(signatures)} and none is named '
        f'{" or ".join(repr(key) for key in _PREFERRED_SIGNATURES)}')


def _find_image_input(inputs: Mapping[str, TensorDetails],
                      outputs: Mapping[str, TensorDetails]) -> str | None:
    if 'image' in inputs:
        return 'image'
    # States also are 5-D, but every state input has an output of the same name.
    candidates = [name for name, details in inputs.items()
                  if name not in outputs and len(details['shape']) == 5
                  and details['shape'][-1] == 3]
    return candidates[0] if len(candidates) == 1 else None


def _find_logits_output(inputs: Mapping[str, TensorDetails],
                        outputs: Mapping[str, TensorDetails]) -> str | None:
    if 'logits' in outputs:
        return 'logits'
    candidates = [name for name, details in outputs.items()
                  if name not in inputs and len(details['shape']) == 2
                  and details['shape'][0] == 1]
    return candidates[0] if len(candidates) == 1 else None


class _TensorStates:
    """
    States kept in the interpreter's own tensors, stepped without the signature runner.

    The runner copies all ~2.7 MB of A0's states in and allocates fresh copies out on every
    call (about 1 ms a frame here); most state outputs are the very tensors of their inputs,
    so only the others are copied back after each invoke. Forks of one model share this
    object; the stream whose state is loaded is its ``owner``.
    """

    def __init__(self, interpreter: Any, image_index: int, logits_index: int,
                 state_indices: Mapping[str, tuple[int, int]]) -> None:
        self.invoke = interpreter.invoke
        self.image = interpreter.tensor(image_index)
        self.logits = interpreter.tensor(logits_index)
        self.inputs = {name: interpreter.tensor(source)
                       for name, (source, _) in state_indices.items()}
        self.carries = [(interpreter.tensor(source), interpreter.tensor(result))
                        for source, result in state_indices.values() if source != result]
        self.owner: StreamModel | None = None


def _initial_state(details: Mapping[str, Any]) -> np.ndarray:
    # A quantised state's real zero is its zero point, not the raw value 0.
    scale, zero_point = details['quantization']
    return np.full(details['shape'], zero_point if scale else 0, dtype=details['dtype'])


class StreamModel:
    """
    A MoViNet stream TFLite model stepped frame by frame with its states carried.

    ``step`` is the hot path: it writes the frame into the interpreter's image tensor,
    invokes, copies back the state outputs that are not already their inputs' tensors, and
    returns the logits of the clip seen so far. (Signatures off the main subgraph go through
    the signature runner, feeding back the state arrays each call returns.)
    """

    def __init__(self, model_path: str | pathlib.Path, num_threads: int = DEFAULT_NUM_THREADS):
        """
        Load ``model_path`` and discover its signature, input, logits and states.

        Raises ModelFileError, NotAStreamModelError, ModelSignatureError (all ModelError)
        or RuntimeMissingError when no TFLite runtime is installed.
        """
        self.path = pathlib.Path(model_path)
        self.name = self.path.name
        if isinstance(num_threads, bool) or not isinstance(num_threads, int) \
                or num_threads < 1:
            raise ModelError(f'num_threads must be an integer >= 1, got {num_threads!r}')
        self.num_threads = num_threads
        _check_model_file(self.path)
        try:
            interpreter = make_interpreter(str(self.path), num_threads)
            interpreter.allocate_tensors()
        except (ValueError, RuntimeError) as error:
            raise ModelFileError(
                f'the TFLite runtime cannot load {self.path} (truncated or corrupt file, or '
                f'an unsupported operator): {error}; fetch the model again, or update '
                'ai-edge-litert if the model is newer than the runtime') from error
        self.signature_key = _choose_signature(interpreter.get_signature_list(), self.path)
        self._runner = interpreter.get_signature_runner(self.signature_key)
        inputs = self._runner.get_input_details()
        outputs = self._runner.get_output_details()

        image_name = _find_image_input(inputs, outputs)
        if image_name is None:
            raise ModelSignatureError(
                f'{self.path} has no image input (a 5-D [1, 1, H, W, 3] input named "image"); '
                f'its inputs are {sorted(inputs)}')
        image = inputs[image_name]
        if image['shape'][1] > 1:
            raise NotAStreamModelError(
                f'{self.path} takes {image["shape"][1]} frames at once, so it is a base '
                f'model; {_STREAM_MODEL_HINT}')
        state_names = tuple(sorted(name for name in inputs if name != image_name))
        if not state_names:
            raise NotAStreamModelError(
                f'{self.path} has no state inputs, so it is a base model; {_STREAM_MODEL_HINT}')
        logits_name = _find_logits_output(inputs, outputs)
        if logits_name is None:
            raise ModelSignatureError(
                f'{self.path} has no logits output (a [1, N] output named "logits"); '
                f'its outputs are {sorted(outputs)}')
        self._check_states(inputs, outputs, state_names, logits_name)

        height, width = (int(size) for size in image['shape'][2:4])
        self.input_size: tuple[int, int] = (height, width)
        self.input_dtype = np.dtype(image['dtype'])
        scale, zero_point = image['quantization']
        self.input_quantization: tuple[float, int] = (float(scale), int(zero_point))
        logits = outputs[logits_name]
        self.num_classes = int(logits['shape'][1])
        self.state_names = state_names
        self._image_name = image_name
        self._image_shape = tuple(int(size) for size in image['shape'])
        self._logits_name = logits_name
        logits_scale, logits_zero_point = logits['quantization']
        self._logits_dequantisation = (
            (np.float32(logits_scale), np.float32(logits_zero_point)) if logits_scale else None)
        self._initial_states = {name: _initial_state(inputs[name]) for name in state_names}
        self._feed: dict[str, np.ndarray] = {}
        self._tensors: _TensorStates | None = None
        self._saved: Mapping[str, np.ndarray] = self._initial_states
        # Signatures on the main subgraph (every MoViNet export seen) are stepped on the
        # interpreter's tensors; others, and runtimes without tensor(), through the runner.
        on_main_subgraph = getattr(self._runner, '_subgraph_index', None) == 0
        if on_main_subgraph and hasattr(interpreter, 'tensor'):
            self._tensors = _TensorStates(
                interpreter, inputs[image_name]['index'], outputs[logits_name]['index'],
                {name: (inputs[name]['index'], outputs[name]['index']) for name in state_names})
            # The runner keeps references to tensor data that make invoke() refuse to run.
            self._runner = None
        self.frames_in_state = 0
        self.reset()

    def _check_states(self, inputs: Mapping[str, TensorDetails],
                      outputs: Mapping[str, TensorDetails],
                      state_names: tuple[str, ...], logits_name: str) -> None:
        state_outputs = set(outputs) - {logits_name}
        unfed = sorted(set(state_names) - state_outputs)
        unread = sorted(state_outputs - set(state_names))
        if unfed or unread:
            raise ModelSignatureError(
                f'{self.path}: state inputs and outputs must match by name; inputs without an '
                f'output: {unfed}, outputs without an input: {unread}')
        mismatched = [name for name in state_names
                      if list(inputs[name]['shape']) != list(outputs[name]['shape'])
                      or inputs[name]['dtype'] != outputs[name]['dtype']]
        if mismatched:
            raise ModelSignatureError(
                f'{self.path}: state outputs differ in shape or type from their inputs: '
                f'{mismatched}')

    def step(self, image: np.ndarray) -> np.ndarray:
        """
        Feed one prepared frame and return the float32 logits, shape (num_classes,).

        ``image`` is [1, 1, H, W, 3] in ``input_dtype`` (see preprocess.Preprocessor). The
        states the model returns become the inputs of the next call.
        """
        if image.shape != self._image_shape or image.dtype != self.input_dtype:
            raise ModelError(
                f'{self.name} needs a frame of shape {self._image_shape} and type '
                f'{self.input_dtype}, got {image.shape} {image.dtype}')
        if self._tensors is not None:
            logits = self._step_tensors(image)
        else:
            feed = self._feed
            feed[self._image_name] = image
            outputs = self._runner(**feed)
            for name in self.state_names:
                feed[name] = outputs[name]
            logits = outputs[self._logits_name].reshape(-1)
        self.frames_in_state += 1
        if self._logits_dequantisation is None:
            return logits
        scale, zero_point = self._logits_dequantisation
        return (logits.astype(np.float32) - zero_point) * scale

    def _step_tensors(self, image: np.ndarray) -> np.ndarray:
        tensors = self._tensors
        assert tensors is not None
        if tensors.owner is not self:
            self._load_state()
        np.copyto(tensors.image(), image)
        tensors.invoke()
        for source, result in tensors.carries:
            np.copyto(source(), result())
        # A view into the interpreter would change under the next invoke: copy it out.
        logits: np.ndarray = tensors.logits().reshape(-1).copy()
        return logits

    def _load_state(self) -> None:
        tensors = self._tensors
        assert tensors is not None
        previous = tensors.owner
        if previous is not None:
            previous._saved = {name: view().copy() for name, view in tensors.inputs.items()}
        for name, view in tensors.inputs.items():
            np.copyto(view(), self._saved[name])
        self._saved = {}
        tensors.owner = self

    def state_arrays(self) -> dict[str, np.ndarray]:
        """Return a copy of this stream's current states by name (for checks and tests)."""
        if self._tensors is None:
            return {name: np.array(self._feed[name]) for name in self.state_names}
        if self._tensors.owner is self:
            return {name: view().copy() for name, view in self._tensors.inputs.items()}
        return {name: np.array(self._saved[name]) for name in self.state_names}

    def state(self, name: str) -> np.ndarray:
        """
        Return one state of this stream as it is now, without copying the others.

        A view into the interpreter when this stream's state is loaded: read it before the
        next step of any stream of this model. Raises KeyError for an unknown name.
        """
        if self._tensors is None:
            return np.asarray(self._feed[name])
        if self._tensors.owner is self:
            view: np.ndarray = self._tensors.inputs[name]()
            return view
        return np.asarray(self._saved[name])

    def fork(self) -> 'StreamModel':
        """
        Return a second stream on the same interpreter, with its own state, starting empty.

        One interpreter then serves several cameras: each camera steps its own fork, and a
        fork's state is swapped into the interpreter when it steps after another, so the
        streams never mix. Forks share the interpreter: step them from one thread at a time.
        """
        stream = copy.copy(self)
        stream.reset()
        return stream

    def clone(self) -> 'StreamModel':
        """
        Return a second stream on an interpreter of its own, with its own state, starting empty.

        Unlike a fork it never swaps states in and out of a shared interpreter, at the cost
        of the interpreter's memory (its copy of the weights and its tensor arena).
        """
        return StreamModel(self.path, self.num_threads)

    def reset(self) -> None:
        """Forget the clip seen so far: states back to their zeros, frames_in_state to 0."""
        # The zero arrays are only ever copied from, so every reset can share them.
        self._feed = dict(self._initial_states)
        self._saved = self._initial_states
        if self._tensors is not None and self._tensors.owner is self:
            self._tensors.owner = None
        self.frames_in_state = 0
