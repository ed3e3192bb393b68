# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible.errors import AnsibleFilterError
from ansible_collections.lowlat.k8snet.plugins.filter.steering import FilterModule

FILTERS = FilterModule().filters()


def test_filter_names_are_the_public_api():
    assert sorted(FILTERS) == ['bench_line_rate', 'bench_rate', 'bench_rates', 'bench_steps', 'cidrs_overlap', 'cpulist', 'cpumask', 'lscpu_topology',
                               'network_mode_plan', 'nginx_cpu_affinity', 'notrack_rules', 'overlapping_pairs',
                               'steering_plan', 'steering_targets']


def test_readme_examples():
    assert FILTERS['cpumask']('1-8,10-17', 36) == '00000000,0003fdfe'
    assert FILTERS['cpumask']([1], 2) == '00000002'
    assert FILTERS['cpulist']('0,0003fdfe') == '1-8,10-17'
    assert FILTERS['cpulist']('0000000f,f803fe00') == '9-17,27-35'
    topo = FILTERS['lscpu_topology']('# CPU,Core,Socket,Node\n0,0,0,0\n1,0,0,0\n')
    assert topo['siblings'] == {'0': '0-1', '1': '0-1'}
    plan = FILTERS['steering_plan'](topo, {'name': 'eth0', 'rx_queues': 1, 'tx_queues': 1})
    assert plan['nginx_worker_cpus'] == '0'
    assert FILTERS['nginx_cpu_affinity']('0-2') == '1 10 100'
    assert FILTERS['nginx_cpu_affinity'](plan['nginx_worker_cpus']) == '1'
    assert FILTERS['bench_rate']('30%', 21000) == 6300 and FILTERS['bench_rate'](500) == 500
    assert FILTERS['bench_steps'](['host'], 2, ['tuned', 'untuned']) == [
        [1, 'tuned', 'host'], [1, 'untuned', 'host'], [2, 'untuned', 'host'], [2, 'tuned', 'host']]


@pytest.mark.parametrize('name, args, words', [
    ('cpumask', ('0-40', 36), 'lowlat.k8snet.cpumask: CPU 36-40 does not exist'),
    ('cpumask', (True, 36), 'boolean'),
    ('cpulist', ('zz',), 'lowlat.k8snet.cpulist'),
    ('lscpu_topology', ('',), 'lists no CPU'),
    ('steering_plan', ({}, {}), 'lowlat.k8snet.steering_plan: topology lacks'),
    ('nginx_cpu_affinity', ('',), 'lowlat.k8snet.nginx_cpu_affinity: nginx needs at least one worker CPU'),
    ('bench_rate', ('30%',), 'lowlat.k8snet.bench_rate: rate 30% is relative'),
    ('bench_steps', (['host'], 1, ['fast']), "lowlat.k8snet.bench_steps: tunings ['fast'] must be one or both"),
])
def test_errors_are_filter_errors(name, args, words):
    with pytest.raises(AnsibleFilterError) as err:
        FILTERS[name](*args)
    assert words in str(err.value)
