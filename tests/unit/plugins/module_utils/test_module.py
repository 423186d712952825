# -*- coding: utf-8 -*-
# Copyright: triggerdev.management contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""TriggerModule: connection options and their environment fallbacks, client construction,
client errors turned into fail_json with a structured ``failure``, check/diff helpers."""

import json
import re

import pytest
import requests
import responses
import yaml

from ansible.module_utils.testing import patch_module_args

from ansible_collections.triggerdev.management.plugins.module_utils import _module as module_mod
from ansible_collections.triggerdev.management.plugins.doc_fragments.connection import ModuleDocFragment
from ansible_collections.triggerdev.management.plugins.module_utils._client import AUTH_SECRET_KEY, TriggerClient
from ansible_collections.triggerdev.management.plugins.module_utils._errors import TriggerAPIError, TriggerInputError
from ansible_collections.triggerdev.management.plugins.module_utils._base import Operation, Outcome
from ansible_collections.triggerdev.management.plugins.module_utils._connection import NAMES as CONNECTION_OPTIONS
from ansible_collections.triggerdev.management.plugins.module_utils._envvars import EnvVarAPI
from ansible_collections.triggerdev.management.plugins.module_utils._module import TriggerModule, connection_argument_spec

BODY = 'a1B2c3D4e5F6g7H8i9J0k1L2'
DEV_KEY = 'tr_dev_' + BODY
PROD_KEY = 'tr_prod_' + BODY
PREVIEW_KEY = 'tr_preview_' + BODY
PAT = 'tr_pat_' + BODY
RESOLVED_KEY = 'tr_prod_Z9y8X7w6V5u4T3s2R1q0P9o8'
PROJECT = 'proj_abcdefghijklmnop'
API = 'https://trigger.example.test'
TOKENS = (DEV_KEY, PROD_KEY, PREVIEW_KEY, PAT, RESOLVED_KEY, BODY)


@pytest.fixture
def rsps():
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield mock


@pytest.fixture
def catch_all(rsps):
    for method in ('GET', 'POST', 'PUT', 'DELETE'):
        rsps.add(method, re.compile(r'.*'), json={'apiKey': RESOLVED_KEY, 'data': []})
    return rsps


def envvars_path(api_client, *extra):
    """A route every credential may call (the env-var list of the target), for the transport tests."""
    return EnvVarAPI(api_client).path(*extra)


class Calls(Operation):
    """An operation that only calls ``call()`` (a request, or code that raises)."""

    resource_key = 'answer'

    def __init__(self, client, call):
        super().__init__(client)
        self.call = call

    def run(self):
        return self.finish(self.call())


def make_module(args, argument_spec=None, **kwargs):
    with patch_module_args(args):
        return TriggerModule(argument_spec or {}, **kwargs)


def no_sleep(module):
    """Keep retries instant: the module builds the client with the real sleep."""
    module.client._sleep = lambda seconds: None  # pylint: disable=protected-access
    return module


def assert_no_token(*values):
    for value in values:
        text = value if isinstance(value, str) else json.dumps(value, default=repr)
        for token in TOKENS:
            assert token not in text


# ---------------------------------------------------------------------------------------------- argument spec


def test_connection_spec_matches_the_doc_fragment():
    documented = yaml.safe_load(ModuleDocFragment.DOCUMENTATION)['options']
    spec = connection_argument_spec()
    assert sorted(documented) == sorted(spec) == sorted(CONNECTION_OPTIONS)
    for name, option in spec.items():
        doc = documented[name]
        assert doc['type'] == option['type'], name
        assert doc.get('default') == option.get('default'), name
        assert doc.get('choices') == option.get('choices'), name
        assert doc.get('aliases') == option.get('aliases'), name
        assert bool(doc.get('required')) == bool(option.get('required')), name
        for variable in (option.get('fallback') or (None, []))[1]:
            assert 'E(%s)' % variable in ' '.join(doc['description']), (name, variable)


def test_connection_spec_fallbacks_and_no_log():
    spec = connection_argument_spec()
    assert spec['api_key']['no_log'] is True
    assert spec['api_key']['aliases'] == ['secret_key', 'access_token']
    assert spec['api_key']['fallback'] == (module_mod.env_fallback, ['TRIGGER_SECRET_KEY', 'TRIGGER_ACCESS_TOKEN'])
    assert spec['api_url']['fallback'] == (module_mod.env_fallback, ['TRIGGER_API_URL'])
    assert spec['project_ref']['fallback'] == (module_mod.env_fallback, ['TRIGGER_PROJECT_REF'])
    assert spec['environment']['fallback'] == (module_mod.env_fallback, ['TRIGGER_ENVIRONMENT'])
    assert spec['branch']['fallback'] == (module_mod.env_fallback, ['TRIGGER_PREVIEW_BRANCH'])
    assert connection_argument_spec() is not spec, 'a fresh copy each time: modules may change theirs'


def test_module_options_are_merged_with_the_connection_options():
    module = make_module({'api_key': DEV_KEY, 'name': 'X'}, dict(name=dict(type='str', required=True)))
    assert module.params['name'] == 'X'
    assert module.params['api_url'] == 'https://api.trigger.dev'
    assert module.params['retries'] == 4 and module.params['request_timeout'] == 30.0
    assert module.params['validate_certs'] is True


# ---------------------------------------------------------------------------------------------- environment fallbacks


def test_secret_key_from_the_environment(monkeypatch):
    monkeypatch.setenv('TRIGGER_SECRET_KEY', PROD_KEY)
    module = make_module({})
    assert module.client.credential.is_secret_key
    assert module.client.environment == 'prod'
    assert PROD_KEY in module.no_log_values


def test_empty_environment_variables_count_as_unset(monkeypatch):
    # AWX injects a blank credential field as an empty variable.
    monkeypatch.setenv('TRIGGER_SECRET_KEY', '')
    monkeypatch.setenv('TRIGGER_ACCESS_TOKEN', PAT)
    monkeypatch.setenv('TRIGGER_PROJECT_REF', PROJECT)
    monkeypatch.setenv('TRIGGER_ENVIRONMENT', '')
    monkeypatch.setenv('TRIGGER_PREVIEW_BRANCH', '')
    module = make_module({})
    assert module.client.credential.is_access_token
    assert module.params['environment'] is None and module.params['branch'] is None


def test_secret_key_wins_over_access_token_in_the_environment(monkeypatch):
    monkeypatch.setenv('TRIGGER_ACCESS_TOKEN', PAT)
    monkeypatch.setenv('TRIGGER_SECRET_KEY', DEV_KEY)
    assert make_module({}).client.credential.environment == 'dev'


def test_access_token_and_target_from_the_environment(monkeypatch, rsps):
    monkeypatch.setenv('TRIGGER_ACCESS_TOKEN', PAT)
    monkeypatch.setenv('TRIGGER_API_URL', API + '/')
    monkeypatch.setenv('TRIGGER_PROJECT_REF', PROJECT)
    monkeypatch.setenv('TRIGGER_ENVIRONMENT', 'preview')
    monkeypatch.setenv('TRIGGER_PREVIEW_BRANCH', 'refs/heads/feature-7')
    rsps.add('GET', API + '/api/v1/projects/%s/envvars/preview' % PROJECT, json=[])
    module = make_module({})
    client = module.client
    assert client.credential.is_access_token
    assert (client.api_url, client.project_ref, client.environment, client.branch) == (API, PROJECT, 'preview', 'feature-7')
    client.request('GET', envvars_path(client))
    headers = rsps.calls[0].request.headers
    assert headers['authorization'] == 'Bearer ' + PAT
    assert headers['x-trigger-branch'] == 'feature-7'
    assert PAT in module.no_log_values


def test_explicit_options_beat_the_environment(monkeypatch):
    monkeypatch.setenv('TRIGGER_SECRET_KEY', DEV_KEY)
    monkeypatch.setenv('TRIGGER_API_URL', 'https://wrong.example.test')
    monkeypatch.setenv('TRIGGER_PROJECT_REF', 'proj_wrong')
    monkeypatch.setenv('TRIGGER_ENVIRONMENT', 'dev')
    client = make_module({'api_key': PROD_KEY, 'api_url': API, 'project_ref': PROJECT, 'environment': 'prod'}).client
    assert (client.environment, client.api_url, client.project_ref) == ('prod', API, PROJECT)


@pytest.mark.parametrize('alias', ['secret_key', 'access_token'])
def test_api_key_aliases(alias):
    module = make_module({alias: PAT, 'project_ref': PROJECT, 'environment': 'stg'})
    assert module.client.credential.is_access_token
    assert module.client.environment == 'staging'


def test_missing_api_key_fails_cleanly(catch_all, module_exits):
    with pytest.raises(module_exits.failed) as err:
        make_module({'project_ref': PROJECT})
    assert 'api_key' in err.value.args[0]['msg']
    assert len(catch_all.calls) == 0


def test_client_options_reach_the_client():
    client = make_module({'api_key': DEV_KEY, 'validate_certs': False, 'request_timeout': 5, 'retries': 1}).client
    assert isinstance(client, TriggerClient)
    assert (client.validate_certs, client.request_timeout, client.retries) == (False, 5.0, 1)


def test_client_is_built_once():
    module = make_module({'api_key': DEV_KEY})
    assert module.client is module.client


# ---------------------------------------------------------------------------------------------- config errors


@pytest.mark.parametrize('args, expected', [
    pytest.param({'api_key': 'pk_' + BODY}, 'tr_dev_...', id='wrong-prefix'),
    pytest.param({'api_key': PAT}, 'project_ref', id='pat-without-project-ref'),
    pytest.param({'api_key': PROD_KEY, 'environment': 'dev'}, 'secret key of the prod environment but environment is dev', id='prod-key-env-dev'),
    pytest.param({'api_key': PROD_KEY, 'branch': 'feat'}, 'only valid with the preview environment', id='branch-with-prod'),
    pytest.param({'api_key': DEV_KEY, 'api_url': 'api.trigger.dev'}, 'api_url', id='url-without-scheme'),
])
def test_config_errors_fail_cleanly_before_any_request(catch_all, args, expected, module_exits):
    module = make_module(args)
    with pytest.raises(module_exits.failed) as err:
        module.run(lambda: Calls(module.client, lambda: module.client.request('GET', '/api/v1/schedules', auth=AUTH_SECRET_KEY)))
    result = err.value.args[0]
    assert expected in result['msg']
    assert_no_token(result)
    assert len(catch_all.calls) == 0


def test_config_error_raised_by_a_call_becomes_a_failure(catch_all, module_exits):
    module = make_module({'api_key': PREVIEW_KEY})
    with pytest.raises(module_exits.failed) as err:
        module.run(lambda: Calls(module.client, lambda: module.client.request('GET', '/api/v1/schedules', auth=AUTH_SECRET_KEY)))
    result = err.value.args[0]
    assert 'branch' in result['msg']
    assert result['failure']['message'] == result['msg']
    assert_no_token(result)
    assert len(catch_all.calls) == 0


def test_invalid_environment_choice_fails_cleanly(module_exits):
    with pytest.raises(module_exits.failed) as err:
        make_module({'api_key': DEV_KEY, 'environment': 'production'})
    assert 'environment' in err.value.args[0]['msg']


# ---------------------------------------------------------------------------------------------- client errors


def test_api_error_becomes_a_structured_failure_without_the_key(rsps, module_exits):
    path = '/api/v1/projects/%s/envvars/dev' % PROJECT
    rsps.add('POST', API + path, status=400, json={
        'error': 'Invalid key %s for %s' % (DEV_KEY, PAT),
        'variableErrors': [{'key': 'A', 'error': 'echoed %s' % DEV_KEY}],
    })
    module = make_module({'api_key': DEV_KEY, 'api_url': API, 'project_ref': PROJECT})
    with pytest.raises(module_exits.failed) as err:
        module.run(lambda: Calls(module.client, lambda: module.client.request('POST', envvars_path(module.client), json_body={'name': 'A', 'value': 'v'})))
    result = err.value.args[0]
    failure = result['failure']
    assert failure['status'] == 400 and failure['method'] == 'POST' and failure['path'] == path
    assert failure['message'].startswith('Invalid key ')
    assert failure['variable_errors'][0]['key'] == 'A'
    assert result['msg'].startswith('POST %s failed with HTTP 400: Invalid key' % path)
    assert_no_token(result)


@pytest.mark.parametrize('status', [401, 403, 404, 422, 500])
def test_each_api_error_status_becomes_a_failure(rsps, status, module_exits):
    rsps.add('GET', API + '/api/v1/schedules/sched_1', status=status, json={'error': 'E%d' % status}, headers={'x-should-retry': 'false'})
    module = make_module({'api_key': DEV_KEY, 'api_url': API})
    with pytest.raises(module_exits.failed) as err:
        module.run(lambda: Calls(module.client, lambda: module.client.request('GET', '/api/v1/schedules/sched_1')))
    assert err.value.args[0]['failure'] == {'status': status, 'method': 'GET', 'path': '/api/v1/schedules/sched_1', 'message': 'E%d' % status}
    assert len(rsps.calls) == 1


def test_connection_failure_becomes_a_failure(rsps, module_exits):
    rsps.add('GET', API + '/api/v1/schedules', body=requests.exceptions.ConnectionError('refused for %s' % DEV_KEY))
    module = no_sleep(make_module({'api_key': DEV_KEY, 'api_url': API, 'retries': 2}))
    with pytest.raises(module_exits.failed) as err:
        module.run(lambda: Calls(module.client, lambda: module.client.request('GET', '/api/v1/schedules')))
    result = err.value.args[0]
    assert result['failure'] == {'status': None, 'method': 'GET', 'path': '/api/v1/schedules', 'message': 'trigger.example.test: ConnectionError'}
    assert 'after 3 attempt(s)' in result['msg']
    assert len(rsps.calls) == 3
    assert_no_token(result)


def test_fail_from_scrubs_every_part_of_the_failure(module_exits):
    # An error built elsewhere (not by the client) may carry the key anywhere in its body.
    module = make_module({'api_key': DEV_KEY})
    exc = TriggerAPIError('POST', '/api/v1/x', 400, 'bad %s' % DEV_KEY, body={
        'variableErrors': [{'key': 'A', 'error': 'value %s' % DEV_KEY}], 'issues': [{'received': DEV_KEY}]})
    with pytest.raises(module_exits.failed) as err:
        module.fail_from(exc, prefix='Could not write')
    result = err.value.args[0]
    assert result['msg'].startswith('Could not write POST /api/v1/x failed with HTTP 400: bad ')
    assert result['failure']['variable_errors'][0]['key'] == 'A'
    assert_no_token(result)


def test_resolved_key_is_registered_as_no_log_and_scrubbed(rsps, module_exits):
    rsps.add('GET', API + '/api/v1/projects/%s/prod' % PROJECT, json={'apiKey': RESOLVED_KEY})
    rsps.add('GET', API + '/api/v1/schedules', status=401, json={'error': 'Invalid or Missing API Key ' + RESOLVED_KEY})
    module = make_module({'api_key': PAT, 'api_url': API, 'project_ref': PROJECT, 'environment': 'prod'})
    with pytest.raises(module_exits.failed) as err:
        module.run(lambda: Calls(module.client, lambda: module.client.request('GET', '/api/v1/schedules', auth=AUTH_SECRET_KEY)))
    assert RESOLVED_KEY in module.no_log_values and PAT in module.no_log_values
    assert_no_token(err.value.args[0])
    assert rsps.calls[1].request.headers['authorization'] == 'Bearer ' + RESOLVED_KEY


def test_real_fail_json_output_has_the_failure_and_no_secret(rsps, monkeypatch, capsys):
    rsps.add('GET', API + '/api/v1/projects/%s/prod' % PROJECT, json={'apiKey': RESOLVED_KEY})
    rsps.add('DELETE', API + '/api/v1/schedules/nightly', status=404, json={'error': 'Schedule not found'})
    with patch_module_args({'api_key': PAT, 'api_url': API, 'project_ref': PROJECT, 'environment': 'prod'}):
        module = TriggerModule({})
        with pytest.raises(SystemExit) as exit_info:
            module.run(lambda: Calls(module.client, lambda: module.client.request('DELETE', '/api/v1/schedules/nightly', auth=AUTH_SECRET_KEY)))
    assert exit_info.value.code == 1
    output = capsys.readouterr().out
    result = json.loads(output)
    assert result['failed'] is True
    assert result['failure'] == {'status': 404, 'method': 'DELETE', 'path': '/api/v1/schedules/nightly', 'message': 'Schedule not found'}
    assert_no_token(output)


def test_run_exits_with_the_outcome_and_lets_other_exceptions_through(module_exits):
    module = make_module({'api_key': DEV_KEY})
    with pytest.raises(module_exits.exited) as err:
        module.run(lambda: Calls(module.client, lambda: 'ran'))
    assert err.value.args[0] == {'answer': 'ran', 'changed': False, 'actions': []}

    def broken():
        raise KeyError('a bug is not hidden as an API failure')

    with pytest.raises(KeyError):
        module.run(lambda: Calls(module.client, broken))


def test_run_turns_input_errors_into_failures(module_exits):
    module = make_module({'api_key': DEV_KEY})

    def refuse():
        raise TriggerInputError('name must not be empty')

    with pytest.raises(module_exits.failed) as err:
        module.run(refuse)
    assert err.value.args[0]['msg'] == 'name must not be empty'
    assert err.value.args[0]['failure'] == {'method': None, 'path': None, 'status': None, 'message': 'name must not be empty'}
    assert err.value.args[0]['changed'] is False


def test_a_failure_after_a_write_says_what_was_sent(rsps, module_exits):
    rsps.add('POST', API + '/api/v1/schedules', json={'id': 'sched_1'})
    rsps.add('DELETE', API + '/api/v1/schedules/sched_2', status=400, json={'error': 'nope'})
    module = make_module({'api_key': DEV_KEY, 'api_url': API})

    class TwoWrites(Operation):
        def run(self):
            self.write('create a', self.client.request, 'POST', '/api/v1/schedules', json_body={})
            self.write('delete b', self.client.request, 'DELETE', '/api/v1/schedules/sched_2')

    with pytest.raises(module_exits.failed) as err:
        module.run(lambda: TwoWrites(module.client))
    result = err.value.args[0]
    assert result['msg'].startswith('Partly applied before the error: create a. DELETE /api/v1/schedules/sched_2 failed')
    assert result['changed'] is True and result['failure']['status'] == 400


# ---------------------------------------------------------------------------------------------- check, diff, warnings


def outcome(changed=True, before=None, after=None, warnings=(), failure=None, **values):
    result = Outcome('thing', {'name': 'a'})
    result.changed, result.before, result.after, result.failure = changed, before, after, failure
    result.warnings.extend(warnings)
    result.values.update(values)
    return result


@pytest.mark.parametrize('diff', [True, False])
def test_exit_outcome_diff_only_in_diff_mode(diff, module_exits):
    module = make_module({'api_key': DEV_KEY, '_ansible_diff': diff})
    with pytest.raises(module_exits.exited) as err:
        module.exit_outcome(outcome(before={'A': 'old'}, after={'A': 'new'}, variables=['A']))
    result = err.value.args[0]
    assert result['changed'] is True and result['variables'] == ['A'] and result['thing'] == {'name': 'a'}
    if diff:
        assert result['diff'] == {'before': {'A': 'old'}, 'after': {'A': 'new'}}
    else:
        assert 'diff' not in result


def test_exit_outcome_with_one_side_of_the_diff(module_exits):
    module = make_module({'api_key': DEV_KEY, '_ansible_diff': True})
    with pytest.raises(module_exits.exited) as err:
        module.exit_outcome(outcome(after={'name': 'created'}))
    assert err.value.args[0]['diff'] == {'before': {}, 'after': {'name': 'created'}}
    with pytest.raises(module_exits.exited) as err:
        module.exit_outcome(outcome(changed=False))
    assert 'diff' not in err.value.args[0] and err.value.args[0]['changed'] is False


def test_exit_outcome_with_a_failure_keeps_the_result_and_scrubs(monkeypatch, module_exits):
    module = make_module({'api_key': DEV_KEY})
    warnings = []
    monkeypatch.setattr(module, 'warn', warnings.append)
    with pytest.raises(module_exits.failed) as err:
        module.exit_outcome(outcome(failure='run failed with %s' % DEV_KEY, warnings=['seen %s' % DEV_KEY], runs=[{'id': 'run_1'}]))
    result = err.value.args[0]
    assert result['runs'] == [{'id': 'run_1'}] and result['thing'] == {'name': 'a'}
    assert result['failure']['message'] == result['msg'] and DEV_KEY not in result['msg']
    assert warnings and DEV_KEY not in warnings[0]


def test_check_mode_reaches_the_module():
    module = make_module({'api_key': DEV_KEY, '_ansible_check_mode': True}, supports_check_mode=True)
    assert module.check_mode is True


def test_operation_warnings_are_kept_once():
    op = Calls(None, lambda: None)
    op.warn('environment is ignored')
    op.warn('environment is ignored')
    op.warn('another')
    assert op.run().warnings == ['environment is ignored', 'another']


def test_check_mode_writes_nothing_and_returns_the_prediction():
    sent = []
    op = Calls(None, lambda: None)
    op.check_mode = True
    assert op.write('create a', sent.append, 'x', predicted={'id': None}) == {'id': None}
    assert sent == [] and op.outcome.changed and op.outcome.actions == ['create a'] and op.progress() is None
    op.check_mode = False
    assert op.write('create b', lambda value: sent.append(value) or 'answer', 'y') == 'answer'
    assert sent == ['y'] and op.progress() == 'Partly applied before the error: create b.'
