# -*- coding: utf-8 -*-
# Copyright: (c) 2026, lowlat.k8snet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Checks on address ranges and NOTRACK rules (pure)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import ipaddress

PROTOS = ('tcp', 'udp', 'sctp')


def network(value, what):
    if isinstance(value, bool) or not isinstance(value, str):
        raise ValueError("%s %r is not an address range such as 10.0.0.0/24" % (what, value))
    try:
        return ipaddress.ip_network(value.strip(), strict=False)
    except ValueError:
        raise ValueError("%s %r is not an address range such as 10.0.0.0/24" % (what, value))


def cidrs_overlap(first, second):
    """True when two address ranges share an address."""
    a, b = network(first, 'range'), network(second, 'range')
    return a.version == b.version and a.overlaps(b)


def overlapping_pairs(cidrs):
    """Pairs of ranges in a list (or dict name -> range) that overlap."""
    items = sorted(cidrs.items()) if isinstance(cidrs, dict) else [(c, c) for c in cidrs]
    pairs = []
    for i, (name_a, cidr_a) in enumerate(items):
        for name_b, cidr_b in items[i + 1:]:
            if cidrs_overlap(cidr_a, cidr_b):
                pairs.append([name_a, name_b])
    return pairs


def notrack_rules(rules, ssh_ports=(22,), nat_cidrs=(), force=False):
    """Validate and normalise NOTRACK rules; raise ValueError naming every problem.

    Returns [{proto, port, cidr, family}] with cidr None for any address.
    """
    if not isinstance(rules, list):
        raise ValueError("notrack rules must be a list of {proto, port, cidr}, got %r" % (rules,))
    problems = []
    result = []
    ssh = set(int(p) for p in ssh_ports if p not in (None, ''))
    nats = [network(c, 'NAT/Service range') for c in nat_cidrs]
    for index, rule in enumerate(rules):
        if not isinstance(rule, dict) or set(rule) - set(['proto', 'port', 'cidr']):
            problems.append("rule %d %r: a rule is {proto, port, cidr}" % (index, rule))
            continue
        proto = rule.get('proto', 'tcp')
        if proto not in PROTOS:
            problems.append("rule %d: proto %r is not one of %s" % (index, proto, ', '.join(PROTOS)))
        port = rule.get('port')
        if isinstance(port, bool) or not isinstance(port, int) or not 0 < port < 65536:
            problems.append("rule %d: port %r must be a number from 1 to 65535" % (index, port))
            continue
        cidr = rule.get('cidr')
        net = None
        if cidr not in (None, ''):
            try:
                net = network(cidr, 'rule %d cidr' % index)
            except ValueError as exc:
                problems.append(str(exc))
                continue
        if port in ssh and not force:
            problems.append("rule %d: port %d is the SSH port; untracked packets miss the ESTABLISHED "
                            "rules that keep SSH open (notrack_force: true to do it anyway)" % (index, port))
        for nat in nats:
            if not force and (net is None or (net.version == nat.version and net.overlaps(nat))):
                problems.append("rule %d: %s overlaps the Service/NAT range %s; untracked packets are "
                                "never NATed, so Services would break (notrack_force: true to do it anyway)"
                                % (index, net or 'any address', nat))
        result.append({'proto': proto, 'port': port, 'cidr': str(net) if net else None,
                       'family': 'ip6' if net is not None and net.version == 6 else 'ip'})
    if problems:
        raise ValueError('; '.join(problems))
    return result
