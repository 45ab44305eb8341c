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
``make bench``: measure the node and the pipeline against the model's own floor.

Runs from a checkout (the harness in tools/ is not installed with the package), after
``make setup`` and ``. scripts/env.sh``::

    python tools/bench.py [--quick] [--json] [--model M --labels L --clip C]

Prints progress on stderr, then a table and, as the last stdout line, one JSON object with
every figure (``--json``: the JSON line alone on stdout, the table on stderr). Live
measurements start their own processes on an isolated localhost DDS domain and stop them
before returning. The model, labels and clip default to ../shared (MOVINET_SHARED_DIR).
"""

import argparse
import os
import pathlib
import platform
import signal
import sys
import time

from benchmark import BenchmarkError
from benchmark.report import render_table, to_json
from benchmark.suite import FULL_PLAN, QUICK_PLAN, run_benchmark, Setup
from movinet_ros.cli.options import int_in_range
from movinet_ros.core.errors import MovinetError

REPO_ROOT = pathlib.Path(__file__).resolve().parents[1]
DEFAULT_MODEL = pathlib.Path('models') / 'movinet_a0_stream_int8.tflite'
DEFAULT_LABELS = pathlib.Path('models') / 'kinetics600_label_map.txt'
DEFAULT_CLIP = pathlib.Path('clips') / 'carving_ice.mp4'
DEFAULT_PROFILE = REPO_ROOT / 'config' / 'fastdds_images_localhost.xml'
# The highest domain id the DDS port mapping allows.
MAX_DOMAIN_ID = 232


def shared_dir() -> pathlib.Path:
    """Return the shared data folder: MOVINET_SHARED_DIR, else ../shared of the repository."""
    return pathlib.Path(os.environ.get('MOVINET_SHARED_DIR') or REPO_ROOT.parent / 'shared')


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the bench options."""
    parser.add_argument('--json', action='store_true',
                        help='print only the JSON line on stdout (the table goes to stderr)')
    parser.add_argument('--model', help=f'MoViNet stream .tflite model (default: '
                        f'<shared>/{DEFAULT_MODEL})')
    parser.add_argument('--labels', help=f'label map (default: <shared>/{DEFAULT_LABELS})')
    parser.add_argument('--clip', help='video whose frames feed every measurement (default: '
                        f'<shared>/{DEFAULT_CLIP})')
    parser.add_argument('--quick', action='store_true',
                        help='a short smoke run (well under a minute); numbers are rough')
    parser.add_argument('--domain-id', type=int_in_range(0, MAX_DOMAIN_ID), default=None,
                        help='ROS domain of the benchmark processes (default: one derived '
                        'from the process id, so runs do not see each other)')


def _path(given: str | None, default: pathlib.Path, option: str, what: str) -> str:
    path = pathlib.Path(given) if given else shared_dir() / default
    if not path.is_file():
        if given:
            raise BenchmarkError(f'{option} {path}: no such file')
        raise BenchmarkError(
            f'no {what} at {path}: pass {option} (or put the shared data in '
            f'{shared_dir()}, or set MOVINET_SHARED_DIR)')
    return str(path)


def _machine() -> dict:
    cpu = platform.processor() or platform.machine()
    try:
        with open('/proc/cpuinfo', encoding='utf-8') as cpuinfo:
            cpu = next((line.split(':', 1)[1].strip() for line in cpuinfo
                        if line.startswith('model name')), cpu)
    except OSError:
        pass
    return {'cpu': cpu, 'cores': os.cpu_count(), 'load_avg_1m': round(os.getloadavg()[0], 2)}


def _stop_on_sigterm(signum, frame) -> None:
    # Unwind like Ctrl-C, so every child process is stopped on the way out.
    raise KeyboardInterrupt


def run(args: argparse.Namespace) -> int:
    """Run the benchmark and print the report."""
    setup = Setup(
        model_path=_path(args.model, DEFAULT_MODEL, '--model', 'model'),
        labels_path=_path(args.labels, DEFAULT_LABELS, '--labels', 'label map'),
        clip_path=_path(args.clip, DEFAULT_CLIP, '--clip', 'benchmark clip'),
        profile_path=os.environ.get('FASTDDS_DEFAULT_PROFILES_FILE') or str(DEFAULT_PROFILE),
        domain_id=args.domain_id if args.domain_id is not None else os.getpid() % 100 + 1)
    plan = QUICK_PLAN if args.quick else FULL_PLAN
    signal.signal(signal.SIGTERM, _stop_on_sigterm)
    machine = _machine()
    started = time.monotonic()
    figures = run_benchmark(setup, plan, lambda line: print(line, file=sys.stderr, flush=True))
    seconds = time.monotonic() - started
    heading = (f'make bench{" --quick" if args.quick else ""}: '
               f'{pathlib.Path(setup.model_path).name}, {machine["cpu"]}, '
               f'{machine["cores"]} cores, load {machine["load_avg_1m"]} at start, '
               f'{seconds:.0f} s')
    print(render_table(figures, heading), file=sys.stderr if args.json else sys.stdout)
    print(to_json(figures, {
        'model': pathlib.Path(setup.model_path).name, 'quick': bool(args.quick),
        'seconds': round(seconds, 1), 'machine': machine, 'ros_domain_id': setup.domain_id,
    }), flush=True)
    return 0


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark; a missing file or a failed measurement prints one line, exit 2."""
    parser = argparse.ArgumentParser(prog='bench', description=__doc__.split('\n\n')[0])
    add_arguments(parser)
    args = parser.parse_args(argv)
    try:
        return run(args)
    except MovinetError as error:
        print(f'bench: error: {error}', file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == '__main__':
    sys.exit(main())
