# -*- coding: utf-8 -*-
# Copyright: (c) 2026, lowlat.k8snet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filters: cpumask, cpulist, lscpu_topology, steering_plan (thin wrappers over module_utils)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible.errors import AnsibleFilterError
from ansible_collections.lowlat.k8snet.plugins.module_utils import bench
from ansible_collections.lowlat.k8snet.plugins.module_utils import cpuset
from ansible_collections.lowlat.k8snet.plugins.module_utils import netcheck
from ansible_collections.lowlat.k8snet.plugins.module_utils import netmode
from ansible_collections.lowlat.k8snet.plugins.module_utils import plan
from ansible_collections.lowlat.k8snet.plugins.module_utils import topology


def _wrap(name, func):
    def filter_func(*args, **kwargs):
        try:
            return func(*args, **kwargs)
        except ValueError as exc:
            raise AnsibleFilterError('lowlat.k8snet.%s: %s' % (name, exc))
    filter_func.__name__ = name
    filter_func.__doc__ = func.__doc__
    return filter_func


def cpumask(cpus, possible):
    """CPU list (string or list of ints) -> kernel mask exactly ceil(possible/32) words wide."""
    return cpuset.format_mask(cpus, possible)


def nginx_cpu_affinity(cpus):
    """CPU list (kernel syntax or list of ints) -> nginx worker_cpu_affinity, one worker per CPU."""
    return bench.nginx_affinity(cpuset.bits_to_list(cpuset.to_bits(cpus)))


def cpulist(mask):
    """Any kernel mask -> canonical CPU list string ('' for no CPU)."""
    return cpuset.mask_to_list(mask)


class FilterModule(object):
    """lowlat.k8snet filters."""

    def filters(self):
        return {
            'cpumask': _wrap('cpumask', cpumask),
            'cpulist': _wrap('cpulist', cpulist),
            'lscpu_topology': _wrap('lscpu_topology', topology.parse_lscpu),
            'steering_plan': _wrap('steering_plan', plan.steering_plan),
            'steering_targets': _wrap('steering_targets', plan.steering_targets),
            'cidrs_overlap': _wrap('cidrs_overlap', netcheck.cidrs_overlap),
            'overlapping_pairs': _wrap('overlapping_pairs', netcheck.overlapping_pairs),
            'notrack_rules': _wrap('notrack_rules', netcheck.notrack_rules),
            'network_mode_plan': _wrap('network_mode_plan', netmode.network_mode_plan),
            'nginx_cpu_affinity': _wrap('nginx_cpu_affinity', nginx_cpu_affinity),
            'bench_rate': _wrap('bench_rate', bench.resolve_rate),
            'bench_steps': _wrap('bench_steps', bench.steps),
            'bench_rates': _wrap('bench_rates', bench.expand_rates),
            'bench_line_rate': _wrap('bench_line_rate', bench.line_rate_max),
        }
