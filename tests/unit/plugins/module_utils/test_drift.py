# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The likely writer of a drifted IRQ, on small fake /proc, /etc and /sys trees."""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os

import pytest

from ansible_collections.lowlat.k8snet.plugins.module_utils.drift import drift_report
from ansible_collections.lowlat.k8snet.plugins.module_utils.hostinfo import Host
from ansible_collections.lowlat.k8snet.tests.unit.fixture_text import put

MOVED = [(61, '9', '0-35')]
NAMES = {61: 'eth0-TxRx-1'}


def process(root, pid, comm, *argv):
    put(root, 'proc/%d/comm' % pid, comm + '\n')
    with open(os.path.join(str(root), 'proc/%d/cmdline' % pid), 'wb') as handle:
        handle.write(b''.join(arg.encode() + b'\0' for arg in (argv or (comm,))))


def only(root, moved=None, names=None):
    report = drift_report(Host(str(root)), moved or MOVED, names or NAMES)
    assert len(report) == 1
    return report[0]


def test_nothing_found_is_unknown(tmp_path):
    process(tmp_path, 1, 'systemd')
    entry = only(tmp_path)
    assert (entry['irq'], entry['planned'], entry['now']) == (61, '9', '0-35')
    assert entry['writer'] == 'unknown' and entry['writers'] == []
    assert 'another tool' in entry['reason']


def test_irqbalance_running_without_a_ban_of_that_irq(tmp_path):
    process(tmp_path, 812, 'irqbalance', '/usr/sbin/irqbalance', '--foreground', '--banirq=60')
    entry = only(tmp_path)
    assert entry['writer'] == 'irqbalance'
    assert 'pid 812' in entry['reason'] and 'does not ban IRQ 61' in entry['reason']


@pytest.mark.parametrize('argv', [
    ['--foreground', '--banirq=61'],
    ['--foreground', '--banirq', '61'],
    ['-f', '-i', '61'],
    ['-f', '-i61'],
])
def test_irqbalance_banning_that_irq_is_not_blamed(tmp_path, argv):
    process(tmp_path, 812, 'irqbalance', '/usr/sbin/irqbalance', *argv)
    assert only(tmp_path)['writer'] == 'unknown'


def test_an_irqbalance_that_does_not_run_is_not_blamed(tmp_path):
    # installed and configured, but no process
    put(tmp_path, 'etc/default/irqbalance', 'IRQBALANCE_ARGS=""\n')
    assert only(tmp_path)['writer'] == 'unknown'


SCHEDULER = '[main]\nsummary=isolate\ninclude=network-latency\n\n[scheduler]\nisolated_cores=2-3\n'


def test_tuned_running_a_profile_that_moves_irqs_through_an_include(tmp_path):
    process(tmp_path, 700, 'tuned', '/usr/bin/python3', '/usr/sbin/tuned', '-l', '-P')
    put(tmp_path, 'etc/tuned/active_profile', 'lowlat-k8snet\n')
    # ours includes a vendor profile, which isolates cores: TuneD's scheduler plugin moves IRQs off them
    put(tmp_path, 'etc/tuned/lowlat-k8snet/tuned.conf', '[main]\ninclude=vendor-isolate\n[sysctl]\nx=1\n')
    put(tmp_path, 'usr/lib/tuned/profiles/vendor-isolate/tuned.conf', SCHEDULER)
    put(tmp_path, 'usr/lib/tuned/network-latency/tuned.conf', '[main]\n[sysctl]\nnet.core.busy_read=50\n')
    entry = only(tmp_path)
    assert entry['writer'] == 'tuned'
    assert 'vendor-isolate [scheduler] moves IRQs (isolated_cores=2-3)' in entry['reason']
    assert 'network-latency' not in entry['reason'] and 'pid 700' in entry['reason']


@pytest.mark.parametrize('conf, blamed', [
    ('[irq]\naffinity=0\n', True),
    ('[my_irqs]\ntype=irq\nmode=set\naffinity=0\n', True),
    ('[irqbalance]\nbanned_cpus=2-3\n', True),
    ('[scheduler]\nisolated_cores=2-3\nirq_process=false\n', False),
    ('[scheduler]\nsched_min_granularity_ns=10000000\n', False),
    ('[sysctl]\nkernel.numa_balancing=0\n', False),
])
def test_which_tuned_sections_move_irqs(tmp_path, conf, blamed):
    process(tmp_path, 700, 'tuned')
    put(tmp_path, 'etc/tuned/active_profile', 'mine\n')
    put(tmp_path, 'etc/tuned/mine/tuned.conf', conf)
    assert (only(tmp_path)['writer'] == 'tuned') is blamed


def test_tuned_not_running_is_not_blamed(tmp_path):
    put(tmp_path, 'etc/tuned/active_profile', 'vendor-isolate\n')
    put(tmp_path, 'usr/lib/tuned/vendor-isolate/tuned.conf', SCHEDULER)
    assert only(tmp_path)['writer'] == 'unknown'


def test_udev_rules_that_write_smp_affinity_but_not_ours_nor_overridden_ones(tmp_path):
    put(tmp_path, 'etc/udev/rules.d/90-lowlat-k8snet.rules',
        'ACTION=="add", SUBSYSTEM=="net", RUN+="/usr/local/sbin/lowlat-k8snet-apply smp_affinity"\n')
    put(tmp_path, 'etc/udev/rules.d/10-comment.rules', '# echo 1 > /proc/irq/61/smp_affinity\n')
    # /etc overrides /lib's rule of the same name: the vendor's rule is not read
    put(tmp_path, 'lib/udev/rules.d/60-vendor.rules', 'RUN+="/bin/sh -c \'echo 1 > /proc/irq/61/smp_affinity\'"\n')
    put(tmp_path, 'etc/udev/rules.d/60-vendor.rules', '# disabled\n')
    assert only(tmp_path)['writer'] == 'unknown'
    put(tmp_path, 'usr/lib/udev/rules.d/70-nic.rules', 'RUN+="/bin/sh -c \'echo 2 > /proc/irq/61/smp_affinity_list\'"\n')
    entry = only(tmp_path)
    assert entry['writer'] == 'udev' and entry['reason'] == 'udev rule(s) /usr/lib/udev/rules.d/70-nic.rules write smp_affinity'


def test_every_candidate_is_listed_most_likely_first(tmp_path):
    process(tmp_path, 812, 'irqbalance')
    process(tmp_path, 700, 'tuned')
    put(tmp_path, 'etc/tuned/active_profile', 'mine\n')
    put(tmp_path, 'etc/tuned/mine/tuned.conf', '[irq]\naffinity=0\n')
    put(tmp_path, 'etc/udev/rules.d/70-nic.rules', 'RUN+="... smp_affinity"\n')
    entry = only(tmp_path)
    assert entry['writer'] == 'irqbalance' and entry['writers'] == ['irqbalance', 'tuned', 'udev']


def link(root, rel, target):
    path = os.path.join(str(root), rel)
    if not os.path.isdir(os.path.dirname(path)):
        os.makedirs(os.path.dirname(path))
    os.symlink(os.path.join(str(root), target), path)


def test_the_interface_and_queue_each_irq_serves(tmp_path):
    # virtio: eth0's device is virtio0 under a PCI function whose MSI vectors are its IRQs
    put(tmp_path, 'sys/devices/pci0000:00/0000:00:03.0/msi_irqs/25', 'msix\n')
    os.makedirs(os.path.join(str(tmp_path), 'sys/devices/pci0000:00/0000:00:03.0/virtio0'))
    link(tmp_path, 'sys/class/net/eth0/device', 'sys/devices/pci0000:00/0000:00:03.0/virtio0')
    # mlx5: its IRQ names carry no interface, its device's msi_irqs do
    put(tmp_path, 'sys/devices/pci0000:00/0000:3b:00.0/msi_irqs/90', 'msix\n')
    link(tmp_path, 'sys/class/net/ens1/device', 'sys/devices/pci0000:00/0000:3b:00.0')
    # Intel: the interface is in the name
    os.makedirs(os.path.join(str(tmp_path), 'sys/class/net/eth1'))
    moved = [(25, '1', '0-3'), (90, '2', '0-3'), (70, '3', '0-3'), (99, '0', '1')]
    names = {25: 'virtio0-input.1', 90: 'mlx5_comp2@pci:0000:3b:00.0', 70: 'eth1-TxRx-3', 99: 'acpi'}
    report = drift_report(Host(str(tmp_path)), moved, names)
    assert [(e['irq'], e['interface'], e['queue']) for e in report] == [
        (25, 'eth0', 1), (90, 'ens1', 2), (70, 'eth1', 3), (99, None, None)]
