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
Write what a run over bags gave: predictions CSV, events CSV, result bag, summary data.

Every writer reads the run's records
(:class:`~movinet_ros.offline.scoring.frame_records.ProcessedFrame`).
CSV files use fixed precision and leave timings out, so two runs of the same bag give
byte-identical files.
"""

import csv
import os
from pathlib import Path
from typing import Any

from movinet_ros.core.pipeline import RecognitionPipeline
from movinet_ros.core.stamps import NS_PER_SEC
from movinet_ros.offline.bags.bag_io import RecognitionBagWriter
from movinet_ros.offline.scoring.annotations import Segment
from movinet_ros.offline.scoring.frame_metrics import (
    evaluate, event_scores, latency_stats, PredictedSpan)
from movinet_ros.offline.scoring.frame_records import BagRun
import numpy as np

DEFAULT_ACTIONS_TOPIC = '/actions'
SCORE_FORMAT = '{:.6f}'
TIME_FORMAT = '{:.6f}'
# Playback rate of an animation when neither a target rate nor two stamps give one.
_FALLBACK_FPS = 5.0


def _seconds(stamp_ns: int, origin_ns: int) -> str:
    return TIME_FORMAT.format((stamp_ns - origin_ns) / NS_PER_SEC)


def write_predictions_csv(run: BagRun, top_k: int, out_path: str | os.PathLike[str]) -> Path:
    """
    Write one row per processed frame: stamp, time, state length, reset, ranked top-k.

    Times are seconds from the first frame read; scores have six decimals. Frames whose
    ranking is shorter than ``top_k`` (score threshold) leave the remaining cells empty.
    """
    path = Path(out_path)
    origin = run.first_stamp_ns or 0
    header = ['stamp_ns', 'time_sec', 'frames_in_state', 'reset']
    for rank in range(1, top_k + 1):
        header += [f'label_{rank}', f'score_{rank}']
    with open(path, 'w', newline='', encoding='utf-8') as stream:
        writer = csv.writer(stream, lineterminator='\n')
        writer.writerow(header)
        for frame in run.frames:
            row = [str(frame.stamp_ns), _seconds(frame.stamp_ns, origin),
                   str(frame.frames_in_state), frame.reset]
            for rank in range(top_k):
                if rank < len(frame.hypotheses):
                    hypothesis = frame.hypotheses[rank]
                    row += [hypothesis.label, SCORE_FORMAT.format(hypothesis.score)]
                else:
                    row += ['', '']
            writer.writerow(row)
    return path


def write_events_csv(run: BagRun, out_path: str | os.PathLike[str]) -> Path:
    """
    Write one row per action event: label, start and end (stamps and seconds), scores.

    ``started_ns``/``ended_ns`` are the stamps of the frames that decided the START and the
    END (the node's ActionEvent header stamps); times are seconds from the first frame.
    """
    path = Path(out_path)
    origin = run.first_stamp_ns or 0
    with open(path, 'w', newline='', encoding='utf-8') as stream:
        writer = csv.writer(stream, lineterminator='\n')
        writer.writerow(['label', 'class_id', 'start_sec', 'end_sec', 'start_ns', 'end_ns',
                         'started_ns', 'ended_ns', 'peak_score', 'mean_score', 'reason'])
        for start, end in run.event_spans():
            writer.writerow([
                end.label, str(end.class_id), _seconds(end.start_ns, origin),
                _seconds(end.end_ns, origin), str(end.start_ns), str(end.end_ns),
                str(start.stamp_ns), str(end.stamp_ns), SCORE_FORMAT.format(end.peak_score),
                SCORE_FORMAT.format(end.mean_score), end.reason])
    return path


def predicted_spans(run: BagRun) -> list[PredictedSpan]:
    """Return the run's events as the spans the metrics and the timeline take."""
    return [PredictedSpan(end.label, end.start_ns, end.end_ns) for _, end in run.event_spans()]


def write_result_bag(run: BagRun, pipeline: RecognitionPipeline,
                     out_path: str | os.PathLike[str],
                     topic: str = DEFAULT_ACTIONS_TOPIC) -> int:
    """
    Write the results as ActionRecognition messages into a new mcap rosbag2.

    Each message has the fields the node publishes (stamp and frame_id of its image) and is
    logged at the image's log time, so the result bag lines up with the recording. Returns
    the message count.
    """
    with RecognitionBagWriter(out_path, topic) as writer:
        for frame in run.frames:
            writer.write(frame, model=pipeline.model.name,
                         num_classes=pipeline.model.num_classes, log_time_ns=frame.log_time_ns)
        return writer.count


def animation_fps(run: BagRun, target_fps: float) -> float:
    """Return the playback rate of the animation: the rate the model saw frames at."""
    if target_fps > 0:
        return target_fps
    stamps = np.array([frame.stamp_ns for frame in run.frames], dtype=np.int64)
    steps = np.diff(stamps)
    steps = steps[steps > 0]
    return float(NS_PER_SEC / np.median(steps)) if steps.size else _FALLBACK_FPS


def _speed(run: BagRun) -> dict[str, float | None]:
    seconds = run.loop_sec
    return {
        'loop_sec': seconds,
        'frames_per_sec': run.frames_read / seconds if seconds > 0 else None,
        'processed_frames_per_sec': run.stats.processed / seconds if seconds > 0 else None,
    }


def build_summary(run: BagRun, pipeline: RecognitionPipeline, segments: list[Segment] | None,
                  annotations_path: str | os.PathLike[str] | None) -> dict[str, Any]:
    """Return the summary of a run as plain data: counts, settings, accuracies, speed."""
    config = pipeline.config
    report = evaluate(run.scored_predictions(pipeline.labels, config.ranking.score_threshold),
                      segments or [], origin_ns=run.first_stamp_ns)
    scored = segments is not None
    return {
        'model': pipeline.model.name,
        'bags': run.bags,
        'topic': run.topic,
        'annotations': os.fspath(annotations_path) if annotations_path is not None else None,
        'target_fps': config.target_fps,
        'reset_gap_sec': config.reset_gap_sec,
        'context_sec': config.context.context_sec,
        'context_streams': config.context.streams,
        'resize_mode': config.resize_mode,
        'top_k': config.ranking.top_k,
        'score_threshold': config.ranking.score_threshold,
        'frames_read': run.frames_read,
        'frames_processed': run.stats.processed,
        'frames_throttled': run.stats.throttled,
        'frames_duplicate': run.stats.duplicates,
        'frames_rejected': run.stats.rejected,
        'zero_stamp_frames': run.zero_stamp_frames,
        'state_resets': run.stats.resets,
        'first_stamp_ns': run.first_stamp_ns,
        'duration_sec': run.duration_sec,
        'clip_top1_accuracy': report.clip_top1_accuracy if scored else None,
        'clip_top5_accuracy': report.clip_top5_accuracy if scored else None,
        'frame_top1_accuracy': report.frame_top1_accuracy if scored else None,
        'frame_top5_accuracy': report.frame_top5_accuracy if scored else None,
        'frames_annotated': report.frames_annotated if scored else None,
        'segments': [_segment_dict(s) for s in report.to_dict()['segments']],
        'mean_time_to_correct_sec': report.mean_time_to_correct_sec if scored else None,
        'switches_never_correct': report.switches_never_correct if scored else None,
        'confusion': report.confusion,
        'events': _events_summary(run, segments),
        'inference_ms': latency_stats(f.inference_ms for f in run.frames),
        'pipeline_ms': latency_stats(f.total_ms for f in run.frames),
        'speed': _speed(run),
    }


def _events_summary(run: BagRun, segments: list[Segment] | None) -> dict[str, Any]:
    spans = run.event_spans()
    summary: dict[str, Any] = {'count': len(spans), 'precision': None, 'recall': None,
                               'f1': None}
    if segments is not None:
        summary.update(event_scores(predicted_spans(run), segments))
    return summary


def _segment_dict(segment: dict[str, Any]) -> dict[str, Any]:
    keys = ('label', 'start', 'end', 'predicted', 'correct', 'correct_top5',
            'time_to_correct_sec', 'frames')
    return {key: segment[key] for key in keys}
