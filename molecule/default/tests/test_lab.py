# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Every knob site.yml sets on the lab hosts, and every original value after reset.yml."""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import re

import pytest
import steering

from ansible_collections.lowlat.k8snet.plugins.module_utils.cpuset import parse_mask
from ansible_collections.lowlat.k8snet.plugins.module_utils.plan import steering_plan
from ansible_collections.lowlat.k8snet.plugins.module_utils.topology import parse_lscpu
from conftest import ORIGINALS, REPO, host_vars, load_yaml

SYSCTLS = load_yaml('roles', 'sysctl', 'defaults', 'main.yml')['sysctl_settings']
OUR_FILES = ['/etc/sysctl.d/90-lowlat-k8snet.conf', '/etc/lowlat-k8snet', '/var/lib/lowlat-k8snet',
             '/etc/systemd/system/lowlat-k8snet-apply.service', '/etc/udev/rules.d/90-lowlat-k8snet.rules',
             '/usr/local/sbin/lowlat-k8snet-apply', '/usr/local/lib/lowlat-k8snet', '/etc/tuned/lowlat-network-latency']


def name_of(host):
    return host.backend.name.replace('lowlat-', '')


def queues(host, kind):
    listing = host.check_output('ls /sys/class/net/eth0/queues').split()
    return sorted((q for q in listing if q.startswith(kind + '-')), key=lambda q: int(q.split('-')[1]))


def knobs(host):
    """Every value the roles change on a lab host, as text."""
    values = {}
    for queue in queues(host, 'rx'):
        for knob in ('rps_cpus', 'rps_flow_cnt'):
            values['%s/%s' % (queue, knob)] = host.file('/sys/class/net/eth0/queues/%s/%s' % (queue, knob)).content_string.strip()
    for setting in SYSCTLS:
        if setting['name'].startswith('net.'):
            values[setting['name']] = ' '.join(host.check_output('sysctl -n %s' % setting['name']).split())
    values['nft tables'] = host.check_output('nft list tables')
    values['tuned running'] = host.run('systemctl is-active tuned').stdout.strip()
    return values


def plan_for(host):
    policy = host_vars(name_of(host))
    topology = parse_lscpu(host.check_output('lscpu -p=CPU,CORE,SOCKET,NODE'))
    nic = {'name': 'eth0', 'rx_queues': len(queues(host, 'rx')), 'tx_queues': len(queues(host, 'tx')), 'irqs': []}
    return steering_plan(topology, nic, connections=policy['steering_plan_connections'],
                         rps=policy['steering_plan_rps'], rps_min_cpus=policy['steering_plan_rps_min_cpus'])


@pytest.mark.record
def test_record_originals(host):
    data = {}
    if os.path.exists(ORIGINALS):
        with open(ORIGINALS) as handle:
            data = json.load(handle)
    data[host.backend.name] = knobs(host)
    with open(ORIGINALS, 'w') as handle:
        json.dump(data, handle, indent=1, sort_keys=True)
    assert all(not host.file(path).exists for path in OUR_FILES)


@pytest.mark.tuned
def test_queues_follow_the_studys_rule(host):
    """The kernel against the rule (tests/oracles/steering.py) computed from the container's own
    NUMA nodes and hyperthread siblings, not from the plan: rx-0's RPS on the physical CPUs of its
    node (a veth has no IRQ CPU to leave out), the RFS flow count of the inventory's connections. The veth has no IRQs, a single tx
    queue (no XPS), and rps_sock_flow_entries is not visible from a container's namespace."""
    nodes = dict((int(path.rsplit('node', 1)[1]), steering.cpus(host.file(path + '/cpulist').content_string))
                 for path in host.check_output('ls -d /sys/devices/system/node/node[0-9]*').split())
    siblings = dict((int(path.split('/')[5][3:]), steering.cpus(host.file(path).content_string))
                    for path in host.check_output(
                        'ls /sys/devices/system/cpu/cpu[0-9]*/topology/thread_siblings_list').split())
    rx, tx = queues(host, 'rx'), queues(host, 'tx')
    expected = steering.expect(nodes, steering.physical(siblings), len(rx), len(tx),
                               host_vars(name_of(host))['steering_plan_connections'], irqs=False,
                               siblings=siblings)
    base = '/sys/class/net/eth0/queues/'
    read = {'irq_cpus': {},
            'rps': dict((int(q[3:]), steering.mask_cpus(host.file(base + q + '/rps_cpus').content_string)) for q in rx),
            'xps': {},
            'flow': dict((int(q[3:]), int(host.file(base + q + '/rps_flow_cnt').content_string)) for q in rx),
            'entries': None}
    assert steering.check(expected, read, irqs=False) == []


@pytest.mark.tuned
def test_queues_follow_the_plan(host):
    plan = plan_for(host)
    assert plan['rps_flow_cnt']['rx-0'] > 0, 'the lab policy must turn RPS and RFS on'
    for queue, mask in plan['rps_masks'].items():
        live = host.file('/sys/class/net/eth0/queues/%s/rps_cpus' % queue).content_string
        assert parse_mask(live) == parse_mask(mask), queue
        count = host.file('/sys/class/net/eth0/queues/%s/rps_flow_cnt' % queue).content_string
        assert int(count) == plan['rps_flow_cnt'][queue]
    for queue, mask in plan['xps_masks'].items():
        live = host.file('/sys/class/net/eth0/queues/%s/xps_cpus' % queue).content_string
        assert parse_mask(live) == parse_mask(mask), queue


@pytest.mark.tuned
def test_sysctls_at_run_time_and_in_the_file(host):
    conf = host.file('/etc/sysctl.d/90-lowlat-k8snet.conf')
    assert conf.exists and conf.user == 'root'
    for setting in SYSCTLS:
        value = ' '.join(str(setting['value']).split())
        line = '%s = %s' % (setting['name'], value)
        if setting['name'].startswith('net.') or host_vars(name_of(host))['lowlat_host_global']:
            assert line in conf.content_string
            assert ' '.join(host.check_output('sysctl -n %s' % setting['name']).split()) == value, setting
        else:
            # host-global, and this host leaves those to the one that owns the kernel
            assert line not in conf.content_string


@pytest.mark.tuned
def test_notrack_table_both_directions(host):
    table = host.check_output('nft list table inet lowlat_notrack')
    rule0 = host_vars(name_of(host))['notrack_rules'][0]
    cidr, port = rule0['cidr'], rule0['port']
    assert 'hook prerouting priority raw' in table and 'hook output priority raw' in table
    for rule in ('ip saddr %s tcp dport %d notrack' % (cidr, port), 'ip saddr %s tcp sport %d notrack' % (cidr, port),
                 'ip daddr %s tcp sport %d notrack' % (cidr, port), 'ip daddr %s tcp dport %d notrack' % (cidr, port)):
        assert rule in table
    assert host.check_output('nft list tables').count('lowlat') == 1


@pytest.mark.tuned
def test_tuned_profile(host):
    profile = host.file('/etc/tuned/lowlat-network-latency/tuned.conf')
    assert profile.exists and 'include=network-latency' in profile.content_string
    active = host.run('tuned-adm active').stdout
    if host_vars(name_of(host))['lowlat_host_global']:
        assert 'Current active profile: lowlat-network-latency' in active
    else:
        assert not host.service('tuned').is_running, 'tuned must not run on a second host of one kernel'


@pytest.mark.tuned
def test_persistence_pieces(host):
    assert host.service('lowlat-k8snet-apply').is_enabled
    # both pass the directory the roles persisted to (the lab keeps the default)
    assert 'lowlat-k8snet-apply --dir /etc/lowlat-k8snet/persist --notrack /etc/lowlat-k8snet/notrack.nft ' \
        '--lib /usr/local/lib/lowlat-k8snet' in host.file('/etc/systemd/system/lowlat-k8snet-apply.service').content_string
    # the script finds IRQs with the collection's own parser: the same file as the checkout's
    with open(os.path.join(REPO, 'plugins', 'module_utils', 'nic.py')) as handle:
        assert host.file('/usr/local/lib/lowlat-k8snet/nic.py').content_string == handle.read()
    assert 'lowlat-k8snet-apply --dir /etc/lowlat-k8snet/persist --interface $name' in \
        host.file('/etc/udev/rules.d/90-lowlat-k8snet.rules').content_string
    persisted = json.loads(host.file('/etc/lowlat-k8snet/persist/packet_steering-eth0.json').content_string)
    paths = [write['path'] for write in persisted['writes']]
    assert '/sys/class/net/eth0/queues/rx-0/rps_cpus' in paths
    record = json.loads(host.file('/var/lib/lowlat-k8snet/originals.json').content_string)
    assert '/sys/class/net/eth0/queues/rx-0/rps_cpus' in record['entries']


@pytest.mark.originals
def test_every_original_value_is_back(host):
    with open(ORIGINALS) as handle:
        recorded = json.load(handle)[host.backend.name]
    assert knobs(host) == recorded


@pytest.mark.originals
def test_our_files_are_gone(host):
    left = [path for path in OUR_FILES if host.file(path).exists]
    assert left == []
    assert not host.service('lowlat-k8snet-apply').is_enabled


@pytest.mark.converged
def test_replay_script_brings_an_interface_back(host):
    """What the udev rule runs when an interface is added again: lowlat-k8snet-apply --interface."""
    path = '/sys/class/net/eth0/queues/rx-0/rps_cpus'
    wanted = parse_mask(host.file(path).content_string)
    assert wanted != 0
    host.run_expect([0], "sh -c 'echo 0 > %s'" % path)
    assert parse_mask(host.file(path).content_string) == 0
    replay = host.run_expect([0], '/usr/local/sbin/lowlat-k8snet-apply --interface eth0')
    assert ' 0 failed' in replay.stdout
    assert parse_mask(host.file(path).content_string) == wanted


@pytest.mark.converged
def test_notrack_iptables_fallback(host):
    """The raw-table chains of our own, both directions, idempotent, and removed again."""
    from test_bad_input import site
    if host.backend.name != 'lowlat-node2':
        pytest.skip('run once, on node2')
    playbook = os.path.join(os.path.dirname(__file__), '..', 'notrack_iptables.yml')
    first = site({}, limit='node2', playbook=playbook)
    assert first.returncode == 0, first.stdout[-2000:]
    rules = host.check_output('iptables -t raw -S')
    cidr, port = host_vars('node2')['notrack_rules'][0]['cidr'], host_vars('node2')['notrack_rules'][0]['port']
    for rule in ('-A PREROUTING -j LOWLAT_NOTRACK_PRE', '-A OUTPUT -j LOWLAT_NOTRACK_OUT',
                 '-A LOWLAT_NOTRACK_PRE -s %s -p tcp -m tcp --dport %d' % (cidr, port),
                 '-A LOWLAT_NOTRACK_PRE -s %s -p tcp -m tcp --sport %d' % (cidr, port),
                 '-A LOWLAT_NOTRACK_OUT -d %s -p tcp -m tcp --sport %d' % (cidr, port),
                 '-A LOWLAT_NOTRACK_OUT -d %s -p tcp -m tcp --dport %d' % (cidr, port)):
        assert rule in rules
    again = site({}, limit='node2', playbook=playbook)
    assert again.returncode == 0 and 'changed=0' in again.stdout
    removed = site({'notrack_iptables_state': 'absent'}, limit='node2', playbook=playbook)
    assert removed.returncode == 0, removed.stdout[-2000:]
    assert 'LOWLAT' not in host.check_output('iptables -t raw -S')


@pytest.mark.converged
def test_check_mode_on_converged_hosts_reports_no_change_and_no_diff(host):
    """`site.yml --check --diff` on hosts site.yml has converged: nothing to change, nothing to show."""
    from test_bad_input import site
    if host.backend.name != 'lowlat-node1':
        pytest.skip('run once, for both hosts')
    result = site({}, limit='benchnodes', extra_args=['--check', '--diff'])
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-3000:]
    output = re.sub(r'\x1b\[[0-9;]*m', '', output)
    recap = dict(re.findall(r'^(node[12]) +: ok=\d+ +changed=(\d+) ', output, re.M))
    assert recap == {'node1': '0', 'node2': '0'}, output[-3000:]
    assert '--- before' not in output and '+++ after' not in output, output[-3000:]
