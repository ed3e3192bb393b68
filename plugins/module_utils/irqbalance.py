# -*- coding: utf-8 -*-
# Copyright: (c) 2026, lowlat.k8snet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Our block in irqbalance's environment file (pure).

irqbalance reads IRQBALANCE_BANNED_CPULIST (CPUs it never moves IRQs to; 1.8 and later) and
IRQBALANCE_ARGS (``--banirq=N`` for IRQs it never moves) from /etc/default/irqbalance (Debian,
Ubuntu) or /etc/sysconfig/irqbalance (the RHEL and SUSE families). The block is delimited by two
marker lines, appended at the end of the file the first time and replaced in place afterwards, as
Ansible's blockinfile writes it, so that removing it gives the file back as it was.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

CONFIGS = ('etc/default/irqbalance', 'etc/sysconfig/irqbalance')
BEGIN = '# BEGIN lowlat.k8snet irq_affinity'
END = '# END lowlat.k8snet irq_affinity'


def ban_block(cpus, irqs, user=None):
    """The block's lines: the CPU list (kernel list syntax) and the IRQs, in the order given, after the
    user's own IRQBALANCE_ARGS (user_settings): the block comes last and its values win, so it must
    carry the user's options on, not drop them. The CPU list given already holds the user's."""
    args = ((user or {}).get('IRQBALANCE_ARGS') or '').split() + ['--banirq=%s' % irq for irq in irqs]
    return ['IRQBALANCE_BANNED_CPULIST=%s' % cpus, 'IRQBALANCE_ARGS="%s"' % ' '.join(args)]


_SETTING = re.compile(r'^\s*(?:export\s+)?(IRQBALANCE_[A-Z_]+)=(.*)$')


def user_settings(text):
    """The IRQBALANCE_* values the file sets outside our block ({name: value}, quotes taken off; the
    last assignment of a name wins, as when the file is sourced)."""
    before, _ours, after = _split(text)
    values = {}
    for line in before + after:
        match = _SETTING.match(line.rstrip('\r'))
        if match:
            value = match.group(2).strip()
            if len(value) >= 2 and value[0] == value[-1] and value[0] in '"\'':
                value = value[1:-1]
            values[match.group(1)] = value
    return values


def _split(text):
    """(parts before, our parts or None, parts after) of the file split at its newlines, each part
    as it is (a CR before a newline stays with its line)."""
    parts = (text or '').split('\n')
    keys = [part.rstrip('\r') for part in parts]
    if BEGIN in keys and END in keys[keys.index(BEGIN):]:
        start = keys.index(BEGIN)
        end = keys.index(END, start)
        return parts[:start], parts[start + 1:end], parts[end + 1:]
    return parts, None, []


def with_block(text, block):
    """The file's text with our block (replaced where it is, else appended after the last line)."""
    before, ours, after = _split(text)
    if ours is None:
        if before and before[-1] == '':
            before = before[:-1]
        after = ['']
    return '\n'.join(before + [BEGIN] + block + [END] + after)


def without_block(text):
    """The file's text without our block; byte for byte what it was before the block was added
    (a file that did not end with a newline keeps the one added before the block)."""
    before, ours, after = _split(text)
    if ours is None:
        return text
    return '\n'.join(before + after)


# irqbalance's service, as irq_affinity's `stop` found it: recorded before the first stop, so that
# reset starts and enables it again only if it ran and was enabled before
SERVICE = 'irqbalance.service'
SERVICE_KEY = 'service:' + SERVICE


def systemd_here(module):
    """irqbalance's service is driven only on the host itself, not for a tree under another root."""
    return module.params['root'] == '/'


def service_state(run):
    """{'active': bool, 'enabled': bool} of irqbalance's unit; run(argv) returns the exit code."""
    return {'active': run(['systemctl', 'is-active', SERVICE]) == 0,
            'enabled': run(['systemctl', 'is-enabled', SERVICE]) == 0}


def describe(state):
    return '%s, %s' % ('running' if state.get('active') else 'stopped',
                       'enabled' if state.get('enabled') else 'disabled')


def restore_commands(recorded, now):
    """The systemctl commands that give irqbalance back what the record says it had: enabled and
    started again only where it was before and is not now; nothing else is touched (a service that
    was stopped before stays as it is now)."""
    commands = []
    if recorded.get('enabled') and not now.get('enabled'):
        commands.append(['systemctl', 'enable', SERVICE])
    if recorded.get('active') and not now.get('active'):
        commands.append(['systemctl', 'start', SERVICE])
    return commands
