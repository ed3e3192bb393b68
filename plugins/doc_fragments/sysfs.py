# -*- coding: utf-8 -*-
# Copyright: (c) 2026, lowlat.k8snet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment(object):
    """Options and attributes shared by the modules that read or write /sys and /proc."""

    DOCUMENTATION = r'''
options:
  root:
    description:
      - Directory under which C(/sys) and C(/proc) are used. Only for testing on a captured tree.
    type: path
    default: /
'''

    WRITES = r'''
attributes:
  check_mode:
    support: full
    description: Reports what would change and writes nothing.
  diff_mode:
    support: full
    description: Shows each changed value before and after.
'''
