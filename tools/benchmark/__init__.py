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
Measure the node and the pipeline against the model's own floor (``make bench``).

One module per family of measurements: ``micro`` times code in this process (the bare
interpreter, the pipeline, the node's image callback), ``graph`` runs separate processes on
an isolated localhost DDS domain (end-to-end latency, the node's CPU and memory, several
cameras), ``offline`` times ``movinet-ros eval`` on a bag; ``stats`` turns samples into
figures, ``report`` prints them and ``suite`` runs everything in order;
``tools/bench.py`` is the command line. ``switching`` measures the always-on streams
(``tools/switching.py`` and the tests); ``shared_data`` finds the model in ../shared for the
scripts.
"""

from benchmark.errors import BenchmarkError

__all__ = ['BenchmarkError']
