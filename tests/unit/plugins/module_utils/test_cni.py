# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.lowlat.k8snet.plugins.module_utils.cni import addresses, check_pod_name, plugins_of


def test_conflist_plugins_get_the_network_name_and_version():
    plugins = plugins_of({'cniVersion': '1.0.0', 'name': 'k8s', 'plugins': [
        {'type': 'bridge', 'bridge': 'cni0'}, {'type': 'portmap', 'capabilities': {'portMappings': True}}]})
    assert [(p['type'], p['name'], p['cniVersion']) for p in plugins] == [
        ('bridge', 'k8s', '1.0.0'), ('portmap', 'k8s', '1.0.0')]
    assert plugins_of({'name': 'one', 'type': 'macvlan'})[0]['cniVersion'] == '0.4.0'


@pytest.mark.parametrize('config, words', [
    ('bridge', 'must be a dict'),
    ({'type': 'bridge'}, "needs a 'name'"),
    ({'name': 'x', 'plugins': []}, 'has no plugins'),
    ({'name': 'x', 'plugins': [{'bridge': 'cni0'}]}, "plugin 0 of 'x' has no 'type'"),
])
def test_bad_configs(config, words):
    with pytest.raises(ValueError) as err:
        plugins_of(config)
    assert words in str(err.value)


@pytest.mark.parametrize('name', ['', 'a b', 'x' * 65, '-x', '../etc', True])
def test_bad_pod_names(name):
    with pytest.raises(ValueError):
        check_pod_name(name)


def test_addresses_of_a_result():
    result = {'cniVersion': '0.4.0', 'ips': [{'version': '4', 'address': '10.244.1.2/24', 'gateway': '10.244.1.1'}]}
    assert addresses(result) == ['10.244.1.2/24']
    assert addresses(None) == []
