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
Throughput of ``movinet-ros eval-dataset``: recordings per second with one and two jobs.

The dataset alternates 30 fps 640x480 mp4 videos and JPEG-compressed mcap bags of the clip
(played ``loops`` times), labelled ``carving ice``, evaluated at target fps 5. Each repeat
evaluates it from scratch (``force``) with ``--jobs 1`` (in this process) and then with
``--jobs 2`` (two worker processes), so the ratio of the two rates pairs runs made under
the same load. The wall time is the user's: it includes starting the worker processes and
loading the model in each, and writing the outputs.

``parallel_ceiling`` is the control: how much two processes stepping the same pipeline at
once get done against one alone (2.0 = two independent cores). It bounds what any number of
workers can gain on the machine, whatever eval-dataset does. The recordings are hard links to one
video and one bag, so after the first read they come from the page cache: the figure is the
CPU's, not the disk's.
"""

from collections.abc import Callable
import csv
import multiprocessing
import pathlib
import time
from typing import Any

from benchmark import BenchmarkError
from benchmark.content import clip_frames
from benchmark.stats import Figure, paired_ratio, summarize
import cv2
from movinet_ros.core.pipeline import PipelineConfig, RecognitionPipeline
from movinet_ros.offline.bags.bag_io import write_video_bag
from movinet_ros.offline.dataset.evaluate import evaluate_dataset
from movinet_ros.offline.dataset.runners import PipelineSpec
import numpy as np

VIDEO_FPS = 30.0
TARGET_FPS = 5.0
SIZE = (640, 480)
TOPIC = '/camera/image_raw/compressed'
LABEL = 'carving ice'
JOBS = (1, 2)
# Model steps of each loop of the parallel ceiling, and how long to wait for its processes.
CEILING_STEPS = 300
CEILING_TIMEOUT_SEC = 120.0


def write_dataset(clip_path: str, workdir: pathlib.Path, recordings: int,
                  loops: int) -> pathlib.Path:
    """Write ``recordings`` videos and bags of the clip and their manifest; return it."""
    frames = clip_frames(clip_path, SIZE) * loops
    video = workdir / 'source.mp4'
    writer = cv2.VideoWriter(str(video), cv2.VideoWriter_fourcc(*'mp4v'), VIDEO_FPS, SIZE)
    if not writer.isOpened():
        raise BenchmarkError('OpenCV cannot write an mp4v video for the dataset benchmark')
    try:
        for bgr in frames:
            writer.write(bgr)
    finally:
        writer.release()
    bag = workdir / 'source_bag'
    write_video_bag(video, bag, TOPIC, compressed=True)
    rows = []
    for index in range(recordings):
        # Copies as links: every recording is read from its own path, at no disk cost.
        if index % 2 == 0:
            name = f'video_{index:03d}.mp4'
            (workdir / name).hardlink_to(video)
        else:
            name = f'bag_{index:03d}'
            (workdir / name).mkdir()
            for part in bag.iterdir():  # metadata.yaml names the .mcap: same names
                (workdir / name / part.name).hardlink_to(part)
        rows.append((name, LABEL))
    manifest = workdir / 'manifest.csv'
    with open(manifest, 'w', newline='', encoding='utf-8') as stream:
        writer_csv = csv.writer(stream, lineterminator='\n')
        writer_csv.writerow(['recording', 'label'])
        writer_csv.writerows(rows)
    return manifest


def measure_dataset(model_path: str, labels_path: str, manifest: pathlib.Path,
                    workdir: pathlib.Path, repeats: int,
                    step: Callable[[str], None] = lambda line: None
                    ) -> tuple[Figure, Figure, Figure]:
    """Return (recordings/s with 1 job, with 2 jobs, their paired ratio) over ``repeats``."""
    spec = PipelineSpec(model_path, labels_path, PipelineConfig(target_fps=TARGET_FPS))
    rates: dict[int, list[float]] = {jobs: [] for jobs in JOBS}
    for repeat in range(repeats):
        for jobs in JOBS:
            started = time.perf_counter()
            run = evaluate_dataset(manifest, spec, workdir / f'out_{repeat}_{jobs}', jobs=jobs,
                                   force=True)
            wall = time.perf_counter() - started
            if run.summary['failed']:
                raise BenchmarkError(f'eval-dataset failed on {run.summary["failed"]} '
                                     f'benchmark recordings: {run.summary["failures"][0]}')
            rates[jobs].append(run.summary['recordings'] / wall)
        step(f'  repeat {repeat + 1}: {rates[1][-1]:.2f} recordings/s with 1 job, '
             f'{rates[2][-1]:.2f} with 2')
    return summarize(rates[1]), summarize(rates[2]), paired_ratio(rates[2], rates[1])


def _model_loop(model_path: str, labels_path: str, steps: int, start: Any,
                seconds: Any) -> None:
    pipeline = RecognitionPipeline.from_files(model_path, labels_path,
                                              PipelineConfig(target_fps=0.0))
    frame = np.random.default_rng(0).integers(0, 256, (*pipeline.model.input_size, 3),
                                              dtype=np.uint8)
    for index in range(10):  # warm up before the clock starts
        pipeline.process(frame, (index + 1) * 100_000_000)
    start.wait()
    started = time.perf_counter()
    for index in range(steps):
        pipeline.process(frame, (index + 11) * 100_000_000)
    seconds.put(time.perf_counter() - started)


def _loops_at_once(model_path: str, labels_path: str, processes: int) -> float:
    """Return the model steps per second that ``processes`` loops get done together."""
    context = multiprocessing.get_context('spawn')
    start = context.Barrier(processes + 1)
    seconds = context.Queue()
    workers = [context.Process(target=_model_loop, daemon=True,
                               args=(model_path, labels_path, CEILING_STEPS, start, seconds))
               for _ in range(processes)]
    for worker in workers:
        worker.start()
    try:
        start.wait(timeout=CEILING_TIMEOUT_SEC)
        times = [seconds.get(timeout=CEILING_TIMEOUT_SEC) for _ in workers]
    except Exception as error:  # noqa: B902 - BrokenBarrierError, queue.Empty
        raise BenchmarkError(f'a model loop of the parallel ceiling did not finish: '
                             f'{type(error).__name__}') from None
    finally:
        for worker in workers:
            worker.join(timeout=CEILING_TIMEOUT_SEC)
            if worker.is_alive():
                worker.kill()
    return sum(CEILING_STEPS / value for value in times)


def parallel_ceiling(model_path: str, labels_path: str, repeats: int) -> Figure:
    """Return steps/s of two model loops at once / of one alone, over ``repeats`` pairs."""
    one, two = [], []
    for _ in range(repeats):
        one.append(_loops_at_once(model_path, labels_path, 1))
        two.append(_loops_at_once(model_path, labels_path, 2))
    return paired_ratio(two, one)
