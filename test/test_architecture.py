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

"""The package's layout rules: one error tree, one errors module a package, short modules."""

import importlib
import inspect
import pathlib
import pkgutil
from types import ModuleType

import movinet_ros
from movinet_ros.core.errors import MovinetError

PACKAGE_DIR = pathlib.Path(movinet_ros.__file__).resolve().parent
# Past this a module does several jobs; split it by job (README, Layout).
MAX_MODULE_LINES = 400
# The layers; cli/ only parses arguments and raises the others' errors.
LAYERS = ('core', 'ros', 'offline')


def _modules() -> list[ModuleType]:
    names = [info.name for info in pkgutil.walk_packages([str(PACKAGE_DIR)], 'movinet_ros.')
             if not info.name.endswith('__main__')]
    return [importlib.import_module(name) for name in sorted(names)]


def _exception_classes() -> list[type[BaseException]]:
    found = {}
    for module in _modules():
        for _, value in inspect.getmembers(module, inspect.isclass):
            if issubclass(value, BaseException) and value.__module__.startswith('movinet_ros.'):
                found[f'{value.__module__}.{value.__qualname__}'] = value
    return list(found.values())


def test_the_package_defines_errors_at_all():
    # Guards the tests below against a walk that finds nothing.
    names = {error.__name__ for error in _exception_classes()}
    assert {'MovinetError', 'FrameError', 'SettingsError', 'WireError', 'BagError'} <= names


def test_every_exception_class_derives_from_movinet_error():
    outside = [f'{error.__module__}.{error.__qualname__}' for error in _exception_classes()
               if not issubclass(error, MovinetError)]
    assert outside == []


def test_each_package_defines_its_errors_in_its_errors_module_and_exports_them():
    # A private error (a module's own control flow, caught where it is raised) stays there.
    for error in _exception_classes():
        if error.__name__.startswith('_'):
            continue
        package_name, _, module = error.__module__.rpartition('.')
        assert module == 'errors', error
        assert package_name.split('.')[1] in LAYERS, error
        errors = importlib.import_module(error.__module__)
        package = importlib.import_module(package_name)
        assert error.__name__ in errors.__all__, error
        assert error.__name__ in package.__all__, error
        assert getattr(package, error.__name__) is error


def test_no_module_is_over_the_line_limit():
    long = {}
    for path in sorted(PACKAGE_DIR.rglob('*.py')):
        lines = len(path.read_text(encoding='utf-8').splitlines())
        if lines > MAX_MODULE_LINES:
            long[str(path.relative_to(PACKAGE_DIR))] = lines
    assert long == {}
