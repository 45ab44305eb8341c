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
A head of the user's own actions: a linear softmax on the stream model's pooled features.

A MoViNet stream model keeps the sum of its head's per-frame features in a state (the head
pool buffer) and the number of frames summed in another (its frame count); their quotient
is the clip's pooled feature vector, which the model's own classifier turns into Kinetics
logits. A head replaces that classifier with one trained on the user's recordings
(``movinet-ros train``): ``probabilities = softmax(W (x - mean) / scale + b)``.

The head file is one JSON document (no pickle, readable anywhere): format and version,
labels, weights, bias, the feature normalisation, the SHA-256 and input size of the model
whose features it was trained on, and the pipeline settings of its training. Floats are
written as the shortest text that reads back to the same float64, with sorted keys, so the
same training gives the same bytes.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
import functools
import hashlib
import json
import math
import os
from pathlib import Path
from typing import Any

from movinet_ros.core.errors import HeadError, HeadFileError, HeadMismatchError
from movinet_ros.core.model import StreamModel
from movinet_ros.core.postprocess import softmax
import numpy as np

__all__ = [
    'FEATURE_BUFFER', 'FEATURE_COUNT', 'file_sha256', 'Head', 'HEAD_FORMAT',
    'HEAD_FORMAT_VERSION', 'HeadError', 'HeadFileError', 'HeadMismatchError', 'HeadScorer',
    'HeadSettings', 'load_head', 'pooled_features',
]

HEAD_FORMAT = 'movinet_ros head'
HEAD_FORMAT_VERSION = 1
# The states MoViNet stream exports keep the head's pooled features in.
FEATURE_BUFFER = 'state_head_pool_buffer'
FEATURE_COUNT = 'state_head_pool_frame_count'


def file_sha256(path: str | os.PathLike[str]) -> str:
    """Return the SHA-256 of a file's bytes, read in chunks."""
    digest = hashlib.sha256()
    with open(path, 'rb') as stream:
        for chunk in iter(functools.partial(stream.read, 1 << 20), b''):
            digest.update(chunk)
    return digest.hexdigest()


def _feature_states(model: StreamModel) -> tuple[str, str]:
    missing = [name for name in (FEATURE_BUFFER, FEATURE_COUNT)
               if name not in model.state_names]
    if missing:
        raise HeadError(
            f'{model.name} has no {" or ".join(missing)} state, where MoViNet stream models '
            'keep the pooled features a head is trained on; use a MoViNet stream export')
    return FEATURE_BUFFER, FEATURE_COUNT


def pooled_features(model: StreamModel) -> np.ndarray:
    """Return the stream's pooled head features now: the pool buffer over its frame count."""
    buffer, count = _feature_states(model)
    frames = max(int(model.state(count).reshape(-1)[0]), 1)
    features: np.ndarray = model.state(buffer).reshape(-1).astype(np.float64) / frames
    return features


@dataclass(frozen=True)
class HeadSettings:
    """The pipeline settings a head's features were taken with."""

    target_fps: float
    context_sec: float
    context_streams: int
    resize_mode: str

    def describe(self) -> str:
        """Return the settings as the options that set them."""
        return (f'fps {self.target_fps:g}, context_sec {self.context_sec:g}, '
                f'context_streams {self.context_streams}, resize_mode {self.resize_mode}')


def _floats(values: np.ndarray) -> list[Any]:
    listed: list[Any] = values.astype(np.float64).tolist()
    return listed


@dataclass(frozen=True)
class Head:
    """A trained head: labels, a linear layer and what it must run on."""

    labels: tuple[str, ...]
    weights: np.ndarray  # (classes, features)
    bias: np.ndarray  # (classes,)
    mean: np.ndarray  # (features,)
    scale: np.ndarray  # (features,)
    model_sha256: str
    input_size: tuple[int, int]
    settings: HeadSettings
    background: str | None = None
    # How it was trained (examples per class, regularisation): shown, never used.
    training: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        classes, features = self.weights.shape if self.weights.ndim == 2 else (0, 0)
        if classes < 2 or len(self.labels) != classes or self.bias.shape != (classes,) \
                or self.mean.shape != (features,) or self.scale.shape != (features,):
            raise HeadFileError(
                f'inconsistent head: {len(self.labels)} labels, weights '
                f'{self.weights.shape}, bias {self.bias.shape}, mean {self.mean.shape}, '
                f'scale {self.scale.shape}')
        if len(set(self.labels)) != len(self.labels) or not all(self.labels):
            raise HeadFileError('a head needs distinct, non-empty labels')
        arrays = (self.weights, self.bias, self.mean, self.scale)
        if not all(np.isfinite(array).all() for array in arrays) or (self.scale <= 0).any():
            raise HeadFileError('a head holds non-finite numbers or a scale <= 0')

    @property
    def num_classes(self) -> int:
        """Return the number of classes the head tells apart."""
        return len(self.labels)

    @property
    def num_features(self) -> int:
        """Return the length of the feature vector the head reads."""
        return int(self.weights.shape[1])

    def probabilities(self, features: np.ndarray) -> np.ndarray:
        """Return the class probabilities of feature vectors (..., features)."""
        normalised = (np.asarray(features, np.float64) - self.mean) / self.scale
        return softmax(normalised @ self.weights.T + self.bias)

    def to_json(self) -> str:
        """Return the head file's text: the same head always gives the same text."""
        document = {
            'format': HEAD_FORMAT, 'version': HEAD_FORMAT_VERSION,
            'labels': list(self.labels), 'background': self.background,
            'model_sha256': self.model_sha256, 'input_size': list(self.input_size),
            'settings': {'target_fps': self.settings.target_fps,
                         'context_sec': self.settings.context_sec,
                         'context_streams': self.settings.context_streams,
                         'resize_mode': self.settings.resize_mode},
            'weights': [_floats(row) for row in self.weights], 'bias': _floats(self.bias),
            'mean': _floats(self.mean), 'scale': _floats(self.scale),
            'training': dict(self.training),
        }
        return json.dumps(document, sort_keys=True, indent=1, allow_nan=False) + '\n'

    def save(self, path: str | os.PathLike[str]) -> None:
        """Write the head file whole (to a side file, then renamed over ``path``)."""
        target = Path(path)
        partial = target.with_name(target.name + '.partial')
        partial.write_text(self.to_json(), encoding='utf-8')
        os.replace(partial, target)

    def check_model(self, model: StreamModel, model_sha256: str) -> None:
        """Raise HeadMismatchError unless the head was trained on this very model."""
        if model_sha256 != self.model_sha256:
            raise HeadMismatchError(
                f'the head was trained on another model (SHA-256 {self.model_sha256[:12]}...'
                f', this one {model.name} is {model_sha256[:12]}...); train a head on '
                f'{model.name} with movinet-ros train')
        if tuple(model.input_size) != self.input_size:
            raise HeadMismatchError(
                f'the head was trained on {self.input_size[0]}x{self.input_size[1]} inputs, '
                f'{model.name} takes {model.input_size[0]}x{model.input_size[1]}')

    def settings_mismatch(self, settings: HeadSettings) -> str | None:
        """Return a warning naming both settings when they differ from the training's."""
        trained = self.settings
        same = (math.isclose(trained.target_fps, settings.target_fps)
                and math.isclose(trained.context_sec, settings.context_sec)
                and trained.context_streams == settings.context_streams
                and trained.resize_mode == settings.resize_mode)
        if same:
            return None
        return (f'the head was trained with {trained.describe()}, this run uses '
                f'{settings.describe()}: its scores may be less accurate')


def _array(document: Mapping[str, Any], key: str, ndim: int) -> np.ndarray:
    try:
        array = np.array(document[key], dtype=np.float64)
    except (KeyError, TypeError, ValueError) as error:
        raise HeadFileError(f'its {key!r} is missing or not numbers ({error})') from None
    if array.ndim != ndim:
        raise HeadFileError(f'its {key!r} has {array.ndim} dimensions, expected {ndim}')
    return array


def _head_of(document: Any) -> Head:
    if not isinstance(document, dict) or document.get('format') != HEAD_FORMAT:
        raise HeadFileError(f'not a movinet_ros head (no "format": "{HEAD_FORMAT}")')
    if document.get('version') != HEAD_FORMAT_VERSION:
        raise HeadFileError(f'head format version {document.get("version")!r}; this '
                            f'movinet_ros reads version {HEAD_FORMAT_VERSION}: train it again')
    try:
        settings = document['settings']
        labels: Sequence[Any] = document['labels']
        if not all(isinstance(label, str) for label in labels):
            raise TypeError('labels must be strings')
        height, width = (int(size) for size in document['input_size'])
        return Head(
            labels=tuple(labels), weights=_array(document, 'weights', 2),
            bias=_array(document, 'bias', 1), mean=_array(document, 'mean', 1),
            scale=_array(document, 'scale', 1), model_sha256=str(document['model_sha256']),
            input_size=(height, width),
            settings=HeadSettings(
                target_fps=float(settings['target_fps']),
                context_sec=float(settings['context_sec']),
                context_streams=int(settings['context_streams']),
                resize_mode=str(settings['resize_mode'])),
            background=document.get('background'), training=document.get('training') or {})
    except (KeyError, TypeError, ValueError) as error:
        raise HeadFileError(f'a field is missing or malformed ({type(error).__name__}: '
                            f'{error})') from None


def load_head(path: str | os.PathLike[str]) -> Head:
    """Read a head file; HeadFileError says in one line what is wrong with it."""
    try:
        text = Path(path).read_text(encoding='utf-8')
    except FileNotFoundError:
        raise HeadFileError(f'head file not found: {path}; train one with movinet-ros '
                            'train') from None
    except (OSError, UnicodeDecodeError) as error:
        raise HeadFileError(f'cannot read head file {path}: {error}') from None
    try:
        document = json.loads(text)
    except ValueError as error:
        raise HeadFileError(f'head file {path} is truncated or corrupt (not JSON: {error}); '
                            'train it again') from None
    try:
        return _head_of(document)
    except HeadFileError as error:
        raise HeadFileError(f'head file {path}: {error}') from None


class HeadScorer:
    """
    Score one stream state with a head: its class probabilities from the pooled features.

    The normalisation is folded into the weights once, so a frame costs one small
    matrix-vector product per copy of the state.
    """

    def __init__(self, head: Head, model: StreamModel) -> None:
        self.head = head
        self.num_classes = head.num_classes
        self._buffer, self._count = _feature_states(model)
        size = int(model.state(self._buffer).size)
        if size != head.num_features:
            raise HeadMismatchError(
                f'the head reads {head.num_features} features, {model.name} has {size}')
        weights = head.weights / head.scale
        self._weights = weights.astype(np.float32)
        self._bias = (head.bias - weights @ head.mean).astype(np.float32)

    def __call__(self, model: StreamModel, logits: np.ndarray | None = None) -> np.ndarray:
        """Return the head's probabilities for the state ``model`` holds now (not its logits)."""
        frames = max(int(model.state(self._count).reshape(-1)[0]), 1)
        features = model.state(self._buffer).reshape(-1)
        logits = (self._weights @ features) / np.float32(frames) + self._bias
        return softmax(logits)
