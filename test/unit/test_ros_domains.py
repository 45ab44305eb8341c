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

"""The tests' ROS domains: the range from the environment, and claims no two runs share."""

import os
import socket
import subprocess
import sys
import uuid

from helpers import ros_domains
from helpers.ros_domains import BASE_VAR, CLAIM_PREFIX, COUNT_VAR, DomainClaims
import pytest

# A process that holds a claim on one domain until its standard input closes.
HOLDER = """
import socket, sys
holder = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
holder.bind('\\0' + sys.argv[1])
print('held', flush=True)
sys.stdin.read()
"""


@pytest.fixture
def prefix() -> str:
    """Claim names of this test alone, so it neither meets nor blocks real test runs."""
    return f'movinet_ros_test_claims_{uuid.uuid4().hex}'


@pytest.mark.parametrize('environ, expected', [
    ({}, range(1, 101)),
    ({BASE_VAR: '51'}, range(51, 101)),
    ({BASE_VAR: '51', COUNT_VAR: '10'}, range(51, 61)),
    ({BASE_VAR: '0', COUNT_VAR: '1'}, range(0, 1)),
    ({BASE_VAR: '150'}, range(150, 233)),
    ({BASE_VAR: '', COUNT_VAR: ''}, range(1, 101)),
])
def test_range_comes_from_the_environment(environ, expected):
    assert ros_domains.domain_range(environ) == expected


@pytest.mark.parametrize('environ, named', [
    ({BASE_VAR: 'ten'}, 'whole numbers'),
    ({BASE_VAR: '-1'}, f'{BASE_VAR}=-1'),
    ({COUNT_VAR: '0'}, f'{COUNT_VAR}=0'),
    ({BASE_VAR: '230', COUNT_VAR: '5'}, '0..232'),
])
def test_bad_range_says_which_setting_is_wrong(environ, named):
    with pytest.raises(ros_domains.DomainSettingsError, match=named):
        ros_domains.domain_range(environ)


def test_the_shells_own_domain_is_never_handed_out():
    claims = DomainClaims.from_environment({'ROS_DOMAIN_ID': '5', BASE_VAR: '4', COUNT_VAR: '3'})
    assert claims.domains == [4, 6]
    with pytest.raises(ros_domains.DomainSettingsError, match='ROS_DOMAIN_ID=5'):
        DomainClaims.from_environment({'ROS_DOMAIN_ID': '5', BASE_VAR: '5', COUNT_VAR: '1'})


def test_claims_are_exclusive_until_given_back(prefix):
    first, second = DomainClaims(range(1, 4), prefix=prefix), DomainClaims(range(1, 4),
                                                                           prefix=prefix)
    held = [first.claim(), second.claim(), first.claim()]
    assert sorted(domain for domain, _ in held) == [1, 2, 3]
    with pytest.raises(ros_domains.DomainsExhaustedError, match=BASE_VAR):
        second.claim()
    domain, holder = held.pop(1)
    holder.close()
    assert second.claim()[0] == domain
    for _, holder in held:
        holder.close()


def test_a_domain_held_by_another_process_is_skipped_until_that_process_ends(prefix):
    process = subprocess.Popen([sys.executable, '-c', HOLDER, f'{prefix}_7'],
                               stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert process.stdout.readline().strip() == 'held'
        claims = DomainClaims(range(7, 9), prefix=prefix)
        domain, holder = claims.claim()
        assert domain == 8
        with pytest.raises(ros_domains.DomainsExhaustedError):
            claims.claim()
    finally:
        process.stdin.close()
        process.wait(timeout=10)
    assert claims.claim()[0] == 7
    holder.close()


def test_ros_env_holds_its_domain_for_the_test(ros_env):
    domain = int(ros_env['ROS_DOMAIN_ID'])
    assert domain in ros_domains.domain_range(os.environ)
    assert str(domain) != os.environ.get('ROS_DOMAIN_ID')
    probe = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    with probe, pytest.raises(OSError, match='in use'):
        probe.bind(f'\0{CLAIM_PREFIX}_{domain}')
