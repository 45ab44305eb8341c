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
Import the TFLite runtime in one place and build interpreters from it.

LiteRT (``ai_edge_litert``) is preferred; the older ``tflite_runtime`` wheel is the fallback
for systems that still pin numpy<2. Which one was found is in ``RUNTIME_NAME`` (``None`` when
neither is installed; the error is raised only when an interpreter is requested, so modules
that never run a model still import).
"""

from typing import Any

from movinet_ros.core.errors import RuntimeMissingError

try:
    from ai_edge_litert.interpreter import Interpreter as _Interpreter
    RUNTIME_NAME: str | None = 'ai_edge_litert'
except ImportError:
    try:
        from tflite_runtime.interpreter import Interpreter as _Interpreter
        RUNTIME_NAME = 'tflite_runtime'
    except ImportError:
        _Interpreter = None
        RUNTIME_NAME = None


def make_interpreter(model_path: str, num_threads: int) -> Any:
    """
    Create a TFLite interpreter for ``model_path`` running on ``num_threads`` CPU threads.

    Errors of the runtime itself (unreadable or invalid model) propagate unchanged; the
    caller knows the file and words the message.
    """
    if _Interpreter is None:
        raise RuntimeMissingError(
            'no TFLite runtime is installed: run "pip install ai-edge-litert" '
            '(or "pip install tflite-runtime" on systems that need numpy<2)')
    return _Interpreter(model_path=str(model_path), num_threads=num_threads)
