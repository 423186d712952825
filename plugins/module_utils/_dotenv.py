# -*- coding: utf-8 -*-
# Copyright: triggerdev.management contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Dotenv documents (env_file of trigger_envvar) parsed into (name, value, line) entries.

This is an internal module of the collection, not a public API: it may change in any release. No Ansible imports.
"""

import re

from ansible_collections.triggerdev.management.plugins.module_utils._errors import TriggerInputError

_WHITESPACE = re.compile(r'\s')

_DQ_ESCAPES = {'n': '\n', 'r': '\r', 't': '\t', '"': '"', '\\': '\\', '$': '$', "'": "'"}


def _after_quote(rest, lineno):
    """What follows a closing quote may only be whitespace or a comment."""
    rest = rest.strip()
    if rest and not rest.startswith('#'):
        raise TriggerInputError('env_file line %d: unexpected text after the closing quote' % lineno)


def parse_dotenv(text):
    """Parse a dotenv document into a list of (name, value, line number).

    Supported: empty lines, ``#`` comments (whole line, or after whitespace following an unquoted
    value), an optional ``export`` prefix, ``KEY=value``, single quotes (literal), double quotes
    (escapes ``\\n \\r \\t \\" \\\\ \\$``; may span lines). No variable expansion. Raises
    TriggerInputError naming the line; never includes a value in the message.
    """
    lines = text.splitlines()
    result = []
    i = 0
    while i < len(lines):
        lineno = i + 1
        line = lines[i]
        i += 1
        stripped = line.strip()
        if not stripped or stripped.startswith('#'):
            continue
        if stripped.startswith('export') and len(stripped) > 6 and stripped[6] in ' \t':
            stripped = stripped[6:].lstrip()
        if '=' not in stripped:
            raise TriggerInputError('env_file line %d: expected KEY=VALUE' % lineno)
        key, _sep, raw = stripped.partition('=')
        key = key.strip()
        if not key or _WHITESPACE.search(key):
            raise TriggerInputError('env_file line %d: the name %s' % (lineno, 'is empty' if not key else 'contains whitespace'))
        raw = raw.lstrip()
        if raw.startswith("'"):
            end = raw.find("'", 1)
            parts = [raw[1:]] if end < 0 else None
            if end >= 0:
                value = raw[1:end]
                _after_quote(raw[end + 1:], lineno)
            else:
                # multi-line single-quoted value
                while i < len(lines):
                    nxt = lines[i]
                    i += 1
                    end = nxt.find("'")
                    if end >= 0:
                        parts.append(nxt[:end])
                        _after_quote(nxt[end + 1:], i)
                        break
                    parts.append(nxt)
                else:
                    raise TriggerInputError('env_file line %d: the single quote is never closed' % lineno)
                value = '\n'.join(parts)
        elif raw.startswith('"'):
            value, i = _parse_double_quoted(raw[1:], lines, i, lineno)
        else:
            match = re.search(r'\s#', raw)
            value = (raw[:match.start()] if match else raw).strip()
            if value.startswith('#'):
                value = ''
        result.append((key, value, lineno))
    return result


def _parse_double_quoted(rest, lines, i, lineno):
    out = []
    while True:
        j = 0
        while j < len(rest):
            ch = rest[j]
            if ch == '\\' and j + 1 < len(rest):
                nxt = rest[j + 1]
                out.append(_DQ_ESCAPES.get(nxt, '\\' + nxt))
                j += 2
                continue
            if ch == '"':
                _after_quote(rest[j + 1:], i)
                return ''.join(out), i
            out.append(ch)
            j += 1
        if i >= len(lines):
            raise TriggerInputError('env_file line %d: the double quote is never closed' % lineno)
        out.append('\n')
        rest = lines[i]
        i += 1
