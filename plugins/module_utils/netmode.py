# -*- coding: utf-8 -*-
# Copyright: (c) 2026, lowlat.k8snet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Network mode preflight and pod subnet allocation (pure).

``network_mode_plan(settings, nodes)`` checks the chosen mode against every node before anything
is deployed, and gives each node its pod subnet.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import ipaddress
import re

MODES = ('host', 'flannel', 'ipvlan', 'macvlan')
FLANNEL_BACKENDS = ('host-gw', 'vxlan', 'aws-vpc')
IPVLAN_MODES = ('l2', 'l3', 'l3s')
ENGINES = ('static', 'flanneld', 'kubernetes')
AWS_VPC_MAX_NODES = 50
AWS_SETTINGS = ('aws_region', 'aws_vpc_id', 'aws_route_table_id')


def _kernel(release):
    match = re.match(r'^(\d+)\.(\d+)', str(release or ''))
    return (int(match.group(1)), int(match.group(2))) if match else None


def _required_features(settings):
    mode = settings.get('type')
    if mode == 'flannel':
        backend = settings.get('flannel_backend')
        return ['bridge', 'veth'] + (['vxlan'] if backend == 'vxlan' else [])
    if mode == 'ipvlan':
        return ['ipvlan']
    if mode == 'macvlan':
        return ['macvlan']
    return []


def _node(value):
    """A node as {kernel, features, pod_subnet, pods, aws_instance_id, interface, address}; also
    accepts a host's variables (hostvars[host]): the address is the first IPv4 host_facts found on
    network_mode_interface, or on the default route's interface."""
    value = value or {}
    facts = value.get('lowlat_k8snet')
    if facts:
        kernel = facts.get('kernel') or {}
        interface = value.get('network_mode_interface') or facts.get('default_interface')
        addresses = (facts.get('ipv4') or {}).get(interface) or []
        return {'kernel': kernel.get('release'), 'features': kernel.get('features') or {},
                'pod_subnet': value.get('network_mode_pod_subnet'),
                'pods': value.get('network_mode_pods') or [],
                'aws_instance_id': value.get('network_mode_aws_instance_id'),
                'interface': interface,
                'address': addresses[0].split('/')[0] if addresses else None}
    return value


def needs_peer_addresses(settings):
    """Whether every node programs routes or tunnels to its peers' addresses (static flannel host-gw
    and vxlan, ipvlan l3/l3s)."""
    mode = settings.get('type')
    if mode == 'flannel':
        return settings.get('flannel_engine', 'static') == 'static' and \
            settings.get('flannel_backend') in ('host-gw', 'vxlan')
    return mode == 'ipvlan' and settings.get('ipvlan_mode') in ('l3', 'l3s')


def _engine_errors(settings, nodes):
    """What the chosen engine needs: flanneld's binary, AWS names, no hand-made pods under Kubernetes."""
    errors = []
    mode, engine = settings.get('type'), settings.get('flannel_engine', 'static')
    if engine not in ENGINES:
        return ["network_mode_flannel_engine %r is not valid; use one of: %s" % (engine, ', '.join(ENGINES))]
    if mode != 'flannel':
        return errors
    with_pods = sorted(name for name in nodes if (nodes[name] or {}).get('pods'))
    if engine == 'flanneld':
        if settings.get('flanneld_url') and not settings.get('flanneld_checksum'):
            errors.append("network_mode_flanneld_url %s needs network_mode_flanneld_checksum (sha256:<hex>)"
                          % settings['flanneld_url'])
        if settings.get('flanneld_start', True) and not (settings.get('flanneld_url') or settings.get('flanneld_file')):
            errors.append("the flanneld engine needs the flanneld binary: set network_mode_flanneld_url and "
                          "network_mode_flanneld_checksum, or network_mode_flanneld_file (a file on the controller), "
                          "or network_mode_flanneld_start: false to write only the etcd config and the unit")
        if not settings.get('flanneld_start', True) and with_pods:
            errors.append("pods on %s need a running flanneld (its lease is their subnet); "
                          "network_mode_flanneld_start is false" % ', '.join(with_pods))
    if engine == 'kubernetes' and with_pods:
        errors.append("with the kubernetes engine the kubelet makes the pods of flannel: network_mode_pods "
                      "must be empty on %s" % ', '.join(with_pods))
    if settings.get('flannel_backend') == 'aws-vpc' and engine == 'static':
        missing = ['network_mode_' + key for key in AWS_SETTINGS if not settings.get(key)]
        if missing:
            errors.append("flannel aws-vpc needs %s" % ', '.join(missing))
        without = sorted(name for name in nodes if not (nodes[name] or {}).get('aws_instance_id'))
        if without:
            errors.append("flannel aws-vpc routes each pod subnet to its node's instance: "
                          "network_mode_aws_instance_id is not set for %s" % ', '.join(without))
    return errors


def allocate_subnets(cluster_cidr, subnet_len, names, fixed=None):
    """Give every node a pod subnet: the fixed ones as given, the others in order from the cluster range."""
    fixed = fixed or {}
    network = ipaddress.ip_network(cluster_cidr, strict=False)
    if not network.prefixlen <= subnet_len <= network.max_prefixlen:
        raise ValueError("subnet length /%d does not fit in the cluster range %s" % (subnet_len, network))
    taken = [ipaddress.ip_network(cidr, strict=False) for cidr in fixed.values()]
    result = dict((name, str(ipaddress.ip_network(fixed[name], strict=False))) for name in fixed)
    candidates = network.subnets(new_prefix=subnet_len)
    for name in names:
        if name in result:
            continue
        for candidate in candidates:
            if not any(candidate.overlaps(t) for t in taken):
                result[name] = str(candidate)
                break
        else:
            raise ValueError("the cluster range %s has no free /%d left for %s" % (network, subnet_len, name))
    return result


def network_mode_plan(settings, nodes):
    """Check the mode for every node and allocate pod subnets.

    settings: {type, flannel_backend, flannel_engine, ipvlan_mode, cluster_cidr, subnet_len,
               flanneld_url, flanneld_checksum, flanneld_file, flanneld_start,
               aws_region, aws_vpc_id, aws_route_table_id}
    nodes:    {name: {kernel: release, features: {...}, pod_subnet: optional CIDR, pods: [...],
               aws_instance_id: ...}}, or {name: hostvars[name]} (host_facts' lowlat_k8snet and the
              node's network_mode_pod_subnet, network_mode_pods, network_mode_aws_instance_id are read)
    Returns {'pod_subnets': {name: cidr}, 'pod_ranges': {name: {start, end}} (the addresses a pod
    may take: not the network, the gateway .1 or the broadcast), 'addresses': {name: node address},
    'peers': {name: [{name, subnet, address}, ...]} (every other node), 'errors': [sentence, ...]};
    nothing is raised for problems with the hosts, so that every problem is reported at once.
    """
    nodes = dict((name, _node(value)) for name, value in nodes.items())
    errors = []
    mode = settings.get('type')
    if mode not in MODES:
        errors.append("network_mode_type %r is not valid; use one of: %s" % (mode, ', '.join(MODES)))
    if mode == 'flannel' and settings.get('flannel_backend') not in FLANNEL_BACKENDS:
        errors.append("network_mode_flannel_backend %r is not valid; use one of: %s"
                      % (settings.get('flannel_backend'), ', '.join(FLANNEL_BACKENDS)))
    if mode == 'ipvlan' and settings.get('ipvlan_mode') not in IPVLAN_MODES:
        errors.append("network_mode_ipvlan_mode %r is not valid; use one of: %s"
                      % (settings.get('ipvlan_mode'), ', '.join(IPVLAN_MODES)))
    if mode == 'flannel' and settings.get('flannel_backend') == 'aws-vpc' and len(nodes) > AWS_VPC_MAX_NODES:
        errors.append("flannel aws-vpc registers one route per node in the VPC route table, which holds "
                      "at most %d routes: %d nodes is too many (use host-gw or vxlan)"
                      % (AWS_VPC_MAX_NODES, len(nodes)))
    errors.extend(_engine_errors(settings, nodes))
    for name in sorted(nodes):
        node = nodes[name] or {}
        features = node.get('features') or {}
        for feature in _required_features(settings):
            if not features.get(feature):
                errors.append("host %s (kernel %s) lacks %s, which network mode %s%s needs"
                              % (name, node.get('kernel', 'unknown'), feature, mode,
                                 ' ' + settings.get('flannel_backend', '') if mode == 'flannel' else ''))
        version = _kernel(node.get('kernel'))
        if mode == 'ipvlan' and settings.get('ipvlan_mode') == 'l3s' and version and version < (4, 9):
            errors.append("host %s (kernel %s): ipvlan l3s needs kernel 4.9 or later" % (name, node.get('kernel')))

    fixed = dict((name, (nodes[name] or {}).get('pod_subnet')) for name in nodes
                 if (nodes[name] or {}).get('pod_subnet'))
    subnets = {}
    if mode != 'host':
        try:
            cluster = ipaddress.ip_network(settings.get('cluster_cidr', ''), strict=False)
            for name, cidr in sorted(fixed.items()):
                net = ipaddress.ip_network(cidr, strict=False)
                if net.version != cluster.version or not net.subnet_of(cluster):
                    errors.append("host %s: pod subnet %s is outside the cluster range %s" % (name, net, cluster))
            names = sorted(fixed)
            for i, first in enumerate(names):
                for second in names[i + 1:]:
                    if ipaddress.ip_network(fixed[first], strict=False).overlaps(
                            ipaddress.ip_network(fixed[second], strict=False)):
                        errors.append("pod subnets of %s (%s) and %s (%s) overlap"
                                      % (first, fixed[first], second, fixed[second]))
            if not errors:
                subnets = allocate_subnets(cluster, int(settings.get('subnet_len', 24)), sorted(nodes), fixed)
        except ValueError as exc:
            errors.append(str(exc))
    ranges = {}
    for name, cidr in subnets.items():
        net = ipaddress.ip_network(cidr)
        first = net.network_address + (2 if net.num_addresses > 4 else 0)
        last = net.broadcast_address - (1 if net.num_addresses > 4 else 0)
        ranges[name] = {'start': str(first), 'end': str(last)}
    addresses = dict((name, (nodes[name] or {}).get('address')) for name in nodes)
    if needs_peer_addresses(settings):
        without = sorted(name for name in nodes if not addresses[name])
        if without:
            errors.append("network mode %s %s routes to each node's address: no IPv4 address on the node "
                          "interface of %s" % (mode, settings.get('flannel_backend') if mode == 'flannel'
                                               else settings.get('ipvlan_mode'), ', '.join(without)))
    peers = dict((name, [{'name': other, 'subnet': subnets.get(other), 'address': addresses[other]}
                         for other in sorted(nodes) if other != name]) for name in nodes)
    return {'pod_subnets': subnets, 'pod_ranges': ranges, 'addresses': addresses, 'peers': peers,
            'errors': errors}
