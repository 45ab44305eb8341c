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
Hunt flaky tests: run a chosen set of tests N times, on a quiet machine and with cores kept busy.

Behind ``make flaky TESTS='test/unit/test_x.py::test_y' REPEAT=10 BUSY=both``. Each repeat is one
pytest run of its own (fresh processes, fresh ROS domains); ``--busy`` decides whether the
runs go with no extra load (0), with ``--cores`` processes spinning on a core each (1), or
both ways, one after the other (both). Every failure is printed as it happens (test id and
pytest's one-line reason), and a table at the end counts passes and failures per test and
mode. The exit status is 1 when any run failed.
"""

import argparse
import collections
import pathlib
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ElementTree

SPIN = 'while True:\n    pass\n'


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.strip().splitlines()[0])
    parser.add_argument('--repeat', type=int, default=10, help='runs per mode (default 10)')
    parser.add_argument('--busy', choices=['0', '1', 'both'], default='both',
                        help='0: quiet only, 1: with busy cores only, both: each (default)')
    parser.add_argument('--cores', type=int, default=1,
                        help='cores kept busy in the busy runs (default 1)')
    parser.add_argument('pytest_args', nargs='+',
                        help='tests and pytest options, after "--"')
    args = parser.parse_args(argv)
    if args.repeat < 1 or args.cores < 1:
        parser.error('--repeat and --cores must be at least 1')
    return args


def outcomes(junit: pathlib.Path):
    """Yield (test id, outcome, reason, seconds) of every test case of a JUnit XML report."""
    if not junit.exists():
        return
    for case in ElementTree.parse(junit).getroot().iter('testcase'):
        name = f'{case.get("classname", "")}::{case.get("name", "")}'
        seconds = float(case.get('time', 0.0))
        problem = next((child for child in case if child.tag in ('failure', 'error')), None)
        if problem is not None:
            yield name, problem.tag, reason_of(problem), seconds
        elif case.find('skipped') is not None:
            yield name, 'skipped', '', seconds
        else:
            yield name, 'passed', '', seconds


def reason_of(problem) -> str:
    """Return the line that says why: pytest's first ``E`` line, else the message's first."""
    for line in (problem.text or '').splitlines():
        if line.startswith('E '):
            return line[1:].strip()[:300]
    message = (problem.get('message') or '').strip().splitlines()
    return message[0][:300] if message else ''


def run_once(pytest_args, junit: pathlib.Path) -> int:
    """Run pytest once; its output goes beside the report (kept where a run failed)."""
    command = [sys.executable, '-m', 'pytest', '-q', '-p', 'no:randomly',
               f'--junitxml={junit}', *pytest_args]
    with junit.with_suffix('.log').open('w') as log:
        return subprocess.run(command, stdout=log, stderr=subprocess.STDOUT,
                              check=False).returncode


def start_spinners(cores: int) -> list[subprocess.Popen]:
    return [subprocess.Popen([sys.executable, '-c', SPIN]) for _ in range(cores)]


def stop_spinners(spinners: list[subprocess.Popen]) -> None:
    for spinner in spinners:
        spinner.kill()
        spinner.wait(timeout=10)


def main(argv=None) -> int:
    args = parse_args(argv)
    modes = {'0': ['quiet'], '1': ['busy'], 'both': ['quiet', 'busy']}[args.busy]
    table = collections.defaultdict(collections.Counter)
    seconds = collections.defaultdict(list)
    failures = []
    bad_runs = 0
    folder = tempfile.mkdtemp(prefix='flaky_')
    for mode in modes:
        spinners = start_spinners(args.cores) if mode == 'busy' else []
        try:
            for index in range(1, args.repeat + 1):
                junit = pathlib.Path(folder) / f'{mode}_{index}.xml'
                started = time.monotonic()
                code = run_once(args.pytest_args, junit)
                cases = list(outcomes(junit))
                if code not in (0, 1) or not cases:
                    # pytest itself broke (usage, collection, no test): a failed run.
                    bad_runs += 1
                    failures.append((mode, index, f'pytest run (exit {code})', '', ''))
                if code == 0:
                    junit.with_suffix('.log').unlink()
                for name, outcome, reason, took in cases:
                    table[(name, mode)][outcome] += 1
                    seconds[(name, mode)].append(took)
                    if outcome in ('failure', 'error'):
                        failures.append((mode, index, name, outcome, reason))
                        print(f'FAILED [{mode} {index}/{args.repeat}] {name}: {reason}',
                              flush=True)
                print(f'run {mode} {index}/{args.repeat}: exit {code}, '
                      f'{time.monotonic() - started:.0f} s', flush=True)
        finally:
            stop_spinners(spinners)
    print(f'\nflaky hunt: {args.repeat} runs per mode ({", ".join(modes)}), busy cores '
          f'{args.cores if "busy" in modes else 0}')
    print(f'{"passed":>6} {"failed":>6} {"skipped":>7} {"max s":>6}  mode   test')
    for (name, mode), counts in sorted(table.items()):
        failed = counts['failure'] + counts['error']
        print(f'{counts["passed"]:6d} {failed:6d} {counts["skipped"]:7d} '
              f'{max(seconds[(name, mode)]):6.1f}  {mode:6s} {name}')
    where = f'; pytest output of the failed runs in {folder}:' if failures else ''
    print(f'{len(failures)} failure(s){where}')
    for mode, index, name, outcome, reason in failures:
        print(f'  [{mode} {index}] {name} {outcome}: {reason}')
    return 1 if failures or bad_runs else 0


if __name__ == '__main__':
    sys.exit(main())
