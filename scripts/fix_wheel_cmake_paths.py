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
Point the ROS 2 wheels' CMake exports at include dirs that exist in this venv.

The PyPI ROS 2 wheels were built in a manylinux container whose Python lives under
/opt/python/cpXY-cpXY. Their exported CMake targets name that interpreter's include
dir and numpy's include dir under it, so any rosidl build against the wheels fails
with 'Imported target includes non-existent path'. This rewrites those paths in the
venv's share/*/cmake files to the running interpreter's and numpy's real include dirs.
Idempotent: files without the foreign prefix are left untouched.
"""

import pathlib
import re
import sys
import sysconfig

import numpy

FOREIGN_PREFIX = re.compile(r'/opt/python/cp3\d+-cp3\d+')


def fix_file(path: pathlib.Path, python_include: str, numpy_include: str) -> bool:
    """Rewrite one CMake file in place; return True if it changed."""
    text = path.read_text()
    if not FOREIGN_PREFIX.search(text):
        return False
    text = re.sub(FOREIGN_PREFIX.pattern + r'/include/python3\.\d+', python_include, text)
    text = re.sub(
        FOREIGN_PREFIX.pattern + r'/lib/python3\.\d+/site-packages/numpy/_core/include',
        numpy_include, text)
    if FOREIGN_PREFIX.search(text):
        raise SystemExit(f'{path}: unexpected path under /opt/python left after rewrite')
    path.write_text(text)
    return True


def main() -> int:
    """Fix every CMake export file of the current venv."""
    python_include = sysconfig.get_paths()['include']
    numpy_include = numpy.get_include()
    for include in (python_include, numpy_include):
        if not pathlib.Path(include, 'Python.h' if include == python_include
                            else 'numpy/arrayobject.h').is_file():
            print(f'error: include dir {include} is missing its headers; install the '
                  'Python development headers (e.g. apt install python3-dev)', file=sys.stderr)
            return 1
    share = pathlib.Path(sys.prefix, 'share')
    changed = [p for p in sorted(share.glob('*/cmake/*.cmake'))
               if fix_file(p, python_include, numpy_include)]
    print(f'fixed include paths in {len(changed)} CMake file(s) under {share}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
