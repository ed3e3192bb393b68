#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, lowlat.k8snet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
---
module: irq_affinity
short_description: Pin IRQs to CPU lists, all IRQs of a host in one call
version_added: 0.1.0
description:
  - Sets C(/proc/irq/N/smp_affinity_list) for every IRQ given, comparing CPU sets as the kernel
    does (as sets, not strings), so a rerun with the same input reports no change.
  - The whole input is validated first (IRQs exist, CPUs exist and are online); nothing is written
    when any value is bad.
  - Managed IRQs (kernel-assigned affinity) refuse writes, with EIO before kernel 6.12 and EPERM
    (files made read-only) from 6.12. They are reported as skipped with the reason, and fail the
    task only with O(strict=true).
  - irqbalance rewrites affinities every 10 seconds. With O(irqbalance=ban) the IRQs given and the
    CPUs they are pinned to are banned in irqbalance's environment file (C(/etc/default/irqbalance)
    or C(/etc/sysconfig/irqbalance)) in a marked block, and a running irqbalance is restarted to
    read it (a stopped one stays stopped); O(irqbalance=stop) stops and disables it (its state
    from before is recorded, for reset);
    O(irqbalance=unban) takes our block out again.
  - The block comes last in the file, so its values are the ones irqbalance reads; it carries the
    file's own C(IRQBALANCE_ARGS) options and banned CPUs (C(IRQBALANCE_BANNED_CPULIST), and the older
    C(IRQBALANCE_BANNED_CPUS) mask) on, so that the user's settings stay in force.
  - After writing, every IRQ is read again and those that moved away from the plan are returned in
    RV(drift), and in RV(drift_report) with the interface and queue each serves (where its name or the
    device's MSI vectors tell) and the likely writer - irqbalance running without a ban of that IRQ,
    TuneD running a profile whose C([irq]), C([scheduler]) or C([irqbalance]) section moves IRQs,
    another udev rule writing C(smp_affinity), or V(unknown). Drift is reported, not fought; nothing
    is written again.
author:
  - lowlat.k8snet maintainers (@lowlat)
options:
  irqs:
    description:
      - Mapping of IRQ number to CPU list in kernel list syntax (V(0), V(1-8,10-17)) or a list of
        CPU numbers. This is the C(irq_affinity) key of the steering plan.
    type: dict
    required: true
  strict:
    description:
      - Fail when the kernel refuses to change an IRQ (managed IRQs).
    type: bool
    default: false
  record:
    description:
      - JSON file keeping each IRQ's affinity from before this collection first changed it (later
        runs never overwrite a kept value). The reset playbook restores from it.
      - Not written in check mode.
    type: path
  irqbalance:
    description:
      - What to do about irqbalance (see the description). Nothing is done when its environment
        file does not exist (irqbalance not installed); systemd is left alone unless O(root) is C(/).
      - With V(stop), whether irqbalance was running and enabled is kept in O(record) before it is
        first stopped; M(lowlat.k8snet.restore) starts and enables it again only if it was.
    type: str
    choices: [ban, stop, ignore, unban]
    default: ignore
  irqbalance_banned_cpus:
    description:
      - The CPUs irqbalance must not move any IRQ to (C(IRQBALANCE_BANNED_CPULIST)) with
        O(irqbalance=ban), as a CPU list; the plan's IRQ CPUs. Default, the CPUs the IRQs are pinned to.
    type: raw
  persist:
    description:
      - JSON file listing every IRQ given, by its action name in C(/proc/interrupts) (IRQ numbers
        can change across reboots) with its CPU list, replayed at boot by the C(lowlat-k8snet-apply)
        unit. A change of this file alone makes the task changed.
    type: path
extends_documentation_fragment:
  - lowlat.k8snet.sysfs
  - lowlat.k8snet.sysfs.writes
'''

EXAMPLES = r'''
- name: Pin the study's two NIC IRQs to the first CPU of each NUMA node
  lowlat.k8snet.irq_affinity:
    irqs:
      "60": "0"
      "61": "9"

- name: Apply the IRQ part of a steering plan
  lowlat.k8snet.irq_affinity:
    irqs: "{{ steering.irq_affinity }}"
    strict: false
'''

RETURN = r'''
irqs:
  description: Per IRQ, the CPU list before and after, the effective CPUs, and the outcome
    (V(changed), V(unchanged), V(skipped)) with a reason when skipped.
  returned: always
  type: dict
  sample:
    "60": {before: 0-35, after: "0", effective: "0", status: changed}
    "61": {before: "9", after: "9", effective: "9", status: unchanged}
changed_irqs:
  description: IRQs whose affinity was (or in check mode would be) changed.
  returned: always
  type: list
  elements: int
  sample: [60]
persist_changed:
  description: Whether the persist file was (or in check mode would be) rewritten.
  returned: always
  type: bool
  sample: false
drift:
  description: IRQs read back, after the writes and any irqbalance restart, away from the plan.
  returned: always
  type: list
  elements: int
  sample: []
drift_report:
  description: Per IRQ in RV(drift), where it serves, the CPU lists planned and read back, and the
    likely writer (V(irqbalance), V(tuned), V(udev) or V(unknown)) with every candidate and the reason.
  returned: always
  type: list
  elements: dict
  sample:
    - irq: 61
      name: eth0-TxRx-1
      interface: eth0
      queue: 1
      planned: "9"
      now: 0-35
      writer: irqbalance
      writers: [irqbalance]
      reason: irqbalance runs (pid 812) and does not ban IRQ 61 (no --banirq=61 on its command line)
irqbalance:
  description: The environment file found (or null), and whether it, or irqbalance's service, changed;
    with O(irqbalance=stop), the service's state before and after in C(service).
  returned: always
  type: dict
  sample:
    config: /etc/default/irqbalance
    changed: true
    service: {before: "running, enabled", after: "stopped, disabled"}
refused:
  description: IRQs the kernel refused to change, with the reason.
  returned: always
  type: dict
  sample: {"72": "managed IRQ: the kernel refused the write (EIO)"}
'''

import errno
import os

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.lowlat.k8snet.plugins.module_utils.apply import (
    diff_rows, write_all, writer_argument_spec,
)
from ansible_collections.lowlat.k8snet.plugins.module_utils.cpuset import (
    CpuSetError, format_list, parse_mask, to_bits,
)
from ansible_collections.lowlat.k8snet.plugins.module_utils.drift import drift_report
from ansible_collections.lowlat.k8snet.plugins.module_utils.hostinfo import Host
from ansible_collections.lowlat.k8snet.plugins.module_utils.nic import parse_interrupts
from ansible_collections.lowlat.k8snet.plugins.module_utils import irqbalance
from ansible_collections.lowlat.k8snet.plugins.module_utils.record import (
    Record, atomic_write, persist_payload, sync_file,
)


def validate(host, irqs):
    """Return [(irq, bits)] or raise ValueError naming the bad value."""
    online = host.cpu_sets()['online']
    plan = []
    for key in sorted(irqs, key=lambda k: (len(str(k)), str(k))):
        text = str(key).strip()
        if isinstance(key, bool) or not text.isdigit():
            raise ValueError("IRQ %r is not an IRQ number; use the numbers of /proc/interrupts" % (key,))
        irq = int(text)
        if not host.exists('proc/irq', str(irq), 'smp_affinity_list'):
            raise ValueError("IRQ %d does not exist on this host (no /proc/irq/%d); "
                             "see /proc/interrupts for the valid IRQs" % (irq, irq))
        try:
            bits = to_bits(irqs[key], 'CPU list of IRQ %d' % irq)
        except CpuSetError as exc:
            raise ValueError(str(exc))
        if not bits:
            raise ValueError("IRQ %d: an empty CPU list is not allowed; give at least one of the "
                             "online CPUs %s" % (irq, format_list(online)))
        bad = bits & ~online
        if bad:
            raise ValueError("IRQ %d: CPU %s is not an online CPU of this host (online: %s)"
                             % (irq, format_list(bad), format_list(online)))
        plan.append((irq, bits))
    return plan


def irqbalance_step(module, host, plan, banned=None, record=None):
    """Ban, unban or stop irqbalance as asked; {config, changed}."""
    want = module.params['irqbalance']
    config = next((rel for rel in irqbalance.CONFIGS if host.exists(rel)), None)
    out = {'config': '/' + config if config else None, 'changed': False}
    if config is None or want == 'ignore' or (want == 'ban' and not plan):
        return out
    systemd = irqbalance.systemd_here(module)
    if want == 'stop':
        if systemd:
            state = irqbalance.service_state(lambda argv: module.run_command(argv)[0])
            out['changed'] = state['active'] or state['enabled']
            out['service'] = {'before': irqbalance.describe(state), 'after': irqbalance.describe({})}
            if out['changed'] and not module.check_mode:
                # recorded before the first stop (a later run keeps the first), so that reset starts and
                # enables it again only if it was running and enabled
                if record is not None:
                    record.remember(irqbalance.SERVICE_KEY, 'service', irqbalance.SERVICE, state)
                    record.save()
                module.run_command(['systemctl', 'disable', '--now', irqbalance.SERVICE], check_rc=True)
        return out
    path = host.path(config)
    with open(path, newline='') as handle:      # as it is: CRs and all
        text = handle.read()
    if want == 'ban':
        cpus = banned
        if cpus is None:
            cpus = 0
            for _irq, bits in plan:
                cpus |= bits
        # the user's own ban and options stay in force: our block, last in the file, carries them on
        user = irqbalance.user_settings(text)
        for name, parse in (('IRQBALANCE_BANNED_CPULIST', to_bits), ('IRQBALANCE_BANNED_CPUS', parse_mask)):
            try:
                cpus |= parse(user.get(name) or '', name)
            except ValueError as exc:
                module.warn('%s in /%s is not understood (%s): it is not carried into our ban' % (name, config, exc))
        block = irqbalance.ban_block(format_list(cpus), [irq for irq, _bits in plan], user)
        new = irqbalance.with_block(text, block)
    else:
        new = irqbalance.without_block(text)
    out['changed'] = new != text
    if out['changed'] and not module.check_mode:
        atomic_write(path, new, os.stat(path).st_mode & 0o7777)
        if systemd:
            # a running irqbalance reads its new ban; a stopped one stays stopped
            module.run_command(['systemctl', 'try-restart', 'irqbalance.service'], check_rc=True)
    return out


def main():
    module = AnsibleModule(
        argument_spec=writer_argument_spec(
            irqs=dict(type='dict', required=True),
            strict=dict(type='bool', default=False),
            irqbalance=dict(type='str', choices=['ban', 'stop', 'ignore', 'unban'], default='ignore'),
            irqbalance_banned_cpus=dict(type='raw'),
        ),
        supports_check_mode=True,
    )
    host = Host(module.params['root'])
    banned = None
    try:
        plan = validate(host, module.params['irqs'])
        record = Record(module.params['record'])
        if module.params['irqbalance_banned_cpus'] not in (None, ''):
            banned = to_bits(module.params['irqbalance_banned_cpus'], 'irqbalance_banned_cpus')
    except (ValueError, CpuSetError) as exc:
        module.fail_json(msg=str(exc))
    names = {}
    for entry in parse_interrupts(host.read('proc/interrupts', default='')):
        names[entry['irq']] = ','.join(entry['actions'])

    persist_changed = False
    if module.params['persist']:
        text = persist_payload('lowlat.k8snet.irq_affinity', irqs=[
            dict(irq=irq, name=names.get(irq, ''), cpus=format_list(bits)) for irq, bits in plan])
        persist_changed = sync_file(module.params['persist'], text, module.check_mode)[0]

    results = {}
    changed_irqs = []
    skipped = {}
    failures = []
    pending = []
    for irq, bits in plan:
        path = host.path('proc/irq', str(irq), 'smp_affinity_list')
        before = to_bits(host.read('proc/irq/%d/smp_affinity_list' % irq, default=''),
                         'IRQ %d affinity' % irq)
        entry = {'before': format_list(before), 'after': format_list(before), 'status': 'unchanged'}
        results[str(irq)] = entry
        if before == bits:
            continue
        if not os.stat(path).st_mode & 0o222:
            entry.update(status='skipped', reason='managed IRQ: its affinity file is read-only '
                         '(kernel >= 6.12 managed or no-balance IRQ)')
            skipped[str(irq)] = entry['reason']
            continue
        pending.append((irq, bits, before, path, entry))

    changes = [dict(label='irq %d' % irq, path=path, value=format_list(bits), before=format_list(before),
                    after=format_list(bits), irq=irq, entry=entry,
                    remember=('irq:%s' % (names.get(irq) or irq), 'irq', dict(irq=irq, name=names.get(irq, '')),
                              format_list(before)))
               for irq, bits, before, path, entry in pending]
    written, refused, failed = write_all(changes, record, module.check_mode)
    for change in written:
        change['entry'].update(after=change['after'], status='changed')
        changed_irqs.append(change['irq'])
    for change in refused:
        change['entry'].update(status='skipped', reason='managed IRQ: the kernel refused the write (%s)'
                               % errno.errorcode.get(change['error'].errno, change['error'].errno))
        skipped[str(change['irq'])] = change['entry']['reason']
    for change in failed:
        change['entry'].update(status='failed', reason=str(change['error']))
        failures.append('IRQ %d: %s' % (change['irq'], change['error']))

    for irq, _bits in plan:
        entry = results[str(irq)]
        entry['effective'] = host.read('proc/irq/%d/effective_affinity_list' % irq, default='')
        if not module.check_mode and entry['status'] == 'changed':
            entry['after'] = format_list(to_bits(host.read('proc/irq/%d/smp_affinity_list' % irq,
                                                           default=''), 'IRQ affinity'))

    balance = irqbalance_step(module, host, plan, banned, record)
    drift = []
    moved = []
    if not module.check_mode:
        for irq, bits in plan:
            now = to_bits(host.read('proc/irq/%d/smp_affinity_list' % irq, default=''), 'IRQ affinity')
            if results[str(irq)]['status'] in ('changed', 'unchanged') and now != bits:
                drift.append(irq)
                moved.append((irq, format_list(bits), format_list(now)))
    # reported, never fought: who is likely to have moved each one
    report = drift_report(host, moved, names) if moved else []
    result = dict(changed=bool(changed_irqs) or persist_changed or balance['changed'], irqs=results,
                  changed_irqs=changed_irqs, refused=skipped, persist_changed=persist_changed,
                  irqbalance=balance, drift=drift, drift_report=report)
    if module._diff:
        result['diff'] = diff_rows(written)
    if failures:
        module.fail_json(msg='could not set the affinity of %s (IRQs %s were set)'
                         % ('; '.join(failures), ', '.join(str(i) for i in changed_irqs) or 'none'),
                         **result)
    if skipped and module.params['strict']:
        module.fail_json(msg='the kernel refused to change IRQs %s (strict is true): %s'
                         % (', '.join(sorted(skipped)), '; '.join(sorted(set(skipped.values())))),
                         **result)
    module.exit_json(**result)


if __name__ == '__main__':
    main()
