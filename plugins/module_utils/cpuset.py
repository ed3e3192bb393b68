# -*- coding: utf-8 -*-
# Copyright: (c) 2026, lowlat.k8snet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""CPU sets: kernel list syntax and kernel bitmap masks, both directions.

Pure functions, no I/O.  A CPU set is handled internally as a Python int
bitmap (bit N = CPU N), which makes comparisons exact whatever width or
padding the kernel printed.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

_RANGE_RE = re.compile(r'^(\d+)(?:-(\d+)(?::(\d+)/(\d+))?)?$')
_HEX_WORD_RE = re.compile(r'^[0-9a-fA-F]{1,8}$')
_INT_TYPES = (int,)


class CpuSetError(ValueError):
    """Raised for a CPU list or mask that cannot be understood or used."""


def _is_int(value):
    return isinstance(value, _INT_TYPES) and not isinstance(value, bool)


def to_bits(cpus, what='CPU list'):
    """Return the bitmap (int) for a CPU list string, an iterable of ints, or an int bitmap.

    Accepted strings follow the kernel's list syntax: ``1-8,10-17``, single
    CPUs, ranges and the ``A-B:used/group`` stride form.  The empty string
    means no CPU.  A YAML boolean is rejected with an explanation, because
    ``on``/``off`` in YAML silently become True/False.
    """
    if isinstance(cpus, bool):
        raise CpuSetError(
            "%s got the boolean %r (YAML reads on/off/yes/no as booleans); "
            "write a CPU list such as '1-8,10-17', a list of CPU numbers, or '' for none"
            % (what, cpus))
    if cpus is None:
        return 0
    if _is_int(cpus):
        if cpus < 0:
            raise CpuSetError("%s got the negative bitmap %d" % (what, cpus))
        return cpus
    if isinstance(cpus, str):
        return _parse_list_string(cpus, what)
    try:
        items = list(cpus)
    except TypeError:
        raise CpuSetError("%s got %r of type %s; expected a CPU list string such as '1-8,10-17' "
                          "or a list of CPU numbers" % (what, cpus, type(cpus).__name__))
    bits = 0
    for item in items:
        if isinstance(item, str) and item.strip().isdigit():
            item = int(item.strip())
        if not _is_int(item) or item < 0:
            raise CpuSetError("%s contains %r; CPU numbers are integers >= 0" % (what, item))
        bits |= 1 << item
    return bits


def _parse_list_string(text, what):
    text = text.strip()
    if text == '':
        return 0
    bits = 0
    for part in text.split(','):
        part = part.strip()
        match = _RANGE_RE.match(part)
        if not match:
            raise CpuSetError("%s %r: %r is not a CPU number or range; valid examples: "
                              "'3', '1-8,10-17', '0-31:2/4'" % (what, text, part))
        first = int(match.group(1))
        last = int(match.group(2)) if match.group(2) is not None else first
        if last < first:
            raise CpuSetError("%s %r: range %r ends before it starts" % (what, text, part))
        if match.group(3) is not None:
            used, group = int(match.group(3)), int(match.group(4))
            if group == 0 or used == 0 or used > group:
                raise CpuSetError("%s %r: stride %r needs 0 < used <= group" % (what, text, part))
            for start in range(first, last + 1, group):
                for cpu in range(start, min(start + used, last + 1)):
                    bits |= 1 << cpu
        else:
            bits |= ((1 << (last - first + 1)) - 1) << first
    return bits


_BYTE_BITS = tuple(tuple(i for i in range(8) if byte >> i & 1) for byte in range(256))


_NONZERO_BYTE = re.compile(b'[^\x00]')


def bits_to_list(bits):
    """Return the sorted CPU numbers set in a bitmap."""
    if not bits:
        return []
    cpus = []
    # a core's two or four threads: peel the lowest bits off rather than walk every byte below them
    for _peel in range(4):
        low = bits & -bits
        cpus.append(low.bit_length() - 1)
        bits ^= low
        if not bits:
            return cpus
    data = bits.to_bytes((bits.bit_length() + 7) // 8, 'little')
    # only the bytes with a CPU in them (a big host's sets are sparse: two siblings in 8192 bits)
    for match in _NONZERO_BYTE.finditer(data):
        index = match.start()
        base = index * 8
        cpus.extend([base + i for i in _BYTE_BITS[data[index]]])
    return cpus


def format_list(cpus):
    """Canonical kernel list string (``1-8,10-17``) for a bitmap, list or list string."""
    if isinstance(cpus, (list, tuple)) and all(_is_int(cpu) and cpu >= 0 for cpu in cpus):
        return format_sorted(sorted(set(cpus)))   # a short list: no bitmap as wide as the host
    return format_sorted(bits_to_list(to_bits(cpus)))


def format_sorted(ordered):
    """Kernel list string for CPU numbers already sorted and distinct."""
    parts = []
    start = prev = None
    for cpu in ordered:
        if prev is not None and cpu == prev + 1:
            prev = cpu
            continue
        if start is not None:
            parts.append(_span(start, prev))
        start = prev = cpu
    if start is not None:
        parts.append(_span(start, prev))
    return ','.join(parts)


def _span(first, last):
    return str(first) if first == last else '%d-%d' % (first, last)


def parse_list(cpus, what='CPU list'):
    """Sorted list of CPU numbers for a list string or iterable."""
    return bits_to_list(to_bits(cpus, what))


def mask_words(possible):
    """Number of 32-bit words the kernel accepts for a mask on a host with ``possible`` CPUs."""
    if not _is_int(possible) or possible < 1:
        raise CpuSetError("possible CPU count must be an integer >= 1, got %r" % (possible,))
    return (possible + 31) // 32


def format_mask(cpus, possible):
    """Kernel mask string exactly ceil(possible/32) words wide, most significant word first.

    Kernels >= 5.6 reject masks with more words than that (EOVERFLOW), and
    bits at or above ``possible``, so both are checked here.
    """
    bits = to_bits(cpus)
    words = mask_words(possible)
    if bits >> possible:
        too_high = [cpu for cpu in bits_to_list(bits) if cpu >= possible]
        raise CpuSetError("CPU %s does not exist on a host with %d possible CPUs (valid: 0-%d)"
                          % (format_list(too_high), possible, possible - 1))
    # big-endian bytes, a comma every 4 bytes (32 bits) counted from the right
    return bits.to_bytes(words * 4, 'big').hex(',', 4)


def parse_mask(mask, what='CPU mask'):
    """Bitmap (int) of any mask the kernel prints or accepts: ``0,0003fdfe``, ``f,ffffffff``, ``201``."""
    if isinstance(mask, bool) or not isinstance(mask, str):
        raise CpuSetError("%s must be a hex mask string such as '00000000,0003fdfe', got %r" % (what, mask))
    text = mask.strip()
    if text.startswith(('0x', '0X')):
        text = text[2:]
    if text == '':
        return 0
    bits = 0
    for word in text.split(','):
        word = word.strip()
        if not _HEX_WORD_RE.match(word):
            raise CpuSetError("%s %r: %r is not a word of 1 to 8 hex digits" % (what, mask, word))
        bits = (bits << 32) | int(word, 16)
    return bits


def mask_to_list(mask):
    """Canonical list string for a kernel mask string (empty string for no CPU)."""
    return format_list(parse_mask(mask))


def next_power_of_two(value):
    """Smallest power of two >= value (0 stays 0), as the kernel rounds RFS table sizes."""
    if value <= 0:
        return 0
    return 1 << (int(value) - 1).bit_length()
