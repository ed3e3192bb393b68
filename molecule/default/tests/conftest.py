# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Testinfra over podman:// for the lab hosts; the phases are pytest markers."""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import sys

import yaml

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..', '..'))
sys.path.insert(0, os.path.join(REPO, '.build', 'collections'))
sys.path.insert(0, os.path.join(REPO, 'tests', 'oracles'))
ORIGINALS = os.path.join(REPO, '.build', 'lab', 'originals-molecule.json')


def pytest_configure(config):
    for marker, text in (('record', 'read the original values before converge'),
                         ('badinput', 'bad input fails before any change'),
                         ('tuned', 'the values site.yml must have set (after converge, and after a restart)'),
                         ('converged', 'checks of the converged hosts run once, after converge'),
                         ('originals', 'every original value back after reset.yml')):
        config.addinivalue_line('markers', '%s: %s' % (marker, text))


def load_yaml(*parts):
    with open(os.path.join(REPO, *parts)) as handle:
        return yaml.safe_load(handle)


# The variables converge.yml gives site.yml (RPS on, beyond the plan's own policy on the lab's
# 2-CPU hosts); every playbook the tests run gets them too.
POLICY = load_yaml('molecule', 'default', 'converge.yml')[0]['vars']


def host_vars(name):
    """The lab inventory's variables for a host (group_vars merged with host vars), with converge's."""
    inventory = load_yaml('inventories', 'lab', 'hosts.yml')
    merged = dict(load_yaml('inventories', 'lab', 'group_vars', 'benchnodes.yml'))
    merged.update(inventory['all']['children']['benchnodes']['hosts'][name])
    merged.update(POLICY)
    return merged
