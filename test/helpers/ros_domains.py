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
ROS domain ids for test processes that no other test on this machine holds at the same time.

The ids come from ``MOVINET_TEST_DOMAIN_COUNT`` ids on from ``MOVINET_TEST_DOMAIN_BASE``
(default 1..100), never the shell's own ``ROS_DOMAIN_ID``. Fast DDS's port numbers allow
0..232; on Linux 0..101 stay clear of the ephemeral ports.
"""

from collections.abc import Mapping
import errno
import os
import socket

BASE_VAR = 'MOVINET_TEST_DOMAIN_BASE'
COUNT_VAR = 'MOVINET_TEST_DOMAIN_COUNT'
DEFAULT_BASE = 1
DEFAULT_LAST = 100
MAX_DOMAIN_ID = 232
# Abstract socket names of the claims: CLAIM_PREFIX_<domain id>.
CLAIM_PREFIX = 'movinet_ros_test_ros_domain'


class DomainSettingsError(ValueError):
    """MOVINET_TEST_DOMAIN_BASE / _COUNT name no usable range of ROS domain ids."""


class DomainsExhaustedError(RuntimeError):
    """Other test runs on this machine hold every domain id of the range."""


def domain_range(environ: Mapping[str, str]) -> range:
    """Return the domain ids the environment gives the tests; DomainSettingsError if invalid."""
    try:
        base = int(environ.get(BASE_VAR) or DEFAULT_BASE)
        # Without a count: up to 100, or to the last id where the base lies above that.
        last = DEFAULT_LAST if base <= DEFAULT_LAST else MAX_DOMAIN_ID
        count = int(environ.get(COUNT_VAR) or last - base + 1)
    except ValueError as err:
        raise DomainSettingsError(f'{BASE_VAR} and {COUNT_VAR} must be whole numbers: '
                                  f'{err}') from err
    if base < 0 or count < 1 or base + count - 1 > MAX_DOMAIN_ID:
        raise DomainSettingsError(
            f'{BASE_VAR}={base}, {COUNT_VAR}={count}: the test domains must be at least one id '
            f'within 0..{MAX_DOMAIN_ID}, e.g. {BASE_VAR}=51 {COUNT_VAR}=50')
    return range(base, base + count)


class DomainClaims:
    """
    Hand out domain ids of a range that no other process holds a claim on meanwhile.

    A claim is an abstract Unix socket bound under a name of its own: the kernel lets one
    process bind it and frees it when the socket closes or its process dies, so parallel runs
    (both distributions, other worktrees, other users) skip each other's domains without a
    file to clean up. The cursor moves on after each claim, so an id just given back is not
    handed straight to the next test while the last one's processes may still be exiting.
    """

    def __init__(self, domains: range, *, avoid: int | None = None,
                 prefix: str = CLAIM_PREFIX) -> None:
        self.domains = [d for d in domains if d != avoid]
        if not self.domains:
            raise DomainSettingsError(f'no test domain left in {domains.start}..'
                                      f'{domains.stop - 1} but ROS_DOMAIN_ID={avoid} of this '
                                      f'shell, which the tests never join; set {BASE_VAR}')
        self._prefix = prefix
        # Spread the start by process so that parallel runs rarely even try the same ids.
        self._cursor = (os.getpid() * 7) % len(self.domains)

    @classmethod
    def from_environment(cls, environ: Mapping[str, str]) -> 'DomainClaims':
        """Claims on the range of domain_range(environ), except its ROS_DOMAIN_ID."""
        outer = environ.get('ROS_DOMAIN_ID', '').strip()
        return cls(domain_range(environ), avoid=int(outer) if outer.isdigit() else None)

    def claim(self) -> tuple[int, socket.socket]:
        """Return a free domain id and the socket that holds it until closed."""
        for step in range(len(self.domains)):
            index = (self._cursor + step) % len(self.domains)
            holder = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
            try:
                holder.bind(f'\0{self._prefix}_{self.domains[index]}')
            except OSError as err:
                holder.close()
                if err.errno == errno.EADDRINUSE:
                    continue
                raise
            self._cursor = index + 1
            return self.domains[index], holder
        raise DomainsExhaustedError(
            f'every test ROS domain ({self.domains[0]}..{self.domains[-1]}) is held by other '
            f'test runs on this machine; wait for them, or give this run others with '
            f'{BASE_VAR} and {COUNT_VAR}')
