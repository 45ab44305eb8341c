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

"""The offline entry points' former module paths still import, and say where they moved."""

import importlib
import sys

import movinet_ros.offline as offline
import pytest


@pytest.mark.parametrize('module, name', [
    ('movinet_ros.offline.evaluation', 'evaluate_bags'),
    ('movinet_ros.offline.evaluation', 'run_bags'),
    ('movinet_ros.offline.runners', 'PipelineSpec'),
    ('movinet_ros.offline.recording', 'evaluate_recording'),
])
def test_a_former_module_path_warns_and_gives_the_same_entry_point(module, name):
    sys.modules.pop(module, None)
    with pytest.warns(FutureWarning, match='import .*from movinet_ros.offline'):
        moved = importlib.import_module(module)
    assert getattr(moved, name) is getattr(offline, name)


def test_evaluate_dataset_at_its_former_path_warns_and_is_the_same():
    from movinet_ros.offline import dataset
    with pytest.warns(FutureWarning, match='import evaluate_dataset from movinet_ros.offline'):
        moved = dataset.evaluate_dataset
    assert moved is offline.evaluate_dataset
    with pytest.raises(AttributeError):
        dataset.no_such_entry_point
