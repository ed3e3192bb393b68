# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""lowlat.k8snet.sysctls: one list for the sysctl, validate and network_mode roles, extra settings and
the migration cost included (two of three copies used to drop it)."""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os

import pytest
import yaml

from ansible.errors import AnsibleError
from ansible.parsing.dataloader import DataLoader
from ansible.template import Templar
from ansible_collections.lowlat.k8snet.plugins.lookup.sysctls import LookupModule

ROLE_DEFAULTS = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', '..', '..', 'roles', 'sysctl',
                             'defaults', 'main.yml')


def query(variables, terms=()):
    loader = DataLoader()
    return LookupModule(loader=loader, templar=Templar(loader=loader)).run(list(terms), variables=variables)


def test_the_role_defaults_when_the_host_sets_nothing():
    with open(ROLE_DEFAULTS) as handle:
        defaults = yaml.safe_load(handle)
    assert defaults['sysctl_sched_migration_cost_ns'] is None and defaults['sysctl_extra'] == []
    assert query({}) == defaults['sysctl_settings']


def test_extra_and_migration_cost_follow_the_settings():
    mine = [{'name': 'net.core.somaxconn', 'value': 4096}]
    extra = [{'name': 'net.ipv4.tcp_fin_timeout', 'value': 10, 'state': 'absent'}]
    assert query({'sysctl_settings': mine, 'sysctl_extra': extra, 'sysctl_sched_migration_cost_ns': 5000000}) == \
        mine + extra + [{'name': 'kernel.sched_migration_cost_ns', 'value': 5000000}]
    with open(ROLE_DEFAULTS) as handle:
        defaults = yaml.safe_load(handle)['sysctl_settings']
    assert query({'sysctl_extra': extra}) == defaults + extra


@pytest.mark.parametrize('variables, words', [
    ({'sysctl_settings': 'fs.file-max=1'}, 'sysctl_settings must be a list'),
    ({'sysctl_extra': [['fs.file-max', 1]]}, 'sysctl_extra must be a list'),
])
def test_bad_lists_are_named(variables, words):
    with pytest.raises(AnsibleError, match=words):
        query(variables)


def test_terms_are_refused():
    with pytest.raises(AnsibleError, match='takes no terms'):
        query({}, ['x'])
