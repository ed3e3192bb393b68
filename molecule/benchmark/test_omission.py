# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Coordinated omission, shown on the lab: nginx's workers are paused (SIGSTOP) for 200 ms in the
middle of a constant-rate run. Every request due during the pause waits for it, so a generator
that measures from the time a request was due (wrk2's corrected histogram) sees about 2 % of the
requests of a 9-second window delayed by up to 200 ms; one that measures from the time it sent
(wrk2's uncorrected histogram, h2load) sees only the one request in flight on each connection.
The generators are the ones converge built and installed on node2 (bench_client)."""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import importlib.util
import os
import subprocess

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
SPEC = importlib.util.spec_from_file_location('bench', os.path.join(HERE, '..', '..', 'plugins', 'module_utils', 'bench.py'))
bench = importlib.util.module_from_spec(SPEC)
SPEC.loader.exec_module(bench)

URL = 'http://10.89.7.11:8080/100.bin'
PAUSE = 0.2           # seconds nginx's workers are stopped
CONNECTIONS = 8
RATE = 2000           # requests per second in all: 250 per connection, one every 4 ms
WINDOW = 9            # measured seconds


def podman(node, *argv):
    return subprocess.run(['podman', 'exec', 'lowlat-%s' % node] + list(argv), capture_output=True, text=True,
                          check=True)


def pause_at(seconds):
    """Stop nginx's workers `seconds` from now for PAUSE seconds, on node1, bounded, always resumed."""
    # '^nginx: worker': anchored, or this very shell (whose command line holds the words) stops itself
    script = ('trap \'kill -CONT $pids 2>/dev/null\' EXIT; sleep %s; pids=$(pgrep -f "^nginx: worker");'
              ' [ -n "$pids" ]; kill -STOP $pids; sleep %s' % (seconds, PAUSE))
    return subprocess.Popen(['podman', 'exec', 'lowlat-node1', 'timeout', '60', 'bash', '-c', script],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


@pytest.fixture(scope='module')
def nginx():
    podman('node1', 'systemctl', 'start', 'lowlat-bench-nginx')
    yield
    podman('node1', 'systemctl', 'stop', 'lowlat-bench-nginx')


def test_a_pause_shows_in_corrected_latency_only(nginx):
    # wrk2 resets its histograms at its calibration, 10 s + 5 ms per connection after its start:
    # the pause falls in the middle of the measured window that follows
    calibration = 10 + 0.005 * CONNECTIONS
    pauser = pause_at(calibration + WINDOW / 2.0)
    wrk2 = podman('node2', 'timeout', '60', 'wrk2', '-t', '1', '-c', str(CONNECTIONS), '-R', str(RATE),
                  '-d', '%ds' % (calibration + WINDOW), '--latency', '-U', URL)
    assert pauser.wait(timeout=60) == 0, pauser.stderr.read()
    run = bench.parse_wrk2(wrk2.stdout)
    assert run['calibrated'], wrk2.stdout

    pauser = pause_at(WINDOW / 2.0)
    log = '/var/tmp/lowlat-bench/omission.log'
    podman('node2', 'timeout', '60', 'h2load', '--h1', '-c', str(CONNECTIONS), '-t', '1',
           '--rps', str(RATE // CONNECTIONS), '-D', str(WINDOW), '--log-file', log, URL)
    assert pauser.wait(timeout=60) == 0, pauser.stderr.read()
    h2load = [r[2] for r in bench.parse_h2load_log(podman('node2', 'cat', log).stdout) if r[1] == 200]

    corrected = bench.spectrum_percentiles(run['corrected']['spectrum'])
    uncorrected = bench.spectrum_percentiles(run['uncorrected']['spectrum'])
    sent = bench.percentiles(h2load)
    pause_us = PAUSE * 1e6
    print('p99 / p99.9 (us) with a %d ms pause: wrk2 corrected %s / %s, wrk2 uncorrected %s / %s, h2load %s / %s'
          % (PAUSE * 1000, corrected['p99'], corrected['p99.9'], uncorrected['p99'], uncorrected['p99.9'],
             sent['p99'], sent['p99.9']))
    # the pause happened inside both measured windows: the requests in flight waited through it
    assert run['uncorrected']['spectrum'][-1][0] >= 0.8 * pause_us, uncorrected
    assert max(h2load) >= 0.8 * pause_us, sent
    # requests due during the pause: PAUSE / WINDOW of all (2.2 %), the first of them waiting ~PAUSE:
    # the corrected p99.9 lies among them
    assert corrected['p99.9'] >= pause_us / 2, corrected
    # in flight during the pause: one per connection, 8 of ~18000 requests (0.04 %): under p99.9
    assert corrected['p99.9'] >= 4 * uncorrected['p99.9'], (corrected, uncorrected)
    assert corrected['p99.9'] >= 4 * sent['p99.9'], (corrected, sent)
