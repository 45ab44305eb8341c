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
"""

import os

from ament_index_python.packages import get_package_share_directory
from launch import LaunchDescription
from launch.actions import DeclareLaunchArgument, OpaqueFunction
from launch.conditions import IfCondition
from launch.substitutions import LaunchConfiguration
from launch_ros.actions import Node
from launch_ros.parameter_descriptions import ParameterValue

# name -> (default, description); the test checks these against the node's parameters.
ARGUMENTS = {
    'image_topic': ('/camera/image_raw', 'Camera image topic (the node remaps "image" to it).'),
    'input_transport': ('raw',
                        'raw (sensor_msgs/Image) or compressed (<image_topic>/compressed).'),
    'model_path': ('', 'MoViNet stream .tflite model.'),
    'labels_path': ('', 'Label map of the model, one class per line.'),
    'params_file': ('',
                    'Optional YAML of further node parameters (defaults: config/movinet.yaml).'),
    'namespace': ('', 'Namespace of the node and its topics.'),
    'num_threads': ('1', 'TFLite interpreter threads.'),
    'target_fps': ('5.0', 'Rate the model is fed at (from header stamps).'),
    'log_level': ('info', 'Logging level of the node.'),
    'start_camera': ('false', 'Also start a v4l2_camera driver publishing image_topic.'),
    'video_device': ('/dev/video0', 'Device of the v4l2_camera driver.'),
}


def _nodes(context, *args, **kwargs):
    config = LaunchConfiguration
    parameters = [os.path.join(get_package_share_directory('movinet_ros'), 'config',
                               'movinet.yaml')]
    params_file = config('params_file').perform(context)
    if params_file:
        parameters.append(params_file)
    # Launch arguments given on the command line win over both files.
    parameters.append({
        'model_path': config('model_path'),
        'labels_path': config('labels_path'),
        'input_transport': config('input_transport'),
        'num_threads': ParameterValue(config('num_threads'), value_type=int),
        'target_fps': ParameterValue(config('target_fps'), value_type=float),
    })
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
    )
    return [camera, movinet]


def generate_launch_description() -> LaunchDescription:
    declared = [DeclareLaunchArgument(name, default_value=default, description=description)
                for name, (default, description) in ARGUMENTS.items()]
    return LaunchDescription(declared + [OpaqueFunction(function=_nodes)])
