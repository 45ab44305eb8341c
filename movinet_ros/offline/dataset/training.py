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
Train a head of the user's own actions on labelled recordings (``movinet-ros train``).

Every recording of the manifest (``eval-dataset``'s format) runs through the very pipeline
the node runs (throttle, bounded context, resize), by the runners of ``eval-dataset``. At
every processed frame the pooled features of each copy of the state are taken, with the
weight the context gives that copy in the published scores: the features are where the
node publishes. A frame's label is its recording's, or its annotated segment's; a frame
outside every segment is the ``background`` class when one is asked for, else unused.

Fitting: scikit-learn's LogisticRegressionCV (multinomial, class-balanced, its
regularisation chosen by cross-validation) on standardised features of the copies the
context uses, once they have ``WARMUP_FRAMES`` frames. Held out first: where every class
has several recordings, a third of each class's recordings; else the last third (in time)
of each class's frames in each recording. The held-out frames are scored as the node would
score them (the head on each copy the context combines, then the context's rule), then the head is
fitted again on everything, with the regularisation chosen, and saved.

Everything goes into a folder beside ``out`` first and is renamed to ``out`` at the end, so
an error leaves ``out`` as it was.
"""

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, replace
import inspect
import json
import math
import os
from pathlib import Path
import shutil
import tempfile
import time
from typing import Any

from movinet_ros.core.context import CombineRule, RULES
from movinet_ros.core.head import file_sha256, Head, HeadError
from movinet_ros.core.model import StreamModel
from movinet_ros.offline.dataset.class_metrics import class_report, Outcome
from movinet_ros.offline.dataset.confusion_plot import plot_confusion
from movinet_ros.offline.dataset.evaluate import absolute_spec
from movinet_ros.offline.dataset.features import extract_task, WARMUP_FRAMES
from movinet_ros.offline.dataset.manifest import load_manifest, ManifestEntry
from movinet_ros.offline.dataset.runners import PipelineSpec, run_tasks, Task
from movinet_ros.offline.errors import OutputFolderError
from movinet_ros.offline.scoring.annotations import read_annotations, Segment
import numpy as np

__all__ = ['HEAD_FILE', 'SUMMARY_FILE', 'CONFUSION_FILE', 'TrainingRun', 'train_head']

HEAD_FILE = 'head.json'
SUMMARY_FILE = 'summary.json'
CONFUSION_FILE = 'confusion.png'
HELD_OUT_SHARE = 1 / 3
# Regularisation strengths tried by cross-validation, and its folds at most. A few
# examples of hundreds of features want strong regularisation: weak ones (C > 1) only
# cost iterations.
CS = (1e-4, 1e-3, 1e-2, 1e-1, 1.0)
MAX_FOLDS = 5
MAX_ITER = 1000


@dataclass
class TrainingRun:
    """What a training produced: the head, the held-out summary and the written files."""

    head: Head
    summary: dict[str, Any]
    outputs: dict[str, str]


@dataclass
class _Frames:
    """The labelled frames of all recordings: one row per (frame, copy) sample."""

    features: np.ndarray
    frames_in_state: np.ndarray
    frame_key: np.ndarray  # index into labels / recordings, one per processed frame
    labels: list[str]
    recordings: list[int]
    stamps: list[int]


def _truth(entry: ManifestEntry, background: str | None) -> Any:
    if entry.annotations is None:
        return lambda stamp, first: entry.label
    segments = read_annotations(entry.annotations)

    def label(stamp: int, first: int) -> str | None:
        for segment in segments.anchored(first):
            if Segment.contains(segment, stamp):
                return segment.label
        return background
    return label


def _collect(entries: Sequence[ManifestEntry], results: Sequence[dict[str, Any]],
             background: str | None) -> _Frames:
    features, frames_in_state, frame_key = [], [], []
    labels: list[str] = []
    recordings: list[int] = []
    stamps: list[int] = []
    for entry, result in zip(entries, results):
        label_of = _truth(entry, background)
        first = result['first_stamp_ns'] or 0
        keys = np.full(len(result['stamps']), -1, np.int64)
        for number, stamp in enumerate(result['stamps'].tolist()):
            label = label_of(stamp, first)
            if label is not None:
                keys[number] = len(labels)
                labels.append(label)
                recordings.append(entry.index)
                stamps.append(stamp)
        kept = keys[result['frame_of']] >= 0
        features.append(result['features'][kept])
        frames_in_state.append(result['frames_in_state'][kept])
        frame_key.append(keys[result['frame_of']][kept])
    width = max((block.shape[1] for block in features if block.size), default=0)
    return _Frames(
        features=np.concatenate([block.reshape(-1, width) for block in features]),
        frames_in_state=np.concatenate(frames_in_state),
        frame_key=np.concatenate(frame_key), labels=labels, recordings=recordings,
        stamps=stamps)


def _held_out(data: _Frames) -> tuple[np.ndarray, str]:
    """Return which frames are held out, and how they were chosen."""
    labels = np.array(data.labels, dtype=object)
    recordings = np.array(data.recordings, np.int64)
    by_class: dict[str, list[int]] = defaultdict(list)
    for label, recording in zip(data.labels, data.recordings):
        if recording not in by_class[label]:
            by_class[label].append(recording)
    if all(len(found) >= 2 for found in by_class.values()):
        chosen = {recording for found in by_class.values()
                  for recording in found[len(found) - math.ceil(len(found) * HELD_OUT_SHARE):]}
        held = np.isin(recordings, sorted(chosen))
        if all((labels[~held] == label).any() for label in by_class):
            return held, "by recording: a third of each class's recordings"
    held = np.zeros(len(labels), bool)
    stamps = np.array(data.stamps, np.int64)
    for label in by_class:
        for recording in by_class[label]:
            members = np.flatnonzero((labels == label) & (recordings == recording))
            members = members[np.argsort(stamps[members], kind='stable')]
            count = math.floor(len(members) * HELD_OUT_SHARE)
            held[members[len(members) - count:] if count else []] = True
    return held, "by time: the last third of each class's frames in each recording"


def _fit(features: np.ndarray, targets: np.ndarray, classes: Sequence[str],
         strength: float | None = None) -> Any:
    """Fit scaler and logistic regression; C by cross-validation unless ``strength``."""
    from sklearn.linear_model import (  # type: ignore[import-untyped]
        LogisticRegression, LogisticRegressionCV)
    from sklearn.pipeline import make_pipeline  # type: ignore[import-untyped]
    from sklearn.preprocessing import StandardScaler  # type: ignore[import-untyped]
    counts = [int((targets == label).sum()) for label in classes]
    if min(counts) < 2:
        label = classes[counts.index(min(counts))]
        raise HeadError(f'class {label!r} has {min(counts)} training example(s) after the '
                        f'{WARMUP_FRAMES} warm-up frames; record more of it (at least 2)')
    if strength is not None:
        return make_pipeline(StandardScaler(), LogisticRegression(
            C=strength, class_weight='balanced', max_iter=MAX_ITER)).fit(features, targets)
    # scikit-learn >= 1.8 warns unless told the plain L2 penalty and the new attributes;
    # older ones (a distribution's python3-sklearn) know neither option.
    newer = 'use_legacy_attributes' in inspect.signature(LogisticRegressionCV).parameters
    options = {'l1_ratios': (0.0,), 'use_legacy_attributes': False} if newer else {}
    model = make_pipeline(
        StandardScaler(),
        LogisticRegressionCV(Cs=list(CS), cv=min(MAX_FOLDS, min(counts)),
                             class_weight='balanced', max_iter=MAX_ITER,
                             scoring='neg_log_loss', **options))
    model.fit(features, targets)
    return model


def _head_of(fitted: Any, classes: Sequence[str], spec: PipelineSpec, model_sha: str,
             input_size: tuple[int, int], background: str | None,
             counts: dict[str, int]) -> Head:
    scaler, logistic = fitted[0], fitted[1]
    order = [list(logistic.classes_).index(label) for label in classes]
    coefficients = np.asarray(logistic.coef_, np.float64)
    intercepts = np.asarray(logistic.intercept_, np.float64)
    if coefficients.shape[0] == 1:  # two classes: scikit-learn keeps one row
        coefficients = np.vstack([-coefficients, coefficients]) / 2
        intercepts = np.array([-intercepts[0], intercepts[0]]) / 2
    scale = np.where(scaler.scale_ > 0, scaler.scale_, 1.0)
    return Head(
        labels=tuple(classes), weights=coefficients[order], bias=intercepts[order],
        mean=np.asarray(scaler.mean_, np.float64), scale=np.asarray(scale, np.float64),
        model_sha256=model_sha, input_size=input_size,
        settings=spec.config.head_settings, background=background,
        training={'examples': counts, 'C': float(np.atleast_1d(
            logistic.C_ if hasattr(logistic, 'C_') else logistic.C)[0])})


def _frame_predictions(head: Head, data: _Frames, frames: np.ndarray,
                       rule: CombineRule) -> list[str]:
    """Score frames as the node does: the head on each combined copy, then the rule."""
    # One head evaluation for every row of those frames, then one stable sort by frame (a
    # frame's rows stay oldest copy first), not a scan of every row per frame.
    rows = np.flatnonzero(np.isin(data.frame_key, frames))
    rows = rows[np.argsort(data.frame_key[rows], kind='stable')]
    keys = data.frame_key[rows]
    scores = head.probabilities(data.features[rows])
    first = np.searchsorted(keys, frames, side='left')
    last = np.searchsorted(keys, frames, side='right')
    predictions = []
    for begin, end in zip(first.tolist(), last.tolist()):
        probabilities, _ = rule(list(scores[begin:end]),
                                [int(count) for count in data.frames_in_state[rows[begin:end]]])
        predictions.append(head.labels[int(np.argmax(probabilities))])
    return predictions


def _replace_folder(partial: Path, out: Path) -> None:
    old = None
    if out.exists():
        old = Path(tempfile.mkdtemp(prefix=f'.{out.name}.old-', dir=out.parent))
        os.replace(out, old / out.name)
    os.replace(partial, out)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def train_head(manifest: str | os.PathLike[str], spec: PipelineSpec,
               out_dir: str | os.PathLike[str], *, jobs: int = 1,
               ray_address: str | None = None, background: str | None = None,
               default_topic: str | None = None) -> TrainingRun:
    """
    Train a head on the recordings of ``manifest``; write head, summary and confusion.

    Raises ManifestError, AnnotationError, ModelError, RunnerError, OutputFolderError or
    HeadError (all MovinetError), with ``out_dir`` left as it was.
    """
    entries = load_manifest(manifest)
    truths = {entry.label for entry in entries if entry.label is not None}
    for entry in entries:
        if entry.annotations is not None:
            truths |= {segment.label for segment in read_annotations(entry.annotations).segments}
    if background is not None:
        truths.add(background)
    if len(truths) < 2:
        raise HeadError(f'{os.fspath(manifest)} names {len(truths)} class(es) '
                        f'({", ".join(sorted(truths))}); a head tells at least two apart '
                        '(or add --background with annotated recordings)')
    spec = absolute_spec(replace(spec, labels_path=None, head_path=None))
    pipeline = spec.build()
    model_sha = file_sha256(spec.model_path)
    out = Path(out_dir).absolute()
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        partial = Path(tempfile.mkdtemp(prefix=f'.{out.name}.partial-', dir=out.parent))
    except OSError as error:
        raise OutputFolderError(f'cannot create the output folder {out}: {error}') from None
    try:
        return _train(entries, spec, pipeline.model, model_sha, out, partial, manifest,
                      jobs=jobs, ray_address=ray_address, background=background,
                      default_topic=default_topic, classes=sorted(truths))
    finally:
        shutil.rmtree(partial, ignore_errors=True)


def _train(entries: list[ManifestEntry], spec: PipelineSpec, model: StreamModel,
           model_sha: str, out: Path, partial: Path, manifest: str | os.PathLike[str], *,
           jobs: int, ray_address: str | None, background: str | None,
           default_topic: str | None, classes: list[str]) -> TrainingRun:
    results: list[dict[str, Any] | None] = [None] * len(entries)

    def finished(task: Task, result: dict[str, Any]) -> None:
        results[task.entry.index] = result

    started = time.perf_counter()
    run_tasks(spec, [Task(entry, default_topic) for entry in entries], jobs=jobs,
              ray_address=ray_address, done=finished, work=extract_task)
    extract_sec = time.perf_counter() - started
    failures = [(entry, result) for entry, result in zip(entries, results)
                if result is None or result.get('error')]
    if failures:
        entry, result = failures[0]
        error = 'no result' if result is None else result['error']
        raise HeadError(f'{len(failures)} recording(s) could not be read; first: '
                        f'{entry.name} (manifest line {entry.line}): {error}')
    done = [result for result in results if result is not None]
    data = _collect(entries, done, background)
    frames_of = {label: sum(1 for seen in data.labels if seen == label) for label in classes}
    empty = [label for label, count in frames_of.items() if count == 0]
    if empty:
        raise HeadError(f'no processed frame shows {", ".join(map(repr, empty))}: its '
                        'recordings or segments are missing, too short, or outside '
                        f'every recording (at {spec.config.target_fps:g} fps)')
    labels = np.array(data.labels, dtype=object)
    held, split = _held_out(data)
    usable = data.frames_in_state >= WARMUP_FRAMES
    train_rows = usable & ~held[data.frame_key]
    fitted = _fit(data.features[train_rows], labels[data.frame_key[train_rows]], classes)
    counts = {label: int((labels[data.frame_key[train_rows]] == label).sum())
              for label in classes}
    trial = _head_of(fitted, classes, spec, model_sha, model.input_size, background, counts)
    held_frames = np.flatnonzero(held)
    outcomes = [Outcome(str(labels[frame]), prediction, False) for frame, prediction in
                zip(held_frames, _frame_predictions(
                    trial, data, held_frames, RULES[spec.config.context.rule]))]
    report = class_report(outcomes)
    all_rows = data.frames_in_state >= WARMUP_FRAMES
    all_counts = {label: int((labels[data.frame_key[all_rows]] == label).sum())
                  for label in classes}
    # The regularisation cross-validation chose, on every example.
    head = _head_of(_fit(data.features[all_rows], labels[data.frame_key[all_rows]], classes,
                         trial.training['C']),
                    classes, spec, model_sha, model.input_size, background, all_counts)
    fit_sec = time.perf_counter() - started - extract_sec
    config = spec.config
    summary = {
        'manifest': os.fspath(manifest), 'model': model.name, 'model_sha256': model_sha,
        'target_fps': config.target_fps, 'context_sec': config.context.context_sec,
        'context_streams': config.context.streams, 'resize_mode': config.resize_mode,
        'recordings': len(entries), 'classes': classes, 'background': background,
        'frames_processed': int(sum(len(result['stamps']) for result in done)),
        'labelled_frames': len(data.labels), 'frames_per_class': frames_of,
        'held_out': split, 'held_out_frames': int(held.sum()),
        'training_examples': counts, 'C': head.training['C'],
        'top1_accuracy': report['top1_accuracy'],
        'mean_class_accuracy': report['mean_class_accuracy'],
        'per_class': report['per_class'],
        'confusion': report['confusion'],
        'outputs': {'head': HEAD_FILE, 'confusion': CONFUSION_FILE},
    }
    head.save(partial / HEAD_FILE)
    with open(partial / SUMMARY_FILE, 'w', encoding='utf-8') as stream:
        json.dump(summary, stream, indent=2)
        stream.write('\n')
    accuracy = '-' if report['top1_accuracy'] is None else f'{report["top1_accuracy"]:.3f}'
    plot_confusion(report['confusion'], partial / CONFUSION_FILE,
                   title=f'{model.name} + head: {len(outcomes)} held-out frames, '
                         f'top-1 {accuracy}')
    try:
        _replace_folder(partial, out)
    except OSError as error:
        raise OutputFolderError(f'cannot write {out}: {error}') from None
    summary_out = dict(summary, extract_sec=extract_sec, fit_sec=fit_sec)
    return TrainingRun(head, summary_out, {name: str(out / file) for name, file in (
        ('head', HEAD_FILE), ('summary', SUMMARY_FILE), ('confusion', CONFUSION_FILE))})
