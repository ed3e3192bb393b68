# -*- coding: utf-8 -*-
# Copyright: (c) 2026, lowlat.k8snet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Shared pieces of the modules that write sysfs/procfs values."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import errno


def writer_argument_spec(**options):
    """Argument spec of a module that writes kernel values: its own options plus record/persist/root."""
    spec = dict(options)
    spec.update(
        record=dict(type='path'),
        persist=dict(type='path'),
        root=dict(type='path', default='/'),
    )
    return spec


def write_value(path, value):
    """Write one value to a sysfs/procfs file; return None or the OSError."""
    try:
        with open(path, 'w') as handle:
            handle.write(value)
        return None
    except (IOError, OSError) as exc:
        return exc


def refused_by_kernel(exc):
    """True for the errors a managed IRQ returns (EIO before 6.12, EPERM/EACCES after)."""
    return getattr(exc, 'errno', None) in (errno.EIO, errno.EPERM, errno.EACCES)


def diff_text(rows):
    """Before/after diff from (label, before, after) rows, one 'label: value' line each."""
    before = ''.join('%s: %s\n' % (label, old) for label, old, _new in rows)
    after = ''.join('%s: %s\n' % (label, new) for label, _old, new in rows)
    return {'before': before, 'after': after}
