# -*- coding: utf-8 -*-
# Copyright: (c) 2026, lowlat.k8snet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
---
name: dir
short_description: The collection's configuration or state directory on the managed host
version_added: 0.1.0
description:
  - Returns C(lowlat_config_dir) for C(config) and C(lowlat_state_dir) for C(state) when the
    variable is set, and the collection's default otherwise (C(/etc/lowlat-k8snet),
    C(/var/lib/lowlat-k8snet)). Every role, template, the boot-time unit and the udev rule find the
    collection's files through it, so setting the two variables moves all of them.
author:
  - lowlat.k8snet maintainers (@lowlat)
options:
  _terms:
    description: C(config) or C(state).
    required: true
    type: list
    elements: str
'''

EXAMPLES = r'''
- name: Show where the record of original values is
  ansible.builtin.debug:
    msg: "{{ lookup('lowlat.k8snet.dir', 'state') }}/originals.json"
'''

RETURN = r'''
_raw:
  description: The directory, an absolute path without a trailing slash (one per term).
  type: list
  elements: str
'''

import posixpath

from ansible.errors import AnsibleError
from ansible.plugins.lookup import LookupBase
from ansible_collections.lowlat.k8snet.plugins.module_utils.paths import DIRS


class LookupModule(LookupBase):

    def run(self, terms, variables=None, **kwargs):
        result = []
        for term in terms:
            if term not in DIRS:
                raise AnsibleError("lowlat.k8snet.dir: %r is not one of %s" % (term, ', '.join(sorted(DIRS))))
            name, default = DIRS[term]
            value = (variables or {}).get(name)
            if value is None:
                value = default
            else:
                value = self._templar.template(value)
            if not isinstance(value, str) or not posixpath.isabs(value) or value.rstrip('/') == '':
                raise AnsibleError('%s must be an absolute directory path other than /, not %r' % (name, value))
            result.append(posixpath.normpath(value))
        return result
