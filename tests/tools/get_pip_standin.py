# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Stand-in for ansible-test's pip bootstrap script.

ansible-test downloads get-pip.py from a host that may be unreachable (only PyPI is); it then
runs the cached script with pip-install arguments (``pip==24.2`` ...).  This stand-in
bootstraps pip from the interpreter's bundled wheel and lets pip install what was asked.
`make sanity` copies it to ~/.ansible/test/cache/get_pip_24_2.py.
"""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import subprocess
import sys


def main():
    subprocess.check_call([sys.executable, '-m', 'ensurepip', '--default-pip'])
    args = [arg for arg in sys.argv[1:] if arg not in ('--no-setuptools', '--no-wheel')]
    if args:
        subprocess.check_call([sys.executable, '-m', 'pip', 'install'] + args)


if __name__ == '__main__':
    main()
