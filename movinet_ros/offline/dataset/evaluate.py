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
Evaluate a model on a dataset of labelled recordings (``movinet-ros eval-dataset``).

The manifest (:mod:`.manifest`) lists the recordings; each one is evaluated on its own,
from a fresh stream state (:mod:`.recording`), by the runners of :mod:`.runners` (this
process, local worker processes, or Ray), and the results are put together here. Into
the output folder go:

- ``results.csv``: one row per scored clip (a clip-labelled recording, or one annotated
  segment), in manifest order, or one row with the error of a recording that failed;
- ``summary.json``: counts, accuracies, per-class precision and recall, confusion;
- ``confusion.png``: the confusion matrix of the labels that occur;
- ``timing.json``: wall time and throughput of this run.

``results.csv`` and ``summary.json`` hold no timing and are built from the results sorted
by manifest order, so they are byte-identical whatever the number of workers, the order the
recordings finished in, or whether some results came from an earlier run; throughput
varies from run to run, so it has a file of its own.

Resuming: each finished recording's result is stored at once in ``done/<key>.json``. The
key hashes the recording's path, its topic, its label or annotation file (path and
content), and the model's and label map's SHA-256 with the pipeline settings, so a rerun
into the same folder skips what is done with the same model and settings and evaluates
the rest (``force`` evaluates everything again). Failed recordings are not stored: a rerun
tries them again.
"""

from collections.abc import Sequence
import csv
from dataclasses import dataclass, field, replace
import hashlib
import json
import os
from pathlib import Path
import time
from typing import Any

from movinet_ros.core.context import ContextConfig
from movinet_ros.core.errors import MovinetError
from movinet_ros.core.head import file_sha256
from movinet_ros.offline.dataset.class_metrics import class_report, Outcome
from movinet_ros.offline.dataset.confusion_plot import plot_confusion
from movinet_ros.offline.dataset.manifest import load_manifest, ManifestEntry
from movinet_ros.offline.dataset.recording import RecordingResult
from movinet_ros.offline.dataset.runners import (
    adopt_pipeline, LOCAL_RAY, PipelineSpec, run_tasks, Task)
from movinet_ros.offline.errors import OutputFolderError

RESULTS_FILE = 'results.csv'
SUMMARY_FILE = 'summary.json'
CONFUSION_FILE = 'confusion.png'
TIMING_FILE = 'timing.json'
DONE_DIR = 'done'
REFERENCE_DIR = 'reference'
NUMBER_FORMAT = '{:.6f}'
# Bump when stored results change meaning, so that old ones are evaluated again.
RESULT_VERSION = 2


@dataclass
class DatasetRun:
    """What a dataset evaluation produced: results in manifest order, summary and timing."""

    entries: list[ManifestEntry]
    results: list[RecordingResult]
    summary: dict[str, Any]
    timing: dict[str, Any]
    outputs: dict[str, str] = field(default_factory=dict)
    # A head trained with other pipeline settings than the run's (pipeline.head_warning).
    warning: str | None = None
    # The same recordings through the bare model (reference_spec), when asked for.
    reference: 'DatasetRun | None' = None


def reference_spec(spec: PipelineSpec) -> PipelineSpec:
    """
    Return ``spec`` as the TFLite reference app feeds the model: the bare stream model.

    Every frame (no throttle), one state never reset by the context (``context_sec`` 0),
    the whole frame resized to the model's input size, pixels / 255. Gaps and stamps
    that go backwards still reset it, as they would any stream.
    """
    config = replace(spec.config, target_fps=0.0, resize_mode='stretch',
                     context=ContextConfig(context_sec=0.0))
    return replace(spec, config=config)


def absolute_spec(spec: PipelineSpec) -> PipelineSpec:
    """Return ``spec`` with absolute paths, so that workers in any folder find the files."""
    return replace(spec, model_path=os.path.abspath(spec.model_path),
                   labels_path=spec.labels_path and os.path.abspath(spec.labels_path),
                   head_path=spec.head_path and os.path.abspath(spec.head_path))


def settings_fingerprint(spec: PipelineSpec) -> dict[str, str]:
    """Return what, besides the recording, decides a result: model, labels, settings."""
    # A head replaces the label map: its file decides the labels and the scores.
    names = spec.head_path or spec.labels_path
    return {'model_sha256': file_sha256(spec.model_path),
            'labels_sha256': file_sha256(names) if names else '',
            'config': repr(spec.config), 'version': str(RESULT_VERSION)}


def result_key(entry: ManifestEntry, default_topic: str | None,
               fingerprint: dict[str, str]) -> str:
    """Return the key of an entry's stored result: a hash of all that decides it."""
    truth: dict[str, str | None] = {'label': entry.label}
    if entry.annotations is not None:
        truth = {'annotations': os.fspath(entry.annotations),
                 'annotations_sha256': (file_sha256(entry.annotations)
                                        if entry.annotations.is_file() else None)}
    identity = {'recording': os.fspath(entry.recording),
                'topic': entry.topic or default_topic or '', **truth, **fingerprint}
    return hashlib.sha256(json.dumps(identity, sort_keys=True).encode()).hexdigest()


def _stored(path: Path, key: str) -> RecordingResult | None:
    """Return the stored result at ``path`` if it is whole and has ``key``, else None."""
    try:
        data = json.loads(path.read_text(encoding='utf-8'))
        if data.get('key') != key:
            return None
        return RecordingResult.from_dict(data['result'])
    except (OSError, ValueError, KeyError, TypeError):
        return None  # absent, or torn by a crash: evaluate it again


def _store(path: Path, key: str, result: RecordingResult) -> None:
    # Written whole, then renamed: a crash never leaves half a result behind.
    partial = path.with_suffix('.partial')
    partial.write_text(json.dumps({'key': key, 'result': result.to_dict()}), encoding='utf-8')
    os.replace(partial, path)


def _number(value: float | None) -> str:
    return '' if value is None else NUMBER_FORMAT.format(value)


def _flag(value: bool) -> str:
    return 'true' if value else 'false'


def results_header(top_k: int) -> list[str]:
    """Return the columns of results.csv for a reported ranking of ``top_k``."""
    header = ['recording', 'topic', 'label', 'start_sec', 'end_sec', 'prediction', 'score',
              'correct', 'correct_top5', 'frames', 'time_to_correct_sec', 'frames_read']
    for rank in range(1, top_k + 1):
        header += [f'label_{rank}', f'score_{rank}']
    return header + ['true_probability', 'error']


def write_results_csv(entries: Sequence[ManifestEntry], results: Sequence[RecordingResult],
                      top_k: int, path: Path) -> Path:
    """Write one row per scored clip, or per failed recording, in manifest order."""
    header = results_header(top_k)
    with open(path, 'w', newline='', encoding='utf-8') as stream:
        writer = csv.writer(stream, lineterminator='\n')
        writer.writerow(header)
        for entry, result in zip(entries, results):
            if result.failed:
                cells = {'recording': result.name, 'topic': result.topic,
                         'label': entry.label or '', 'error': result.error}
                writer.writerow([cells.get(column, '') for column in header])
                continue
            for sample in result.samples:
                score = sample.ranking[0][1] if sample.ranking else None
                row = [result.name, result.topic, sample.label, _number(sample.start_sec),
                       _number(sample.end_sec), sample.prediction or '', _number(score),
                       _flag(sample.correct), _flag(sample.correct_top5), str(sample.frames),
                       _number(sample.time_to_correct_sec), str(result.frames_read)]
                for rank in range(top_k):
                    if rank < len(sample.ranking):
                        label, value = sample.ranking[rank]
                        row += [label, _number(value)]
                    else:
                        row += ['', '']
                writer.writerow(row + [_number(sample.true_probability), ''])
    return path


def build_summary(manifest: str | os.PathLike[str], spec: PipelineSpec, model_name: str,
                  fingerprint: dict[str, str], entries: Sequence[ManifestEntry],
                  results: Sequence[RecordingResult]) -> dict[str, Any]:
    """Return the summary of a dataset run as plain data, free of timings."""
    scored = [result for result in results if not result.failed]
    samples = [sample for result in scored for sample in result.samples]
    report = class_report(Outcome(s.label, s.prediction, s.correct_top5) for s in samples)
    times = [s.time_to_correct_sec for s in samples if s.time_to_correct_sec is not None]
    # A sample with no prediction had no probability for its class: it counts as 0.
    true_probabilities = [s.true_probability or 0.0 for s in samples]
    config = spec.config
    return {
        'manifest': os.fspath(manifest),
        'model': model_name,
        'model_sha256': fingerprint['model_sha256'],
        'labels_sha256': fingerprint['labels_sha256'],
        'target_fps': config.target_fps,
        'resize_mode': config.resize_mode,
        'top_k': config.ranking.top_k,
        'score_threshold': config.ranking.score_threshold,
        'context_sec': config.context.context_sec,
        'context_streams': config.context.streams,
        'recordings': len(entries),
        'scored_recordings': len(scored),
        'failed': len(results) - len(scored),
        'failures': [{'recording': result.name, 'line': entry.line, 'error': result.error}
                     for entry, result in zip(entries, results) if result.failed],
        'samples': report['samples'],
        'top1_accuracy': report['top1_accuracy'],
        'top5_accuracy': report['top5_accuracy'],
        'mean_class_accuracy': report['mean_class_accuracy'],
        'classes': report['classes'],
        'mean_time_to_correct_sec': sum(times) / len(times) if times else None,
        'mean_true_probability': (sum(true_probabilities) / len(true_probabilities)
                                  if true_probabilities else None),
        'frames_read': sum(result.frames_read for result in scored),
        'frames_processed': sum(result.frames_processed for result in scored),
        'frames_rejected': sum(result.frames_rejected for result in scored),
        'recorded_sec': sum(result.duration_sec or 0.0 for result in scored),
        'per_class': report['per_class'],
        'confusion': report['confusion'],
        'outputs': {'results': RESULTS_FILE, 'confusion': CONFUSION_FILE,
                    'timing': TIMING_FILE},
    }


def _backend(jobs: int, ray_address: str | None) -> str:
    if ray_address is not None:
        return 'ray (local)' if ray_address == LOCAL_RAY else f'ray ({ray_address})'
    return 'this process' if jobs <= 1 else 'processes'


def _rate(count: float, seconds: float) -> float | None:
    return count / seconds if count and seconds > 0 else None


def _timing(results: Sequence[RecordingResult], skipped: int, seconds: float, jobs: int,
            ray_address: str | None) -> dict[str, Any]:
    evaluated = [result for result in results if result is not None]
    return {
        'backend': _backend(jobs, ray_address),
        'jobs': jobs,
        'wall_sec': seconds,
        'evaluated': len(evaluated),
        'skipped': skipped,
        'failed': sum(result.failed for result in evaluated),
        'recordings_per_sec': _rate(len(evaluated), seconds),
        'frames_read_per_sec': _rate(sum(r.frames_read for r in evaluated), seconds),
        'processed_frames_per_sec': _rate(sum(r.frames_processed for r in evaluated), seconds),
        'recorded_sec_per_sec': _rate(sum(r.duration_sec or 0.0 for r in evaluated), seconds),
        'worker_sec': sum(result.seconds for result in evaluated),
    }


def _folder(out: Path) -> Path:
    try:
        (out / DONE_DIR).mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise OutputFolderError(f'cannot create the output folder: {error}') from None
    return out / DONE_DIR


def evaluate_dataset(manifest: str | os.PathLike[str], spec: PipelineSpec,
                     out_dir: str | os.PathLike[str], *, jobs: int = 1,
                     ray_address: str | None = None, force: bool = False,
                     default_topic: str | None = None, progress: bool = False,
                     reference: bool = False) -> DatasetRun:
    """
    Evaluate every recording of ``manifest``; write the outputs into ``out_dir``.

    ``jobs`` worker processes (1: this process) or, with ``ray_address`` (a cluster
    address or runners.LOCAL_RAY), Ray tasks evaluate the recordings that have no stored
    result yet (all of them with ``force``). ``default_topic`` is the topic of bags whose
    row names none (None: a bag's only image topic). With ``progress`` a bar on stderr
    counts finished recordings. The manifest, the model and the labels are checked before
    anything runs: ManifestError, ModelError, LabelError, OutputFolderError, RunnerError
    (all MovinetError) say what is wrong. A recording that fails is reported in its result.
    With ``reference`` the recordings are also evaluated by the bare model
    (:func:`reference_spec`) into ``out_dir/reference``: the run's ``reference``.
    """
    entries = load_manifest(manifest)
    spec = absolute_spec(spec)
    pipeline = spec.build()
    adopt_pipeline(spec, pipeline)  # this process's tasks (jobs 1) need no second load
    fingerprint = settings_fingerprint(spec)
    out = Path(out_dir)
    done_dir = _folder(out)

    results: list[RecordingResult | None] = [None] * len(entries)
    keys = [result_key(entry, default_topic, fingerprint) for entry in entries]
    for entry, key in zip(entries, keys):
        stored = None if force else _stored(done_dir / f'{key}.json', key)
        if stored is not None:
            results[entry.index] = replace(stored, name=entry.name)
    tasks = [Task(entry, default_topic) for entry in entries if results[entry.index] is None]
    skipped = len(entries) - len(tasks)
    fresh: list[RecordingResult] = []
    bar = _progress_bar(len(tasks)) if progress and tasks else None

    def finished(task: Task, data: dict[str, Any]) -> None:
        result = replace(RecordingResult.from_dict(data), name=task.entry.name)
        results[task.entry.index] = result
        fresh.append(result)
        if not result.failed:
            _store(done_dir / f'{keys[task.entry.index]}.json', keys[task.entry.index],
                   result)
        if bar is not None:
            bar.update()

    started = time.perf_counter()
    try:
        run_tasks(spec, tasks, jobs=jobs, ray_address=ray_address, done=finished)
    finally:
        if bar is not None:
            bar.close()
    seconds = time.perf_counter() - started
    ordered = [result for result in results if result is not None]
    if len(ordered) != len(entries):
        raise MovinetError(f'{len(entries) - len(ordered)} recordings got no result')

    summary = build_summary(manifest, spec, pipeline.model.name, fingerprint, entries,
                            ordered)
    timing = _timing(fresh, skipped, seconds, jobs, ray_address)
    outputs = {
        'results': str(write_results_csv(entries, ordered, spec.config.ranking.top_k,
                                         out / RESULTS_FILE)),
        'summary': str(out / SUMMARY_FILE),
        'confusion': str(plot_confusion(
            summary['confusion'], out / CONFUSION_FILE,
            title=_confusion_title(pipeline.model.name, summary))),
        'timing': str(out / TIMING_FILE),
    }
    _write_json(out / SUMMARY_FILE, summary)
    _write_json(out / TIMING_FILE, timing)
    run = DatasetRun(entries, ordered, summary, timing, outputs, pipeline.head_warning)
    if reference:
        run.reference = evaluate_dataset(
            manifest, reference_spec(spec), out / REFERENCE_DIR, jobs=jobs,
            ray_address=ray_address, force=force, default_topic=default_topic,
            progress=progress)
    return run


def _confusion_title(model_name: str, summary: dict[str, Any]) -> str:
    top1 = summary['top1_accuracy']
    accuracy = '-' if top1 is None else f'{top1:.3f}'
    return (f'{model_name}: {summary["samples"]} clips of {summary["classes"]} classes, '
            f'top-1 {accuracy}')


def _write_json(path: Path, data: dict[str, Any]) -> None:
    with open(path, 'w', encoding='utf-8') as stream:
        json.dump(data, stream, indent=2)
        stream.write('\n')


def _progress_bar(total: int) -> Any:
    from tqdm import tqdm
    return tqdm(total=total, unit='recording', desc='eval-dataset', dynamic_ncols=True)
