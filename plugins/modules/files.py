#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, lowlat.k8snet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
---
module: files
short_description: Directories, files with their content and mode, and a systemd unit, in one call
version_added: 0.1.0
description:
  - V(state=present) makes every directory in O(dirs) with its mode, writes every file in O(files)
    whose content or mode differs, removes every path in O(remove), and enables O(unit) (with a
    C(systemctl daemon-reload) first when a file under C(/etc/systemd) changed). One module run for
    what would otherwise be a task per file.
  - V(state=absent) stops and disables O(unit), removes every file, directory (with what is in it)
    and path given, and reloads systemd when a unit file went.
  - The persistence role installs the boot-time replay with it (script, library, unit, udev rule),
    the tuned role its profile.
  - Idempotent; check mode reports what would change and changes nothing; the diff names each path
    with its state before and after.
author:
  - lowlat.k8snet maintainers (@lowlat)
options:
  state:
    description: V(present) installs, V(absent) removes.
    type: str
    choices: [present, absent]
    default: present
  dirs:
    description: Directories, each C({path, mode}) (mode as an octal string such as C("0755")).
    type: list
    elements: dict
    default: []
  files:
    description: Files, each C({path, content, mode}).
    type: list
    elements: dict
    default: []
  remove:
    description: Paths that must not exist (a file or a directory with what is in it).
    type: list
    elements: path
    default: []
  unit:
    description: The systemd unit to enable (present), or to stop and disable (absent); none when omitted.
    type: str
  root:
    description: Where the paths are (tests); systemd is left alone unless this is C(/).
    type: path
    default: /
attributes:
  check_mode:
    support: full
    description: Reports the paths and the unit it would change.
  diff_mode:
    support: full
    description: One line per path (absent, or its mode and size) and one for the unit.
'''

EXAMPLES = r'''
- name: The replay script, its unit and the unit enabled
  lowlat.k8snet.files:
    dirs: [{path: /etc/lowlat-k8snet/persist, mode: "0755"}]
    files:
      - path: /usr/local/sbin/lowlat-k8snet-apply
        content: "{{ lookup('file', 'lowlat-k8snet-apply') }}"
        mode: "0755"
      - {path: /etc/systemd/system/lowlat-k8snet-apply.service, content: "{{ unit_text }}", mode: "0644"}
    unit: lowlat-k8snet-apply.service
'''

RETURN = r'''
changed_paths:
  description: The paths written, made or removed (or that would be, in check mode).
  returned: always
  type: list
  elements: str
unit_changed:
  description: Whether the unit was (or would be) enabled or disabled.
  returned: always
  type: bool
'''

import os

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.lowlat.k8snet.plugins.module_utils.record import atomic_write, read_text, remove_path


def mode_of(text, path):
    try:
        return int(str(text), 8)
    except ValueError:
        raise ValueError("mode %r of %s is not an octal mode such as \"0644\"" % (text, path))


def describe(path):
    if not os.path.lexists(path):
        return 'absent'
    stat = os.lstat(path)
    kind = 'directory' if os.path.isdir(path) and not os.path.islink(path) else '%d bytes' % stat.st_size
    return '%s, mode %04o' % (kind, stat.st_mode & 0o7777)


def plan(params, rooted):
    """[(path as given, real path, action)] for present or absent, all checked before any change."""
    steps = []
    if params['state'] == 'present':
        for entry in params['dirs']:
            path, mode = rooted(entry['path']), mode_of(entry.get('mode', '0755'), entry['path'])
            if not os.path.isdir(path) or os.stat(path).st_mode & 0o7777 != mode:
                steps.append((entry['path'], path, ('dir', mode)))
        for entry in params['files']:
            if entry.get('content') is None:
                raise ValueError("file %s has no content" % entry.get('path'))
            path, mode = rooted(entry['path']), mode_of(entry.get('mode', '0644'), entry['path'])
            text = str(entry['content'])
            if read_text(path) != text or os.stat(path).st_mode & 0o7777 != mode:
                steps.append((entry['path'], path, ('file', mode, text)))
        targets = params['remove']
    else:
        targets = [entry['path'] for entry in params['files']] + params['remove'] + \
            [entry['path'] for entry in params['dirs']]
    # deepest first, and nothing inside a directory that goes anyway
    removed = []
    for target in sorted(set(targets), key=lambda path: (-path.rstrip('/').count('/'), path)):
        inside = any(target.rstrip('/').startswith(gone.rstrip('/') + '/') for gone in targets if gone != target)
        if os.path.lexists(rooted(target)) and not inside:
            removed.append((target, rooted(target), ('remove',)))
    return steps + removed


def run_step(path, action):
    if action[0] == 'dir':
        if not os.path.isdir(path):
            os.makedirs(path, action[1])
        os.chmod(path, action[1])
    elif action[0] == 'file':
        atomic_write(path, action[2], action[1])
    else:
        remove_path(path)


def main():
    module = AnsibleModule(
        argument_spec=dict(
            state=dict(type='str', choices=['present', 'absent'], default='present'),
            dirs=dict(type='list', elements='dict', default=[]),
            files=dict(type='list', elements='dict', default=[]),
            remove=dict(type='list', elements='path', default=[]),
            unit=dict(type='str'),
            root=dict(type='path', default='/'),
        ),
        supports_check_mode=True,
    )
    params = module.params
    for entry in params['dirs'] + params['files']:
        if not str(entry.get('path', '')).startswith('/'):
            module.fail_json(msg="every path must be absolute, got %r" % (entry.get('path'),))

    def rooted(path):
        return os.path.join(params['root'], path.lstrip('/'))

    try:
        steps = plan(params, rooted)
    except ValueError as exc:
        module.fail_json(msg=str(exc))
    systemd = params['unit'] and params['root'] == '/'
    enabled = active = None
    if systemd:
        rc, out, _err = module.run_command(['systemctl', 'is-enabled', params['unit']])
        # enabled in any way that starts it (static and alias units cannot be enabled further)
        enabled = rc == 0 and out.strip() in ('enabled', 'enabled-runtime', 'static', 'alias', 'indirect', 'generated')
        active = module.run_command(['systemctl', 'is-active', params['unit']])[0] == 0
    absent = params['state'] == 'absent'
    unit_changed = bool(systemd) and (enabled != (not absent) or bool(absent and active))
    reload_needed = systemd and any(given.startswith('/etc/systemd/') for given, _path, _action in steps)

    before = ''.join('%s: %s\n' % (given, describe(path)) for given, path, _action in steps)
    if not module.check_mode:
        if absent and active:
            module.run_command(['systemctl', 'stop', params['unit']], check_rc=True)
        if absent and enabled:
            module.run_command(['systemctl', 'disable', params['unit']], check_rc=True)
        for _given, path, action in steps:
            try:
                run_step(path, action)
            except OSError as exc:
                module.fail_json(msg="%s: %s" % (path, exc), changed_paths=[s[0] for s in steps])
        if reload_needed:
            module.run_command(['systemctl', 'daemon-reload'], check_rc=True)
        if unit_changed and params['state'] == 'present':
            module.run_command(['systemctl', 'enable', params['unit']], check_rc=True)
    after = ''.join('%s: %s\n' % (given, 'absent' if action[0] == 'remove' else
                                  ('directory' if action[0] == 'dir' else '%d bytes' % len(action[2].encode('utf-8')))
                                  + ', mode %04o' % action[1]) for given, _path, action in steps)
    if unit_changed:
        before += 'unit %s: %s, %s\n' % (params['unit'], 'enabled' if enabled else 'not enabled',
                                         'active' if active else 'inactive')
        after += 'unit %s: %s\n' % (params['unit'], 'not enabled, inactive' if absent else 'enabled')
    module.exit_json(changed=bool(steps) or unit_changed, changed_paths=[s[0] for s in steps],
                     unit_changed=unit_changed, diff={'before': before, 'after': after})


if __name__ == '__main__':
    main()
