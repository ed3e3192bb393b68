# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The captured outputs of real hosts in tests/unit/fixtures, read as text."""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os

FIXTURES = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'fixtures')


def read(name):
    with open(os.path.join(FIXTURES, name)) as handle:
        return handle.read()
