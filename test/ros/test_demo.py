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
``make demo`` (scripts/demo.sh) as a user runs it: real processes, the real model and clip.

An error of the node or the publisher must stop the demo at once with the error on screen
and a non-zero status; a good run shows the clip from its first frame.
"""

import os
import signal
import subprocess
import time

from helpers.clips import stamped_clip_frames
from helpers.constants import REPO_ROOT
from helpers.signals import with_sigint
from movinet_ros.core.pipeline import RecognitionPipeline
from movinet_ros.ros.settings import settings_from_values
import pytest

pytestmark = pytest.mark.ros
DEMO = REPO_ROOT / 'scripts' / 'demo.sh'
TIMEOUT_SEC = 90
BAR_WIDTH = 40  # movinet_ros.cli.watch.BAR_WIDTH: label column of the printed bars


def run_demo(ros_env, **settings) -> subprocess.CompletedProcess:
    env = {**ros_env, **{key: str(value) for key, value in settings.items()}}
    started = time.monotonic()
    done = subprocess.run([str(DEMO)], env=env, capture_output=True, text=True,
                          timeout=TIMEOUT_SEC)
    done.seconds = time.monotonic() - started
    return done


def results(stdout: str) -> list[tuple[int, list[tuple[str, str]]]]:
    """Each ActionRecognition the viewer printed: frames in state, (score, label) rows."""
    blocks = []
    for line in stdout.splitlines():
        if '  frames in state: ' in line:
            blocks.append((int(line.split('  frames in state: ')[1].split()[0]), []))
        elif blocks and line.startswith('  ') and line[2:7].replace('.', '').isdigit():
            blocks[-1][1].append((line[2:7], line[8 + BAR_WIDTH + 1:]))
    return blocks


def test_wrong_label_file_stops_the_demo_with_the_node_error(
        ros_env, tmp_path, model_path, labels_path, clip_path):
    labels = tmp_path / 'labels_599.txt'
    labels.write_text(''.join(labels_path.read_text().splitlines(keepends=True)[:599]))
    done = run_demo(ros_env, LABELS=labels, DEMO_SECONDS=60)
    assert done.returncode == 1, done
    assert done.seconds < 45, 'the demo went on after the node failed'
    assert 'make demo: movinet_node ' in done.stderr, done.stderr
    assert (f'configure failed: label file {labels} has 599 labels but the model has 600 '
            'classes') in done.stderr, done.stderr
    assert results(done.stdout) == []


@pytest.mark.parametrize('settings, error', [
    ({'DEMO_SECONDS': 'soon'},
     "make demo: DEMO_SECONDS must be a number of seconds (0: until Ctrl-C), got 'soon'"),
    ({'RELIABILITY': 'maybe'},
     "video_publisher: error: reliability must be one of reliable, best_effort, got 'maybe'"),
    ({'SIZE': '640x-1'}, 'make demo: SIZE must be WIDTHxHEIGHT, e.g. SIZE=640x480'),
])
def test_wrong_camera_settings_stop_the_demo_with_the_error(
        ros_env, model_path, labels_path, clip_path, settings, error):
    done = run_demo(ros_env, **{'DEMO_SECONDS': 60, **settings})
    assert done.returncode == 1, done
    assert error in done.stderr, done.stderr
    assert done.seconds < 45


def test_first_result_is_the_clips_first_frame(ros_env, model_path, labels_path, clip_path):
    # DEMO_SECONDS counts from the clip's start: 6 s of clip make up to 30 results (fewer
    # where a busy machine drops frames at the node's keep-last queue).
    done = run_demo(ros_env, DEMO_SECONDS=6)
    assert done.returncode == 0, done
    assert 'make demo:' not in done.stderr, done.stderr
    shown = results(done.stdout)
    assert len(shown) >= 10, done.stdout
    # What the node's settings make of the clip's first frame, computed here in-process.
    settings = settings_from_values({'model_path': str(model_path),
                                     'labels_path': str(labels_path)})
    pipeline = RecognitionPipeline.from_files(model_path, labels_path,
                                              settings.pipeline_config(), 1)
    [(first_ns, first_rgb)] = stamped_clip_frames(clip_path, limit=1)
    expected = pipeline.process(first_rgb, first_ns)
    assert shown[0] == (1, [(f'{h.score:5.3f}', h.label) for h in expected.hypotheses]), \
        done.stdout[:2000]


def test_size_and_reliability_reach_the_camera(ros_env, model_path, labels_path, clip_path):
    done = run_demo(ros_env, DEMO_SECONDS=5, SIZE='344x0', RELIABILITY='best_effort')
    assert done.returncode == 0, done
    assert ('as 344x344 at 29.59 fps (source 172x172) on /camera/image_raw, best_effort'
            in done.stdout), done.stdout
    assert len(results(done.stdout)) >= 5, done.stdout


@pytest.mark.parametrize('started', ['from a terminal', "by a script's &"])
def test_ctrl_c_stops_everything(ros_env, tmp_path, model_path, labels_path, clip_path,
                                 started):
    # From a script's & bash starts with SIGINT ignored and cannot trap it; the node and
    # the viewer still stop on it, and the demo says 130 all the same.
    command = with_sigint([str(DEMO)], ignored=started != 'from a terminal')
    out, err = tmp_path / 'stdout', tmp_path / 'stderr'
    with out.open('w') as stdout, err.open('w') as stderr:
        demo = subprocess.Popen(command, env=ros_env, stdout=stdout, stderr=stderr,
                                text=True, start_new_session=True)
    try:
        deadline = time.monotonic() + TIMEOUT_SEC
        while time.monotonic() < deadline and len(results(out.read_text())) < 3:
            time.sleep(0.2)
        # A terminal's Ctrl-C goes to the whole foreground process group.
        os.killpg(demo.pid, signal.SIGINT)
        demo.wait(timeout=30)
    finally:
        if demo.poll() is None:
            os.killpg(demo.pid, signal.SIGKILL)
            demo.wait(timeout=10)
    assert demo.returncode == 130, err.read_text()
    assert 'make demo:' not in err.read_text() and 'Traceback' not in err.read_text(), \
        err.read_text()
    assert len(results(out.read_text())) >= 3, out.read_text()
    assert not _group_has(demo.pid, 'movinet'), 'processes left running'


def _group_has(pgid: int, word: str) -> bool:
    """Whether a live (not zombie) process of process group ``pgid`` has ``word`` in its args."""
    listing = subprocess.run(['ps', '-ww', '-eo', 'pgid=,stat=,args='], capture_output=True,
                             text=True).stdout
    for line in listing.splitlines():
        group, stat, args = line.split(None, 2) if len(line.split()) > 2 else ('', 'Z', '')
        if group == str(pgid) and not stat.startswith('Z') and word in args:
            return True
    return False
