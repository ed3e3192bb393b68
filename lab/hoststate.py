#!/usr/bin/env python3
# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Record and restore the host-global kernel values that lab containers can change.

Privileged lab containers share this machine's kernel: tuned, sysctls outside the network
namespace, IRQ affinity and transparent hugepages set inside them change the machine itself.
`save FILE` records them when the lab comes up; `restore FILE` writes back every value that
differs when it goes down; `diff FILE` lists what differs (exit 1 if anything does).
"""
import glob
import json
import os
import re
import sys

# write-only triggers and counters that must never be written back
SKIP = re.compile(r'/(drop_caches|compact_memory|stat_refresh|ns_last_pid|random/.*|'
                  r'sysrq|printk_ratelimit.*|hung_task_.*|unprivileged_userns_clone|'
                  r'perf_event_max_sample_rate|hostname|domainname|overflow.id|cad_pid|'
                  r'tainted|dentry-state|inode-.*|file-nr|aio-nr|nr_.*_sleeping)$')
GLOBS = ['/proc/sys/vm/*', '/proc/sys/kernel/*', '/proc/sys/fs/file-max', '/proc/sys/fs/nr_open',
         '/proc/sys/net/core/*', '/sys/kernel/mm/transparent_hugepage/enabled',
         '/sys/kernel/mm/transparent_hugepage/defrag', '/proc/irq/*/smp_affinity_list',
         '/sys/kernel/debug/sched/migration_cost_ns']


def readable_writable(path):
    if not os.path.isfile(path) or SKIP.search(path):
        return False
    mode = os.stat(path).st_mode
    return bool(mode & 0o200) and bool(mode & 0o400)


def read(path):
    try:
        with open(path) as handle:
            text = handle.read().strip()
    except OSError:
        return None
    if '/transparent_hugepage/' in path:
        match = re.search(r'\[(\w+)\]', text)
        return match.group(1) if match else text
    return ' '.join(text.split())


def snapshot():
    values = {}
    for pattern in GLOBS:
        for path in sorted(glob.glob(pattern)):
            if readable_writable(path):
                value = read(path)
                if value is not None:
                    values[path] = value
    return values


def main(argv):
    if len(argv) != 3 or argv[1] not in ('save', 'restore', 'diff'):
        print('usage: hoststate.py save|restore|diff FILE', file=sys.stderr)
        return 2
    command, path = argv[1], argv[2]
    if command == 'save':
        values = snapshot()
        with open(path, 'w') as handle:
            json.dump(values, handle, indent=1, sort_keys=True)
        print('recorded %d host-global values in %s' % (len(values), path))
        return 0
    with open(path) as handle:
        saved = json.load(handle)
    differ = [(p, v, read(p)) for p, v in sorted(saved.items()) if read(p) is not None and read(p) != v]
    if command == 'diff':
        for p, v, now in differ:
            print('%s: recorded %r, now %r' % (p, v, now))
        return 1 if differ else 0
    failed = []
    for p, v, now in differ:
        try:
            with open(p, 'w') as handle:
                handle.write(v)
        except OSError as exc:
            failed.append('%s (%s)' % (p, exc))
    still = [p for p, v, _now in differ if read(p) != v]
    print('restored %d of %d changed host-global values%s' % (
        len(differ) - len(still), len(differ), (': not restored: ' + ', '.join(still)) if still else ''))
    return 1 if still else 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
