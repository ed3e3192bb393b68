# -*- coding: utf-8 -*-
# Copyright: (c) 2026, lowlat.k8snet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Sysctl values: as the kernel prints them back, and as playbook input may give them.

One normaliser and one refusal of YAML booleans for every module that sets a sysctl (the sysctl
module on the host, the pod module inside pods) or compares one (restore).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type


def normalise(value):
    """A value as compared with the kernel's read-back: runs of whitespace (the tab that
    net.ipv4.ip_local_port_range prints) as one space, no leading or trailing space; None as ''."""
    return ' '.join(str('' if value is None else value).split())


def sysctl_value(what, value):
    """Playbook input for a sysctl -> the string to write, or ValueError naming `what`.

    A number, a string, or a non-empty list of numbers and strings (joined with spaces, as
    ip_local_port_range takes them). A YAML boolean is refused: YAML reads on/off/yes/no as
    booleans, and writing True as 'True' is never what was meant.
    """
    if isinstance(value, bool):
        raise ValueError("%s: value is the boolean %r, but must be a number or a string (YAML reads "
                         "on/off/yes/no as booleans); quote it or write the number, e.g. '1'" % (what, value))
    if isinstance(value, (list, tuple)):
        if not value or any(isinstance(v, bool) or not isinstance(v, (int, str)) for v in value):
            raise ValueError("%s: a list value must hold numbers or strings, got %r" % (what, value))
        value = ' '.join(str(v) for v in value)
    if value is None or isinstance(value, (dict, float)) or normalise(value) == '':
        raise ValueError("%s: value %r is not valid; give a number or a string" % (what, value))
    return normalise(value)
