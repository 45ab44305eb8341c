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
Tests of the ``movinet-ros`` command itself: lazy subcommands and option checks.

The offline subcommands (classify, eval, eval-dataset, video2bag) must start on a machine
without ROS 2, so those tests run the command in a child Python where every ROS package fails
to import.
"""

import json
import os
import subprocess
import sys

from movinet_ros import cli
import pytest

# Every ROS 2 package the project imports anywhere; None in sys.modules makes imports fail.
ROS_PACKAGES = ('rclpy', 'sensor_msgs', 'std_msgs', 'diagnostic_msgs', 'std_srvs',
                'lifecycle_msgs', 'builtin_interfaces', 'rcl_interfaces', 'ament_index_python',
                'launch', 'launch_ros', 'movinet_ros_interfaces')
LOADED_MARK = 'loaded subcommand modules: '
WITHOUT_ROS = f"""
import sys
for name in {ROS_PACKAGES!r}:
    sys.modules[name] = None
from movinet_ros.cli import main, SUBCOMMANDS
try:
    code = main(sys.argv[1:])
finally:
    loaded = sorted(name for name in SUBCOMMANDS
                    if 'movinet_ros.cli.' + name.replace('-', '_') in sys.modules)
    print({LOADED_MARK!r} + ','.join(loaded), file=sys.stderr)
sys.exit(code)
"""
TIMEOUT_SEC = 120
CLIP_FRAMES = 131


def _run_without_ros(*args: str) -> tuple[subprocess.CompletedProcess, set[str]]:
    env = dict(os.environ, COLUMNS='200')
    process = subprocess.run([sys.executable, '-c', WITHOUT_ROS, *args], env=env,
                             capture_output=True, text=True, timeout=TIMEOUT_SEC)
    mark = [line for line in process.stderr.splitlines() if line.startswith(LOADED_MARK)]
    assert mark, process.stderr
    return process, set(filter(None, mark[-1][len(LOADED_MARK):].split(',')))


def test_help_lists_every_subcommand_without_importing_any():
    process, loaded = _run_without_ros('--help')
    assert process.returncode == 0, process.stderr
    text = ' '.join(process.stdout.split())  # argparse may wrap the help lines
    for name, help_text in cli.SUBCOMMANDS.items():
        assert f'{name} {help_text}' in text
    assert loaded == set()


@pytest.mark.parametrize('command, expected', [
    ('classify', {'classify'}),
    ('eval', {'eval', 'classify'}),  # eval shares classify's model options
    ('eval-dataset', {'eval-dataset', 'classify'}),
    ('video2bag', {'video2bag'}),
    ('watch', {'watch'}),  # imports ROS 2 only when it runs
])
def test_subcommand_help_imports_that_subcommand_only(command, expected):
    process, loaded = _run_without_ros(command, '--help')
    assert process.returncode == 0, process.stderr
    assert process.stdout.startswith(f'usage: movinet-ros {command}')
    assert loaded == expected


def test_bench_says_it_moved_to_make_bench_and_fails():
    # Users' scripts that call the former subcommand, with its former options, are told.
    process, loaded = _run_without_ros('bench', '--quick', '--json', '--domain-id', '7')
    assert process.returncode == 2
    assert process.stdout == ''
    assert 'make bench' in process.stderr and 'tools/bench.py' in process.stderr
    assert 'Traceback' not in process.stderr, process.stderr
    assert loaded == {'bench'}


def test_offline_commands_run_without_ros(tmp_path, model_path, labels_path, clip_path):
    bag = tmp_path / 'camera_bag'
    process, loaded = _run_without_ros('video2bag', str(clip_path), str(bag), '--topic',
                                       '/cam/image', '--compressed')
    assert process.returncode == 0, process.stderr
    assert f'wrote {CLIP_FRAMES} ' in process.stdout
    assert 'bench' not in loaded

    model = ['--model', str(model_path), '--labels', str(labels_path)]
    process, _ = _run_without_ros('classify', str(clip_path), *model, '--json')
    assert process.returncode == 0, process.stderr
    result = json.loads(process.stdout.strip().splitlines()[-1])
    assert result['frames_read'] == CLIP_FRAMES
    assert result['results'][0]['label'] == 'carving ice'

    out = tmp_path / 'eval'
    process, _ = _run_without_ros('eval', str(bag), '--topic', '/cam/image', *model,
                                  '--out', str(out), '--write-bag')
    assert process.returncode == 0, process.stderr
    assert f'{CLIP_FRAMES} frames read' in process.stdout
    assert (out / 'summary.json').is_file()
    assert (out / 'actions_bag' / 'metadata.yaml').is_file()


MODEL = ['--model', 'm.tflite', '--labels', 'labels.txt']
CLASSIFY = ['classify', 'clip.mp4', *MODEL]
EVAL = ['eval', 'bag', '--topic', '/cam', '--out', 'out', *MODEL]
VIDEO2BAG = ['video2bag', 'clip.mp4', 'bag', '--topic', '/cam']
DATASET = ['eval-dataset', 'manifest.csv', '--out', 'out', *MODEL]


@pytest.mark.parametrize('argv, option', [
    (CLASSIFY + ['--fps', '-1'], '--fps'),
    (CLASSIFY + ['--fps', 'nan'], '--fps'),
    (CLASSIFY + ['--fps', 'inf'], '--fps'),
    (CLASSIFY + ['--fps', 'fast'], '--fps'),
    (CLASSIFY + ['--top-k', '0'], '--top-k'),
    (CLASSIFY + ['--top-k', '2.5'], '--top-k'),
    (CLASSIFY + ['--threads', '0'], '--threads'),
    (EVAL + ['--fps', '-0.5'], '--fps'),
    (EVAL + ['--top-k', '-3'], '--top-k'),
    (EVAL + ['--threads', '-1'], '--threads'),
    (EVAL + ['--animate', 'a.gif', '--animate-max-frames', '-1'], '--animate-max-frames'),
    (EVAL + ['--animate', 'a.gif', '--animate-max-frames', '0'], '--animate-max-frames'),
    (DATASET + ['--jobs', '0'], '--jobs'),
    (DATASET + ['--jobs', 'all'], '--jobs'),
    (DATASET + ['--context-sec', '-1'], '--context-sec'),
    (VIDEO2BAG + ['--max-frames', '-1'], '--max-frames'),
    (VIDEO2BAG + ['--max-frames', '0'], '--max-frames'),
    (VIDEO2BAG + ['--compressed', '--jpeg-quality', '101'], '--jpeg-quality'),
    (VIDEO2BAG + ['--compressed', '--jpeg-quality', '-1'], '--jpeg-quality'),
    (['watch', '--count', '-1'], '--count'),
    (['watch', '--seconds', '-2'], '--seconds'),
    (['watch', '--seconds', 'nan'], '--seconds'),
])
def test_invalid_numbers_are_usage_errors(argv, option, capsys):
    with pytest.raises(SystemExit) as exit_info:
        cli.main(argv)
    assert exit_info.value.code == 2
    error = capsys.readouterr().err.strip().splitlines()
    assert error[0].startswith(f'usage: movinet-ros {argv[0]}')
    assert error[-1].startswith(f'movinet-ros {argv[0]}: error: argument {option}: ')


@pytest.mark.parametrize('argv, attribute, value', [
    (CLASSIFY + ['--fps', '0'], 'fps', 0.0),  # 0: every frame
    (CLASSIFY + ['--top-k', '1', '--threads', '1'], 'top_k', 1),
    (EVAL + ['--animate-max-frames', '1'], 'animate_max_frames', 1),
    (DATASET + ['--jobs', '1'], 'jobs', 1),
    (DATASET + ['--ray'], 'ray', ''),  # no address: $RAY_ADDRESS, else a local Ray
    (DATASET + ['--ray', 'auto'], 'ray', 'auto'),
    (VIDEO2BAG + ['--jpeg-quality', '0'], 'jpeg_quality', 0),
    (VIDEO2BAG + ['--jpeg-quality', '100'], 'jpeg_quality', 100),
    (VIDEO2BAG + ['--max-frames', '1'], 'max_frames', 1),
    (['watch', '--count', '0', '--seconds', '0'], 'seconds', 0.0),
])
def test_boundary_numbers_are_accepted(argv, attribute, value):
    args = cli.build_parser(argv[0]).parse_args(argv)
    assert getattr(args, attribute) == value


def test_classify_says_the_video_is_missing_before_loading_the_model(tmp_path, model_path,
                                                                     labels_path):
    # A real model: loading it would succeed, so only the order decides what is said.
    missing = tmp_path / 'no_such_clip.mp4'
    process, _ = _run_without_ros('classify', str(missing), '--model', str(model_path),
                                  '--labels', str(labels_path))
    assert process.returncode == 2, process
    errors = [line for line in process.stderr.splitlines() if 'error' in line]
    assert errors == [f'movinet-ros classify: error: video file {missing} does not exist']
    # The TFLite runtime announces its delegate when a model loads: it never did.
    assert 'TensorFlow Lite' not in process.stderr, process.stderr


@pytest.mark.ros
def test_watch_without_a_publisher_says_nothing_arrived_and_fails(ros_env, tmp_path):
    ready = tmp_path / 'ready'
    process = subprocess.run([sys.executable, '-m', 'movinet_ros.cli', 'watch', '--topic',
                              '/actions', '--seconds', '2', '--ready-file', str(ready)],
                             env=ros_env, capture_output=True, text=True, timeout=TIMEOUT_SEC)
    assert process.returncode == 1, process
    assert not ready.exists(), 'ready without a publisher matched'
    assert process.stderr.strip() == (
        'movinet-ros watch: nothing arrived on /actions in 2 s (no publisher on it; is '
        'movinet_node running, active, and in this ROS_DOMAIN_ID?)'), process.stderr
