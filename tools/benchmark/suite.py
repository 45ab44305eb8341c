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
Run every measurement in order and derive the reported figures.

In-process timings come first (they need the machine to themselves most), then the live
graphs (one camera, then four), then the offline evaluation. A measurement that cannot run
(a process that does not come up, a missing feature) leaves its figures null with the
reason; the floor itself (invoke_ms) must succeed, as every ratio depends on it.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
import os
import pathlib
import tempfile
import time

from benchmark import BenchmarkError, dataset, graph, micro, offline
from benchmark.content import clip_frames
from benchmark.graph import LiveResult, LiveTiming
from benchmark.stats import (
    difference, Figure, median, missing, paired_ratio, product, ratio, summarize)
from movinet_ros.core.errors import MovinetError
from movinet_ros.ros.settings import PARAMS_BY_NAME

STREAMS = 4
E2E_SIZE = (640, 480)
PIPELINE_SIZES = ((640, 480), (1280, 720))
DISTINCT_FRAMES = 16
# A camera driver's Fast DDS: the default 512 KB shared-memory segment, kept on localhost.
DEFAULTS_PROFILE = (pathlib.Path(__file__).resolve().parents[2] / 'config'
                    / 'fastdds_localhost.xml')


@dataclass(frozen=True)
class Plan:
    """How much of each measurement to do."""

    repeats: int
    warmup_frames: int
    invoke_frames: int
    pipeline_frames: int
    callback_frames: int
    live: LiveTiming
    eval_size: tuple[int, int]
    eval_loops: int
    delivery_frames: int
    dataset_recordings: int = 16
    dataset_loops: int = 2
    dataset_repeats: int = 3


# About 5 minutes on 2 cores: 4 s of in-process timing, 2 live graphs of ~50 s, 4 camera
# drivers of ~15 s, eval ~20 s, eval-dataset ~25 s.
FULL_PLAN = Plan(repeats=5, warmup_frames=8, invoke_frames=60, pipeline_frames=40,
                 callback_frames=90, live=LiveTiming(3.0, 5, 8.0, 90.0),
                 eval_size=(640, 480), eval_loops=2, delivery_frames=300,
                 dataset_recordings=16, dataset_loops=2, dataset_repeats=3)
# A smoke run for the tests: every path once, in well under a minute.
QUICK_PLAN = Plan(repeats=3, warmup_frames=3, invoke_frames=12, pipeline_frames=8,
                  callback_frames=36, live=LiveTiming(1.0, 3, 1.5, 45.0),
                  eval_size=(320, 240), eval_loops=1, delivery_frames=90,
                  dataset_recordings=4, dataset_loops=1, dataset_repeats=1)


@dataclass(frozen=True)
class Setup:
    """What to benchmark and where: files, DDS profile, domain, namespace prefix."""

    model_path: str
    labels_path: str
    clip_path: str
    profile_path: str
    domain_id: int
    namespace: str = field(default_factory=lambda: f'/movinet_bench_{os.getpid()}')


def run_benchmark(setup: Setup, plan: Plan,
                  progress: Callable[[str], None] = lambda line: None) -> dict[str, Figure]:
    """Measure everything ``plan`` asks for; return the figures by report key."""
    started = time.monotonic()

    def step(text: str) -> None:
        progress(f'[{time.monotonic() - started:6.1f} s] {text}')

    env = graph.dds_environment(setup.domain_id, setup.profile_path)
    # The in-process node and the probe join the same isolated domain as the children.
    os.environ.update(env)
    os.environ.pop('ROS_LOCALHOST_ONLY', None)
    figures: dict[str, Figure] = {}
    figures.update(_micro(setup, plan, step))
    figures.update(_live(setup, plan, env, figures['invoke_ms'], step))
    figures.update(_delivery(setup, plan, env, step))
    figures.update(_evaluation(setup, plan, figures['invoke_ms'], step))
    figures.update(_dataset(setup, plan, step))
    step('done')
    return figures


def _micro(setup: Setup, plan: Plan, step: Callable[[str], None]) -> dict[str, Figure]:
    figures: dict[str, Figure] = {}
    step('invoke floor (bare interpreter, states carried), pipeline.process on bgr8 '
         f'Images {", ".join(f"{w}x{h}" for w, h in PIPELINE_SIZES)} and the bounded '
         'context, interleaved')
    native = clip_frames(setup.clip_path, limit=2 * DISTINCT_FRAMES)
    timers = [micro.invoke_floor(setup.model_path, native, plan.invoke_frames,
                                 plan.warmup_frames)]
    for size in PIPELINE_SIZES:
        frames = clip_frames(setup.clip_path, size, DISTINCT_FRAMES)
        timers.append(micro.pipeline_frame(setup.model_path, setup.labels_path, frames,
                                           plan.pipeline_frames, plan.warmup_frames))
    timers.append(micro.context_step(setup.model_path, native, plan.invoke_frames,
                                     plan.warmup_frames))
    keys = ['invoke_ms'] + [f'pipeline_ms_{width}x{height}' for width, height in PIPELINE_SIZES]
    keys.append('context_step_ms')
    timers.append(micro.head_step(setup.model_path, native, plan.invoke_frames,
                                  plan.warmup_frames))
    keys.append('head_ms')
    repeats = dict(zip(keys, micro.interleave(timers, plan.repeats)))
    figures.update((key, summarize(samples)) for key, samples in repeats.items())
    figures['pipeline_ratio'] = paired_ratio(repeats['pipeline_ms_640x480'],
                                             repeats['invoke_ms'])
    figures['context_cost_ratio'] = paired_ratio(repeats['context_step_ms'],
                                                 repeats['invoke_ms'])
    figures['head_cost_ratio'] = paired_ratio(repeats['head_ms'], repeats['invoke_ms'])
    figures['pipeline_step_ms_640x480'] = summarize(
        [median(steps) for steps in timers[1].recorded])
    step('node image callback: dropped vs processed frames at 30 Hz into 5 fps')
    frames = clip_frames(setup.clip_path, E2E_SIZE, DISTINCT_FRAMES)
    try:
        drop_ratio, dropped, processed = micro.callback_costs(
            setup.model_path, setup.labels_path, frames, plan.repeats, plan.callback_frames,
            setup.domain_id, f'{setup.namespace}_callback')
    except MovinetError as error:
        drop_ratio = dropped = processed = missing(str(error))
    figures.update(drop_cost_ratio=drop_ratio, callback_drop_ms=dropped,
                   callback_processed_ms=processed)
    return figures


def _live(setup: Setup, plan: Plan, env: dict[str, str], invoke: Figure,
          step: Callable[[str], None]) -> dict[str, Figure]:
    step(f'live graph: video_publisher {E2E_SIZE[0]}x{E2E_SIZE[1]} @ 30 Hz -> node -> probe')
    single = _run_live(setup, plan, env, setup.namespace, 1)
    figures = {
        'e2e_latency_ms_p50': single.latency_p50,
        'e2e_latency_ms_p95': single.latency_p95,
        'e2e_overhead_ms_p50': difference(single.latency_p50, invoke),
        'e2e_step_ms_p50': single.step_p50,
        'e2e_image_ms_p50': single.image_p50,
        'node_cpu_percent': single.cpu_percent,
        'node_rss_mb': single.rss_mb,
    }
    if 'image_topics' not in PARAMS_BY_NAME:
        reason = 'node has no multi-camera support yet'
        figures['streams_4_latency_ms_p50'] = figures['streams_4_latency_ratio'] = \
            missing(reason)
        return figures
    step(f'live graph: {STREAMS} video_publishers @ 30 Hz -> one node (image_topics)')
    several = _run_live(setup, plan, env, f'{setup.namespace}_streams', STREAMS)
    figures['streams_4_latency_ms_p50'] = several.latency_p50
    figures['streams_4_latency_ratio'] = ratio(several.latency_p50, single.latency_p50)
    return figures


def _delivery(setup: Setup, plan: Plan, env: dict[str, str],
              step: Callable[[str], None]) -> dict[str, Figure]:
    figures: dict[str, Figure] = {}
    for width, height in PIPELINE_SIZES:
        for reliability in ('reliable', 'best_effort'):
            name = f'{width}x{height}_{reliability}'
            step(f'camera driver on Fast DDS defaults, {width}x{height} @ 30 Hz, {reliability}'
                 ' -> node')
            try:
                result = graph.measure_delivery(
                    setup.model_path, setup.labels_path, setup.clip_path, env,
                    f'{setup.namespace}_{name}', size=(width, height),
                    reliability=reliability, driver_profile=str(DEFAULTS_PROFILE),
                    frames=plan.delivery_frames)
            except MovinetError as error:
                figures[f'input_delivered_ratio_{name}'] = missing(str(error))
                figures[f'output_ratio_{name}'] = missing(str(error))
                figures[f'e2e_latency_ms_p50_{name}'] = missing(str(error))
                continue
            figures[f'input_delivered_ratio_{name}'] = summarize([result.delivered_ratio])
            figures[f'output_ratio_{name}'] = summarize([result.output_ratio])
            figures[f'e2e_latency_ms_p50_{name}'] = result.latency_p50
    return figures


def _run_live(setup: Setup, plan: Plan, env: dict[str, str], namespace: str,
              cameras: int) -> LiveResult:
    try:
        return graph.measure_live(setup.model_path, setup.labels_path, setup.clip_path, env,
                                  namespace, plan.live, cameras=cameras, size=E2E_SIZE)
    except BenchmarkError as error:
        return LiveResult.failed(str(error))


def _evaluation(setup: Setup, plan: Plan, invoke: Figure,
                step: Callable[[str], None]) -> dict[str, Figure]:
    if offline.evaluate_bags is None:
        eval_fps = outputs = steps = missing(offline.UNAVAILABLE)
    else:
        width, height = plan.eval_size
        step(f'movinet-ros eval on a 30 fps {width}x{height} bag at target fps 5')
        with tempfile.TemporaryDirectory(prefix='movinet_bench_') as workdir:
            try:
                bag = offline.write_eval_bag(setup.clip_path, pathlib.Path(workdir),
                                             plan.eval_size, plan.eval_loops)
                eval_fps, outputs, steps = offline.measure_eval(
                    setup.model_path, setup.labels_path, bag, pathlib.Path(workdir),
                    plan.repeats)
            except MovinetError as error:
                eval_fps = outputs = steps = missing(str(error))
    return {
        'eval_fps': eval_fps,
        'eval_throughput_ratio': product(eval_fps, invoke, 1e-3),
        'eval_outputs_sec': outputs,
        'eval_step_ms_p50': steps,
    }


def _dataset(setup: Setup, plan: Plan, step: Callable[[str], None]) -> dict[str, Figure]:
    step(f'movinet-ros eval-dataset on {plan.dataset_recordings} recordings (mp4 and bags, '
         f'{dataset.SIZE[0]}x{dataset.SIZE[1]}): --jobs 1 vs --jobs 2')
    with tempfile.TemporaryDirectory(prefix='movinet_bench_dataset_') as workdir:
        try:
            manifest = dataset.write_dataset(setup.clip_path, pathlib.Path(workdir),
                                             plan.dataset_recordings, plan.dataset_loops)
            one, two, speedup = dataset.measure_dataset(
                setup.model_path, setup.labels_path, manifest, pathlib.Path(workdir),
                plan.dataset_repeats, step)
        except MovinetError as error:
            one = two = speedup = missing(str(error))
    step('parallel ceiling: two processes stepping the model at once vs one')
    try:
        ceiling = dataset.parallel_ceiling(setup.model_path, setup.labels_path,
                                           plan.dataset_repeats)
    except MovinetError as error:
        ceiling = missing(str(error))
    return {'dataset_recordings_per_sec': one, 'dataset_recordings_per_sec_jobs2': two,
            'dataset_jobs2_speedup': speedup, 'parallel_ceiling': ceiling}
