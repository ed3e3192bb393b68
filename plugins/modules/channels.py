#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, lowlat.k8snet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
---
module: channels
short_description: Set NIC channel counts (ethtool -L) for several interfaces in one call, recording the originals
version_added: 0.2.0
description:
  - Sets the combined, or rx and tx, channel counts of each interface named, as C(ethtool -L) does,
    after checking every count against the maximum the driver reports (C(ethtool -l)); nothing is
    changed when any interface or count is wrong.
  - The counts each interface had before the collection first changed them are kept in the record
    of originals, which M(lowlat.k8snet.restore) puts back.
  - Changing the channels renumbers the queues' IRQs; read the host again (M(lowlat.k8snet.host_facts))
    before pinning them.
author:
  - lowlat.k8snet maintainers (@lowlat)
options:
  channels:
    description:
      - Interface name to the counts it should have, C({combined=N}) or C({rx=N, tx=N}) as a dict.
    type: dict
    required: true
  record:
    description: The record of originals (JSON); null keeps none.
    type: path
requirements:
  - ethtool
attributes:
  check_mode:
    support: full
    description: Reads the counts and reports what would change; runs no C(ethtool -L).
  diff_mode:
    support: full
    description: One line per interface and kind, before and after.
  idempotent:
    support: full
    description: Counts already right are left alone.
'''

EXAMPLES = r'''
- name: One combined channel per dedicated IRQ CPU
  lowlat.k8snet.channels:
    channels:
      eth0: {combined: 2}
    record: /var/lib/lowlat-k8snet/originals.json
'''

RETURN = r'''
channels:
  description: Per interface and kind, the count before and after (what would be, in check mode).
  returned: always
  type: dict
  sample: {eth0: {combined: {before: 4, after: 2}}}
'''

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.lowlat.k8snet.plugins.module_utils.nic import parse_channels
from ansible_collections.lowlat.k8snet.plugins.module_utils.record import Record

KINDS = ('combined', 'rx', 'tx', 'other')


def read_counts(module, ethtool, interface):
    rc, out, err = module.run_command([ethtool, '-l', interface])
    counts = parse_channels(out) if rc == 0 else None
    if counts is None:
        module.fail_json(msg='%s: ethtool -l reports no channel counts (%s): its driver does not let them '
                             'be changed; nothing was changed' % (interface, (err or out).strip() or 'no output'))
    return counts


def main():
    module = AnsibleModule(
        argument_spec=dict(
            channels=dict(type='dict', required=True),
            record=dict(type='path'),
        ),
        supports_check_mode=True,
    )
    ethtool = module.get_bin_path('ethtool', required=True)
    plan = []
    bad = []
    for interface in sorted(module.params['channels']):
        wanted = module.params['channels'][interface]
        if not isinstance(wanted, dict) or not wanted:
            bad.append('%s: %r is not a dict of counts such as {combined: 2}' % (interface, wanted))
            continue
        counts = read_counts(module, ethtool, interface)
        for kind in sorted(wanted):
            value = wanted[kind]
            if isinstance(value, str) and value.isdigit():
                value = int(value)
            maximum = counts['max'].get(kind)
            if kind not in KINDS:
                bad.append('%s: %r is not a channel kind; use %s' % (interface, kind, ', '.join(KINDS)))
            elif isinstance(value, bool) or not isinstance(value, int) or value < 0:
                bad.append('%s %s: %r is not a count' % (interface, kind, value))
            elif not maximum or value > maximum:
                allowed = 'at most %d' % maximum if maximum else 'none'
                bad.append('%s %s: %d, but the driver allows %s' % (interface, kind, value, allowed))
            elif counts['current'].get(kind) != value:
                plan.append((interface, kind, counts['current'].get(kind), value))
    if bad:
        module.fail_json(msg='nothing was changed: ' + '; '.join(bad), channels={})

    record = Record(module.params['record'])
    result = {}
    for interface, kind, before, after in plan:
        result.setdefault(interface, {})[kind] = {'before': before, 'after': after}
    if not module.check_mode:
        done = []
        for interface in sorted(result):
            record.remember('channels:%s' % interface, 'channels', interface,
                            dict((kind, change['before']) for kind, change in result[interface].items()))
            record.save()
            command = [ethtool, '-L', interface]
            for kind, change in sorted(result[interface].items()):
                command += [kind, str(change['after'])]
            rc, out, err = module.run_command(command)
            if rc != 0:
                module.fail_json(msg='%s: %s refused: %s%s' % (
                    interface, ' '.join(command[1:]), (err or out).strip(),
                    '; already changed: %s (recorded for reset)' % ', '.join(done) if done else '; nothing was changed'),
                    channels=result)
            done.append(interface)
    output = dict(changed=bool(result), channels=result)
    if module._diff:
        output['diff'] = {
            'before': ''.join('%s %s: %s\n' % (i, k, c['before']) for i in sorted(result) for k, c in sorted(result[i].items())),
            'after': ''.join('%s %s: %s\n' % (i, k, c['after']) for i in sorted(result) for k, c in sorted(result[i].items())),
        }
    module.exit_json(**output)


if __name__ == '__main__':
    main()
