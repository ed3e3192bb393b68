# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The files module on a directory tree (the lab and the qemu guests run it on real hosts,
with systemd): check mode writes nothing, one run makes every piece, a rerun changes nothing, a
changed mode or content is put right, absent removes every piece, bad input changes nothing."""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import stat

import pytest

from ansible.module_utils.testing import patch_module_args
from ansible_collections.lowlat.k8snet.plugins.modules import files


def run(args, capsys, check=False):
    with patch_module_args(dict(args, _ansible_check_mode=check, _ansible_diff=True)):
        with pytest.raises(SystemExit):
            files.main()
    return json.loads(capsys.readouterr().out)


def pieces(root):
    return {'root': str(root),
            'dirs': [{'path': '/etc/lowlat/persist', 'mode': '0755'}, {'path': '/var/lib/lowlat', 'mode': '0700'}],
            'files': [{'path': '/usr/local/sbin/apply', 'content': '#!/bin/sh\necho {{ not templated }}\n',
                       'mode': '0755'},
                      {'path': '/etc/systemd/system/apply.service', 'content': '[Service]\n', 'mode': '0644'}],
            'remove': ['/etc/udev/rules.d/90-old.rules'],
            'unit': 'apply.service'}


def mode(root, path):
    return stat.S_IMODE(os.stat(os.path.join(str(root), path.lstrip('/'))).st_mode)


def test_check_install_rerun_repair_and_remove(tmp_path, capsys):
    args = pieces(tmp_path)
    rule = tmp_path / 'etc/udev/rules.d/90-old.rules'
    rule.parent.mkdir(parents=True)
    rule.write_text('old\n')
    dry = run(args, capsys, check=True)
    assert dry['changed'] and len(dry['changed_paths']) == 5, dry
    assert not (tmp_path / 'usr').exists() and rule.exists()

    done = run(args, capsys)
    assert sorted(done['changed_paths']) == sorted(['/etc/lowlat/persist', '/var/lib/lowlat', '/usr/local/sbin/apply',
                                                    '/etc/systemd/system/apply.service', '/etc/udev/rules.d/90-old.rules'])
    for entry in args['files']:
        assert (tmp_path / entry['path'].lstrip('/')).read_text() == entry['content']
        assert mode(tmp_path, entry['path']) == int(entry['mode'], 8)
    for entry in args['dirs']:
        assert mode(tmp_path, entry['path']) == int(entry['mode'], 8)
    assert not rule.exists()
    # systemd is left alone off the real root
    assert done['unit_changed'] is False

    assert run(args, capsys)['changed'] is False
    os.chmod(str(tmp_path / 'usr/local/sbin/apply'), 0o644)
    (tmp_path / 'var/lib/lowlat').chmod(0o755)
    (tmp_path / 'etc/systemd/system/apply.service').write_text('[Unit]\n')
    again = run(args, capsys)
    assert sorted(again['changed_paths']) == ['/etc/systemd/system/apply.service', '/usr/local/sbin/apply',
                                              '/var/lib/lowlat']
    assert mode(tmp_path, '/usr/local/sbin/apply') == 0o755 and mode(tmp_path, '/var/lib/lowlat') == 0o700
    assert 'apply.service: %d bytes, mode 0644' % len('[Unit]\n') in again['diff']['before']

    (tmp_path / 'var/lib/lowlat/originals.json').write_text('{}')
    gone = run(dict(args, state='absent'), capsys)
    assert gone['changed']
    for entry in args['files'] + args['dirs']:
        assert not os.path.lexists(os.path.join(str(tmp_path), entry['path'].lstrip('/')))
    assert run(dict(args, state='absent'), capsys)['changed'] is False


@pytest.mark.parametrize('change, words', [
    ({'files': [{'path': '/x', 'content': 'a', 'mode': 'rw-r--r--'}]}, "mode 'rw-r--r--' of /x is not an octal mode"),
    ({'files': [{'path': '/x', 'mode': '0644'}]}, 'file /x has no content'),
    ({'dirs': [{'path': 'etc/x', 'mode': '0755'}]}, "every path must be absolute, got 'etc/x'"),
])
def test_bad_input_changes_nothing(tmp_path, capsys, change, words):
    args = dict(pieces(tmp_path), **change)
    out = run(args, capsys)
    assert out['failed'] and words in out['msg'], out
    assert os.listdir(str(tmp_path)) == []


def test_absent_with_nested_directories_and_a_dangling_link(tmp_path, capsys):
    (tmp_path / 'etc/lowlat/state/pods').mkdir(parents=True)
    (tmp_path / 'etc/lowlat/state/pods/p.json').write_text('{}')
    os.symlink(str(tmp_path / 'nowhere'), str(tmp_path / 'etc/lowlat/link'))
    # the state directory under the configuration directory, listed after it
    args = {'root': str(tmp_path), 'state': 'absent', 'files': [{'path': '/etc/lowlat/link'}],
            'dirs': [{'path': '/etc/lowlat'}, {'path': '/etc/lowlat/state'}]}
    dry = run(args, capsys, check=True)
    assert dry['changed_paths'] == ['/etc/lowlat'] and (tmp_path / 'etc/lowlat/state/pods/p.json').exists()
    gone = run(args, capsys)
    assert gone['changed_paths'] == ['/etc/lowlat'] and not (tmp_path / 'etc/lowlat').exists()
    assert run(args, capsys)['changed'] is False
