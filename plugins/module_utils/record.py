# -*- coding: utf-8 -*-
# Copyright: (c) 2026, lowlat.k8snet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Originals and persisted writes, as JSON files on the managed host.

* The record of originals (default /var/lib/lowlat-k8snet/originals.json) keeps, for every
  kernel value a module changes, the value it had BEFORE the first change ever made by this
  collection.  Later changes never overwrite it, so the reset playbook can put the host back.
* A persist file (/etc/lowlat-k8snet/persist/<name>.json) lists the writes that the boot-time
  unit and the udev rule replay: sysfs/procfs/debugfs paths with values, and IRQs by their
  action name (IRQ numbers can change across reboots).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import shutil
import tempfile

RECORD_VERSION = 1


def atomic_write(path, text, mode=0o644):
    """Write a file through a temporary file and rename, creating its directory."""
    directory = os.path.dirname(path)
    if directory and not os.path.isdir(directory):
        os.makedirs(directory, 0o755)
    handle, tmp = tempfile.mkstemp(dir=directory or '.', prefix='.lowlat-')
    try:
        with os.fdopen(handle, 'w') as out:
            out.write(text)
        os.chmod(tmp, mode)
        os.rename(tmp, path)
    except Exception:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def remove_path(path):
    """Remove a file, a link (not what it points to) or a directory with what is in it."""
    if os.path.isdir(path) and not os.path.islink(path):
        shutil.rmtree(path)
    else:
        os.unlink(path)


def read_text(path):
    try:
        with open(path) as handle:
            return handle.read()
    except (IOError, OSError):
        return None


def dump(data):
    return json.dumps(data, indent=2, sort_keys=True) + '\n'


class Record(object):
    """Originals of changed values: key -> {kind, target, value}."""

    def __init__(self, path):
        self.path = path
        self.entries = {}
        self.added = []
        if path:
            text = read_text(path)
            if text:
                try:
                    data = json.loads(text)
                except ValueError:
                    raise ValueError("the record of original values %s is not valid JSON; fix or "
                                     "remove it (it is what reset restores from)" % path)
                self.entries = data.get('entries', {})

    def remember(self, key, kind, target, value):
        """Keep the first value seen for key; later calls leave it alone."""
        if self.path and key not in self.entries:
            self.entries[key] = {'kind': kind, 'target': target, 'value': value}
            self.added.append(key)

    def save(self):
        if self.path and self.added:
            atomic_write(self.path, dump({'version': RECORD_VERSION, 'entries': self.entries}), 0o600)


def persist_payload(source, writes=None, irqs=None):
    """The JSON text of a persist file, sorted so that reruns compare equal."""
    return dump({
        'version': RECORD_VERSION,
        'source': source,
        'writes': sorted(writes or [], key=lambda w: w['path']),
        'irqs': sorted(irqs or [], key=lambda i: (i['name'], i['irq'])),
    })


def sync_file(path, text, check_mode, mode=0o644):
    """Make path hold text; return (changed, before_text). Writes nothing in check mode."""
    before = read_text(path)
    if before == text:
        return False, before
    if not check_mode:
        atomic_write(path, text, mode)
    return True, before
