# -*- coding: utf-8 -*-
# Copyright: triggerdev.management contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Environment variables: input validation, dotenv parsing, planning (pure) and the API calls.

No Ansible imports: used by trigger_envvar, trigger_envvar_info, the envvar lookup and tests.

Planning is a pure function (``plan``) of the declared variables, the current listing, the
resolved (real) values when they were read, and, on a preview branch, the parent's listing.
``EnvVarService`` does the I/O around it: one list request, the resolved-values request only
when a secret has to be compared, the parent listing only on a branch when ownership matters,
at most two ``import`` calls (see Plan.imports) and one DELETE per removed variable.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

from ansible_collections.triggerdev.management.plugins.module_utils._client import (
    AUTH_ANY,
    AUTH_SECRET_KEY,
    TriggerAPIError,
    TriggerAuthError,
    TriggerError,
    TriggerNotFound,
    encode_path,
)

# Names the API refuses or silently drops (docs/dev/protocol.md#envvars) and the prefix purge never touches.
RESERVED_NAMES = ('TRIGGER_SECRET_KEY', 'TRIGGER_API_URL')
SYSTEM_PREFIX = 'TRIGGER_'
REDACTED = '<redacted>'
HIDDEN = '<secret>'
HIDDEN_CHANGED = '<secret, new value>'
UPDATE_SECRETS_CHOICES = ('when_changed', 'always', 'on_create')
VALUE_NOT_FOUND = 'Environment variable value not found'

_WHITESPACE = re.compile(r'\s')


class EnvVarInputError(ValueError):
    """Bad input, detected before any request."""


class Variable:
    """A variable as declared (``value`` real) or as listed (``value`` may be REDACTED)."""

    __slots__ = ('name', 'value', 'secret', 'line')

    def __init__(self, name, value, secret=False, line=None):
        self.name = name
        self.value = value
        self.secret = bool(secret)
        self.line = line

    def __eq__(self, other):
        return isinstance(other, Variable) and (self.name, self.value, self.secret) == (other.name, other.value, other.secret)

    def __ne__(self, other):
        return not self == other

    def __hash__(self):
        return hash((self.name, self.value, self.secret))

    def __repr__(self):
        # Never show a value: reprs end up in tracebacks.
        return 'Variable(%r, secret=%r)' % (self.name, self.secret)


# ---------------------------------------------------------------------------------------- validation

def name_problem(name):
    """Why the API would reject or drop ``name``, or None if it is fine."""
    if not isinstance(name, str) or not name.strip():
        return 'the name is empty'
    if name in RESERVED_NAMES:
        return '%s is reserved: the API never stores it (it refuses or silently drops it)' % name
    if '=' in name:
        return "the name contains '='"
    if _WHITESPACE.search(name):
        return 'the name contains whitespace'
    return None


def _where(var, index, source):
    if var.line is not None:
        return '%s line %d' % (source, var.line)
    if index is None:
        return source
    return '%s[%d]' % (source, index)


def validate(variables, require_values=True, source='variables', indexed=True):
    """Check declared variables; raise EnvVarInputError naming every problem (never a value).

    ``variables`` is a list of Variable. ``require_values`` is False for ``state: absent``.
    ``source`` names the option in messages; ``indexed`` adds ``[i]`` (lists) unless a line is known.
    """
    problems = []
    seen = {}
    for index, var in enumerate(variables):
        # Messages name the variable, not its position, where they can: Ansible masks every no_log value
        # in the output, so a position like [1] turns into [********] when some value is "1".
        line = 'env_file line %d: ' % var.line if var.line is not None else ''
        problem = name_problem(var.name)
        if problem:
            problems.append('%s: %s' % (_where(var, index if indexed else None, source), problem))
            continue
        if var.name in seen:
            first = seen[var.name]
            if var.line is not None and first.line is not None:
                problems.append('%s is declared more than once (env_file lines %d and %d)' % (var.name, first.line, var.line))
            else:
                problems.append('%s is declared more than once in %s' % (var.name, source))
            continue
        seen[var.name] = var
        if require_values:
            if var.value is None:
                problems.append('%s%s has no value' % (line, var.name))
            elif not isinstance(var.value, str) or not var.value.strip():
                problems.append('%s%s has an empty or whitespace-only value (the API would silently ignore it; '
                                'use state=absent to remove a variable)' % (line, var.name))
    if problems:
        raise EnvVarInputError('Invalid environment variables: ' + '; '.join(problems) + '.')
    return variables


# ---------------------------------------------------------------------------------------- dotenv

_DQ_ESCAPES = {'n': '\n', 'r': '\r', 't': '\t', '"': '"', '\\': '\\', '$': '$', "'": "'"}


def _after_quote(rest, lineno):
    """What follows a closing quote may only be whitespace or a comment."""
    rest = rest.strip()
    if rest and not rest.startswith('#'):
        raise EnvVarInputError('env_file line %d: unexpected text after the closing quote' % lineno)


def parse_dotenv(text):
    """Parse a dotenv document into a list of Variable (``line`` set, ``secret`` False).

    Supported: empty lines, ``#`` comments (whole line, or after whitespace following an unquoted
    value), an optional ``export`` prefix, ``KEY=value``, single quotes (literal), double quotes
    (escapes ``\\n \\r \\t \\" \\\\ \\$``; may span lines). No variable expansion. Raises
    EnvVarInputError naming the line; never includes a value in the message.
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
            raise EnvVarInputError('env_file line %d: expected KEY=VALUE' % lineno)
        key, _sep, raw = stripped.partition('=')
        key = key.strip()
        problem = name_problem(key) if key not in RESERVED_NAMES else None
        if problem:
            raise EnvVarInputError('env_file line %d: %s' % (lineno, problem))
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
                    raise EnvVarInputError('env_file line %d: the single quote is never closed' % lineno)
                value = '\n'.join(parts)
        elif raw.startswith('"'):
            value, i = _parse_double_quoted(raw[1:], lines, i, lineno)
        else:
            match = re.search(r'\s#', raw)
            value = (raw[:match.start()] if match else raw).strip()
            if value.startswith('#'):
                value = ''
        result.append(Variable(key, value, False, line=lineno))
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
            raise EnvVarInputError('env_file line %d: the double quote is never closed' % lineno)
        out.append('\n')
        rest = lines[i]
        i += 1


# ---------------------------------------------------------------------------------------- planning

class Plan:
    """The outcome of ``plan``: names per category, the writes to send, and a value-safe diff."""

    def __init__(self):
        self.added = []
        self.updated = []
        self.removed = []
        self.untouched = []
        self.inherited = []
        self.writes = {True: {}, False: {}}   # declared isSecret -> {name: value}
        self.flag_changes = set()             # writes that must carry their isSecret (new secret, flag flip)
        self.deletes = []
        self.probe = []                       # deletes whose ownership is unknown (branch, no parent listing)
        self.before = {}
        self.after = {}

    @property
    def changed(self):
        return bool(self.added or self.updated or self.removed)

    def imports(self):
        """The import calls to send: a list of (isSecret or None, {name: value}), at most two.

        Values whose secret flag stays as it is can go in one call without ``isSecret`` (the API then
        keeps an existing variable's flag and creates a new one as plain), so a change of secret and
        plain values together is one call. ``isSecret`` is sent whenever a flag must be set: a new
        secret, or a flag that changes; then there is one call per flag.
        """
        groups = [(flag, dict(self.writes[flag])) for flag in (False, True) if self.writes[flag]]
        if len(groups) == 2 and not self.flag_changes:
            merged = dict(groups[0][1])
            merged.update(groups[1][1])
            return [(None, merged)]
        return groups

    def result(self):
        return dict(added=sorted(self.added), updated=sorted(self.updated), removed=sorted(self.removed),
                    untouched=sorted(self.untouched), inherited=sorted(self.inherited))


def branch_owns(current, parent_entry):
    """On a preview branch, whether a listed entry is the branch's own value.

    The branch listing is the parent's values overlaid by the branch's own. An entry is the
    branch's own when the parent does not list the name, or the parent lists it with another
    value or secret flag. An entry identical to the parent's (same plain value and flag, or
    secret on both sides, where both read back redacted) cannot be told apart from inheritance.
    """
    if parent_entry is None:
        return True
    return (current.value, current.secret) != (parent_entry.value, parent_entry.secret)


def effective_secret(desired, parent):
    """The flag the listing will show for a declared variable (on a branch, secret in the parent wins)."""
    if parent is not None and desired.name in parent and parent[desired.name].secret:
        return True
    return desired.secret


def _needs_value(desired, current, update_secrets, parent):
    """Whether deciding on ``desired`` needs its real (resolved) current value."""
    cur = current.get(desired.name)
    if cur is None or not cur.secret:
        return False
    if cur.secret != effective_secret(desired, parent):
        return False
    if desired.secret and update_secrets != 'when_changed':
        return False
    return True


def secrets_to_compare(desired, current, update_secrets='when_changed', parent=None):
    """Names whose real current value is needed (the listing shows them redacted)."""
    return sorted(d.name for d in desired if _needs_value(d, current, update_secrets, parent))


def _shown(value, secret, changed=False):
    if secret:
        return HIDDEN_CHANGED if changed else HIDDEN
    return value


def plan(desired, current, state='present', purge=False, update_secrets='when_changed', resolved=None,
         parent=None, on_branch=False):
    """Compute what to do. Pure: no I/O.

    desired:   list of Variable (validated; values ignored with state=absent)
    current:   {name: Variable} from the listing (secret values REDACTED)
    resolved:  {name: real value} from the resolved-values endpoint, or None when it was not read
               or is unavailable (then secrets that would need it are written: update_secrets=always)
    parent:    on a preview branch, {name: Variable} of the parent listing, or None if unknown
    on_branch: the target is a preview branch (ownership matters for deletes)
    """
    if update_secrets not in UPDATE_SECRETS_CHOICES:
        raise ValueError('update_secrets must be one of %s' % ', '.join(UPDATE_SECRETS_CHOICES))
    p = Plan()
    declared = set(d.name for d in desired)

    def remove(name):
        cur = current[name]
        if on_branch and parent is not None and not branch_owns(cur, parent.get(name)):
            p.inherited.append(name)
            return
        p.removed.append(name)
        p.deletes.append(name)
        if on_branch and parent is None:
            p.probe.append(name)
        p.before[name] = {'value': _shown(cur.value, cur.secret), 'secret': cur.secret}

    if state == 'absent':
        for d in desired:
            if d.name in current:
                remove(d.name)
            else:
                p.untouched.append(d.name)
        return p

    for d in desired:
        cur = current.get(d.name)
        write_value = d.value
        if cur is None:
            p.added.append(d.name)
            p.after[d.name] = {'value': _shown(d.value, d.secret), 'secret': d.secret}
            p.writes[d.secret][d.name] = d.value
            if d.secret:
                p.flag_changes.add(d.name)
            continue
        if d.secret and update_secrets == 'on_create':
            if cur.secret:
                p.untouched.append(d.name)
                continue
            # exists as a plain variable: only the flag changes, its value is kept
            write_value = cur.value
        if cur.secret != effective_secret(d, parent):
            change = True
        elif not cur.secret:
            change = cur.value != write_value
        elif d.secret and update_secrets == 'always':
            change = True
        elif resolved is None or d.name not in resolved:
            change = True   # cannot compare: behave as update_secrets=always
        else:
            change = resolved[d.name] != d.value
        if not change:
            p.untouched.append(d.name)
            continue
        p.updated.append(d.name)
        hide = cur.secret or d.secret
        p.before[d.name] = {'value': _shown(cur.value, hide), 'secret': cur.secret}
        p.after[d.name] = {'value': _shown(write_value, hide, changed=True), 'secret': d.secret}
        p.writes[d.secret][d.name] = write_value
        if cur.secret != d.secret:
            p.flag_changes.add(d.name)

    if purge:
        for name in sorted(current):
            if name in declared or name.startswith(SYSTEM_PREFIX):
                continue
            remove(name)
    return p


# ---------------------------------------------------------------------------------------- API

def _listing(body):
    result = {}
    for item in body or []:
        if isinstance(item, dict) and isinstance(item.get('name'), str):
            secret = bool(item.get('isSecret'))
            value = item.get('value')
            result[item['name']] = Variable(item['name'], REDACTED if secret else value, secret)
    return result


def _already_absent(exc):
    if isinstance(exc, TriggerNotFound):
        return True
    return isinstance(exc, TriggerAPIError) and exc.status == 400 and exc.api_message == VALUE_NOT_FOUND


class EnvVarService:
    """Env-var calls for the client's target (project, environment, optional preview branch)."""

    def __init__(self, client):
        self.client = client
        self.written = []   # names written so far by sync (to report a partial failure)
        self.deleted = []

    def progress(self):
        """What sync already did, for an error message (names only), or None."""
        if not self.written and not self.deleted:
            return None
        return 'Partly applied before the error: written %s; removed %s' % (
            ', '.join(self.written) or 'none', ', '.join(self.deleted) or 'none')

    @property
    def on_branch(self):
        return self.client.environment == 'preview' and bool(self.client.branch)

    def list(self):
        """{name: Variable} of the target (on a branch: the merged parent + branch view)."""
        return _listing(self.client.request('GET', self.client.envvars_path(), auth=AUTH_ANY))

    def parent_listing_available(self):
        """The preview parent can be listed only with an access token (a preview key needs a branch)."""
        return self.on_branch and self.client.credential.is_access_token

    def list_parent(self):
        """{name: Variable} of the preview parent: same slug, no x-trigger-branch header."""
        return _listing(self.client.request('GET', self.client.envvars_path(), auth=AUTH_ANY, branch=False))

    def resolved(self):
        """{name: real value} of the target from the resolved-values endpoint, or None if unavailable.

        Secret-key only: an access token goes through the environment's resolved secret key. On a
        branch the x-trigger-branch header is sent. 401/403/404 (and a key that cannot be
        resolved) mean unavailable.
        """
        client = self.client
        path = encode_path('api', 'v1', 'projects', client.require_project_ref(), 'envvars')
        try:
            body = client.request('GET', path, auth=AUTH_SECRET_KEY)
        except (TriggerAuthError, TriggerNotFound):
            return None
        except TriggerAPIError:
            raise
        except TriggerError as exc:
            if exc.__class__ is TriggerError:   # the secret key could not be resolved
                return None
            raise
        variables = body.get('variables') if isinstance(body, dict) else None
        if not isinstance(variables, dict):
            return None
        return dict((k, v) for k, v in variables.items() if isinstance(v, str))

    def import_variables(self, variables, secret):
        """One import call, override true, with the given secret flag (None: not sent) for all of them."""
        if not variables:
            return
        body = {'variables': variables, 'override': True}
        if secret is not None:
            body['isSecret'] = bool(secret)
        self.client.request('POST', self.client.envvars_path('import'), auth=AUTH_ANY, json_body=body)

    def delete(self, name):
        """Delete one variable; False when it was already absent (404, or 400 value not found)."""
        try:
            self.client.request('DELETE', self.client.envvars_path(name), auth=AUTH_ANY, retry_not_found=False)
        except TriggerAPIError as exc:
            if _already_absent(exc):
                return False
            raise
        return True

    # ------------------------------------------------------------------ the whole sync

    def sync(self, desired, state='present', purge=False, update_secrets='when_changed', check_mode=False, warn=None):
        """Read, plan and (unless check_mode) write. Returns the Plan (after execution)."""
        warn = warn or (lambda msg: None)
        current = self.list()
        parent = None
        if self.on_branch:
            needs_parent = purge or state == 'absent' or any(
                d.name in current and current[d.name].secret and not d.secret for d in desired)
            if needs_parent:
                if self.parent_listing_available():
                    parent = self.list_parent()
                elif purge or state == 'absent':
                    warn('The preview parent environment cannot be listed with a preview secret key, so the module '
                         'cannot tell the branch\'s own values from inherited ones beforehand: it sends a DELETE for '
                         'each candidate and the API removes only the branch\'s own values (inherited ones answer '
                         '"value not found"). Use an access token to avoid these requests.')
        resolved = None
        if state == 'present':
            names = secrets_to_compare(desired, current, update_secrets, parent)
            if names:
                resolved = self.resolved()
                if resolved is None:
                    warn('The resolved-values endpoint (GET /api/v1/projects/{ref}/envvars) is not available with this '
                         'credential, so secret values cannot be compared: the secret variables %s are written as with '
                         'update_secrets=always.' % ', '.join(names))
        result = plan(desired, current, state=state, purge=purge, update_secrets=update_secrets, resolved=resolved,
                      parent=parent, on_branch=self.on_branch)
        if check_mode:
            return result
        for secret, variables in result.imports():
            self.import_variables(variables, secret)
            self.written.extend(sorted(variables))
        for name in list(result.deletes):
            deleted = self.delete(name)
            self.deleted.append(name)
            if not deleted:
                result.removed.remove(name)
                result.before.pop(name, None)
                (result.inherited if name in result.probe else result.untouched).append(name)
        return result


def read_values(client, names):
    """Values of ``names`` for the lookup: {name: value} (missing names absent).

    Plain values come from the listing; secret ones through the resolved-values endpoint.
    Raises TriggerError when a secret one cannot be read.
    """
    service = EnvVarService(client)
    current = service.list()
    found = dict((n, current[n]) for n in names if n in current)
    values = dict((n, v.value) for n, v in found.items() if not v.secret)
    secret_names = sorted(n for n, v in found.items() if v.secret)
    if secret_names:
        resolved = service.resolved()
        if resolved is None:
            raise TriggerError('The secret variables %s cannot be read: the resolved-values endpoint is not available '
                               'with this credential (it needs a secret key, or an access token allowed to read the '
                               "environment's API key)." % ', '.join(secret_names))
        for n in secret_names:
            if n in resolved:
                values[n] = resolved[n]
    return values
