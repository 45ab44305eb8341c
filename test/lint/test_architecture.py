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
The package's layout rules: the layers, no import cycle, one error tree.

The installed package has four layers, lowest first; a module may import its own layer and
the ones below it, never one above:

1. ``core``: the recognition itself (frames, model, pipeline, events), pure Python without
   ROS: the node and the offline tools share it.
2. ``offline``: recordings, datasets and their scores, on top of core; no ROS either
   (rosbags reads the bags), so it runs where ROS 2 is not installed. Its subpackages are
   jobs of that layer, lowest first: ``scoring`` (ground truth, per-frame records and
   metrics), ``bags`` (read, replay and evaluate bags), ``dataset`` (evaluate a dataset of
   recordings, train a head); ``errors``, ``video`` and ``plots`` serve them and import no
   job above ``scoring``.
3. ``ros``: the rclpy node and the video publisher; may use offline (video reading).
4. ``cli``: the ``movinet-ros`` command, which parses options and calls the others.

core and offline import no ROS 2 package (rclpy, messages, launch). No layer imports the
repository's tools/ (bench harness, test rig) or the tests' helpers, which are not
installed. Between package modules there is no import cycle, counting imports deferred
into functions, which run as surely, only later. The graph is read with ``ast`` from the
sources, so the check needs neither ROS nor the model.
"""

import ast
import importlib
import inspect
import pathlib
import pkgutil
from types import ModuleType
import warnings

import movinet_ros
from movinet_ros.core.errors import MovinetError

PACKAGE_DIR = pathlib.Path(movinet_ros.__file__).resolve().parent
# The layers, lowest first (see the docstring).
LAYER_ORDER = ('core', 'offline', 'ros', 'cli')
# The layers that define errors; cli/ only parses arguments and raises the others' errors.
LAYERS = ('core', 'ros', 'offline')
# Top-level modules of ROS 2 that core and offline must not import. (ament_index_python, a
# pure-Python lookup offline.bags.bag_io tries in order to find the message definitions, is none.)
ROS_MODULES = frozenset({'rclpy', 'rcl_interfaces', 'rosidl_runtime_py', 'launch', 'launch_ros',
                         'movinet_ros_interfaces', 'builtin_interfaces'})
ROS_MODULE_SUFFIXES = ('_msgs', '_srvs')
# The jobs of the offline layer, lowest first (see the docstring).
OFFLINE_JOB_ORDER = ('scoring', 'bags', 'dataset')
# What lives in the repository but is not installed: tools/ and the tests' helpers.
NOT_INSTALLED = frozenset({'benchmark', 'testbed', 'bench', 'helpers', 'tools'})


# Former module paths of entry points, kept with a FutureWarning: they re-export, as the
# package does.
FORMER_OFFLINE_PATHS = frozenset({
    'movinet_ros.offline.evaluation', 'movinet_ros.offline.runners',
    'movinet_ros.offline.recording'})


def _modules() -> list[ModuleType]:
    names = [info.name for info in pkgutil.walk_packages([str(PACKAGE_DIR)], 'movinet_ros.')
             if not info.name.endswith('__main__')]
    with warnings.catch_warnings():
        # The former paths' warning is test_deprecated_paths' to check, not a finding here.
        warnings.filterwarnings('ignore', category=FutureWarning, module='importlib')
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


def _module_name(path: pathlib.Path) -> str:
    parts = path.relative_to(PACKAGE_DIR.parent).with_suffix('').parts
    return '.'.join(parts[:-1] if parts[-1] == '__init__' else parts)


def _imports(tree: ast.AST, name: str, is_package: bool) -> set[str]:
    """Return every module name ``tree`` imports, deferred ones included, made absolute."""
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ''
            if node.level:
                anchor = name.split('.')
                anchor = anchor[:len(anchor) - node.level + (1 if is_package else 0)]
                base = '.'.join(anchor + ([base] if base else []))
            found.add(base)
            # `from package import module` imports that module.
            found.update(f'{base}.{alias.name}' for alias in node.names)
    return found


def import_graph() -> dict[str, set[str]]:
    """Return each package module's imports: package modules, and other top-level names."""
    sources = {_module_name(path): path for path in sorted(PACKAGE_DIR.rglob('*.py'))}
    graph = {}
    for name, path in sources.items():
        tree = ast.parse(path.read_text(encoding='utf-8'), str(path))
        edges = set()
        for imported in _imports(tree, name, path.name == '__init__.py'):
            if imported in sources:
                edges.add(imported)
            elif not imported.startswith('movinet_ros.') and imported != 'movinet_ros':
                edges.add(imported.split('.')[0])
        edges.discard(name)
        graph[name] = edges
    return graph


def _layer(module: str) -> str | None:
    parts = module.split('.')
    return parts[1] if parts[0] == 'movinet_ros' and len(parts) > 1 else None


def _offline_job(module: str) -> str | None:
    """Return the offline job of ``module``: its subpackage, or scoring for shared modules."""
    parts = module.split('.')
    if parts[:2] != ['movinet_ros', 'offline'] or len(parts) < 3:
        return None
    return parts[2] if parts[2] in OFFLINE_JOB_ORDER else OFFLINE_JOB_ORDER[0]


def _is_ros(top_level: str) -> bool:
    return top_level in ROS_MODULES or top_level.endswith(ROS_MODULE_SUFFIXES)


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Return the import cycles of ``graph``: its strongly connected parts of two or more."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found = []

    def visit(start: str) -> None:
        # Tarjan's algorithm, iterative: the package is deep enough for Python's recursion.
        work = [(start, iter(sorted(graph.get(start, ()))))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, successors = work[-1]
            successor = next((s for s in successors if s in graph), None)
            if successor is not None:
                if successor not in index:
                    index[successor] = low[successor] = len(index)
                    stack.append(successor)
                    on_stack.add(successor)
                    work.append((successor, iter(sorted(graph[successor]))))
                elif successor in on_stack:
                    low[node] = min(low[node], index[successor])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                part = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    part.append(member)
                    if member == node:
                        break
                if len(part) > 1:
                    found.append(sorted(part))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_the_graph_holds_every_layer_and_deferred_imports():
    # Guards the rules below against a graph that misses modules or edges.
    graph = import_graph()
    # Every subpackage is a layer of the order: a new one must be placed in it.
    assert {_layer(name) for name in graph} - {None} == set(LAYER_ORDER)
    assert 'movinet_ros.core.pipeline' in graph['movinet_ros.ros.node']
    assert 'rclpy' in graph['movinet_ros.ros.node']
    # Imported inside main(), after the signal handlers: deferred, and still an edge.
    assert 'movinet_ros.ros.node' in graph['movinet_ros.ros.node_entry']
    # The offline subpackages are in the graph, in the offline layer, each with its job.
    for job in OFFLINE_JOB_ORDER:
        modules = [name for name in graph if name.startswith(f'movinet_ros.offline.{job}.')]
        assert len(modules) >= 3, job
        assert {(_layer(name), _offline_job(name)) for name in modules} == {('offline', job)}
    assert 'movinet_ros.offline.scoring.frame_records' in graph[
        'movinet_ros.offline.dataset.recording']


def test_core_and_offline_import_no_ros_and_no_higher_layer():
    wrong = {name: sorted(imported for imported in edges
                          if _is_ros(imported) or _layer(imported) in ('ros', 'cli'))
             for name, edges in import_graph().items() if _layer(name) in ('core', 'offline')}
    assert {name: edges for name, edges in wrong.items() if edges} == {}


def test_no_module_imports_a_higher_layer_or_what_is_not_installed():
    rank = {layer: position for position, layer in enumerate(LAYER_ORDER)}
    wrong = []
    for name, edges in import_graph().items():
        for imported in edges:
            if imported in NOT_INSTALLED:
                wrong.append(f'{name} imports {imported} (not installed)')
            layer, own = _layer(imported), _layer(name)
            if layer in rank and own in rank and rank[layer] > rank[own]:
                wrong.append(f'{name} ({own}) imports {imported} ({layer})')
    assert wrong == []


def test_no_offline_job_imports_a_higher_job():
    rank = {job: position for position, job in enumerate(OFFLINE_JOB_ORDER)}
    wrong = []
    for name, edges in import_graph().items():
        # The package itself re-exports the entry points of every job.
        if name == 'movinet_ros.offline' or name in FORMER_OFFLINE_PATHS \
                or _offline_job(name) is None:
            continue
        for imported in edges:
            job, own = _offline_job(imported), _offline_job(name)
            if job is not None and rank[job] > rank[own]:
                wrong.append(f'{name} ({own}) imports {imported} ({job})')
    assert wrong == []


def test_no_import_cycle_between_package_modules():
    assert cycles(import_graph()) == []


def test_the_cycle_check_finds_cycles_through_several_modules():
    graph = {'a': {'b'}, 'b': {'c'}, 'c': {'a', 'd'}, 'd': set(), 'e': {'e', 'd'}}
    assert cycles(graph) == [['a', 'b', 'c']]
    assert cycles({'x': {'y'}, 'y': set()}) == []
