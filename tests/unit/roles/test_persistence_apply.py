# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The boot-time replay script (roles/persistence/files/lowlat-k8snet-apply) on captured
/proc/interrupts of real hosts and on a /sys + /proc tree."""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import importlib.machinery
import importlib.util
import json
import os
import re

import pytest

from ansible_collections.lowlat.k8snet.plugins.module_utils import nic
from ansible_collections.lowlat.k8snet.plugins.module_utils.nic import parse_interrupts
from ansible_collections.lowlat.k8snet.tests.unit.fixture_text import put, read as fixture

SCRIPT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', '..',
                      'roles', 'persistence', 'files', 'lowlat-k8snet-apply')
# what the persistence role installs in persistence_lib_dir: the collection's nic.py
LIB = os.path.dirname(os.path.abspath(nic.__file__))
LOADER = importlib.machinery.SourceFileLoader('lowlat_k8snet_apply', SCRIPT)
SPEC = importlib.util.spec_from_loader(LOADER.name, LOADER)
apply_script = importlib.util.module_from_spec(SPEC)
LOADER.exec_module(apply_script)

CAPTURES = ['vm2_interrupts.txt', 'ixgbevf_interrupts.txt', 'mlx5_interrupts.txt', 'ice_interrupts.txt']


def grep_irq(text, name):
    """The IRQ number of the line ending in name, found with a regular expression of the test's own."""
    match = re.search(r'^\s*(\d+):.*\s%s\s*$' % re.escape(name), text, re.M)
    return int(match.group(1))


@pytest.mark.parametrize('capture', CAPTURES)
def test_every_irq_is_found_by_the_name_irq_affinity_records(capture):
    """irq_affinity records an IRQ under ','.join(actions) of the module's parser, with its number;
    at boot the script must find that same IRQ by that name, whatever the driver's naming."""
    text = fixture(capture)
    numbers = nic.irqs_by_name(parse_interrupts(text))
    entries = parse_interrupts(text)
    assert entries
    for entry in entries:
        name = ','.join(entry['actions'])
        assert entry['irq'] in numbers.get(name, []), (capture, name)
        assert nic.find_irq(numbers, name, entry['irq']) == entry['irq'], (capture, name)


def test_a_name_several_irqs_carry_is_not_guessed():
    numbers = nic.irqs_by_name(parse_interrupts(fixture('vm2_interrupts.txt')))
    assert numbers['ACPI:Ged'] == [24, 25]
    assert nic.find_irq(numbers, 'ACPI:Ged', 25) == 25
    # recorded as 26, but 26 is ttyS0 now: neither ACPI:Ged line is the one that was pinned
    assert nic.find_irq(numbers, 'ACPI:Ged', 26) is None
    # moved: the only virtio2-input.0 is found at its new number
    assert nic.find_irq(numbers, 'virtio2-input.0', 61) == 38
    assert nic.find_irq(numbers, 'gone-TxRx-0', 38) is None
    assert nic.find_irq(numbers, '', 41) == 41


def by_name(text):
    return nic.irqs_by_name(parse_interrupts(text))


def test_names_of_real_drivers_and_shared_lines():
    assert by_name(fixture('vm2_interrupts.txt'))['virtio2-input.0'] == \
        [grep_irq(fixture('vm2_interrupts.txt'), 'virtio2-input.0')]
    mlx5 = fixture('mlx5_interrupts.txt')
    assert by_name(mlx5)['mlx5_comp2@pci:0000:3b:00.0'] == [grep_irq(mlx5, 'mlx5_comp2@pci:0000:3b:00.0')]
    # a shared line: "acpi, i801_smbus" is recorded as "acpi,i801_smbus"
    assert by_name(fixture('ice_interrupts.txt'))['acpi,i801_smbus'] == [9]
    assert by_name('') == {}


def get(root, rel):
    with open(os.path.join(str(root), rel.lstrip('/'))) as handle:
        return handle.read()


@pytest.fixture
def tree(tmp_path):
    """After a reboot: IRQ numbers moved (virtio2-input.0 is 38 now, it was 61 when recorded),
    the kernel's defaults back in sysfs, two persist files as the modules write them."""
    root = tmp_path / 'root'
    put(root, '/proc/interrupts', fixture('vm2_interrupts.txt'))
    for irq in (38, 39, 41, 61):
        put(root, '/proc/irq/%d/smp_affinity_list' % irq, '0-1\n')
    for dev in ('eth0', 'eth1'):
        put(root, '/sys/class/net/%s/queues/rx-0/rps_cpus' % dev, '0\n')
        put(root, '/sys/class/net/%s/queues/rx-0/rps_flow_cnt' % dev, '0\n')
    persist = tmp_path / 'persist'
    put(persist, 'packet_steering.json', json.dumps({'version': 1, 'writes': [
        {'path': '/sys/class/net/eth0/queues/rx-0/rps_cpus', 'value': '2'},
        {'path': '/sys/class/net/eth0/queues/rx-0/rps_flow_cnt', 'value': 4096},
        {'path': '/sys/class/net/eth1/queues/rx-0/rps_cpus', 'value': '1'},
        {'path': '/sys/class/net/gone0/queues/rx-0/rps_cpus', 'value': '1'}]}))
    put(persist, 'irq_affinity.json', json.dumps({'version': 1, 'irqs': [
        {'irq': 61, 'name': 'virtio2-input.0', 'cpus': '1'},
        {'irq': 39, 'name': 'virtio9-output.0', 'cpus': '1'},   # that NIC is gone
        {'irq': 41, 'name': '', 'cpus': '0'}]}))                 # recorded without a name
    return root, persist


def run(tree, *extra):
    root, persist = tree
    return apply_script.main(['--dir', str(persist), '--root', str(root), '--lib', LIB,
                              '--notrack', str(root / 'no-notrack.nft')] + list(extra))


def test_boot_replays_writes_and_finds_irqs_by_name(tree, capsys):
    root = tree[0]
    assert run(tree) == 0
    assert get(root, '/sys/class/net/eth0/queues/rx-0/rps_cpus') == '2'
    assert get(root, '/sys/class/net/eth0/queues/rx-0/rps_flow_cnt') == '4096'
    assert get(root, '/sys/class/net/eth1/queues/rx-0/rps_cpus') == '1'
    # found by its name at its new number; its old number is someone else's now and untouched
    assert get(root, '/proc/irq/38/smp_affinity_list') == '1'
    assert get(root, '/proc/irq/61/smp_affinity_list') == '0-1\n'
    # a named IRQ that no handler carries any more is skipped, not written by its old number
    assert get(root, '/proc/irq/39/smp_affinity_list') == '0-1\n'
    # an IRQ recorded without a name is taken by its number
    assert get(root, '/proc/irq/41/smp_affinity_list') == '0'
    assert 'lowlat-k8snet-apply: 5 applied, 0 failed' in capsys.readouterr().out


def test_udev_replays_one_interface_only(tree, capsys):
    root = tree[0]
    assert run(tree, '--interface', 'eth1') == 0
    assert get(root, '/sys/class/net/eth1/queues/rx-0/rps_cpus') == '1'
    assert get(root, '/sys/class/net/eth0/queues/rx-0/rps_cpus') == '0\n'
    assert get(root, '/proc/irq/38/smp_affinity_list') == '0-1\n'
    assert '1 applied, 0 failed' in capsys.readouterr().out


def test_dry_run_writes_nothing(tree, capsys):
    root = tree[0]
    assert run(tree, '--dry-run') == 0
    assert get(root, '/sys/class/net/eth0/queues/rx-0/rps_cpus') == '0\n'
    assert get(root, '/proc/irq/38/smp_affinity_list') == '0-1\n'
    assert 'would write 2 to %s' % os.path.join(str(root), 'sys/class/net/eth0/queues/rx-0/rps_cpus') \
        in capsys.readouterr().out


def test_a_failed_write_is_counted_and_the_exit_status_says_so(tree, capsys):
    root = tree[0]
    target = os.path.join(str(root), 'sys/class/net/eth1/queues/rx-0/rps_cpus')
    os.unlink(target)
    os.makedirs(target)   # exists, but cannot be written as a file
    assert run(tree) == 1
    out = capsys.readouterr()
    assert '4 applied, 1 failed' in out.out and target in out.err


def test_udev_replays_the_re_added_interfaces_queue_irqs_by_name(tree, capsys):
    """A NIC unbound and bound again: its queue IRQs have new numbers; the add event for it pins
    them, found by the names its driver gives them, and no other device's IRQ."""
    root, persist = tree
    text = fixture('vm2_interrupts.txt')
    pci = root / 'sys/devices/pci0000:00/0000:00:03.0'
    os.makedirs(str(pci / 'virtio2'))
    os.makedirs(str(root / 'sys/bus/virtio/drivers/virtio_net'))
    os.symlink(str(root / 'sys/bus/virtio/drivers/virtio_net'), str(pci / 'virtio2/driver'))
    os.symlink(str(pci / 'virtio2'), str(root / 'sys/class/net/eth1/device'))
    # the IRQs of the device's vectors are listed under its PCI parent (virtio's own directory has none)
    for name in ('virtio2-config', 'virtio2-input.0', 'virtio2-output.0'):
        put(pci, 'msi_irqs/%d' % grep_irq(text, name), 'msix\n')
    put(root, '/sys/class/net/eth1/queues/tx-0/xps_cpus', '0\n')
    input0, output0, other = (grep_irq(text, name) for name in ('virtio2-input.0', 'virtio2-output.0', 'virtio3-rx'))
    for irq in (input0, output0, other):
        put(root, '/proc/irq/%d/smp_affinity_list' % irq, '0-1\n')
    put(persist, 'irq_affinity.json', json.dumps({'version': 1, 'irqs': [
        {'irq': 61, 'name': 'virtio2-input.0', 'cpus': '1'},      # its number before the re-add
        {'irq': 62, 'name': 'virtio2-output.0', 'cpus': '0'},
        {'irq': other, 'name': 'virtio3-rx', 'cpus': '1'},        # another NIC's: not this event's
        {'irq': 26, 'name': '', 'cpus': '0'}]}))                  # no name: not known to be eth1's
    put(root, '/proc/irq/26/smp_affinity_list', '0-1\n')
    assert run(tree, '--interface', 'eth1') == 0
    assert get(root, '/proc/irq/%d/smp_affinity_list' % input0) == '1'
    assert get(root, '/proc/irq/%d/smp_affinity_list' % output0) == '0'
    assert get(root, '/proc/irq/%d/smp_affinity_list' % other) == '0-1\n'
    assert get(root, '/proc/irq/26/smp_affinity_list') == '0-1\n'
    assert get(root, '/sys/class/net/eth1/queues/rx-0/rps_cpus') == '1'
    assert get(root, '/sys/class/net/eth0/queues/rx-0/rps_cpus') == '0\n'
    assert '3 applied, 0 failed' in capsys.readouterr().out
