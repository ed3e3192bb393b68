# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The drift report's view of the real /proc: a process named irqbalance, its bans read from its
command line. A shell script named irqbalance stands in for it (the real one is neither started nor
stopped)."""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import shutil
import subprocess
import signal
import tempfile
import time

from ansible_collections.lowlat.k8snet.plugins.module_utils.drift import drift_report, writers_on
from ansible_collections.lowlat.k8snet.plugins.module_utils.hostinfo import Host


def test_a_running_irqbalance_and_its_bans_are_seen_in_proc():
    directory = tempfile.mkdtemp(prefix='llk-drift-')
    stand_in = os.path.join(directory, 'irqbalance')
    with open(stand_in, 'w') as handle:
        handle.write('#!/bin/sh\nsleep 30 &\nwait\n')
    os.chmod(stand_in, 0o755)
    before = set(pid for pid, _banned in writers_on(Host('/'))['irqbalance'])
    proc = subprocess.Popen([stand_in, '--foreground', '--banirq=60', '-i', '61', '30'], start_new_session=True)
    try:
        # Popen can return before the exec has renamed the child
        for _attempt in range(50):
            with open('/proc/%d/comm' % proc.pid) as handle:
                if handle.read().strip() == 'irqbalance':
                    break
            time.sleep(0.1)
        # 30 is not a ban (no -i before it); 60 and 61 are
        found = dict(writers_on(Host('/'))['irqbalance'])
        assert found.get(proc.pid) == {60, 61}, found
        mine = {'irqbalance': [(proc.pid, found[proc.pid])], 'tuned': None, 'udev': []}
        report = drift_report(Host('/'), [(61, '0', '1'), (62, '0', '1')], {}, writers=mine)
        assert [entry['writer'] for entry in report] == ['unknown', 'irqbalance']
        assert 'pid %d' % proc.pid in report[1]['reason']
    finally:
        os.killpg(proc.pid, signal.SIGKILL)      # the stand-in and its sleep, a session of their own
        proc.wait()
        shutil.rmtree(directory, ignore_errors=True)
    assert set(pid for pid, _banned in writers_on(Host('/'))['irqbalance']) == before
