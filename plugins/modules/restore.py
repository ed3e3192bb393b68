#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, lowlat.k8snet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
---
module: restore
short_description: Put back every kernel value this collection changed, from its record of originals
version_added: 0.1.0
description:
  - Reads the record written by M(lowlat.k8snet.irq_affinity), M(lowlat.k8snet.queue_steering),
    M(lowlat.k8snet.sysctl) and M(lowlat.k8snet.channels) (the value each setting had before the
    collection first changed it) and writes those values back, all in one call; channel counts first
    (with C(ethtool -L)), so that the queues and IRQs recorded before a change exist again.
  - IRQs are found again by their action name, since IRQ numbers can change across reboots.
  - irqbalance, when M(lowlat.k8snet.irq_affinity) stopped it, is enabled and started again last,
    and only if it was enabled and running before the first stop (on the host itself, O(root=/)).
  - A setting whose file no longer exists (an interface that is gone) is skipped with the reason.
  - When everything was restored the record is removed, so a second run reports no change. With
    O(modules), only the values those modules changed are restored and taken out of the record,
    which stays (empty when nothing is left) for the others; each tuning role undoes its own part
    this way.
  - A record that is not valid JSON fails the run before anything is written. A missing record
    is a host never tuned (nothing to restore) unless I(persist_dir) holds persisted changes, in
    which case the original values are lost and the run fails before anything is written.
author:
  - lowlat.k8snet maintainers (@lowlat)
options:
  record:
    description:
      - The record of original values.
    type: path
    default: /var/lib/lowlat-k8snet/originals.json
  keep_record:
    description:
      - Keep the record after restoring.
    type: bool
    default: false
  modules:
    description:
      - Restore only what these modules changed (IRQ affinity for C(irq_affinity); per-queue files
        under C(/sys/class/net), C(net.core.rps_sock_flow_entries) and C(net.core.rps_default_mask)
        for C(queue_steering); NIC
        channel counts for C(channels); every other path for C(sysctl)); irqbalance's service goes
        with C(irq_affinity). Empty means everything.
    type: list
    elements: str
    choices: [irq_affinity, queue_steering, sysctl, channels]
    default: []
  persist_dir:
    description:
      - Where the modules persist what they applied (C(*.json)); persisted changes without a
        record of originals make the run fail.
    type: path
    default: /etc/lowlat-k8snet/persist
extends_documentation_fragment:
  - lowlat.k8snet.sysfs
  - lowlat.k8snet.sysfs.writes
'''

EXAMPLES = r'''
- name: Restore every value the collection changed
  lowlat.k8snet.restore:
'''

RETURN = r'''
restored:
  description: What was (or in check mode would be) written back, by setting.
  returned: always
  type: dict
  sample: {"/proc/sys/net/core/somaxconn": {before: "8192", after: "4096"}}
not_restored:
  description: Settings that could not be restored, with the reason.
  returned: always
  type: dict
  sample: {"/sys/class/net/veth1/queues/rx-0/rps_cpus": "the file no longer exists"}
'''

import glob
import json
import os

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.lowlat.k8snet.plugins.module_utils.apply import diff_rows, write_all
from ansible_collections.lowlat.k8snet.plugins.module_utils.hostinfo import Host
from ansible_collections.lowlat.k8snet.plugins.module_utils import irqbalance
from ansible_collections.lowlat.k8snet.plugins.module_utils.nic import (
    find_irq, irqs_by_name, parse_channels, parse_interrupts,
)
from ansible_collections.lowlat.k8snet.plugins.module_utils.paths import PERSIST_DIR, RECORD_FILE
from ansible_collections.lowlat.k8snet.plugins.module_utils.record import atomic_write, dump, read_text
from ansible_collections.lowlat.k8snet.plugins.module_utils.values import normalise


def same(current, wanted):
    return normalise(current) == normalise(wanted)


def owner(item):
    """The module that recorded an entry, from what it is (the record predates any owner field)."""
    target = str(item.get('target', ''))
    if item.get('kind') in ('irq', 'service'):
        return 'irq_affinity'
    if item.get('kind') == 'channels':
        return 'channels'
    if target.startswith('/sys/class/net/') or target in ('/proc/sys/net/core/rps_sock_flow_entries',
                                                          '/proc/sys/net/core/rps_default_mask'):
        return 'queue_steering'
    return 'sysctl'


def main():
    module = AnsibleModule(
        argument_spec=dict(
            record=dict(type='path', default=RECORD_FILE),
            keep_record=dict(type='bool', default=False),
            modules=dict(type='list', elements='str',
                         choices=['irq_affinity', 'queue_steering', 'sysctl', 'channels'], default=[]),
            persist_dir=dict(type='path', default=PERSIST_DIR),
            root=dict(type='path', default='/'),
        ),
        supports_check_mode=True,
    )
    host = Host(module.params['root'])
    record_path = module.params['record']
    text = read_text(record_path)
    if text is None:
        persisted = sorted(glob.glob(os.path.join(module.params['persist_dir'], '*.json')))
        if persisted:
            module.fail_json(msg='the record of original values %s is missing, but %s holds changes this '
                                 'collection applied: the values from before them are unknown, so nothing '
                                 'was restored; put them back by hand, then remove %s'
                                 % (record_path, ', '.join(persisted), module.params['persist_dir']),
                             restored={}, not_restored={})
        module.exit_json(changed=False, restored={}, not_restored={},
                         msg='no record at %s and nothing persisted: nothing to restore' % record_path)
    try:
        data = json.loads(text)
        entries = data.get('entries', {})
    except ValueError:
        module.fail_json(msg='the record %s is not valid JSON; nothing was restored' % record_path)
    wanted = module.params['modules']
    kept = dict((key, item) for key, item in entries.items() if wanted and owner(item) not in wanted)
    entries = dict((key, item) for key, item in entries.items() if key not in kept)

    # channel counts first: the queues and IRQs recorded before the collection changed them exist
    # again after, and a queue that only the changed count had is gone either way
    plan = []
    skipped = {}
    restored = {}
    failures = []
    channel_plan = [(key, entries[key]) for key in sorted(entries) if entries[key].get('kind') == 'channels']
    ethtool = module.get_bin_path('ethtool') if channel_plan else None
    for key, item in channel_plan:
        interface, value = item.get('target'), item.get('value') or {}
        rc, out, _err = module.run_command([ethtool, '-l', interface]) if ethtool else (1, '', '')
        counts = parse_channels(out) if rc == 0 else None
        if counts is None:
            skipped[key] = 'the channels of %s cannot be read (no such interface, or no ethtool)' % interface
            continue
        change = dict((kind, count) for kind, count in value.items() if counts['current'].get(kind) != count)
        if not change:
            continue
        label = 'channels of %s' % interface
        restored[label] = {'before': dict((kind, counts['current'].get(kind)) for kind in change), 'after': change}
        plan.append((key, label, None, change))
        if not module.check_mode:
            command = [ethtool, '-L', interface] + [str(part) for kind in sorted(change) for part in (kind, change[kind])]
            rc, out, err = module.run_command(command)
            if rc != 0:
                failures.append('%s: %s' % (label, (err or out).strip()))

    by_name = irqs_by_name(parse_interrupts(host.read('proc/interrupts', default='')))

    sysfs = []
    for key in sorted(entries):
        item = entries[key]
        if item.get('kind') in ('channels', 'service'):
            continue
        if item.get('kind') == 'irq':
            target = item.get('target') or {}
            irq = find_irq(by_name, target.get('name'), target.get('irq'))
            if irq is None:
                skipped[key] = ('no IRQ, or several, carry the name %s now, and not IRQ %s: not guessed'
                                % (target.get('name'), target.get('irq')))
                continue
            rel = 'proc/irq/%s/smp_affinity_list' % irq
        else:
            rel = str(item.get('target', '')).lstrip('/')
        current = host.read(rel)
        if current is None:
            skipped[key] = 'the file /%s no longer exists' % rel
            continue
        if not same(current, item.get('value')):
            sysfs.append((key, rel, current, item.get('value')))
    plan += sysfs

    written, refused, failed = write_all(
        [dict(label='/' + rel, path=host.path(rel), value=str(value), before=current, after=value)
         for _key, rel, current, value in sysfs], None, module.check_mode)
    restored.update((c['label'], {'before': c['before'], 'after': c['after']}) for c in written)
    failures += ['%s: %s' % (c['label'], c['error']) for c in refused + failed]
    # services last: irqbalance starts again (if it ran before) once the IRQs are back where they were
    for key in sorted(entries):
        item = entries[key]
        if item.get('kind') != 'service':
            continue
        if item.get('target') != irqbalance.SERVICE or not isinstance(item.get('value'), dict):
            skipped[key] = 'not a service this collection stops: left alone'
            continue
        if not irqbalance.systemd_here(module):
            skipped[key] = 'services are put back only on the host itself (root is /)'
            continue
        now = irqbalance.service_state(lambda argv: module.run_command(argv)[0])
        commands = irqbalance.restore_commands(item['value'], now)
        if not commands:
            continue
        label = item['target']
        after = dict(now, **dict((k, True) for k in ('active', 'enabled') if item['value'].get(k)))
        restored[label] = {'before': irqbalance.describe(now), 'after': irqbalance.describe(after)}
        plan.append((key, label, None, commands))
        for command in commands if not module.check_mode else []:
            rc, out, err = module.run_command(command)
            if rc != 0:
                failures.append('%s: %s failed: %s' % (label, ' '.join(command), (err or out).strip()))
    drop = not module.params['keep_record'] and (bool(entries) or not wanted)
    if not module.check_mode and not failures and drop:
        try:
            if wanted:
                # the others' originals stay, for their own reset
                atomic_write(record_path, dump(dict(data, entries=kept)), 0o600)
            else:
                os.unlink(record_path)
        except OSError as exc:
            failures.append('rewriting %s: %s' % (record_path, exc))
    result = dict(changed=bool(plan) or drop,
                  restored=restored, not_restored=skipped)
    if module._diff:
        result['diff'] = diff_rows(written)
    if failures:
        module.fail_json(msg='could not restore: %s' % '; '.join(failures), **result)
    module.exit_json(**result)


if __name__ == '__main__':
    main()
