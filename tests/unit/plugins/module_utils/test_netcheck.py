# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.lowlat.k8snet.plugins.module_utils.netcheck import (
    cidrs_overlap, notrack_rules, overlapping_pairs,
)


def test_overlaps():
    assert cidrs_overlap('10.96.0.0/12', '10.100.0.0/16')
    assert not cidrs_overlap('10.244.1.0/24', '10.244.2.0/24')
    assert not cidrs_overlap('10.0.0.0/8', 'fd00::/8')
    assert overlapping_pairs({'node1': '10.244.0.0/24', 'node2': '10.244.0.128/25',
                              'node3': '10.244.1.0/24'}) == [['node1', 'node2']]


def test_rules_are_normalised():
    rules = notrack_rules([{'proto': 'tcp', 'port': 80, 'cidr': '10.89.7.5/24'},
                           {'port': 8080, 'cidr': 'fd00:1::/64'}, {'proto': 'udp', 'port': 53}])
    assert rules == [{'proto': 'tcp', 'port': 80, 'cidr': '10.89.7.0/24', 'family': 'ip'},
                     {'proto': 'tcp', 'port': 8080, 'cidr': 'fd00:1::/64', 'family': 'ip6'},
                     {'proto': 'udp', 'port': 53, 'cidr': None, 'family': 'ip'}]


@pytest.mark.parametrize('rules, kwargs, words', [
    ([{'proto': 'tcp', 'port': 22}], {}, 'port 22 is the SSH port'),
    ([{'proto': 'tcp', 'port': 2222}], {'ssh_ports': [22, 2222]}, 'port 2222 is the SSH port'),
    ([{'proto': 'tcp', 'port': 80, 'cidr': '10.96.0.0/24'}], {'nat_cidrs': ['10.96.0.0/12']},
     'overlaps the Service/NAT range 10.96.0.0/12'),
    ([{'proto': 'tcp', 'port': 80}], {'nat_cidrs': ['10.96.0.0/12']}, 'any address overlaps'),
    ([{'proto': 'icmp', 'port': 1}], {}, "proto 'icmp' is not one of"),
    ([{'proto': 'tcp', 'port': True}], {}, 'port True must be a number'),
    ([{'proto': 'tcp', 'port': 80, 'cidr': '10.1.1.1/40'}], {}, 'is not an address range'),
    ([{'port': 80, 'dport': 81}], {}, 'a rule is {proto, port, cidr}'),
    ('tcp/80', {}, 'must be a list'),
])
def test_bad_rules_are_named(rules, kwargs, words):
    with pytest.raises(ValueError) as err:
        notrack_rules(rules, **kwargs)
    assert words in str(err.value)


def test_force_allows_ssh_and_service_ranges():
    rules = notrack_rules([{'proto': 'tcp', 'port': 22, 'cidr': '10.96.0.0/24'}], nat_cidrs=['10.96.0.0/12'],
                          force=True)
    assert rules[0]['port'] == 22
