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


def write_all(changes, record, check_mode):
    """The write phase every writing module shares: record every original once, then write.

    changes: [{label, path (absolute), value (text to write), before, after, remember: (key, kind,
    target, original) or None}], all validated already. The originals are saved before the first
    write, so that a run cut short can still be put back. Every change is attempted; each gets
    ``error`` (None when written, or the OSError) and ``refused`` (the kernel would not move a
    managed IRQ). In check mode nothing is recorded or written and every change counts as written.
    Returns (written, refused, failed): lists of the changes.
    """
    if not check_mode and record is not None:
        for change in changes:
            if change.get('remember'):
                record.remember(*change['remember'])
        record.save()
    written, refused, failed = [], [], []
    for change in changes:
        change['error'] = None if check_mode else write_value(change['path'], change['value'])
        change['refused'] = change['error'] is not None and refused_by_kernel(change['error'])
        (written if change['error'] is None else refused if change['refused'] else failed).append(change)
    return written, refused, failed


def diff_rows(changes):
    """diff_text of changes (write_all's): one row per change, label, before and after."""
    return diff_text([(change['label'], change['before'], change['after']) for change in changes])


def refused_by_kernel(exc):
    """True for the errors a managed IRQ returns (EIO before 6.12, EPERM/EACCES after)."""
    return getattr(exc, 'errno', None) in (errno.EIO, errno.EPERM, errno.EACCES)


def diff_text(rows):
    """Before/after diff from (label, before, after) rows, one 'label: value' line each."""
    before = ''.join('%s: %s\n' % (label, old) for label, old, _new in rows)
    after = ''.join('%s: %s\n' % (label, new) for label, _old, new in rows)
    return {'before': before, 'after': after}
