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
Launch the movinet node beside a camera, optionally starting a v4l2_camera driver.

For example::

    ros2 launch movinet_ros movinet.launch.py image_topic:=/camera/image_raw \
        model_path:=$HOME/models/movinet_a0_stream_int8.tflite \
        labels_path:=$HOME/models/kinetics600_label_map.txt

Node parameters come from config/movinet.yaml, then params_file, then the node-parameter
arguments given on the command line.
"""

import os
from typing import Any, Dict, Mapping

from ament_index_python.packages import get_package_share_directory
from launch import LaunchDescription
from launch.actions import DeclareLaunchArgument, OpaqueFunction
from launch.conditions import IfCondition
from launch.substitutions import LaunchConfiguration
from launch_ros.actions import Node
from movinet_ros.ros.dds_profile import profile_environment

# name -> (default, description); the test checks these against the node's parameters.
# The node-parameter arguments (NODE_PARAMETERS) default to '', meaning "not given": a real
# default here would silently replace the value a user's params_file sets.
ARGUMENTS = {
    'image_topic': ('/camera/image_raw', 'Camera image topic (the node remaps "image" to it).'),
    'input_transport': ('', 'raw (sensor_msgs/Image) or compressed (<image_topic>/compressed) '
                            '(default from config/movinet.yaml: raw).'),
    'model_path': ('', 'MoViNet stream .tflite model (required, here or in params_file).'),
    'labels_path': ('', 'Label map of the model, one class per line (required, here or in '
                        'params_file).'),
    'head_path': ('', 'A head of your own actions (head.json of movinet-ros train); replaces '
                      'labels_path.'),
    'params_file': ('', 'Optional YAML of node parameters, applied over config/movinet.yaml; '
                        'the node-parameter arguments given here win over it.'),
    'namespace': ('', 'Namespace of the node and its topics.'),
    'num_threads': ('', 'TFLite interpreter threads (default from config/movinet.yaml: 1).'),
    'target_fps': ('', 'Rate the model is fed at, from header stamps '
                       '(default from config/movinet.yaml: 5.0).'),
    'input_qos': ('', 'Image subscription reliability: auto, sensor_data or reliable '
                      '(default from config/movinet.yaml: auto).'),
    'dds_profile': ('', 'Fast DDS profile file given to the node and to the camera it starts '
                        '(FASTDDS_DEFAULT_PROFILES_FILE); "images" is config/fastdds_images.xml '
                        'of this package; empty keeps the environment of the launch.'),
    'log_level': ('info', 'Logging level of the node.'),
    'start_camera': ('false', 'Also start a v4l2_camera driver publishing image_topic.'),
    'video_device': ('/dev/video0', 'Device of the v4l2_camera driver.'),
}

# Arguments that set the node parameter of the same name, with that parameter's type.
NODE_PARAMETERS = {
    'model_path': str,
    'labels_path': str,
    'head_path': str,
    'input_transport': str,
    'num_threads': int,
    'target_fps': float,
    'input_qos': str,
}


def dds_environment(profile: str, share_dir: str) -> Dict[str, str]:
    """
    Return the environment that gives both processes the Fast DDS profile ``profile``.

    The *publisher's* shared-memory segment decides whether large images arrive, so the
    camera started here gets the same profile as the node (docs/cameras_and_dds.md).
    """
    if not profile:
        return {}
    if profile == 'images':
        profile = os.path.join(share_dir, 'config', 'fastdds_images.xml')
    # The variable the launching shell's distribution (ROS_DISTRO) reads.
    return profile_environment(profile)


def parameter_overrides(values: Mapping[str, str]) -> Dict[str, Any]:
    """
    Return the node parameters set by the given launch argument values, typed.

    An empty value means the argument was not given, so its parameter is left to
    config/movinet.yaml and params_file.
    """
    overrides = {}
    for name, kind in NODE_PARAMETERS.items():
        value = values.get(name, '')
        if not value:
            continue
        try:
            overrides[name] = kind(value)
        except ValueError:
            raise ValueError(
                f'launch argument {name}:={value!r} is not a valid {kind.__name__}') from None
    return overrides


def launch_setup(context, *args, **kwargs):
    config = LaunchConfiguration
    share_dir = get_package_share_directory('movinet_ros')
    parameters = [os.path.join(share_dir, 'config', 'movinet.yaml')]
    environment = dds_environment(config('dds_profile').perform(context), share_dir)
    params_file = config('params_file').perform(context)
    if params_file:
        parameters.append(params_file)
    # Given arguments win over both files. Plain typed values, not substitutions: launch_ros
    # re-reads a substitution as YAML, so a path like '2024' would become an int.
    overrides = parameter_overrides(
        {name: config(name).perform(context) for name in NODE_PARAMETERS})
    if overrides:
        parameters.append(overrides)
    movinet = Node(
        package='movinet_ros',
        executable='movinet_node',
        name='movinet',
        namespace=config('namespace'),
        output='screen',
        emulate_tty=True,
        arguments=['--ros-args', '--log-level', config('log_level')],
        remappings=[('image', config('image_topic'))],
        parameters=parameters,
        additional_env=environment,
    )
    camera = Node(
        package='v4l2_camera',
        executable='v4l2_camera_node',
        name='camera',
        namespace=config('namespace'),
        output='screen',
        condition=IfCondition(config('start_camera')),
        parameters=[{'video_device': config('video_device')}],
        remappings=[('image_raw', config('image_topic'))],
        additional_env=environment,
    )
    return [camera, movinet]


def generate_launch_description() -> LaunchDescription:
    declared = [DeclareLaunchArgument(name, default_value=default, description=description)
                for name, (default, description) in ARGUMENTS.items()]
    return LaunchDescription(declared + [OpaqueFunction(function=launch_setup)])
