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
Evaluate many recordings at once: in this process, in local worker processes, or on Ray.

Every way runs the same task function, :func:`evaluate_task`, on a worker that loads the
pipeline once (from a :class:`PipelineSpec`: paths and settings, small to send) and resets
it for every recording, so a result never depends on where or after what it ran. Results
come back as plain dicts in the order the tasks finish; the caller puts them in order.

- ``jobs`` 1 runs the tasks here, one after another.
- ``jobs`` > 1 starts that many worker processes (``spawn``: a fresh interpreter each;
  forking a process that runs threads and a loaded model is not safe), each with OpenCV
  on one thread, as there is a worker per core.
- Ray (``ray_address``): the tasks become Ray tasks of one CPU each, on the cluster at
  that address, or with ``LOCAL_RAY`` on a Ray instance started here with ``jobs`` CPUs
  (loopback only) and stopped afterwards. Workers read the model, the labels and the
  recordings by path: every node must see them at the same paths (a shared file system),
  as a dataset's recordings must be anyway, and have movinet_ros installed.

A task that raises in a way the task function could not catch (a worker process that
died) gives a result with that error for its recording; the others go on.
"""

from collections.abc import Callable, Sequence
import concurrent.futures
from dataclasses import dataclass
import multiprocessing
import os
from typing import Any

import cv2
from movinet_ros.core.errors import MovinetError
from movinet_ros.core.pipeline import PipelineConfig, RecognitionPipeline
from movinet_ros.offline.dataset.manifest import ManifestEntry
from movinet_ros.offline.dataset.recording import evaluate_recording, RecordingResult
from movinet_ros.offline.errors import RunnerError

# ``ray_address`` meaning: start a Ray instance on this machine.
LOCAL_RAY = 'local'
# Ray on one machine: keep every socket on the loopback interface.
LOOPBACK = '127.0.0.1'


@dataclass(frozen=True)
class PipelineSpec:
    """Everything a worker needs to build the pipeline: file paths and settings."""

    model_path: str
    # None: classes named by number (feature extraction), or the head's labels.
    labels_path: str | None
    config: PipelineConfig
    threads: int = 1
    head_path: str | None = None

    def build(self) -> RecognitionPipeline:
        """Load the model and labels or head; MovinetError says what is wrong with them."""
        return RecognitionPipeline.from_files(self.model_path, self.labels_path, self.config,
                                              self.threads, head_path=self.head_path)


@dataclass(frozen=True)
class Task:
    """One recording to evaluate, with the topic to use where the manifest gives none."""

    entry: ManifestEntry
    default_topic: str | None = None


# The pipeline of this worker process: built by its first task, reused (reset) by the rest.
_worker: dict[PipelineSpec, RecognitionPipeline] = {}


def worker_pipeline(spec: PipelineSpec) -> RecognitionPipeline:
    """Return this process's pipeline for ``spec``, loading it on first use."""
    pipeline = _worker.get(spec)
    if pipeline is None:
        _worker.clear()  # one model per worker: a new spec replaces the old one
        pipeline = _worker[spec] = spec.build()
    return pipeline


def adopt_pipeline(spec: PipelineSpec, pipeline: RecognitionPipeline) -> None:
    """Use an already loaded pipeline for ``spec`` in this process (saves a model load)."""
    _worker.clear()
    _worker[spec] = pipeline


def evaluate_task(spec: PipelineSpec, task: Task) -> dict[str, Any]:
    """Evaluate one recording on this worker's pipeline; return the result as plain data."""
    try:
        pipeline = worker_pipeline(spec)
    except MovinetError as error:
        return failed_result(task, f'worker cannot load the pipeline: {error}')
    return evaluate_recording(task.entry, pipeline, task.default_topic).to_dict()


def single_threaded_worker() -> None:
    """Keep OpenCV to one thread: one worker per core, not a core's share of each."""
    cv2.setNumThreads(1)


# What a task does with its recording (evaluate_task, or extract the features to train a
# head on); a module-level function, so that worker processes and Ray can import it.
Work = Callable[[PipelineSpec, Task], dict[str, Any]]


def _worker_task(spec: PipelineSpec, task: Task, work: Work = evaluate_task) -> dict[str, Any]:
    if not _worker:
        single_threaded_worker()  # before this worker's first recording
    return work(spec, task)


def failed_result(task: Task, error: str) -> dict[str, Any]:
    """Return the plain-data result of a task that could not run at all."""
    return RecordingResult(name=task.entry.name, topic=task.entry.topic or '',
                           error=error).to_dict()


Done = Callable[[Task, dict[str, Any]], None]


def run_tasks(spec: PipelineSpec, tasks: Sequence[Task], *, jobs: int,
              ray_address: str | None = None, done: Done = lambda task, result: None,
              work: Work = evaluate_task) -> None:
    """
    Evaluate every task; call ``done(task, result)`` in this process as each one finishes.

    ``jobs`` is the number of worker processes (1: this process), or of CPUs of a local
    Ray; ``ray_address`` a Ray cluster address (``auto``, ``ray://host:10001``, ...) or
    LOCAL_RAY. Raises RunnerError when Ray is asked for and cannot be used.
    """
    if not tasks:
        return
    if ray_address is not None:
        _run_on_ray(spec, tasks, jobs, ray_address, done, work)
    elif min(jobs, len(tasks)) <= 1:
        # A worker process would only add its start-up to a single task.
        for task in tasks:
            done(task, work(spec, task))
    else:
        _run_in_processes(spec, tasks, jobs, done, work)


def _run_in_processes(spec: PipelineSpec, tasks: Sequence[Task], jobs: int,
                      done: Done, work: Work) -> None:
    context = multiprocessing.get_context('spawn')
    workers = min(jobs, len(tasks))
    with concurrent.futures.ProcessPoolExecutor(workers, mp_context=context,
                                                initializer=single_threaded_worker) as pool:
        futures = {pool.submit(work, spec, task): task for task in tasks}
        try:
            for future in concurrent.futures.as_completed(futures):
                done(futures[future], _outcome(future, futures[future]))
        except BaseException:
            # Ctrl-C or a failing callback: drop what has not started, finish quickly.
            pool.shutdown(wait=True, cancel_futures=True)
            raise


def _outcome(future: concurrent.futures.Future[dict[str, Any]],
             task: Task) -> dict[str, Any]:
    try:
        outcome: dict[str, Any] = future.result()
        return outcome
    except Exception as error:  # noqa: B902 - a dead worker fails its recording, not the run
        return failed_result(task, f'worker failed: {type(error).__name__}: {error}')


def _import_ray() -> Any:
    try:
        import ray
    except ImportError as error:
        raise RunnerError(f'--ray needs Ray, which is not installed ({error}); install it '
                          'with `pip install "movinet_ros[ray]"` or `pip install ray`') \
            from None
    return ray


def _start_ray(ray: Any, jobs: int, address: str) -> None:
    try:
        if address == LOCAL_RAY:
            # No usage report from a throw-away instance.
            os.environ.setdefault('RAY_USAGE_STATS_ENABLED', '0')
            # 'local' always starts a new instance: without it Ray joins any cluster it
            # finds recorded on this machine, and with another number of CPUs.
            ray.init(address='local', num_cpus=jobs, include_dashboard=False,
                     _node_ip_address=LOOPBACK, log_to_driver=False)
        else:
            ray.init(address=address, log_to_driver=False)
    except Exception as error:  # noqa: B902 - Ray raises ConnectionError, RuntimeError, ...
        where = 'a local Ray instance' if address == LOCAL_RAY else f'Ray at {address}'
        raise RunnerError(f'cannot start {where}: {type(error).__name__}: {error}') from None


def _run_on_ray(spec: PipelineSpec, tasks: Sequence[Task], jobs: int, address: str,
                done: Done, work: Work) -> None:
    if address == LOCAL_RAY:
        # A single-node Ray: its processes then talk over loopback, where they would use
        # the machine's network address (and workers inherit this). Read on import of ray.
        os.environ.setdefault('RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER', '0')
    ray = _import_ray()
    if ray.is_initialized():
        raise RunnerError('Ray is already initialised in this process; run eval-dataset in '
                          'a process of its own')
    _start_ray(ray, jobs, address)
    try:
        remote = ray.remote(num_cpus=1)(_worker_task)
        spec_ref = ray.put(spec)
        pending = {remote.remote(spec_ref, task, work): task for task in tasks}
        while pending:
            ready, _ = ray.wait(list(pending), num_returns=1)
            for ref in ready:
                task = pending.pop(ref)
                try:
                    result = ray.get(ref)
                except Exception as error:  # noqa: B902 - RayTaskError, WorkerCrashedError
                    result = failed_result(task, f'Ray task failed: {type(error).__name__}: '
                                                 f'{error}')
                done(task, result)
    finally:
        ray.shutdown()
