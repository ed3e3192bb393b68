# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""bench_client's builds from source tarballs on node2, beyond what converge did (the lab
inventory's controller paths): a URL (served from this machine on the lab's network), a tarball
whose sha256 is not the one given, a missing source, and a rerun that builds nothing."""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import contextlib
import functools
import hashlib
import http.server
import json
import os
import re
import subprocess
import sys
import threading

import yaml

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.abspath(os.path.join(HERE, '..', '..'))
GROUP_VARS = os.path.join(REPO, 'inventories', 'lab', 'group_vars', 'benchnodes.yml')
BUILD_DIR = '/var/tmp/lowlat-build-test'


def lab_vars():
    with open(GROUP_VARS) as handle:
        return yaml.safe_load(handle)


def vendor(name):
    directory = os.environ.get('LOWLAT_VENDOR_DIR') or os.path.join(REPO, '..', 'shared', 'vendor')
    return os.path.join(directory, name)


def client(extra):
    # molecule forces colour when TERM names xterm, and ANSIBLE_FORCE_COLOR beats ANSIBLE_NOCOLOR
    env = dict(os.environ, ANSIBLE_NOCOLOR='1', ANSIBLE_FORCE_COLOR='0',
               ANSIBLE_COLLECTIONS_PATH=os.path.join(REPO, '.build', 'collections'),
               ANSIBLE_CONFIG=os.path.join(REPO, 'ansible.cfg'))
    command = [os.path.join(os.path.dirname(sys.executable), 'ansible-playbook'), '-i',
               os.path.join(REPO, 'inventories', 'lab'), os.path.join(HERE, 'client.yml'), '-e', json.dumps(extra)]
    result = subprocess.run(command, capture_output=True, text=True, env=env, timeout=900, check=False)
    return result.returncode, ' '.join((result.stdout + result.stderr).split())


def node2(*argv):
    return subprocess.run(['podman', 'exec', 'lowlat-node2'] + list(argv), capture_output=True, text=True,
                          check=False)


def sha256_on_node2(path):
    result = node2('sha256sum', path)
    return result.stdout.split()[0] if result.returncode == 0 else None


@contextlib.contextmanager
def serving(directory):
    """An HTTP server for directory on the lab network's gateway (this machine), for the test only."""
    gateway = node2('ip', '-j', 'route', 'show', 'default').stdout
    address = json.loads(gateway)[0]['gateway']
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=directory)
    server = http.server.ThreadingHTTPServer((address, 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield 'http://%s:%d' % (address, server.server_address[1])
    finally:
        server.shutdown()
        server.server_close()


def test_a_tarball_that_is_not_the_one_named_builds_nothing():
    before = sha256_on_node2('/usr/local/bin/wrk2')
    wrong = '0' * 64
    rc, output = client({'bench_client_tools': ['wrk2'], 'bench_client_wrk2_sha256': wrong,
                         'bench_client_build_dir': BUILD_DIR})
    with open(vendor('wrk2-44a94c1.tar.gz'), 'rb') as handle:
        actual = hashlib.sha256(handle.read()).hexdigest()
    assert rc != 0 and 'has sha256 %s, not the bench_client_wrk2_sha256 given (%s)' % (actual, wrong) in output, output
    # refused on the controller: nothing was written on the node
    assert node2('test', '-e', BUILD_DIR).returncode != 0
    assert sha256_on_node2('/usr/local/bin/wrk2') == before


def test_a_missing_source_is_named_before_anything():
    rc, output = client({'bench_client_tools': ['tcpkali'], 'bench_client_tcpkali_source': '',
                         'bench_client_build_dir': BUILD_DIR})
    assert rc != 0 and 'tcpkali needs bench_client_tcpkali_source' in output, output
    assert 'changed=0' in output


def test_a_url_is_fetched_checked_built_and_a_rerun_builds_nothing():
    name = 'wrk2-44a94c1.tar.gz'
    expected = lab_vars()['bench_client_wrk2_sha256']
    try:
        with serving(os.path.dirname(vendor(name))) as base:
            extra = {'bench_client_tools': ['wrk2'], 'bench_client_wrk2_source': '%s/%s' % (base, name),
                     'bench_client_build_dir': BUILD_DIR}
            rc, output = client(extra)
            assert rc == 0, output
            assert node2('test', '-x', '%s/%s/wrk2' % (BUILD_DIR, expected)).returncode == 0
            assert node2('wrk2', '-v').stdout.startswith('wrk 4.0.0')
            again_rc, again = client(extra)
        assert again_rc == 0 and 'changed=0' in again, again
        # found by its sha256: nothing fetched, unpacked or built again
        for task in ('Download the tarball', 'Unpack it', 'Build wrk2'):
            assert re.search(r'TASK \[lowlat\.k8snet\.bench_client : %s[^]]*\] \**\s*skipping: \[node2\]'
                             % re.escape(task), again), (task, again)
    finally:
        node2('rm', '-rf', BUILD_DIR)
