# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Our block in irqbalance's environment file: taken out, the file is what it was, byte for byte."""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.lowlat.k8snet.plugins.module_utils import irqbalance

BLOCK = irqbalance.ban_block('0,9', ['60', '61'])


@pytest.mark.parametrize('text', [
    '',
    '#IRQBALANCE_ONESHOT=\nIRQBALANCE_ARGS="--policyscript=/x"\n',
    'A=1\r\nB=2\r\n',                      # CRLF lines stay CRLF
    'A=1\n\x0cB=2\n\n',                    # a form feed and a blank last line
])
def test_unban_gives_the_file_back_byte_for_byte(text):
    banned = irqbalance.with_block(text, BLOCK)
    assert banned.startswith(text) and banned.endswith(irqbalance.END + '\n')
    assert irqbalance.without_block(banned) == text
    # banned again with other values: replaced in place, still one block, and still reversible
    again = irqbalance.with_block(banned, irqbalance.ban_block('4', ['70']))
    assert again.count(irqbalance.BEGIN) == 1 and 'IRQBALANCE_BANNED_CPULIST=4' in again
    assert irqbalance.without_block(again) == text


def test_a_block_in_the_middle_is_replaced_where_it_is():
    text = 'A=1\n' + '\n'.join([irqbalance.BEGIN] + BLOCK + [irqbalance.END]) + '\nZ=9\n'
    assert irqbalance.with_block(text, ['X=1']) == 'A=1\n%s\nX=1\n%s\nZ=9\n' % (irqbalance.BEGIN, irqbalance.END)
    assert irqbalance.without_block(text) == 'A=1\nZ=9\n'


def test_a_file_without_a_final_newline_keeps_the_one_added_before_the_block():
    assert irqbalance.without_block(irqbalance.with_block('A=1', BLOCK)) == 'A=1\n'
    assert irqbalance.without_block('A=1') == 'A=1'


def test_the_user_s_settings_outside_our_block_last_one_wins():
    text = ('#IRQBALANCE_ARGS="--commented"\nIRQBALANCE_ARGS=--first\n'
            'export IRQBALANCE_ARGS="--hintpolicy=exact --policyscript=/x"\r\n'
            "IRQBALANCE_BANNED_CPULIST='4-5'\n")
    banned = irqbalance.with_block(text, BLOCK)
    assert irqbalance.user_settings(banned) == {'IRQBALANCE_ARGS': '--hintpolicy=exact --policyscript=/x',
                                                'IRQBALANCE_BANNED_CPULIST': '4-5'}
    block = irqbalance.ban_block('0,4-5,9', ['60'], irqbalance.user_settings(text))
    assert block == ['IRQBALANCE_BANNED_CPULIST=0,4-5,9', 'IRQBALANCE_ARGS="--hintpolicy=exact --policyscript=/x --banirq=60"']
