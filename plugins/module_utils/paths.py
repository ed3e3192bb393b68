# -*- coding: utf-8 -*-
# Copyright: (c) 2026, lowlat.k8snet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Where lowlat.k8snet keeps its files on a managed host: the one home of the two defaults.

* The configuration directory (``lowlat_config_dir``): what is replayed at boot (``persist/*.json``),
  the NOTRACK ruleset (``notrack.nft``), the benchmark's nginx.conf.
* The state directory (``lowlat_state_dir``): the record of original values (``originals.json``),
  what a network mode deployed, tuned's previous profile, the pods.

The roles read both through the ``lowlat.k8snet.dir`` lookup, which takes the two variables when
they are set and these defaults otherwise; the modules' options default to the same files.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

CONFIG_DIR = '/etc/lowlat-k8snet'
STATE_DIR = '/var/lib/lowlat-k8snet'
# variable name -> default
DIRS = {'config': ('lowlat_config_dir', CONFIG_DIR), 'state': ('lowlat_state_dir', STATE_DIR)}

RECORD_FILE = STATE_DIR + '/originals.json'
PERSIST_DIR = CONFIG_DIR + '/persist'
PODS_DIR = STATE_DIR + '/pods'
