#!/usr/bin/env python3
# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Record and restore the host-global kernel values that lab containers can change.

Privileged lab containers share this machine's kernel: tuned, sysctls outside the network
namespace, IRQ affinity and transparent hugepages set inside them change the machine itself.
`save FILE` records them when the lab comes up; `restore FILE` writes back every value that
differs when it goes down; `diff FILE` lists what differs (exit 1 if anything does).

With --all (`save --all FILE`, `diff --all FILE`), on a machine of the tests' own such as a qemu
guest: every writable sysctl, every network queue's rps_cpus / rps_flow_cnt / xps_cpus, tuned's
active profile and state, irqbalance's config file and state, the nftables ruleset and the
directories where the roles put files, so that a before/after comparison covers every knob and
every file site.yml touches, whether or not reset.yml knows about it.
"""
import glob
import json
import os
import re
import subprocess
import sys

# write-only triggers and counters that must never be written back, and values the kernel derives
# itself: min_free_kbytes is recomputed whenever transparent hugepages are switched (tuned's
# network-latency switches them, and its rollback switches them back), and writing it back would
# turn that recomputation off; user_reserve_kbytes is 3% of the memory free at boot, so a reboot
# changes it
SKIP = re.compile(r'/(drop_caches|compact_memory|stat_refresh|ns_last_pid|random/.*|'
                  r'sysrq|printk_ratelimit.*|hung_task_.*|unprivileged_userns_clone|'
                  r'perf_event_max_sample_rate|hostname|domainname|overflow.id|cad_pid|'
                  r'tainted|dentry-state|inode-.*|file-nr|aio-nr|nr_.*_sleeping|min_free_kbytes|user_reserve_kbytes)$')
GLOBS = ['/proc/sys/vm/*', '/proc/sys/kernel/*', '/proc/sys/fs/file-max', '/proc/sys/fs/nr_open',
         '/proc/sys/net/core/*', '/sys/kernel/mm/transparent_hugepage/enabled',
         '/sys/kernel/mm/transparent_hugepage/defrag', '/proc/irq/*/smp_affinity_list',
         '/sys/kernel/debug/sched/migration_cost_ns']
# --all: the whole machine is the tests' own
ALL_GLOBS = ['/proc/sys/**', '/sys/class/net/*/queues/rx-*/rps_cpus', '/sys/class/net/*/queues/rx-*/rps_flow_cnt',
             '/sys/class/net/*/queues/tx-*/xps_cpus']
ALL_FILES = ['/etc/tuned/active_profile', '/etc/tuned/profile_mode', '/etc/default/irqbalance',
             '/etc/sysconfig/irqbalance']
ALL_LISTINGS = ['/etc/sysctl.d', '/etc/systemd/system', '/etc/udev/rules.d', '/usr/local/sbin', '/usr/local/lib',
                '/etc/tuned', '/etc/lowlat-k8snet', '/var/lib/lowlat-k8snet', '/etc/cni/net.d', '/var/run/netns']
ALL_COMMANDS = [['nft', 'list', 'ruleset'], ['systemctl', 'is-active', 'tuned', 'irqbalance']]


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


def run(argv):
    try:
        proc = subprocess.run(argv, capture_output=True, text=True, check=False, timeout=60)
    except OSError as exc:
        return 'not run: %s' % exc
    return proc.stdout.strip()


def listing(path):
    """The names in a directory ('' for an empty or absent one: `ip netns del` leaves the directory)."""
    return ' '.join(sorted(os.listdir(path))) if os.path.isdir(path) else ''


def snapshot(everything=False):
    values = {}
    for pattern in GLOBS + (ALL_GLOBS if everything else []):
        for path in sorted(glob.glob(pattern, recursive=True)):
            if readable_writable(path):
                value = read(path)
                if value is not None:
                    values[path] = value
    if everything:
        for path in ALL_FILES:
            values['file ' + path] = read(path) if os.path.exists(path) else 'absent'
        for path in ALL_LISTINGS:
            values['ls ' + path] = listing(path)
        for argv in ALL_COMMANDS:
            values['run ' + ' '.join(argv)] = run(argv)
    return values


def now(key):
    """The value of a snapshot key at this moment (None: the file is gone)."""
    if key.startswith('file '):
        return read(key[5:]) if os.path.exists(key[5:]) else 'absent'
    if key.startswith('ls '):
        return listing(key[3:])
    if key.startswith('run '):
        return run(key[4:].split())
    return read(key)


def main(argv):
    everything = '--all' in argv
    argv = [arg for arg in argv if arg != '--all']
    if len(argv) != 3 or argv[1] not in ('save', 'restore', 'diff'):
        print('usage: hoststate.py save|restore|diff [--all] FILE', file=sys.stderr)
        return 2
    command, path = argv[1], argv[2]
    if command == 'save':
        values = snapshot(everything)
        with open(path, 'w') as handle:
            json.dump(values, handle, indent=1, sort_keys=True)
        print('recorded %d values in %s' % (len(values), path))
        return 0
    with open(path) as handle:
        saved = json.load(handle)
    current = dict((key, now(key)) for key in saved)
    differ = [(p, v, current[p]) for p, v in sorted(saved.items()) if current[p] is not None and current[p] != v]
    if command == 'diff':
        for p, v, value in differ:
            print('%s: recorded %r, now %r' % (p, v, value))
        print('%d of %d recorded values differ' % (len(differ), len(saved)))
        return 1 if differ else 0
    differ = [(p, v, value) for p, v, value in differ if p.startswith('/')]
    failed = []
    for p, v, _now in differ:
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
