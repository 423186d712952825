# -*- coding: utf-8 -*-
# Copyright: triggerdev.management contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""module_utils/envvars.py: validation, dotenv parsing, the pure planner and the API calls (mocked HTTP)."""

import json

import pytest
import responses
from hypothesis import given, settings
from hypothesis import strategies as st

from ansible_collections.triggerdev.management.plugins.module_utils._client import TriggerClient
from ansible_collections.triggerdev.management.plugins.module_utils._dotenv import parse_dotenv
from ansible_collections.triggerdev.management.plugins.module_utils._errors import TriggerAPIError, TriggerError, TriggerInputError
from ansible_collections.triggerdev.management.plugins.module_utils._envvars import (
    REDACTED,
    EnvVarAPI,
    EnvVarSync,
    Variable,
    branch_owns,
    name_problem,
    plan,
    read_values,
    secrets_to_compare,
    validate,
)

API = 'https://api.example.test'
DEV_KEY = 'tr_dev_' + 'a' * 24
PREVIEW_KEY = 'tr_preview_' + 'b' * 24
RESOLVED_KEY = 'tr_prod_' + 'r' * 24
PAT = 'tr_pat_' + 'p' * 40
REF = 'proj_abc'
LIST_DEV = API + '/api/v1/projects/proj_abc/envvars/dev'
LIST_PREVIEW = API + '/api/v1/projects/proj_abc/envvars/preview'
RESOLVED = API + '/api/v1/projects/proj_abc/envvars'


def V(name, value, secret=False):
    return Variable(name, value, secret)


def listed(*items):
    """A listing as plan() receives it: {name: Variable}, secret values redacted."""
    return dict((v.name, Variable(v.name, REDACTED if v.secret else v.value, v.secret)) for v in items)


def api_list(*items):
    return [{'name': v.name, 'value': REDACTED if v.secret else v.value, 'isSecret': v.secret} for v in items]


def client(key=DEV_KEY, **kwargs):
    kwargs.setdefault('project_ref', REF)
    return TriggerClient(key, api_url=API, retries=0, sleep=lambda s: None, **kwargs)


# ------------------------------------------------------------------------------------------ validation

@pytest.mark.parametrize('name, fragment', [
    ('', 'empty'), ('   ', 'empty'), ('TRIGGER_SECRET_KEY', 'reserved'), ('TRIGGER_API_URL', 'reserved'),
    ('A=B', "'='"), ('A B', 'whitespace'), ('A\tB', 'whitespace'), ('A\n', 'whitespace'),
])
def test_name_problem_refuses(name, fragment):
    assert fragment in name_problem(name)


@pytest.mark.parametrize('name', ['DATABASE_URL', 'TRIGGER_CUSTOM', 'a.b-c', 'X1'])
def test_name_problem_accepts(name):
    assert name_problem(name) is None


def test_validate_collects_every_problem_without_values():
    items = [V('OK', 's3cr3t-value'), V('EMPTY', ''), V('BLANK', '  \t'), V('OK', 'again-s3cr3t'),
             V('TRIGGER_SECRET_KEY', 'x-s3cr3t'), V('NOVALUE', None)]
    with pytest.raises(TriggerInputError) as err:
        validate(items)
    msg = str(err.value)
    assert 'EMPTY has an empty' in msg
    assert 'BLANK has an empty' in msg
    assert 'OK is declared more than once in variables' in msg
    assert 'variables[4]: TRIGGER_SECRET_KEY is reserved' in msg
    assert 'NOVALUE has no value' in msg
    assert 's3cr3t' not in msg


def test_validate_absent_needs_no_values_but_checks_names():
    assert validate([V('A', None), V('B', None)], require_values=False)
    with pytest.raises(TriggerInputError, match='declared more than once'):
        validate([V('A', None), V('A', None)], require_values=False, source='names')


def test_validate_env_file_names_lines():
    items = [Variable(name, value, line=line) for name, value, line in parse_dotenv('A=1\n\nB=\nA=2\n')]
    with pytest.raises(TriggerInputError) as err:
        validate(items, source='env_file')
    assert 'env_file line 3: B has an empty' in str(err.value)
    assert 'A is declared more than once (env_file lines 1 and 4)' in str(err.value)


class Synced:
    """The outcome of EnvVarSync with its return values as attributes (added, updated, ...)."""

    def __init__(self, outcome):
        self.outcome = outcome
        self.changed = outcome.changed
        self.warnings = outcome.warnings
        self.__dict__.update(outcome.values)

    def result(self):
        return dict((k, self.outcome.values[k]) for k in ('added', 'updated', 'removed', 'untouched', 'inherited'))


def sync(api_client, desired, check_mode=False, **kwargs):
    return Synced(EnvVarSync(api_client, check_mode, desired, **kwargs).run())

# ------------------------------------------------------------------------------------------ dotenv


def test_parse_dotenv_supported_syntax():
    text = '\n'.join([
        '# a comment',
        '',
        'PLAIN=hello world',
        'export EXPORTED=yes',
        '  SPACED = padded  ',
        "SINGLE='lit $HOME \\n # not a comment'",
        'DOUBLE="line1\\nline2 \\"quoted\\" \\\\ \\$x \\q"',
        'INLINE=value # trailing comment',
        'HASH=abc#def',
        'URL=postgres://u:p@h:5432/db?x=1',
        'MULTI="first',
        'second"',
        "QUOTED_COMMENT='v' # ok",
        'EQ=a=b=c',
    ])
    parsed = dict((name, (value, line)) for name, value, line in parse_dotenv(text))
    assert parsed == {
        'PLAIN': ('hello world', 3),
        'EXPORTED': ('yes', 4),
        'SPACED': ('padded', 5),
        'SINGLE': ('lit $HOME \\n # not a comment', 6),
        'DOUBLE': ('line1\nline2 "quoted" \\ $x \\q', 7),
        'INLINE': ('value', 8),
        'HASH': ('abc#def', 9),
        'URL': ('postgres://u:p@h:5432/db?x=1', 10),
        'MULTI': ('first\nsecond', 11),
        'QUOTED_COMMENT': ('v', 13),
        'EQ': ('a=b=c', 14),
    }


@pytest.mark.parametrize('text, line, fragment', [
    ('A=1\nnot a pair\n', 2, 'expected KEY=VALUE'),
    ('A=1\nB C=2\n', 2, 'whitespace'),
    ('=value\n', 1, 'empty'),
    ('A="unterminated\nB=2\n', 1, 'never closed'),
    ("A='open\n", 1, 'never closed'),
    ('A="v" junk\n', 1, 'after the closing quote'),
    ("\n\nA='v'x\n", 3, 'after the closing quote'),
    ('export\n', 1, 'expected KEY=VALUE'),
])
def test_parse_dotenv_errors_name_the_line(text, line, fragment):
    with pytest.raises(TriggerInputError) as err:
        parse_dotenv(text)
    assert 'env_file line %d' % line in str(err.value)
    assert fragment in str(err.value)


def test_parse_dotenv_error_never_contains_value():
    with pytest.raises(TriggerInputError) as err:
        parse_dotenv('TOKEN="hunter2-secret\n')
    assert 'hunter2' not in str(err.value)


# ------------------------------------------------------------------------------------------ planner

def test_plan_added_updated_untouched_plain():
    current = listed(V('SAME', 'x'), V('CHANGE', 'old'), V('OTHER', 'o'))
    p = plan([V('SAME', 'x'), V('CHANGE', 'new'), V('NEW', 'n')], current)
    assert p.result() == dict(added=['NEW'], updated=['CHANGE'], removed=[], untouched=['SAME'], inherited=[])
    assert p.writes == {False: {'CHANGE': 'new', 'NEW': 'n'}, True: {}}
    assert p.deletes == []
    assert p.before == {'CHANGE': {'value': 'old', 'secret': False}}
    assert p.after['CHANGE'] == {'value': 'new', 'secret': False}
    assert p.changed


def test_plan_flag_change_is_an_update_with_the_right_flag():
    current = listed(V('TO_SECRET', 'v'), V('TO_PLAIN', 'w', True))
    p = plan([V('TO_SECRET', 'v', True), V('TO_PLAIN', 'w', False)], current, resolved={'TO_PLAIN': 'w'})
    assert sorted(p.updated) == ['TO_PLAIN', 'TO_SECRET']
    assert p.writes == {True: {'TO_SECRET': 'v'}, False: {'TO_PLAIN': 'w'}}


def test_imports_merge_value_changes_into_one_call_without_isSecret():
    current = listed(V('P', 'old'), V('S', 'old', True))
    p = plan([V('P', 'new'), V('S', 'new', True), V('N', 'plain-new')], current, resolved={'S': 'old'})
    assert p.imports() == [(None, {'P': 'new', 'S': 'new', 'N': 'plain-new'})]
    # a new secret must carry isSecret: two calls, each with its flag
    p = plan([V('P', 'new'), V('S', 'new', True), V('N', 'secret-new', True)], current, resolved={'S': 'old'})
    assert p.imports() == [(False, {'P': 'new'}), (True, {'S': 'new', 'N': 'secret-new'})]
    # one flag only: one call with that flag
    p = plan([V('P', 'new'), V('N', 'n')], current)
    assert p.imports() == [(False, {'P': 'new', 'N': 'n'})]
    assert plan([V('P', 'old')], current).imports() == []


def test_plan_diff_never_shows_secret_values():
    current = listed(V('S', 'old-secret', True), V('P', 'plain'))
    p = plan([V('S', 'new-secret', True), V('P', 'now-secret', True), V('N', 'added-secret', True)], current,
             update_secrets='always')
    text = json.dumps([p.before, p.after])
    for value in ('old-secret', 'new-secret', 'now-secret', 'added-secret', 'plain'):
        assert value not in text
    assert p.after['S'] == {'value': '<secret, new value>', 'secret': True}


@pytest.mark.parametrize('mode, resolved, expected_updated', [
    ('when_changed', {'S1': 'same', 'S2': 'old'}, ['S2']),
    ('when_changed', None, ['S1', 'S2']),          # endpoint unavailable: like always
    ('always', None, ['S1', 'S2']),
    ('on_create', None, []),
])
def test_plan_update_secrets_modes(mode, resolved, expected_updated):
    current = listed(V('S1', 'same', True), V('S2', 'old', True))
    desired = [V('S1', 'same', True), V('S2', 'new', True), V('S3', 'fresh', True)]
    p = plan(desired, current, update_secrets=mode, resolved=resolved)
    assert p.added == ['S3']
    assert sorted(p.updated) == expected_updated
    assert sorted(p.untouched) == sorted(set(['S1', 'S2']) - set(expected_updated))


def test_plan_on_create_turns_existing_plain_into_secret_keeping_its_value():
    p = plan([V('PW', 'generated-new', True)], listed(V('PW', 'existing')), update_secrets='on_create')
    assert p.updated == ['PW']
    assert p.writes[True] == {'PW': 'existing'}


def test_secrets_to_compare_only_when_needed():
    current = listed(V('S', 'x', True), V('P', 'y'), V('FLIP', 'z', True))
    desired = [V('S', 'x', True), V('P', 'y'), V('FLIP', 'z'), V('NEW', 'n', True)]
    assert secrets_to_compare(desired, current) == ['S']
    assert secrets_to_compare(desired, current, 'always') == []
    assert secrets_to_compare(desired, current, 'on_create') == []
    assert secrets_to_compare([V('P', 'y')], current) == []


def test_plan_purge_skips_system_names_and_absent_removes_only_declared():
    current = listed(V('KEEP', 'k'), V('DROP', 'd'), V('TRIGGER_CUSTOM', 't'), V('DROP_SECRET', 's', True))
    p = plan([V('KEEP', 'k')], current, purge=True)
    assert sorted(p.removed) == ['DROP', 'DROP_SECRET']
    assert p.before['DROP_SECRET'] == {'value': '<secret>', 'secret': True}
    p = plan([V('DROP', None), V('GONE', None)], current, state='absent')
    assert p.removed == ['DROP'] and p.untouched == ['GONE'] and p.deletes == ['DROP']


def test_branch_ownership_rule():
    parent = listed(V('SAME', 'v'), V('DIFF', 'parent'), V('PSECRET', 'p', True), V('PPLAIN', 'p'))
    assert branch_owns(Variable('ONLY_BRANCH', 'x'), parent.get('ONLY_BRANCH'))
    assert not branch_owns(Variable('SAME', 'v'), parent['SAME'])
    assert branch_owns(Variable('DIFF', 'branch'), parent['DIFF'])
    assert not branch_owns(Variable('PSECRET', REDACTED, True), parent['PSECRET'])   # indistinguishable
    assert branch_owns(Variable('PPLAIN', REDACTED, True), parent['PPLAIN'])         # branch made it secret


def test_plan_purge_on_branch_leaves_inherited_values():
    parent = listed(V('SHARED', 'p'), V('OVERRIDDEN', 'p'), V('PSECRET', 'x', True))
    merged = listed(V('SHARED', 'p'), V('OVERRIDDEN', 'b'), V('PSECRET', 'x', True), V('BRANCH_ONLY', 'b'),
                    V('DECLARED', 'd'))
    p = plan([V('DECLARED', 'd')], merged, purge=True, parent=parent, on_branch=True)
    assert sorted(p.removed) == ['BRANCH_ONLY', 'OVERRIDDEN']
    assert sorted(p.inherited) == ['PSECRET', 'SHARED']
    assert p.probe == []


def test_plan_branch_without_parent_listing_probes():
    merged = listed(V('A', 'a'), V('B', 'b'))
    p = plan([V('A', 'a')], merged, purge=True, parent=None, on_branch=True)
    assert p.removed == ['B'] and p.probe == ['B']


def test_plan_branch_parent_secret_declared_plain_compares_value_only():
    parent = listed(V('S', 'p', True))
    merged = listed(V('S', 'p', True))
    desired = [V('S', 'branch-value', False)]
    assert secrets_to_compare(desired, merged, parent=parent) == ['S']
    assert plan(desired, merged, resolved={'S': 'branch-value'}, parent=parent, on_branch=True).untouched == ['S']
    p = plan(desired, merged, resolved={'S': 'p'}, parent=parent, on_branch=True)
    assert p.updated == ['S'] and p.writes[False] == {'S': 'branch-value'}


# --------------------------------------------------------------------- property tests (hypothesis)

NAMES = st.sampled_from(['A', 'B', 'C', 'D', 'E', 'TRIGGER_X', 'TRIGGER_Y', 'DB_URL', 'API_TOKEN'])
VALUES = st.sampled_from(['v1', 'v2', 'v3'])
ENTRY = st.tuples(VALUES, st.booleans())


@settings(max_examples=300, deadline=None)
@given(current=st.dictionaries(NAMES, ENTRY), declared=st.dictionaries(NAMES, ENTRY),
       mode=st.sampled_from(['when_changed', 'always', 'on_create']), have_resolved=st.booleans())
def test_property_purge_removes_exactly_the_undeclared(current, declared, mode, have_resolved):
    cur = listed(*[V(n, v, s) for n, (v, s) in current.items()])
    desired = [V(n, v, s) for n, (v, s) in declared.items()]
    resolved = dict((n, v) for n, (v, s) in current.items()) if have_resolved else None
    p = plan(desired, cur, purge=True, update_secrets=mode, resolved=resolved)
    expected = set(n for n in current if n not in declared and not n.startswith('TRIGGER_'))
    assert set(p.removed) == expected == set(p.deletes)
    assert len(p.deletes) == len(set(p.deletes))
    assert set(p.added) == set(declared) - set(current)
    # every declared name is in exactly one of added/updated/untouched
    buckets = p.added + p.updated + p.untouched
    assert sorted(buckets) == sorted(declared)
    # every write goes to a declared name with the declared flag
    for secret, variables in p.writes.items():
        for name in variables:
            assert declared[name][1] == secret
    assert set(p.writes[True]) | set(p.writes[False]) == set(p.added) | set(p.updated)
    # the import calls, applied as the API does (isSecret omitted: an existing variable keeps its
    # flag, a new one is plain), give every declared variable its declared flag and value
    batches = p.imports()
    assert len(batches) <= 2
    assert sorted(n for _f, vs in batches for n in vs) == sorted(set(p.writes[True]) | set(p.writes[False]))
    after = dict(current)
    for flag, variables in batches:
        for name, value in variables.items():
            kept = after[name][1] if name in after else False
            after[name] = (value, kept if flag is None else flag)
    for name in declared:
        if name in p.added or name in p.updated:
            assert after[name][1] == declared[name][1]
    # a second plan against that state changes nothing (idempotency)
    for name in p.deletes:
        del after[name]
    p2 = plan(desired, listed(*[V(n, v, s) for n, (v, s) in after.items()]), purge=True, update_secrets=mode,
              resolved=dict((n, v) for n, (v, s) in after.items()))
    if mode == 'always':   # by design: declared secrets are written on every run, nothing else
        assert not p2.added and not p2.removed and set(p2.updated) == set(n for n, (v, s) in declared.items() if s)
    else:
        assert not p2.changed


@settings(max_examples=300, deadline=None)
@given(current=st.dictionaries(NAMES, ENTRY), names=st.lists(NAMES, unique=True))
def test_property_absent_removes_exactly_declared_and_present(current, names):
    cur = listed(*[V(n, v, s) for n, (v, s) in current.items()])
    p = plan([V(n, None) for n in names], cur, state='absent')
    assert set(p.removed) == set(names) & set(current) == set(p.deletes)
    assert set(p.untouched) == set(names) - set(current)
    assert p.writes == {True: {}, False: {}}


@settings(max_examples=300, deadline=None)
@given(parent=st.dictionaries(NAMES, ENTRY), own=st.dictionaries(NAMES, ENTRY), declared=st.lists(NAMES, unique=True))
def test_property_branch_purge_never_deletes_an_inherited_value(parent, own, declared):
    # the merged view as the API builds it: own overlays parent; secret if secret on either side
    merged = {}
    for name in set(parent) | set(own):
        value, secret = own.get(name, parent.get(name))
        secret = secret or parent.get(name, (None, False))[1]
        merged[name] = (value, secret)
    cur = listed(*[V(n, v, s) for n, (v, s) in merged.items()])
    par = listed(*[V(n, v, s) for n, (v, s) in parent.items()])
    p = plan([V(n, 'v1') for n in declared], cur, purge=True, parent=par, on_branch=True)
    for name in p.removed:
        assert name in own                 # only the branch's own values are deleted
    for name in own:
        if name in declared or name.startswith('TRIGGER_'):
            continue
        # an own value is left only when it is indistinguishable from the parent's
        if name not in p.removed:
            assert name in parent and (merged[name][1] and parent[name][1] or merged[name] == parent[name])
    assert not set(p.removed) & set(p.inherited)


# ------------------------------------------------------------------------------------------ service (HTTP)

def _journal():
    return [(c.request.method, c.request.url.split('?')[0].replace(API, '')) for c in responses.calls]


@responses.activate
def test_sync_noop_of_200_plain_is_one_request():
    variables = [V('VAR_%03d' % i, 'value-%d' % i) for i in range(200)]
    responses.add(responses.GET, LIST_DEV, json=api_list(*variables))
    result = sync(client(), variables)
    assert not result.changed and len(result.untouched) == 200
    assert _journal() == [('GET', '/api/v1/projects/proj_abc/envvars/dev')]


@responses.activate
def test_sync_change_writes_one_import_per_flag_and_one_delete_per_removed():
    current = [V('KEEP', 'k'), V('CHANGE', 'old'), V('SECRET', 's', True), V('DROP', 'd'), V('TRIGGER_SYS', 't')]
    responses.add(responses.GET, LIST_DEV, json=api_list(*current))
    responses.add(responses.GET, RESOLVED, json={'variables': {'KEEP': 'k', 'CHANGE': 'old', 'SECRET': 's', 'DROP': 'd'}})
    responses.add(responses.POST, LIST_DEV + '/import', json={'success': True})
    responses.add(responses.DELETE, LIST_DEV + '/DROP', json={'success': True})
    desired = [V('KEEP', 'k'), V('CHANGE', 'new'), V('SECRET', 's2', True), V('ADD', 'a', True)]
    result = sync(client(), desired, purge=True)
    assert result.result() == dict(added=['ADD'], updated=['CHANGE', 'SECRET'], removed=['DROP'], untouched=['KEEP'],
                                   inherited=[])
    assert _journal() == [('GET', '/api/v1/projects/proj_abc/envvars/dev'), ('GET', '/api/v1/projects/proj_abc/envvars'),
                          ('POST', '/api/v1/projects/proj_abc/envvars/dev/import'),
                          ('POST', '/api/v1/projects/proj_abc/envvars/dev/import'),
                          ('DELETE', '/api/v1/projects/proj_abc/envvars/dev/DROP')]
    bodies = [json.loads(c.request.body) for c in responses.calls if c.request.method == 'POST']
    assert bodies == [{'variables': {'CHANGE': 'new'}, 'override': True, 'isSecret': False},
                      {'variables': {'SECRET': 's2', 'ADD': 'a'}, 'override': True, 'isSecret': True}]
    assert responses.calls[1].request.headers['authorization'] == 'Bearer ' + DEV_KEY


@responses.activate
def test_check_mode_sends_no_write():
    responses.add(responses.GET, LIST_DEV, json=api_list(V('OLD', 'x')))
    result = sync(client(), [V('NEW', 'n')], purge=True, check_mode=True)
    assert result.added == ['NEW'] and result.removed == ['OLD']
    assert [m for m, _p in _journal()] == ['GET']


@pytest.mark.parametrize('status, body', [(404, {'error': 'Environment variable not found'}),
                                          (400, {'error': 'Environment variable value not found'})])
@responses.activate
def test_delete_already_absent(status, body):
    responses.add(responses.GET, LIST_DEV, json=api_list(V('GONE', 'x')))
    responses.add(responses.DELETE, LIST_DEV + '/GONE', status=status, json=body)
    result = sync(client(), [V('GONE', None)], state='absent')
    assert result.removed == [] and result.untouched == ['GONE'] and not result.changed


@responses.activate
def test_delete_other_400_is_an_error():
    responses.add(responses.DELETE, LIST_DEV + '/X', status=400, json={'error': 'Something else'})
    with pytest.raises(TriggerAPIError):
        EnvVarAPI(client()).delete('X')


@responses.activate
def test_delete_encodes_the_name():
    responses.add(responses.DELETE, LIST_DEV + '/A%2FB', json={'success': True})
    assert EnvVarAPI(client()).delete('A/B')


@pytest.mark.parametrize('status', [401, 403, 404])
@responses.activate
def test_resolved_unavailable_falls_back_to_always_and_warns_once(status):
    responses.add(responses.GET, LIST_DEV, json=api_list(V('S1', 'x', True), V('S2', 'y', True)))
    responses.add(responses.GET, RESOLVED, status=status, json={'error': 'no'})
    responses.add(responses.POST, LIST_DEV + '/import', json={'success': True})
    result = sync(client(), [V('S1', 'x', True), V('S2', 'y', True)])
    warnings = result.warnings
    assert sorted(result.updated) == ['S1', 'S2']
    assert len(warnings) == 1 and 'update_secrets=always' in warnings[0]
    assert 'x' not in warnings[0].replace('x', '') and "'y'" not in warnings[0]


@responses.activate
def test_resolved_with_access_token_uses_the_environment_key():
    responses.add(responses.GET, API + '/api/v1/projects/proj_abc/envvars/prod', json=api_list(V('S', 'x', True)))
    responses.add(responses.GET, API + '/api/v1/projects/proj_abc/prod', json={'apiKey': RESOLVED_KEY})
    responses.add(responses.GET, RESOLVED, json={'variables': {'S': 'x'}})
    result = sync(client(PAT, environment='prod'), [V('S', 'x', True)])
    assert result.untouched == ['S'] and not result.changed
    auth = [c.request.headers['authorization'] for c in responses.calls]
    assert auth == ['Bearer ' + PAT, 'Bearer ' + PAT, 'Bearer ' + RESOLVED_KEY]


@responses.activate
def test_branch_purge_reads_parent_without_branch_header_and_keeps_inherited():
    parent = [V('SHARED', 'p'), V('OVERRIDE', 'p'), V('PSECRET', 'x', True)]
    merged = [V('SHARED', 'p'), V('OVERRIDE', 'b'), V('PSECRET', 'x', True), V('MINE', 'm'), V('KEEP', 'k')]

    def listing(request):
        body = api_list(*(merged if request.headers.get('x-trigger-branch') else parent))
        return 200, {}, json.dumps(body)

    responses.add_callback(responses.GET, LIST_PREVIEW, callback=listing)
    responses.add(responses.DELETE, LIST_PREVIEW + '/MINE', json={'success': True})
    responses.add(responses.DELETE, LIST_PREVIEW + '/OVERRIDE', json={'success': True})
    result = sync(client(PAT, environment='preview', branch='feature-x'), [V('KEEP', 'k')], purge=True)
    assert result.removed == ['MINE', 'OVERRIDE'] and sorted(result.inherited) == ['PSECRET', 'SHARED']
    branches = [c.request.headers.get('x-trigger-branch') for c in responses.calls]
    assert branches == ['feature-x', None, 'feature-x', 'feature-x']


@responses.activate
def test_branch_purge_with_preview_key_probes_and_reports_inherited():
    responses.add(responses.GET, LIST_PREVIEW, json=api_list(V('KEEP', 'k'), V('INHERITED', 'p'), V('MINE', 'm')))
    responses.add(responses.DELETE, LIST_PREVIEW + '/INHERITED', status=400, json={'error': 'Environment variable value not found'})
    responses.add(responses.DELETE, LIST_PREVIEW + '/MINE', json={'success': True})
    result = sync(client(PREVIEW_KEY, branch='feature-x'), [V('KEEP', 'k')], purge=True)
    warnings = result.warnings
    assert result.removed == ['MINE'] and result.inherited == ['INHERITED'] and result.changed
    assert len(warnings) == 1 and 'preview secret key' in warnings[0]
    assert all(c.request.headers.get('x-trigger-branch') == 'feature-x' for c in responses.calls)


@responses.activate
def test_read_values_plain_and_secret():
    responses.add(responses.GET, LIST_DEV, json=api_list(V('PLAIN', 'p'), V('SECRET', 's', True)))
    responses.add(responses.GET, RESOLVED, json={'variables': {'PLAIN': 'p', 'SECRET': 'the-secret'}})
    assert read_values(client(), ['PLAIN', 'SECRET', 'MISSING']) == {'PLAIN': 'p', 'SECRET': 'the-secret'}


@responses.activate
def test_read_values_plain_only_is_one_request():
    responses.add(responses.GET, LIST_DEV, json=api_list(V('PLAIN', 'p'), V('SECRET', 's', True)))
    assert read_values(client(), ['PLAIN']) == {'PLAIN': 'p'}
    assert len(responses.calls) == 1


@responses.activate
def test_read_values_secret_unavailable_is_an_error():
    responses.add(responses.GET, LIST_DEV, json=api_list(V('SECRET', 's', True)))
    responses.add(responses.GET, RESOLVED, status=403, json={'error': 'Unauthorized'})
    with pytest.raises(TriggerError, match='SECRET cannot be read'):
        read_values(client(), ['SECRET'])


# ------------------------------------------------------------------------------------------ keep_value and export

def test_keep_value_leaves_a_secret_alone_and_reads_nothing_more():
    current = {'S': V('S', REDACTED, True), 'P': V('P', 'plain', False)}
    result = plan([Variable('S', None, True, keep_value=True), Variable('P', None, True, keep_value=True)], current)
    assert result.untouched == ['S'] and result.updated == ['P']
    assert result.writes[True] == {'P': 'plain'} and 'P' in result.flag_changes  # made secret with the value it has
    assert secrets_to_compare([Variable('S', None, True, keep_value=True)], current) == []


def test_keep_value_needs_the_variable_and_no_value():
    with pytest.raises(TriggerInputError, match='no such variable'):
        plan([Variable('NEW', None, True, keep_value=True)], {})
    with pytest.raises(TriggerInputError, match='keep_value'):
        validate([Variable('A', 'v', True, keep_value=True)])
    with pytest.raises(TriggerInputError, match='keep_value'):
        validate([Variable('A', None, False, keep_value=True)])


@responses.activate
def test_export_applied_as_it_is_changes_nothing():
    from ansible_collections.triggerdev.management.plugins.module_utils._envvars import EnvVarRead, declared_variables
    responses.add(responses.GET, LIST_DEV, json=api_list(V('A', '1'), V('S', 'x', True)))
    declaration = EnvVarRead(client()).run().values['declaration']
    assert declaration == [{'name': 'A', 'value': '1', 'secret': False}, {'name': 'S', 'secret': True, 'keep_value': True}]
    result = sync(client(), declared_variables(variables=declaration))
    assert not result.changed and sorted(result.untouched) == ['A', 'S']
    assert [c.request.method for c in responses.calls] == ['GET', 'GET']
