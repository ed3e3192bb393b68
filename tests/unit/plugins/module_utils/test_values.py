# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Sysctl values as the kernel prints them back, and playbook input refused with the value named."""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.lowlat.k8snet.plugins.module_utils.values import normalise, sysctl_value


def test_normalise_is_the_kernels_read_back():
    # /proc/sys/net/ipv4/ip_local_port_range reads "2000\t65535\n"
    assert normalise('2000\t65535\n') == normalise('2000 65535') == '2000 65535'
    assert normalise(None) == '' and normalise(10) == '10'


@pytest.mark.parametrize('value, wanted', [(10, '10'), ('4096 87380  6291456', '4096 87380 6291456'),
                                           ([2000, '65535'], '2000 65535'), ('0', '0')])
def test_values_to_write(value, wanted):
    assert sysctl_value('net.x', value) == wanted


@pytest.mark.parametrize('value, words', [
    (True, "net.x: value is the boolean True, but must be a number or a string"),
    (False, 'the boolean False'),
    ([], 'a list value must hold numbers or strings'),
    ([1, True], 'a list value must hold numbers or strings'),
    ([1, 1.5], 'a list value'),
    (None, 'value None is not valid'),
    ({'a': 1}, 'is not valid; give a number or a string'),
    (1.5, 'value 1.5 is not valid'),
    ('  ', "value '  ' is not valid"),
])
def test_bad_values_are_named(value, words):
    with pytest.raises(ValueError) as info:
        sysctl_value('net.x', value)
    assert words in str(info.value)
