#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, lowlat.k8snet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
---
module: sysctl
short_description: Apply a list of sysctls at run time and persist them in a sysctl.d file this module owns
version_added: 0.1.0
description:
  - Takes the whole list of settings (V(name), V(value), V(state)) in one call, validates every
    entry before changing anything, writes the run-time values under C(/proc/sys) and the
    persistent file under C(/etc/sysctl.d), and reports no change on a rerun (values are compared
    after collapsing whitespace, as C(sysctl) prints them).
  - A sysctl this kernel does not have is skipped with a warning (C(net.ipv4.tcp_tw_recycle) was
    removed in 4.12), or fails the task with O(missing=fail). Missing sysctls are left out of the
    file, where C(sysctl --system) would stop at them.
  - C(kernel.sched_migration_cost_ns) moved to debugfs in kernel 5.13
    (C(/sys/kernel/debug/sched/migration_cost_ns)); it is written there when asked, recorded in
    the O(persist) file for the boot-time unit, and never put in the sysctl.d file.
  - Settings that are not per network namespace (everything outside C(net.), and the C(net.core)
    knobs that exist only in the root namespace) are host-global; with O(host_global=false) they
    are skipped, for containers that share a kernel with a host that applies them.
author:
  - lowlat.k8snet maintainers (@lowlat)
options:
  settings:
    description:
      - The sysctls, each C({name, value, state}).
      - V(value) is a string or a number; a list of numbers is joined with spaces
        (C(net.ipv4.ip_local_port_range)). A YAML boolean is refused, since YAML reads C(on)/C(off)
        as booleans.
      - V(state=absent) takes the setting out of the file and puts back its recorded original.
    type: list
    elements: dict
    required: true
  file:
    description:
      - The sysctl.d file this module owns. It is rewritten whole from O(settings).
    type: path
    default: /etc/sysctl.d/90-lowlat-k8snet.conf
  missing:
    description:
      - What to do with a sysctl this kernel does not have.
    type: str
    choices: [warn, fail]
    default: warn
  host_global:
    description:
      - Apply host-global sysctls. Set V(false) on all but one of several containers sharing a kernel.
    type: bool
    default: true
  record:
    description:
      - JSON file keeping each sysctl's value from before this collection first changed it.
    type: path
  persist:
    description:
      - JSON file for the boot-time unit, holding the debugfs writes (C(sched_migration_cost_ns)).
    type: path
extends_documentation_fragment:
  - lowlat.k8snet.sysfs
  - lowlat.k8snet.sysfs.writes
'''

EXAMPLES = r'''
- name: The study's sysctls made current
  lowlat.k8snet.sysctl:
    settings:
      - {name: fs.file-max, value: 1024000}
      - {name: net.ipv4.ip_local_port_range, value: "2000 65535"}
      - {name: net.ipv4.tcp_max_tw_buckets, value: 2000000}
      - {name: net.ipv4.tcp_tw_reuse, value: 1}
      - {name: net.ipv4.tcp_fin_timeout, value: 10}
      - {name: net.ipv4.tcp_slow_start_after_idle, value: 0}
    record: /var/lib/lowlat-k8snet/originals.json
'''

RETURN = r'''
applied:
  description: Settings written (or in check mode to be written) at run time, before and after.
  returned: always
  type: dict
  sample: {"net.ipv4.tcp_fin_timeout": {before: "60", after: "10"}}
not_applied:
  description: Settings not applied, with the reason (missing on this kernel, host-global).
  returned: always
  type: dict
  sample: {"net.ipv4.tcp_tw_recycle": "not on this kernel (no /proc/sys/net/ipv4/tcp_tw_recycle)"}
file_changed:
  description: Whether the sysctl.d file was (or would be) rewritten.
  returned: always
  type: bool
  sample: true
'''

import os
import re

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.lowlat.k8snet.plugins.module_utils.apply import diff_rows, write_all, writer_argument_spec
from ansible_collections.lowlat.k8snet.plugins.module_utils.values import normalise, sysctl_value
from ansible_collections.lowlat.k8snet.plugins.module_utils.hostinfo import Host
from ansible_collections.lowlat.k8snet.plugins.module_utils.record import (
    Record, persist_payload, read_text, sync_file,
)

NAME_RE = re.compile(r'^[A-Za-z0-9_][A-Za-z0-9_\-]*([./][A-Za-z0-9_\-@:+]+)+$')
DEBUGFS = {'kernel.sched_migration_cost_ns': 'sys/kernel/debug/sched/migration_cost_ns'}
ROOT_ONLY_NET = ('net.core.rmem_max', 'net.core.wmem_max', 'net.core.rmem_default',
                 'net.core.wmem_default', 'net.core.netdev_max_backlog', 'net.core.busy_read',
                 'net.core.busy_poll', 'net.core.rps_sock_flow_entries', 'net.core.netdev_budget',
                 'net.core.netdev_budget_usecs', 'net.core.optmem_max', 'net.core.dev_weight')
HEADER = ('# Managed by lowlat.k8snet (module lowlat.k8snet.sysctl): changes here are overwritten.\n'
          '# The reset playbook removes this file and restores the values recorded before the first run.\n')


def check_setting(index, item):
    if not isinstance(item, dict):
        raise ValueError("settings[%d] must be a dict {name, value, state}, got %r" % (index, item))
    unknown = set(item) - set(['name', 'value', 'state'])
    if unknown:
        raise ValueError("settings[%d] has unknown keys %s; valid keys: name, value, state"
                         % (index, ', '.join(sorted(unknown))))
    name = item.get('name')
    if not isinstance(name, str) or not NAME_RE.match(name):
        raise ValueError("settings[%d]: %r is not a sysctl name; names look like net.core.somaxconn"
                         % (index, name))
    state = item.get('state', 'present')
    if state not in ('present', 'absent'):
        raise ValueError("%s: state %r is not valid; use present or absent" % (name, state))
    value = item.get('value')
    if state == 'present':
        value = sysctl_value(name, value)
    return name.replace('/', '.'), value, state


def main():
    module = AnsibleModule(
        argument_spec=writer_argument_spec(
            settings=dict(type='list', elements='dict', required=True),
            file=dict(type='path', default='/etc/sysctl.d/90-lowlat-k8snet.conf'),
            missing=dict(type='str', choices=['warn', 'fail'], default='warn'),
            host_global=dict(type='bool', default=True),
        ),
        supports_check_mode=True,
    )
    params = module.params
    host = Host(params['root'])
    try:
        record = Record(params['record'])
        wanted = [check_setting(i, item) for i, item in enumerate(params['settings'])]
    except ValueError as exc:
        module.fail_json(msg=str(exc))
    names = [name for name, _value, _state in wanted]
    twice = sorted(set(name for name in names if names.count(name) > 1))
    if twice:
        module.fail_json(msg="sysctls listed more than once: %s" % ', '.join(twice))

    changes = []       # (name, rel, before, after)
    applied = {}
    skipped = {}
    lines = []
    debugfs = []
    missing = []
    for name, value, state in wanted:
        rel = 'proc/sys/' + name.replace('.', '/')
        if not host.exists(rel) and name in DEBUGFS and host.exists(DEBUGFS[name]):
            rel = DEBUGFS[name]
        is_global = not name.startswith('net.') or name in ROOT_ONLY_NET
        current = host.read(rel)
        if state == 'absent':
            original = record.entries.get('/' + rel, {}).get('value')
            if original is not None and current is not None and normalise(current) != normalise(original):
                changes.append((name, rel, current, normalise(original)))
            continue
        if current is None and is_global and name.startswith('net.') and not host.exists(
                'proc/sys/net/core/rps_sock_flow_entries'):
            skipped[name] = ('exists only in the root network namespace, and this is another one: '
                             'set it on the host')
            continue
        if current is None:
            where = '/' + rel
            if name in DEBUGFS:
                where += ' (needs debugfs mounted at /sys/kernel/debug on kernels >= 5.13)'
            skipped[name] = 'not on this kernel (no %s)' % where
            missing.append(name)
            continue
        if is_global and not params['host_global']:
            skipped[name] = 'host-global: applied from the host that owns the kernel (host_global is false)'
            continue
        if rel.startswith('proc/sys/'):
            lines.append('%s = %s\n' % (name, value))
        else:
            debugfs.append(dict(path='/' + rel, value=value))
        if normalise(current) != value:
            changes.append((name, rel, current, value))
    if missing and params['missing'] == 'fail':
        module.fail_json(msg="sysctls missing on this kernel: %s (missing is 'fail'; nothing was changed)"
                         % '; '.join('%s: %s' % (n, skipped[n]) for n in missing), not_applied=skipped)
    for name in missing:
        module.warn('sysctl %s skipped: %s' % (name, skipped[name]))

    content = HEADER + ''.join(lines)
    if missing:
        content += ''.join('# %s left out: %s\n' % (name, skipped[name]) for name in missing)
    file_changed, file_before = False, read_text(params['file'])
    if lines or missing:
        file_changed = sync_file(params['file'], content, module.check_mode)[0]
    elif file_before is not None:
        file_changed = True
        if not module.check_mode:
            os.unlink(params['file'])
    persist_changed = False
    if params['persist']:
        persist_changed = sync_file(params['persist'], persist_payload('lowlat.k8snet.sysctl', writes=debugfs),
                                    module.check_mode)[0]

    written, refused, failed = write_all(
        [dict(label=name, path=host.path(rel), value=after, before=normalise(before), after=after,
              remember=('/' + rel, 'path', '/' + rel, before)) for name, rel, before, after in changes],
        record, module.check_mode)
    applied.update((c['label'], {'before': c['before'], 'after': c['after']}) for c in written)
    failures = ['%s: %s' % (c['label'], c['error']) for c in refused + failed]
    result = dict(changed=bool(changes) or file_changed or persist_changed, applied=applied,
                  not_applied=skipped, file_changed=file_changed, file=params['file'])
    if module._diff:
        result['diff'] = [diff_rows(written),
                          {'before_header': params['file'], 'after_header': params['file'],
                           'before': file_before or '', 'after': content if (lines or missing) else ''}]
    if failures:
        module.fail_json(msg='writing sysctls failed: %s (the others were written)' % '; '.join(failures),
                         **result)
    module.exit_json(**result)


if __name__ == '__main__':
    main()
