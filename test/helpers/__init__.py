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
Helpers the tests share, one module per job; ``test`` is on pytest's path (pytest.ini).

``constants`` (repository paths, the real files in ../shared and the skip when they are
absent, common topics and units), ``clips`` (frames of the real clips, switch-stream bags),
``pipelines`` (RecognitionPipelines on the real model), ``images`` (encoded images and
patched headers), ``nodes`` (RosGraph: processes and a probe on a test's own ROS domain),
``ros_domains`` (the domain ids), ``dds_probe`` (a publishing / receiving process).
"""
