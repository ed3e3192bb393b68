# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The network modes are listed once, in module_utils/netmode.py: the role's argument spec offers
exactly those values (the node_network module's spec is built from them, and ansible-test sanity
holds its documentation to it), and every mode the benchmark sweeps by default is one of them."""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os

import yaml

from ansible_collections.lowlat.k8snet.plugins.module_utils import netmode

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', '..')


def load(*parts):
    with open(os.path.join(ROOT, *parts)) as handle:
        return yaml.safe_load(handle)


def test_role_choices_are_the_module_utils_lists():
    options = load('roles', 'network_mode', 'meta', 'argument_specs.yml')['argument_specs']['main']['options']
    assert options['network_mode_type']['choices'] == list(netmode.MODES)
    assert options['network_mode_flannel_backend']['choices'] == list(netmode.FLANNEL_BACKENDS)
    assert options['network_mode_flannel_engine']['choices'] == list(netmode.ENGINES)
    assert options['network_mode_ipvlan_mode']['choices'] == list(netmode.IPVLAN_MODES)


def test_the_benchmark_sweeps_known_modes_only():
    for mode in load('roles', 'bench_sweep', 'defaults', 'main.yml')['bench_sweep_modes']:
        settings = dict(mode, cluster_cidr='10.244.0.0/16')
        errors = [e for e in netmode.network_mode_plan(settings, {})['errors'] if 'is not valid' in e]
        assert errors == [], (mode, errors)
