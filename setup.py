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

from glob import glob
import os

from setuptools import find_packages, setup

package_name = 'movinet_ros'

setup(
    name=package_name,
    version='0.1.0',
    packages=find_packages(include=[package_name, package_name + '.*']),
    data_files=[
        ('share/ament_index/resource_index/packages', ['resource/' + package_name]),
        ('share/' + package_name, ['package.xml']),
        (os.path.join('share', package_name, 'launch'), glob('launch/*.launch.py')),
        (os.path.join('share', package_name, 'config'),
         glob('config/*.yaml') + glob('config/*.xml')),
    ],
    install_requires=['setuptools'],
    zip_safe=True,
    maintainer='movinet_ros maintainers',
    maintainer_email='movinet-ros@example.com',
    description='Streaming human-action recognition for ROS 2 with MoViNet stream models.',
    license='Apache-2.0',
    extras_require={
        'test': ['pytest', 'hypothesis'],
        # movinet-ros eval-dataset --ray: recordings evaluated on a Ray cluster.
        'ray': ['ray>=2.9'],
    },
    entry_points={
        'console_scripts': [
            'movinet_node = movinet_ros.ros.node_entry:main',
            'video_publisher = movinet_ros.ros.video_publisher_entry:main',
            'movinet-ros = movinet_ros.cli:main',
        ],
    },
)
