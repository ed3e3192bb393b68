#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, lowlat.k8snet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
---
module: readings
short_description: Read a node's CPU, interrupt, pressure and conntrack counters for a benchmark point
version_added: 0.1.0
description:
  - Returns C(/proc/stat), C(/proc/interrupts) and C(/proc/pressure/cpu) as the kernel prints them,
    the number of conntrack entries (C(net.netfilter.nf_conntrack_count), null without conntrack),
    and the time they were read, as named values. The benchmark reads them before and after each
    point; the report computes CPU busy and softirq shares, interrupts per CPU and CPU pressure from
    the two readings.
  - With O(quiet), CPU pressure is first read twice, O(quiet) seconds apart, with nothing of the
    benchmark running; pressure in that window comes from outside the benchmark.
  - Reads only; never changes anything.
author:
  - lowlat.k8snet maintainers (@lowlat)
options:
  quiet:
    description: Seconds of the quiet window read before the counters (0 = none).
    type: float
    default: 0
  root:
    description: Where C(/proc) is (tests).
    type: path
    default: /
attributes:
  check_mode:
    support: full
    description: Reads as in a normal run.
  diff_mode:
    support: none
    description: Nothing is changed.
'''

EXAMPLES = r'''
- name: Before a point, after 2 quiet seconds
  lowlat.k8snet.readings:
    quiet: 2
  register: before
'''

RETURN = r'''
readings:
  description: The counters.
  returned: always
  type: dict
  contains:
    stat:
      description: C(/proc/stat).
      type: str
    interrupts:
      description: C(/proc/interrupts).
      type: str
    pressure:
      description: C(/proc/pressure/cpu), empty when the kernel has no PSI.
      type: str
    conntrack_count:
      description: Conntrack entries, or null without conntrack in this namespace.
      type: int
    time:
      description: When the counters were read (seconds since the epoch).
      type: float
    quiet_before:
      description: C(/proc/pressure/cpu) at the start of the quiet window (with O(quiet)).
      type: str
    quiet_after:
      description: C(/proc/pressure/cpu) at its end (with O(quiet)).
      type: str
    quiet_seconds:
      description: The window's length as measured.
      type: float
'''

import time

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.lowlat.k8snet.plugins.module_utils.hostinfo import Host

PRESSURE = 'proc/pressure/cpu'


def read(host, quiet):
    readings = {}
    if quiet > 0:
        start = time.time()
        readings['quiet_before'] = host.read(PRESSURE, default='')
        time.sleep(quiet)
        readings['quiet_after'] = host.read(PRESSURE, default='')
        readings['quiet_seconds'] = round(time.time() - start, 3)
    count = host.read('proc/sys/net/netfilter/nf_conntrack_count')
    readings.update(stat=host.read('proc/stat', default=''), interrupts=host.read('proc/interrupts', default=''),
                    pressure=host.read(PRESSURE, default=''),
                    conntrack_count=int(count) if count and count.strip().isdigit() else None,
                    time=time.time())
    return readings


def main():
    module = AnsibleModule(
        argument_spec=dict(
            quiet=dict(type='float', default=0),
            root=dict(type='path', default='/'),
        ),
        supports_check_mode=True,
    )
    if module.params['quiet'] < 0:
        module.fail_json(msg="quiet must be 0 or more seconds, got %s" % module.params['quiet'])
    module.exit_json(changed=False, readings=read(Host(module.params['root']), module.params['quiet']))


if __name__ == '__main__':
    main()
