# -*- coding: utf-8 -*-
# Copyright: triggerdev.management contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Environment variables (docs/dev/protocol.md#envvars): validation, the pure planner, the routes and operations.

This is an internal module of the collection, not a public API: it may change in any release. No Ansible imports:
used by trigger_envvar, trigger_envvar_info, the envvar lookup and tests.

Planning is a pure function (``plan``) of the declared variables, the current listing, the resolved (real) values
when they were read, and, on a preview branch, the parent's listing. ``EnvVarSync`` does the I/O around it: one
list request, the resolved-values request only when a secret has to be compared, the parent listing only on a
branch when ownership matters, at most two ``import`` calls (see EnvVarPlan.imports) and one DELETE per removed
variable.
"""

import re

from ansible_collections.triggerdev.management.plugins.module_utils._base import Operation
from ansible_collections.triggerdev.management.plugins.module_utils._client import AUTH_ANY, AUTH_SECRET_KEY, encode_path
from ansible_collections.triggerdev.management.plugins.module_utils._dotenv import parse_dotenv
from ansible_collections.triggerdev.management.plugins.module_utils._errors import (
    TriggerAPIError,
    TriggerAuthError,
    TriggerError,
    TriggerInputError,
    TriggerKeyUnavailable,
    TriggerNotFound,
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


class Variable:
    """A variable as declared (``value`` real) or as listed (``value`` may be REDACTED).

    ``keep_value`` (declared secrets only, the form an export writes): the variable must exist and keeps the value it
    has; only its secret flag is managed."""

    __slots__ = ('name', 'value', 'secret', 'line', 'keep_value')

    def __init__(self, name, value, secret=False, line=None, keep_value=False):
        self.name = name
        self.value = value
        self.secret = bool(secret)
        self.line = line
        self.keep_value = bool(keep_value)

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
    """Check declared variables; raise TriggerInputError naming every problem (never a value).

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
        if var.keep_value:
            if var.value is not None or not var.secret:
                problems.append('%s: keep_value is for a secret whose live value is kept: give secret=true and no value'
                                % var.name)
            continue
        if require_values:
            if var.value is None:
                problems.append('%s%s has no value' % (line, var.name))
            elif not isinstance(var.value, str) or not var.value.strip():
                problems.append('%s%s has an empty or whitespace-only value (the API would silently ignore it; '
                                'use state=absent to remove a variable)' % (line, var.name))
    if problems:
        raise TriggerInputError('Invalid environment variables: ' + '; '.join(problems) + '.')
    return variables


# ---------------------------------------------------------------------------------------- planning

class EnvVarPlan:
    """The result of ``plan``: names per category, the writes to send, and a value-safe diff."""

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
    if cur is None or not cur.secret or desired.keep_value:
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
    p = EnvVarPlan()
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

    missing = [d.name for d in desired if d.keep_value and d.name not in current]
    if missing:
        raise TriggerInputError('%s: keep_value keeps the live value of a secret, but the environment has no such variable; '
                                'give its value to create it.' % ', '.join(sorted(missing)))
    for d in desired:
        cur = current.get(d.name)
        write_value = d.value
        if d.keep_value:
            if cur.secret:
                p.untouched.append(d.name)
                continue
            write_value = cur.value  # a plain variable becomes secret with the value it has
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


class EnvVarAPI:
    """The env-var routes of the client's target (project, environment, optional preview branch)."""

    def __init__(self, client):
        self.client = client

    def path(self, *extra):
        client = self.client
        return encode_path('api', 'v1', 'projects', client.require_project_ref(), 'envvars', client.require_environment(), *extra)

    @property
    def on_branch(self):
        return self.client.environment == 'preview' and bool(self.client.branch)

    def list(self):
        """{name: Variable} of the target (on a branch: the merged parent + branch view)."""
        return _listing(self.client.request('GET', self.path(), auth=AUTH_ANY))

    def parent_listing_available(self):
        """The preview parent can be listed only with an access token (a preview key needs a branch)."""
        return self.on_branch and self.client.credential.is_access_token

    def list_parent(self):
        """{name: Variable} of the preview parent: same slug, no x-trigger-branch header."""
        return _listing(self.client.request('GET', self.path(), auth=AUTH_ANY, branch=False))

    def resolved(self):
        """{name: real value} of the target from the resolved-values endpoint, or None if unavailable.

        Secret-key only: an access token goes through the environment's resolved secret key. On a branch the
        x-trigger-branch header is sent. 401/403/404, and a key that cannot be obtained, mean unavailable.
        """
        path = encode_path('api', 'v1', 'projects', self.client.require_project_ref(), 'envvars')
        try:
            body = self.client.request('GET', path, auth=AUTH_SECRET_KEY)
        except (TriggerAuthError, TriggerNotFound, TriggerKeyUnavailable):
            return None
        variables = body.get('variables') if isinstance(body, dict) else None
        if not isinstance(variables, dict):
            return None
        return dict((k, v) for k, v in variables.items() if isinstance(v, str))

    def import_variables(self, variables, secret):
        """One import call, override true, with the given secret flag (None: not sent) for all of them."""
        body = {'variables': variables, 'override': True}
        if secret is not None:
            body['isSecret'] = bool(secret)
        self.client.request('POST', self.path('import'), auth=AUTH_ANY, json_body=body)

    def delete(self, name):
        """Delete one variable; False when it was already absent (404, or 400 value not found)."""
        try:
            self.client.request('DELETE', self.path(name), auth=AUTH_ANY, retry_not_found=False)
        except TriggerAPIError as exc:
            if _already_absent(exc):
                return False
            raise
        return True


def declared_variables(name=None, value=None, secret=False, names=None, variables=None, env_file=None, present=True):
    """The Variable list one of the module's forms declares, validated (TriggerInputError before any request)."""
    if name is not None:
        items, source, indexed = [Variable(name, value, secret)], 'name', False
    elif names is not None:
        if present:
            raise TriggerInputError('names is only used with state=absent; use name/value, variables or env_file to set variables.')
        items, source, indexed = [Variable(n, None) for n in names], 'names', True
    elif variables is not None:
        items = [Variable(v['name'], v.get('value'), secret if v.get('secret') is None else v['secret'], keep_value=v.get('keep_value'))
                 for v in variables]
        source, indexed = 'variables', True
    else:
        try:
            with open(env_file, 'rb') as handle:
                text = handle.read().decode('utf-8')
        except (IOError, OSError) as exc:
            raise TriggerInputError('env_file %s cannot be read: %s' % (env_file, exc.strerror or exc))
        except UnicodeDecodeError:
            raise TriggerInputError('env_file %s is not UTF-8 text' % env_file)
        items = [Variable(key, val, secret, line=line) for key, val, line in parse_dotenv(text)]
        source, indexed = 'env_file', False
    return validate(items, require_values=present, source=source, indexed=indexed)


class EnvVarSync(Operation):
    """trigger_envvar: bring the declared variables of one environment (or preview branch) to ``state``."""

    resource_key = 'variables'

    def __init__(self, client, check_mode, desired, state='present', purge=False, update_secrets='when_changed'):
        super().__init__(client, check_mode)
        if purge and state != 'present':
            raise TriggerInputError('purge is only used with state=present.')
        self.api = EnvVarAPI(client)
        self.desired = desired
        self.secrets.extend(var.value for var in desired if var.secret and var.value)
        self.state = state
        self.purge = purge
        self.update_secrets = update_secrets

    def _parent(self, current):
        """On a branch, the parent's listing when ownership matters and it can be read, else None."""
        if not self.api.on_branch:
            return None
        needs_parent = self.purge or self.state == 'absent' or any(
            d.name in current and current[d.name].secret and not d.secret for d in self.desired)
        if not needs_parent:
            return None
        if self.api.parent_listing_available():
            return self.api.list_parent()
        if self.purge or self.state == 'absent':
            self.warn('The preview parent environment cannot be listed with a preview secret key, so the module cannot '
                      'tell the branch\'s own values from inherited ones beforehand: it sends a DELETE for each candidate '
                      'and the API removes only the branch\'s own values (inherited ones answer "value not found"). '
                      'Use an access token to avoid these requests.')
        return None

    def _resolved(self, current, parent):
        names = secrets_to_compare(self.desired, current, self.update_secrets, parent) if self.state == 'present' else []
        if not names:
            return None
        resolved = self.api.resolved()
        if resolved is None:
            self.warn('The resolved-values endpoint (GET /api/v1/projects/{ref}/envvars) is not available with this '
                      'credential, so secret values cannot be compared: the secret variables %s are written as with '
                      'update_secrets=always.' % ', '.join(names))
        return resolved

    def run(self):
        current = self.api.list()
        parent = self._parent(current)
        result = plan(self.desired, current, state=self.state, purge=self.purge, update_secrets=self.update_secrets,
                      resolved=self._resolved(current, parent), parent=parent, on_branch=self.api.on_branch)
        for secret, variables in result.imports():
            self.write('write %s' % ', '.join(sorted(variables)), self.api.import_variables, variables, secret)
        for name in list(result.deletes):
            if self.write('delete %s' % name, self.api.delete, name) is False:
                result.removed.remove(name)
                result.before.pop(name, None)
                (result.inherited if name in result.probe else result.untouched).append(name)
        self.outcome.changed = result.changed
        return self.finish(self._declared_after(current, parent, result), result.before, result.after, **result.result())

    def _declared_after(self, current, parent, result):
        """The declared variables as they are after the run: name, secret flag, present (never a value)."""
        after = []
        for var in self.desired:
            if self.state == 'present':
                after.append({'name': var.name, 'secret': effective_secret(var, parent), 'present': True})
            else:
                listed = current.get(var.name)
                after.append({'name': var.name, 'secret': bool(listed and listed.secret), 'present': var.name in result.inherited})
        return sorted(after, key=lambda v: v['name'])


class EnvVarRead(Operation):
    """trigger_envvar_info: the variables of one environment (or preview branch), all or the named ones."""

    resource_key = 'variables'
    reports_actions = False

    def __init__(self, client, check_mode=False, names=None):
        super().__init__(client, check_mode)
        self.names = names

    def run(self):
        current = EnvVarAPI(self.client).list()
        if self.names is not None:
            missing = [n for n in self.names if n not in current]
            if missing:
                raise TriggerInputError('These environment variables do not exist in the %s environment%s: %s.' % (
                    self.client.environment, ' (branch %s)' % self.client.branch if self.client.branch else '', ', '.join(missing)))
            selected = sorted(set(self.names))
        else:
            selected = sorted(current)
        return self.finish([dict(name=n, value=current[n].value, secret=current[n].secret) for n in selected],
                           declaration=[declaration_item(current[n]) for n in selected])


def declaration_item(var):
    """A listed variable in the form trigger_envvar's ``variables`` takes; a secret keeps its live value (never shown)."""
    if var.secret:
        return {'name': var.name, 'secret': True, 'keep_value': True}
    return {'name': var.name, 'value': var.value, 'secret': False}


def read_values(client, names):
    """Values of ``names`` for the lookup: {name: value} (missing names absent).

    Plain values come from the listing; secret ones through the resolved-values endpoint.
    Raises TriggerError when a secret one cannot be read.
    """
    api = EnvVarAPI(client)
    current = api.list()
    found = dict((n, current[n]) for n in names if n in current)
    values = dict((n, v.value) for n, v in found.items() if not v.secret)
    secret_names = sorted(n for n, v in found.items() if v.secret)
    if secret_names:
        resolved = api.resolved()
        if resolved is None:
            raise TriggerError('The secret variables %s cannot be read: the resolved-values endpoint is not available '
                               'with this credential (it needs a secret key, or an access token allowed to read the '
                               "environment's API key)." % ', '.join(secret_names))
        for n in secret_names:
            if n in resolved:
                values[n] = resolved[n]
    return values
