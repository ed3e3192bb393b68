# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.lowlat.k8snet.plugins.module_utils.topology import TopologyError, parse_lscpu
from ansible_collections.lowlat.k8snet.tests.unit.fixture_text import read as fixture


def test_vm2():
    topo = parse_lscpu(fixture('vm2_lscpu.txt'))
    assert topo['online'] == '0-1'
    assert topo['possible'] == 2
    assert topo['nodes'] == {'0': '0-1'}
    assert topo['cores'] == 2 and topo['threads_per_core'] == 1
    assert topo['siblings'] == {}


def test_study_host():
    topo = parse_lscpu(fixture('c4_8xlarge_lscpu.txt'))
    assert topo['nodes'] == {'0': '0-8,18-26', '1': '9-17,27-35'}
    assert topo['sockets'] == {'0': '0-8,18-26', '1': '9-17,27-35'}
    assert topo['physical'] == '0-17'
    assert topo['cores'] == 18 and topo['threads_per_core'] == 2
    assert topo['siblings']['0'] == '0,18' and topo['siblings']['35'] == '17,35'


def test_256_cpus_8_nodes():
    topo = parse_lscpu(fixture('epyc_256_lscpu.txt'))
    assert len(topo['nodes']) == 8
    assert topo['nodes']['7'] == '112-127,240-255'
    assert topo['cores'] == 128
    assert topo['physical'] == '0-127'
    assert topo['possible'] == 256


def test_offline_cpus_with_online_column():
    topo = parse_lscpu(fixture('offline_16_lscpu.txt'))
    assert topo['online'] == '0-5,8-13,15'
    assert topo['possible'] == 16
    offline = [rec['cpu'] for rec in topo['cpus'] if not rec['online']]
    assert offline == [6, 7, 14]
    assert topo['nodes'] == {'0': '0-3,8-11', '1': '4-5,12-13,15'}
    # core 6 and 7 have no online thread at all; core 6's sibling 14 is offline too
    assert topo['siblings']['5'] == '5,13'
    assert '15' not in topo['siblings']


def test_no_node_column_means_node_zero():
    topo = parse_lscpu('# CPU,Core,Socket,Node\n0,0,0,\n1,1,0,\n')
    assert topo['nodes'] == {'0': '0-1'}


@pytest.mark.parametrize('text, words', [
    ('', 'lists no CPU'),
    ('# CPU,Core\nx,0\n', 'not a number'),
    ('0,0,0,0\n0,0,0,0\n', 'listed twice'),
    (None, 'expects the text'),
])
def test_bad_input(text, words):
    with pytest.raises(TopologyError) as err:
        parse_lscpu(text)
    assert words in str(err.value)
