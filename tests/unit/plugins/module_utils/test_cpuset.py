# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.lowlat.k8snet.plugins.module_utils.cpuset import (
    CpuSetError, format_list, format_mask, mask_to_list, next_power_of_two, parse_list,
    parse_mask, to_bits,
)


@pytest.mark.parametrize('cpus, possible, mask', [
    ('1-8,10-17', 36, '00000000,0003fdfe'),          # the study's RPS mask
    ('0-8,18-26', 36, '00000000,07fc01ff'),          # the study's XPS tx-0
    ('9-17,27-35', 36, '0000000f,f803fe00'),         # the study's XPS tx-1
    ([0, 9], 36, '00000000,00000201'),               # the study's IRQ CPUs
    ('1', 2, '00000002'),                            # <= 32 possible CPUs: exactly one word
    ('', 2, '00000000'),
    ('31', 32, '80000000'),
    ('32', 33, '00000001,00000000'),
    ('0,64,255', 256, ','.join(['80000000'] + ['00000000'] * 4 + ['00000001', '00000000', '00000001'])),
])
def test_format_mask_has_exact_width(cpus, possible, mask):
    assert format_mask(cpus, possible) == mask
    assert len(mask.split(',')) == (possible + 31) // 32


def test_format_mask_8192_cpus():
    mask = format_mask('8191', 8192)
    words = mask.split(',')
    assert len(words) == 256
    assert words[0] == '80000000' and set(words[1:]) == {'00000000'}


@pytest.mark.parametrize('mask, cpus', [
    ('0,0003fdfe', '1-8,10-17'),       # short top word, as the kernel prints 36 CPUs
    ('f,ffffffff', '0-35'),
    ('00000000,0003fdfe', '1-8,10-17'),
    ('201', '0,9'),
    ('0', ''),
    ('', ''),
    ('0x3', '0-1'),
    ('1,00000000,00000000', '64'),
])
def test_mask_to_list(mask, cpus):
    assert mask_to_list(mask) == cpus


@pytest.mark.parametrize('text, expected', [
    ('1-8,10-17', list(range(1, 9)) + list(range(10, 18))),
    (' 3 ', [3]),
    ('0-7:2/4', [0, 1, 4, 5]),
    ([5, 1, 3], [1, 3, 5]),
    (['2', 4], [2, 4]),
    ('', []),
])
def test_parse_list(text, expected):
    assert parse_list(text) == expected


@pytest.mark.parametrize('cpus', ['0-1000', '1-8,10-17', '0,2,4,6', '100-200,5000-5010'])
def test_list_roundtrip_through_mask(cpus):
    possible = 8192
    assert mask_to_list(format_mask(cpus, possible)) == format_list(cpus)


@pytest.mark.parametrize('bad, words', [
    (True, 'boolean'),
    (False, 'boolean'),
    ('1-', 'not a CPU number'),
    ('8-1', 'ends before it starts'),
    ('a,b', 'not a CPU number'),
    ([1, -2], 'integers >= 0'),
    ([1.5], 'integers >= 0'),
    ({'x': 1}, 'integers >= 0'),
    ('0-7:5/4', 'stride'),
])
def test_bad_lists_name_the_value(bad, words):
    with pytest.raises(CpuSetError) as err:
        to_bits(bad)
    assert words in str(err.value)


def test_mask_rejects_cpus_beyond_possible():
    with pytest.raises(CpuSetError) as err:
        format_mask('0,40', 36)
    assert 'CPU 40 does not exist' in str(err.value) and '0-35' in str(err.value)


@pytest.mark.parametrize('bad', ['xyz', '123456789', True, 5, '1,,2'])
def test_parse_mask_rejects(bad):
    with pytest.raises(CpuSetError):
        parse_mask(bad)


@pytest.mark.parametrize('value, expected', [(0, 0), (1, 1), (3, 4), (60000, 65536), (65536, 65536),
                                             (32769, 65536)])
def test_next_power_of_two(value, expected):
    assert next_power_of_two(value) == expected
