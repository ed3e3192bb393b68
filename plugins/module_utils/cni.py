# -*- coding: utf-8 -*-
# Copyright: (c) 2026, lowlat.k8snet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Invoking CNI plugins the way a container runtime does (CNI spec 0.4/1.0), and pod helpers."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import subprocess

NAME_CHARS = set('abcdefghijklmnopqrstuvwxyz0123456789-_.')


class CniError(Exception):
    """A plugin failed; carries the plugin's own error message."""


def check_pod_name(name):
    if not isinstance(name, str) or not name or len(name) > 64 or set(name.lower()) - NAME_CHARS \
            or name.startswith(('.', '-')):
        raise ValueError("pod name %r is not valid: use 1-64 letters, digits, '-', '_' or '.'" % (name,))
    return name


def plugins_of(config):
    """The ordered plugin configs of a network config or conflist, with name and cniVersion set."""
    if not isinstance(config, dict):
        raise ValueError("the CNI config must be a dict (a network config or a conflist), got %r" % (config,))
    version = config.get('cniVersion', '0.4.0')
    name = config.get('name')
    if not name:
        raise ValueError("the CNI config needs a 'name'")
    if 'plugins' in config:
        plugins = config['plugins']
        if not isinstance(plugins, list) or not plugins:
            raise ValueError("the conflist %r has no plugins" % name)
    else:
        plugins = [config]
    result = []
    for index, plugin in enumerate(plugins):
        if not isinstance(plugin, dict) or not plugin.get('type'):
            raise ValueError("plugin %d of %r has no 'type'" % (index, name))
        merged = dict(plugin)
        merged['name'] = name
        merged['cniVersion'] = version
        result.append(merged)
    return result


def invoke(command, plugin, netns_path, container_id, ifname, cni_path, prev_result=None):
    """Run one plugin with CNI_COMMAND=command; return its parsed result (or {})."""
    binary = None
    for directory in cni_path.split(':'):
        candidate = os.path.join(directory, plugin['type'])
        if os.access(candidate, os.X_OK):
            binary = candidate
            break
    if binary is None:
        raise CniError("CNI plugin %r is not in %s (Debian: apt install containernetworking-plugins)"
                       % (plugin['type'], cni_path))
    conf = dict(plugin)
    if prev_result is not None:
        conf['prevResult'] = prev_result
    env = dict(os.environ, CNI_COMMAND=command, CNI_CONTAINERID=container_id, CNI_NETNS=netns_path,
               CNI_IFNAME=ifname, CNI_PATH=cni_path)
    proc = subprocess.run([binary], input=json.dumps(conf), capture_output=True, text=True, env=env,
                          timeout=60, check=False)
    if proc.returncode != 0:
        try:
            error = json.loads(proc.stdout)
            detail = error.get('msg', '') + (': ' + error['details'] if error.get('details') else '')
        except ValueError:
            detail = (proc.stdout + proc.stderr).strip()
        raise CniError("%s %s failed: %s" % (plugin['type'], command, detail))
    if proc.stdout.strip():
        return json.loads(proc.stdout)
    return {}


def add(config, netns_path, container_id, ifname, cni_path):
    """ADD through every plugin in order, chaining prevResult; return the final result."""
    result = None
    for plugin in plugins_of(config):
        result = invoke('ADD', plugin, netns_path, container_id, ifname, cni_path, result)
    return result or {}


def delete(config, netns_path, container_id, ifname, cni_path, prev_result=None):
    """DEL through every plugin in reverse order; errors of plugins whose state is gone are kept."""
    errors = []
    for plugin in reversed(plugins_of(config)):
        try:
            invoke('DEL', plugin, netns_path, container_id, ifname, cni_path, prev_result)
        except CniError as exc:
            errors.append(str(exc))
    return errors


def addresses(result):
    """The IP addresses (CIDR form) a CNI result gives the pod."""
    return [ip.get('address') for ip in (result or {}).get('ips', []) if ip.get('address')]
