#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, lowlat.k8snet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
---
module: queue_steering
short_description: Set RPS, XPS and RFS for every queue of an interface in one call
version_added: 0.1.0
description:
  - Writes C(rps_cpus) and C(rps_flow_cnt) of the interface's rx queues, C(xps_cpus) of its tx
    queues, and the global C(net.core.rps_sock_flow_entries), all in one module call.
  - With O(rps_default_mask) it also sets C(net.core.rps_default_mask) of this network namespace
    (kernels from 6.2), the RPS CPUs every device created later in the namespace starts with, such
    as the host side of pod veths. A kernel without it is reported in RV(rps_default_mask) and
    RV(notes) and skipped, not failed.
  - Masks are written exactly as wide as this host's possible-CPU count (kernels from 5.6 reject
    wider masks with EOVERFLOW) and compared with what the kernel holds as integers, so the
    kernel's own formatting never makes a rerun report a change.
  - The kernel rounds flow counts up to a power of two; the comparison does the same, so a rerun
    with V(60000) reports no change once V(65536) is in place.
  - Offline CPUs are dropped with a warning (the kernel keeps only online CPUs), and isolated CPUs
    are dropped from RPS (the kernel ANDs RPS masks with the housekeeping CPUs).
  - The whole input is validated and every current value read before the first write.
  - Options left out are not managed.
author:
  - lowlat.k8snet maintainers (@lowlat)
options:
  interface:
    description:
      - Network interface in this network namespace.
    type: str
    required: true
  rps_cpus:
    description:
      - RPS CPUs. One CPU list for every rx queue (kernel list syntax such as V(1-8,10-17), or a
        list of CPU numbers), or a mapping of rx queue (V(rx-0)) to CPU list.
      - An empty string turns RPS off.
    type: raw
  xps_cpus:
    description:
      - XPS CPUs. One CPU list for every tx queue, or a mapping of tx queue (V(tx-0)) to CPU list.
      - An empty string clears the queue's XPS map.
    type: raw
  rps_flow_cnt:
    description:
      - RFS flow table size per rx queue, one number for all rx queues or a mapping of rx queue to
        number. Rounded up to a power of two by the kernel. V(0) turns it off.
    type: raw
  rps_sock_flow_entries:
    description:
      - Global RFS socket flow table size (C(net.core.rps_sock_flow_entries)), 0 to 2^29.
      - Exists only in the root network namespace; setting it from another namespace is an error.
    type: raw
  rps_default_mask:
    description:
      - The RPS CPUs of devices created later in this network namespace (C(net.core.rps_default_mask),
        kernels from 6.2, one value per namespace), as a CPU list like O(rps_cpus); the steering
        plan's C(pod_rps_cpus). An empty string sets it back to no RPS.
      - It reaches only devices created after it is set (the host side of the next pod veths), not
        the ones that exist already.
      - Skipped with a note on a kernel that lacks it (no C(/proc/sys/net/core/rps_default_mask)).
    type: raw
  record:
    description:
      - JSON file keeping the value every changed setting had before this collection first changed
        it (later runs never overwrite a kept value). The reset playbook restores from it.
      - Not written in check mode.
    type: path
  persist:
    description:
      - JSON file listing every managed value (paths and masks), replayed at boot and when the
        interface is added again by the C(lowlat-k8snet-apply) unit and udev rule.
      - A change of this file alone makes the task changed.
    type: path
extends_documentation_fragment:
  - lowlat.k8snet.sysfs
  - lowlat.k8snet.sysfs.writes
'''

EXAMPLES = r'''
- name: The study's literal settings on a 36-CPU, two-node host with a two-queue NIC
  lowlat.k8snet.queue_steering:
    interface: eth0
    rps_cpus: 1-8,10-17
    xps_cpus:
      tx-0: 0-8,18-26
      tx-1: 9-17,27-35
    rps_flow_cnt: 32768
    rps_sock_flow_entries: 65536

- name: Apply the queue part of a steering plan
  lowlat.k8snet.queue_steering:
    interface: "{{ steering.interface }}"
    rps_cpus: "{{ steering.rps_cpus }}"
    xps_cpus: "{{ steering.xps_cpus }}"
    rps_flow_cnt: "{{ steering.rps_flow_cnt }}"
    rps_sock_flow_entries: "{{ steering.rps_sock_flow_entries }}"

- name: RPS for the host side of pod veths created from now on, onto the housekeeping CPUs
  lowlat.k8snet.queue_steering:
    interface: eth0
    rps_default_mask: "{{ steering.pod_rps_cpus }}"
'''

RETURN = r'''
interface:
  description: The interface.
  returned: always
  type: str
  sample: eth0
possible_cpus:
  description: Possible-CPU count of the host, the width of every mask written.
  returned: always
  type: int
  sample: 36
queues:
  description: Per queue and setting, the value before and after (CPU lists or numbers).
  returned: always
  type: dict
  sample:
    rx-0: {rps_cpus: {before: '', after: 1-8}, rps_flow_cnt: {before: 0, after: 32768}}
    tx-0: {xps_cpus: {before: '0-1', after: 0-8,18-26}}
persist_changed:
  description: Whether the persist file was (or in check mode would be) rewritten.
  returned: always
  type: bool
  sample: false
notes:
  description: CPUs left out because they are offline or isolated (also given as warnings).
  returned: always
  type: list
  elements: str
  sample: ["rps_cpus of eth0 rx-0: isolated CPUs 1-4 are left out (the kernel drops them from RPS)"]
rps_sock_flow_entries:
  description: The global RFS table size before and after, when managed.
  returned: when rps_sock_flow_entries is given
  type: dict
  sample: {before: 0, after: 65536}
rps_default_mask:
  description: This namespace's default RPS CPUs before and after (CPU lists), or the reason it was
    skipped (V(skipped)) on a kernel without C(net.core.rps_default_mask).
  returned: when rps_default_mask is given
  type: dict
  sample: {before: '', after: 0-3}
'''

import re

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.lowlat.k8snet.plugins.module_utils.apply import diff_rows, write_all, writer_argument_spec
from ansible_collections.lowlat.k8snet.plugins.module_utils.cpuset import (
    CpuSetError, format_list, format_mask, next_power_of_two, parse_mask, to_bits,
)
from ansible_collections.lowlat.k8snet.plugins.module_utils.hostinfo import Host
from ansible_collections.lowlat.k8snet.plugins.module_utils.record import Record, persist_payload, sync_file

MAX_FLOW_CNT = 1 << 30
MAX_SOCK_ENTRIES = 1 << 29
SOCK_PATH = 'proc/sys/net/core/rps_sock_flow_entries'
DEFAULT_MASK_PATH = 'proc/sys/net/core/rps_default_mask'


class Planner(object):
    """Validates the whole input and reads every current value before anything is written."""

    def __init__(self, host, interface, warn):
        self.host = host
        self.interface = interface
        self.notes = []
        self._warn = warn
        self.base = 'sys/class/net/%s/queues' % interface
        names = host.listdir(self.base)
        self.rx = sorted((n for n in names if re.match(r'^rx-\d+$', n)), key=lambda n: int(n[3:]))
        self.tx = sorted((n for n in names if re.match(r'^tx-\d+$', n)), key=lambda n: int(n[3:]))
        sets = host.cpu_sets()
        self.possible = sets['possible']
        self.online = sets['online']
        self.isolated = sets['isolated']
        self.changes = []   # dicts: label, rel, value (to write), raw (as read), before, after
        self.desired = []   # (rel, value) of every managed value, for the persist file
        self.report = {}

    def warn(self, text):
        self.notes.append(text)
        self._warn(text)

    def per_queue(self, value, queues, option):
        if value is None:
            return {}
        kind = 'tx' if option == 'xps_cpus' else 'rx'
        if isinstance(value, dict):
            result = {}
            for key, item in value.items():
                if key not in queues:
                    raise ValueError("%s: %r is not a %s queue of %s; its %s queues are %s"
                                     % (option, key, kind, self.interface, kind, ', '.join(queues)))
                result[key] = item
            return result
        return dict((queue, value) for queue in queues)

    def cpus(self, value, option, queue, rps, what=None):
        what = what or '%s of %s %s' % (option, self.interface, queue)
        try:
            bits = to_bits(value, what)
        except CpuSetError as exc:
            raise ValueError(str(exc))
        if bits >> self.possible:
            raise ValueError("%s: CPU %s does not exist on this host (possible CPUs: 0-%d)"
                             % (what, format_list(bits >> self.possible << self.possible),
                                self.possible - 1))
        offline = bits & ~self.online
        if offline:
            self.warn("%s: CPUs %s are offline and are left out (the kernel keeps only online CPUs)"
                      % (what, format_list(offline)))
        effective = bits & self.online
        if rps and effective & self.isolated:
            self.warn("%s: isolated CPUs %s are left out (the kernel drops them from RPS)"
                      % (what, format_list(effective & self.isolated)))
            effective &= ~self.isolated
            if not effective:
                raise ValueError("%s: every CPU given (%s) is isolated; the kernel would refuse it"
                                 % (what, format_list(bits)))
        if bits and not effective:
            raise ValueError("%s: none of the CPUs %s is online (online: %s)"
                             % (what, format_list(bits), format_list(self.online)))
        return effective

    def count(self, value, what, maximum):
        is_number = isinstance(value, int) or (isinstance(value, str) and value.strip().isdigit())
        if isinstance(value, bool) or not is_number:
            raise ValueError("%s must be a whole number from 0 to %d, got %r" % (what, maximum, value))
        value = int(value)
        if value > maximum:
            raise ValueError("%s %d is too large; the kernel accepts at most %d" % (what, value, maximum))
        return value

    def read(self, rel, what):
        text = self.host.read(rel)
        if text is None:
            raise ValueError("%s cannot be read (%s): this kernel or device does not offer it%s"
                             % (what, '/' + rel, '; XPS needs a multi-queue device'
                                if rel.endswith('xps_cpus') else ''))
        return text

    def add_mask(self, option, queue, value, rps):
        bits = self.cpus(value, option, queue, rps)
        rel = '%s/%s/%s' % (self.base, queue, option)
        self.report.setdefault(queue, {})[option] = self.want_mask(
            rel, '%s %s' % (queue, option), '%s of %s %s' % (option, self.interface, queue), bits)

    def want_mask(self, rel, label, what, bits):
        """Queue a mask file for writing where the kernel holds other CPUs; {before, after}."""
        raw = self.read(rel, what)
        current = parse_mask(raw)
        self.desired.append((rel, format_mask(bits, self.possible)))
        if current != bits:
            self.changes.append(dict(label=label, rel=rel, raw=raw, value=format_mask(bits, self.possible),
                                     before=format_list(current), after=format_list(bits)))
        return dict(before=format_list(current), after=format_list(bits))

    def add_default_mask(self, value):
        """net.core.rps_default_mask of this namespace: (report, skip reason or None)."""
        bits = self.cpus(value, 'rps_default_mask', None, True, what='rps_default_mask')
        if not self.host.exists(DEFAULT_MASK_PATH):
            reason = ('net.core.rps_default_mask is not on this kernel (it came in 6.2; no /%s): devices '
                      'created later keep RPS off, as before' % DEFAULT_MASK_PATH)
            self.warn(reason)
            return {'skipped': reason}
        return self.want_mask(DEFAULT_MASK_PATH, 'net.core.rps_default_mask', 'net.core.rps_default_mask', bits)

    def add_count(self, rel, label, wanted, report):
        raw = self.read(rel, label)
        current = int(raw or 0)
        target = next_power_of_two(wanted)
        report.update(before=current, after=target)
        self.desired.append((rel, str(target)))
        if current != target:
            self.changes.append(dict(label=label, rel=rel, raw=raw, value=str(wanted),
                                     before=current, after=target))


def build(module, host):
    params = module.params
    interface = params['interface']
    if not host.exists('sys/class/net', interface):
        raise ValueError("interface %r does not exist in this network namespace; interfaces here: %s"
                         % (interface, ', '.join(host.listdir('sys/class/net')) or 'none'))
    plan = Planner(host, interface, module.warn)
    for option, queues, rps in (('rps_cpus', plan.rx, True), ('xps_cpus', plan.tx, False)):
        for queue, value in sorted(plan.per_queue(params[option], queues, option).items()):
            plan.add_mask(option, queue, value, rps)
    flows = plan.per_queue(params['rps_flow_cnt'], plan.rx, 'rps_flow_cnt')
    for queue, value in sorted(flows.items()):
        wanted = plan.count(value, 'rps_flow_cnt of %s %s' % (interface, queue), MAX_FLOW_CNT)
        plan.add_count('%s/%s/rps_flow_cnt' % (plan.base, queue), '%s rps_flow_cnt' % queue, wanted,
                       plan.report.setdefault(queue, {}).setdefault('rps_flow_cnt', {}))
    sock = None
    if params['rps_sock_flow_entries'] is not None:
        wanted = plan.count(params['rps_sock_flow_entries'], 'rps_sock_flow_entries', MAX_SOCK_ENTRIES)
        if not host.exists(SOCK_PATH):
            raise ValueError("rps_sock_flow_entries is global and exists only in the root network "
                             "namespace; this module runs in another one (a container or pod): set "
                             "it on the host, or leave it out here")
        sock = {}
        plan.add_count(SOCK_PATH, 'net.core.rps_sock_flow_entries', wanted, sock)
    default_mask = None
    if params['rps_default_mask'] is not None:
        default_mask = plan.add_default_mask(params['rps_default_mask'])
    return plan, sock, default_mask


def main():
    module = AnsibleModule(
        argument_spec=writer_argument_spec(
            interface=dict(type='str', required=True),
            rps_cpus=dict(type='raw'),
            xps_cpus=dict(type='raw'),
            rps_flow_cnt=dict(type='raw'),
            rps_sock_flow_entries=dict(type='raw'),
            rps_default_mask=dict(type='raw'),
        ),
        supports_check_mode=True,
    )
    host = Host(module.params['root'])
    try:
        plan, sock, default_mask = build(module, host)
        record = Record(module.params['record'])
    except ValueError as exc:
        module.fail_json(msg=str(exc))

    persist_changed = False
    persist_before = None
    if module.params['persist']:
        text = persist_payload('lowlat.k8snet.queue_steering',
                               writes=[dict(path='/' + rel, value=value) for rel, value in plan.desired])
        persist_changed, persist_before = sync_file(module.params['persist'], text, module.check_mode)

    changes = [dict(change, path=host.path(change['rel']),
                    remember=('/' + change['rel'], 'path', '/' + change['rel'], change['raw']))
               for change in plan.changes]
    written, refused, failed = write_all(changes, record, module.check_mode)
    if refused or failed:
        module.fail_json(msg="writing %s failed (written: %s)"
                         % ('; '.join('%s to /%s: %s' % (c['value'], c['rel'], c['error']) for c in refused + failed),
                            ', '.join(c['label'] for c in written) or 'nothing'),
                         queues=plan.report)
    result = dict(changed=bool(plan.changes) or persist_changed, interface=plan.interface,
                  possible_cpus=plan.possible, queues=plan.report, notes=plan.notes,
                  persist_changed=persist_changed)
    if sock is not None:
        result['rps_sock_flow_entries'] = sock
    if default_mask is not None:
        result['rps_default_mask'] = default_mask
    if module._diff:
        rows = list(written)
        if persist_changed:
            rows.append(dict(label=module.params['persist'], after='updated',
                             before='absent' if persist_before is None else 'older content'))
        result['diff'] = diff_rows(rows)
    module.exit_json(**result)


if __name__ == '__main__':
    main()
