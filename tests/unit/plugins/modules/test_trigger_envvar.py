# -*- coding: utf-8 -*-
# Copyright: triggerdev.management contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""trigger_envvar and trigger_envvar_info: main() with set arguments against a mocked HTTP layer."""

import json

import pytest
import responses

from ansible_collections.triggerdev.management.plugins.modules import trigger_envvar, trigger_envvar_info

API = 'https://api.example.test'
KEY = 'tr_dev_' + 'k' * 24
PAT = 'tr_pat_' + 'p' * 40
REF = 'proj_abc'
LIST = API + '/api/v1/projects/proj_abc/envvars/dev'
RESOLVED = API + '/api/v1/projects/proj_abc/envvars'


@pytest.fixture
def run(call_main):
    """Run trigger_envvar (or trigger_envvar_info) with ``args``; returns the ModuleExit (result, failed)."""
    def call(module, **args):
        base = dict(api_key=KEY, api_url=API, project_ref=REF, retries=0)
        base.update(args)
        return call_main(module, base, fail=None)
    return call


def api_list(**items):
    """NAME=(value, secret) -> list response."""
    return [{'name': n, 'value': '<redacted>' if s else v, 'isSecret': s} for n, (v, s) in sorted(items.items())]


def writes():
    return [(c.request.method, c.request.url.replace(API, '')) for c in responses.calls if c.request.method != 'GET']


# ------------------------------------------------------------------------------ refused before any request

@pytest.mark.parametrize('args, fragment', [
    (dict(name='A', value='   '), 'empty or whitespace-only value'),
    (dict(name='A', value=''), 'empty or whitespace-only value'),
    (dict(name='TRIGGER_API_URL', value='x'), 'reserved'),
    (dict(name='A=B', value='x'), "contains '='"),
    (dict(name='A B', value='x'), 'whitespace'),
    (dict(name='A'), 'has no value'),
    (dict(variables=[dict(name='A', value='1'), dict(name='A', value='2')]), 'declared more than once'),
    (dict(variables=[dict(name='', value='1')]), 'variables[0]: the name is empty'),
    (dict(names=['A']), 'names is only used with state=absent'),
    (dict(names=['A', 'A'], state='absent'), 'declared more than once'),
    (dict(name='A', value='x', state='absent', purge=True), 'purge is only used with state=present'),
    (dict(name='A', value='x', names=['B']), 'mutually exclusive'),
    (dict(), 'one of the following is required'),
])
@responses.activate
def test_refused_before_any_request(args, fragment, run):
    result = run(trigger_envvar, **args)
    assert result.failed and fragment in result.result['msg']
    assert len(responses.calls) == 0


@responses.activate
def test_env_file_errors_name_the_line(tmp_path, run):
    env = tmp_path / 'bad.env'
    env.write_text('# ok\nGOOD=1\nBROKEN LINE\n')
    result = run(trigger_envvar, env_file=str(env))
    assert result.failed and 'env_file line 3: expected KEY=VALUE' in result.result['msg']
    missing = run(trigger_envvar, env_file=str(tmp_path / 'nope.env'))
    assert missing.failed and 'cannot be read' in missing.result['msg']
    assert len(responses.calls) == 0


@responses.activate
def test_access_token_without_environment_refused_before_request(run):
    result = run(trigger_envvar, api_key=PAT, name='A', value='x')
    assert result.failed and 'environment is required' in result.result['msg']
    assert len(responses.calls) == 0


# ------------------------------------------------------------------------------ behaviour

@responses.activate
def test_sync_with_purge_and_diff(run):
    responses.add(responses.GET, LIST, json=api_list(KEEP=('k', False), OLD=('o', False), TRIGGER_X=('t', False),
                                                     PW=('x', True)))
    responses.add(responses.GET, RESOLVED, json={'variables': {'PW': 'the-old-password'}})
    responses.add(responses.POST, LIST + '/import', json={'success': True})
    responses.add(responses.DELETE, LIST + '/OLD', json={'success': True})
    result = run(trigger_envvar, purge=True, _ansible_diff=True, variables=[
        dict(name='KEEP', value='k'), dict(name='NEW', value='plain-new'),
        dict(name='PW', value='the-new-password', secret=True)])
    r = result.result
    assert not result.failed and r['changed']
    assert (r['added'], r['updated'], r['removed'], r['untouched'], r['inherited']) == (['NEW'], ['PW'], ['OLD'], ['KEEP'], [])
    # no flag changes: the plain addition and the secret update share one import without isSecret
    assert writes() == [('POST', '/api/v1/projects/proj_abc/envvars/dev/import'),
                        ('DELETE', '/api/v1/projects/proj_abc/envvars/dev/OLD')]
    assert json.loads(responses.calls[2].request.body) == {'variables': {'NEW': 'plain-new', 'PW': 'the-new-password'},
                                                           'override': True}
    text = json.dumps(r)
    assert 'the-new-password' not in text and 'the-old-password' not in text
    assert r['diff']['before'] == {'OLD': {'value': 'o', 'secret': False}, 'PW': {'value': '<secret>', 'secret': True}}
    assert r['diff']['after']['PW'] == {'value': '<secret, new value>', 'secret': True}


@responses.activate
def test_second_run_is_idempotent(run):
    responses.add(responses.GET, LIST, json=api_list(A=('1', False), S=('x', True)))
    responses.add(responses.GET, RESOLVED, json={'variables': {'A': '1', 'S': 'sec'}})
    result = run(trigger_envvar, variables=[dict(name='A', value='1'), dict(name='S', value='sec', secret=True)])
    assert not result.result['changed'] and result.result['untouched'] == ['A', 'S']
    assert writes() == []


@responses.activate
def test_check_mode_reports_but_does_not_write(run):
    responses.add(responses.GET, LIST, json=api_list(A=('1', False)))
    result = run(trigger_envvar, name='A', value='2', _ansible_check_mode=True)
    assert result.result['changed'] and result.result['updated'] == ['A']
    assert writes() == []


@responses.activate
def test_env_file_secret_values_never_returned(tmp_path, run):
    env = tmp_path / 'app.env'
    env.write_text('export TOKEN="s3cr3t-token-value"\nURL=https://x\n')
    responses.add(responses.GET, LIST, json=[])
    responses.add(responses.POST, LIST + '/import', json={'success': True})
    result = run(trigger_envvar, env_file=str(env), secret=True, _ansible_diff=True)
    body = json.loads(responses.calls[1].request.body)
    assert body == {'variables': {'TOKEN': 's3cr3t-token-value', 'URL': 'https://x'}, 'override': True, 'isSecret': True}
    assert result.result['added'] == ['TOKEN', 'URL']
    assert 's3cr3t' not in json.dumps(result.result)


@responses.activate
def test_absent_by_names_treats_400_value_not_found_as_absent(run):
    responses.add(responses.GET, LIST, json=api_list(A=('1', False), B=('2', False)))
    responses.add(responses.DELETE, LIST + '/A', json={'success': True})
    responses.add(responses.DELETE, LIST + '/B', status=400, json={'error': 'Environment variable value not found'})
    result = run(trigger_envvar, names=['A', 'B', 'C'], state='absent')
    assert result.result['removed'] == ['A'] and result.result['untouched'] == ['B', 'C']


@responses.activate
def test_partial_failure_says_what_was_written(run):
    responses.add(responses.GET, LIST, json=api_list(OLD=('o', False)))
    responses.add(responses.POST, LIST + '/import', json={'success': True})
    responses.add(responses.DELETE, LIST + '/OLD', status=403, json={'error': 'Forbidden'})
    result = run(trigger_envvar, name='NEW', value='n', purge=True)
    assert result.failed
    assert result.result['msg'].startswith('Partly applied before the error: write NEW. DELETE ')
    assert result.result['failure']['status'] == 403


# ------------------------------------------------------------------------------ info module

@responses.activate
def test_info_lists_and_filters(run):
    responses.add(responses.GET, LIST, json=api_list(A=('1', False), S=('x', True)))
    result = run(trigger_envvar_info)
    assert result.result == {'changed': False, 'variables': [{'name': 'A', 'value': '1', 'secret': False},
                                                             {'name': 'S', 'value': '<redacted>', 'secret': True}],
                             'declaration': [{'name': 'A', 'value': '1', 'secret': False},
                                             {'name': 'S', 'secret': True, 'keep_value': True}]}
    result = run(trigger_envvar_info, names=['S'])
    assert result.result['variables'] == [{'name': 'S', 'value': '<redacted>', 'secret': True}]
    assert all(c.request.method == 'GET' for c in responses.calls)


@responses.activate
def test_info_fails_on_missing_name(run):
    responses.add(responses.GET, LIST, json=api_list(A=('1', False)))
    result = run(trigger_envvar_info, names=['A', 'NOPE'])
    assert result.failed and 'NOPE' in result.result['msg']
