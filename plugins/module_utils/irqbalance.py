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

CONFIGS = ('etc/default/irqbalance', 'etc/sysconfig/irqbalance')
BEGIN = '# BEGIN lowlat.k8snet irq_affinity'
END = '# END lowlat.k8snet irq_affinity'


def ban_block(cpus, irqs):
    """The block's lines: the CPU list (kernel list syntax) and the IRQs, in the order given."""
    return ['IRQBALANCE_BANNED_CPULIST=%s' % cpus,
            'IRQBALANCE_ARGS="%s"' % ' '.join('--banirq=%s' % irq for irq in irqs)]


def _split(text):
    """(lines before, our lines or None, lines after) of the file's text."""
    lines = (text or '').splitlines()
    if BEGIN in lines and END in lines[lines.index(BEGIN):]:
        start = lines.index(BEGIN)
        end = lines.index(END, start)
        return lines[:start], lines[start + 1:end], lines[end + 1:]
    return lines, None, []


def with_block(text, block):
    """The file's text with our block (replaced where it is, else appended)."""
    before, _ours, after = _split(text)
    return '\n'.join(before + [BEGIN] + block + [END] + after) + '\n'


def without_block(text):
    """The file's text without our block; unchanged when it has none."""
    before, ours, after = _split(text)
    if ours is None:
        return text
    lines = before + after
    return '\n'.join(lines) + '\n' if lines else ''
