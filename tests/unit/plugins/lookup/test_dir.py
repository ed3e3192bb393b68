# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""lowlat.k8snet.dir: the two collection-wide directories, set or by default, and bad values refused."""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible.errors import AnsibleError
from ansible.parsing.dataloader import DataLoader
from ansible.template import Templar
from ansible_collections.lowlat.k8snet.plugins.lookup.dir import LookupModule


def lookup(terms, variables):
    loader = DataLoader()
    return LookupModule(loader=loader, templar=Templar(loader=loader)).run(terms, variables=variables)


def test_defaults_when_unset():
    # the documented defaults (README, role READMEs, the modules' option defaults)
    assert lookup(['config', 'state'], {}) == ['/etc/lowlat-k8snet', '/var/lib/lowlat-k8snet']


def test_the_variables_when_set():
    variables = {'lowlat_config_dir': '/srv/lowlat/etc/', 'lowlat_state_dir': '/srv/lowlat//state'}
    assert lookup(['state', 'config'], variables) == ['/srv/lowlat/state', '/srv/lowlat/etc']


@pytest.mark.parametrize('terms, variables, message', [
    (['conf'], {}, "'conf' is not one of config, state"),
    (['state'], {'lowlat_state_dir': 'var/lib/x'}, "lowlat_state_dir must be an absolute directory path other than /, not 'var/lib/x'"),
    (['config'], {'lowlat_config_dir': '/'}, 'lowlat_config_dir must be an absolute'),
    (['config'], {'lowlat_config_dir': ['/etc/a']}, 'lowlat_config_dir must be an absolute'),
])
def test_bad_values_are_named(terms, variables, message):
    with pytest.raises(AnsibleError, match=message.replace('(', r'\(').replace(')', r'\)')):
        lookup(terms, variables)
