# -*- coding: utf-8 -*-
# Copyright: (c) 2026, lowlat.k8snet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
---
name: sysctls
short_description: The node's tuning sysctls, as the sysctl role applies them
version_added: 0.1.0
description:
  - Returns C(sysctl_settings) (the host's, or the sysctl role's defaults when the host does not
    set it) followed by C(sysctl_extra) and, when C(sysctl_sched_migration_cost_ns) is set,
    C(kernel.sched_migration_cost_ns). The sysctl role applies this list, the validate role checks
    it and the network_mode role applies its per-namespace names inside pods, so all three see the
    same list.
  - Use it with C(query), which returns the list itself.
author:
  - lowlat.k8snet maintainers (@lowlat)
options: {}
'''

EXAMPLES = r'''
- name: Show the sysctls the sysctl role would apply on this host
  ansible.builtin.debug:
    msg: "{{ query('lowlat.k8snet.sysctls') }}"
'''

RETURN = r'''
_raw:
  description: The settings, each C({name, value}) with C(state) when given.
  type: list
  elements: dict
'''

import os

import yaml

from ansible.errors import AnsibleError
from ansible.plugins.lookup import LookupBase

DEFAULTS = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', 'roles', 'sysctl', 'defaults',
                        'main.yml')


def role_defaults():
    with open(DEFAULTS) as handle:
        return yaml.safe_load(handle)


class LookupModule(LookupBase):

    def run(self, terms, variables=None, **kwargs):
        if terms:
            raise AnsibleError("lowlat.k8snet.sysctls takes no terms, got %r" % (terms,))
        variables = variables or {}
        defaults = None

        def value(name):
            nonlocal defaults
            if name in variables:
                return self._templar.template(variables[name])
            if defaults is None:
                defaults = role_defaults()
            return defaults.get(name)

        settings, extra = value('sysctl_settings') or [], value('sysctl_extra') or []
        for name, given in (('sysctl_settings', settings), ('sysctl_extra', extra)):
            if not isinstance(given, list) or not all(isinstance(item, dict) for item in given):
                raise AnsibleError("%s must be a list of {name, value, state}, got %r" % (name, given))
        migration = value('sysctl_sched_migration_cost_ns')
        return list(settings) + list(extra) + (
            [{'name': 'kernel.sched_migration_cost_ns', 'value': migration}] if migration is not None else [])
