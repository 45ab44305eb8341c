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
Throughput of ``movinet-ros eval`` (``evaluate_bags``) on a bag, against the model's floor.

The bag holds the clip resized to a camera size and played ``loops`` times as a 30 fps
sensor_msgs/Image stream; evaluation runs it at target fps 5, so it reads six messages for
every frame the model sees. ``eval_fps`` is processed frames per second of the evaluation
loop's wall time (reading, throttling, decoding, inference, ranking); writing the outputs
(CSV, plot, summary) is a fixed cost per run, reported apart as ``outputs_sec``.
"""

import pathlib
import time

from benchmark import BenchmarkError
from benchmark.content import clip_frames
from benchmark.stats import Figure, missing, summarize
import cv2
from movinet_ros.core.pipeline import PipelineConfig, RecognitionPipeline
from movinet_ros.core.stamps import NS_PER_SEC
from movinet_ros.offline.bags.bag_io import write_video_bag
import numpy as np

# A broken or absent evaluation module must not stop the other measurements.
try:
    from movinet_ros.offline.bags.evaluate import evaluate_bags
    UNAVAILABLE = ''
except Exception as error:  # noqa: B902 - any import failure only disables this figure
    evaluate_bags = None
    UNAVAILABLE = f'movinet-ros eval is not available: {error!r}'

BAG_FPS = 30.0
EVAL_TARGET_FPS = 5.0
TOPIC = '/camera/image_raw'
WARMUP_FRAMES = 5


def write_eval_bag(clip_path: str, workdir: pathlib.Path, size: tuple[int, int],
                   loops: int) -> pathlib.Path:
    """Write the clip at ``size``, ``loops`` times over, as a 30 fps image bag; return it."""
    video = workdir / 'eval_source.avi'
    writer = cv2.VideoWriter(str(video), cv2.VideoWriter_fourcc(*'MJPG'), BAG_FPS, size)
    if not writer.isOpened():
        raise BenchmarkError('OpenCV cannot write an MJPG video for the evaluation bag')
    try:
        frames = clip_frames(clip_path, size)
        for _ in range(loops):
            for bgr in frames:
                writer.write(bgr)
    finally:
        writer.release()
    bag = workdir / 'eval_bag'
    write_video_bag(video, bag, TOPIC)
    video.unlink()
    return bag


def measure_eval(model_path: str, labels_path: str, bag: pathlib.Path,
                 workdir: pathlib.Path, repeats: int) -> tuple[Figure, Figure, Figure]:
    """Return (eval_fps, outputs_sec, median model step ms) of ``repeats`` evaluations."""
    if evaluate_bags is None:
        return missing(UNAVAILABLE), missing(UNAVAILABLE), missing(UNAVAILABLE)
    pipeline = RecognitionPipeline.from_files(model_path, labels_path,
                                              PipelineConfig(target_fps=EVAL_TARGET_FPS))
    # A long evaluation runs a warm interpreter; the first invokes are slower.
    warm_frame = np.zeros((*pipeline.model.input_size, 3), np.uint8)
    for index in range(WARMUP_FRAMES):
        pipeline.process(warm_frame, (index + 1) * NS_PER_SEC)
    rates, outputs, steps = [], [], []
    for repeat in range(repeats):
        started = time.perf_counter()
        summary = evaluate_bags(bag, TOPIC, pipeline, out_dir=workdir / f'eval_{repeat}')
        wall = time.perf_counter() - started
        processed = summary['frames_processed']
        loop_sec = summary.get('speed', {}).get('loop_sec') or wall
        if not processed:
            raise BenchmarkError('movinet-ros eval processed no frame of the benchmark bag')
        rates.append(processed / loop_sec)
        outputs.append(wall - loop_sec)
        steps.append(summary['inference_ms']['p50'])
    return summarize(rates), summarize(outputs), summarize(steps)
