# -*- coding: utf-8 -*-
# Copyright: triggerdev.management contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""module_utils/_environments.py: pause/resume read first, credentials refused before any request (mocked HTTP)."""

import pytest
import responses

from ansible_collections.triggerdev.management.plugins.module_utils import _environments as e
from ansible_collections.triggerdev.management.plugins.module_utils._client import TriggerClient
from ansible_collections.triggerdev.management.plugins.module_utils._errors import TriggerAPIError, TriggerInputError

API = 'https://api.example.test'
REF = 'proj_abc'
PAT = 'tr_pat_' + 'p' * 40
OAT = 'tr_oat_' + 'o' * 40
UAT = 'tr_uat_' + 'a' * 20 + '.' + 'b' * 20 + '.' + 'c' * 20
PROD_KEY = 'tr_prod_' + 'c' * 24
ENVIRONMENTS = API + '/api/v1/projects/proj_abc/environments'
BRANCHES = API + '/api/v1/projects/proj_abc/branches'
BILLING = ('This environment is paused because your organization reached its billing limit. '
           'Resolve the limit on the billing limits settings page to resume.')


def client(key=PAT, environment='prod', branch=None, project_ref=REF):
    return TriggerClient(key, api_url=API, project_ref=project_ref, environment=environment, branch=branch, retries=0, sleep=lambda s: None)


def listing(paused_prod=False):
    return [{'id': 'env_dev', 'slug': 'dev', 'type': 'DEVELOPMENT', 'isBranchableEnvironment': True, 'branchName': None, 'paused': False},
            {'id': 'env_stg', 'slug': 'stg', 'type': 'STAGING', 'isBranchableEnvironment': False, 'branchName': None, 'paused': False},
            {'id': 'env_prod', 'slug': 'prod', 'type': 'PRODUCTION', 'isBranchableEnvironment': False, 'branchName': None,
             'paused': paused_prod}]


def writes():
    return [c for c in responses.calls if c.request.method != 'GET']


@responses.activate
def test_pause_reads_then_pauses_once():
    responses.get(ENVIRONMENTS, json=listing())
    responses.post(API + '/api/v1/projects/proj_abc/prod/pause', json={'paused': True, 'state': 'paused'})
    outcome = e.EnvironmentState(client(), False, True).run()
    assert outcome.changed and outcome.values['actions'] == ['pause prod']
    assert outcome.resource == {'id': 'env_prod', 'environment': 'prod', 'slug': 'prod', 'type': 'PRODUCTION', 'branch_name': None,
                                'is_branchable_environment': False, 'paused': True}
    assert outcome.before == {'paused': False} and outcome.after == {'paused': True}
    assert responses.calls[0].request.headers['authorization'] == 'Bearer ' + PAT


@responses.activate
def test_already_paused_is_one_read():
    responses.get(ENVIRONMENTS, json=listing(paused_prod=True))
    outcome = e.EnvironmentState(client(), False, True).run()
    assert not outcome.changed and len(responses.calls) == 1


@responses.activate
def test_check_mode_sends_nothing():
    responses.get(ENVIRONMENTS, json=listing(paused_prod=True))
    outcome = e.EnvironmentState(client(), True, False).run()
    assert outcome.changed and outcome.values['actions'] == ['resume prod'] and writes() == []
    assert outcome.resource['paused'] is False


@responses.activate
def test_staging_is_found_by_its_stored_slug_and_paused_by_its_name():
    responses.get(ENVIRONMENTS, json=listing())
    responses.post(API + '/api/v1/projects/proj_abc/staging/pause', json={'paused': True, 'state': 'paused'})
    outcome = e.EnvironmentState(client(environment='stg'), False, True).run()
    assert outcome.resource['environment'] == 'staging' and outcome.values['actions'] == ['pause staging']


@responses.activate
def test_a_branch_is_read_from_the_branch_list_and_paused_with_the_header():
    responses.get(BRANCHES, json={'branches': [{'id': 'env_b', 'name': 'pr-7', 'createdAt': 'x', 'updatedAt': 'y', 'isPaused': True}]})
    responses.post(API + '/api/v1/projects/proj_abc/preview/resume', json={'paused': False, 'state': 'resumed'})
    outcome = e.EnvironmentState(client(environment='preview', branch='pr-7'), False, False).run()
    assert outcome.values['actions'] == ['resume preview branch pr-7']
    assert outcome.resource['branch_name'] == 'pr-7' and outcome.resource['paused'] is False
    assert 'x-trigger-branch' not in responses.calls[0].request.headers
    assert writes()[0].request.headers['x-trigger-branch'] == 'pr-7'


@responses.activate
def test_a_missing_branch_fails_before_any_write():
    responses.get(BRANCHES, json={'branches': []})
    with pytest.raises(e.EnvironmentNotFound, match='no active preview branch named pr-9'):
        e.EnvironmentState(client(environment='preview', branch='pr-9'), False, True).run()
    assert writes() == []


@responses.activate
def test_billing_limit_refusal_says_so():
    responses.get(ENVIRONMENTS, json=listing(paused_prod=True))
    responses.post(API + '/api/v1/projects/proj_abc/prod/resume', status=400, json={'error': BILLING})
    with pytest.raises(TriggerAPIError, match='The prod environment cannot be resumed: This environment is paused because your '
                                              'organization reached its billing limit') as info:
        e.EnvironmentState(client(), False, False).run()
    assert info.value.status == 400


@pytest.mark.parametrize('key, kwargs, match', [
    (PROD_KEY, dict(environment=None), 'needs a personal access token.*secret key of the prod environment'),
    (OAT, {}, 'needs a personal access token.*organization access token'),
    (UAT, {}, 'needs a personal access token.*user-actor token'),
    (PAT, dict(project_ref=None), 'project_ref'),
    (PAT, dict(environment=None), 'environment is required'),
])
def test_only_a_pat_with_ref_and_environment_is_accepted_before_any_request(key, kwargs, match):
    with responses.RequestsMock() as rsps:
        with pytest.raises(TriggerInputError, match=match):
            e.EnvironmentState(client(key, **kwargs), False, True)
        assert not rsps.calls


@responses.activate
def test_info_lists_every_environment_or_the_named_one():
    responses.get(ENVIRONMENTS, json=listing())
    found = e.EnvironmentRead(client(environment=None)).run().resource
    assert [f['environment'] for f in found] == ['dev', 'staging', 'prod']
    assert [f['environment'] for f in e.EnvironmentRead(client(environment='staging')).run().resource] == ['staging']
    assert all('x-trigger-branch' not in c.request.headers for c in responses.calls)


@responses.activate
def test_info_takes_a_user_actor_token_and_fails_on_a_missing_environment():
    responses.get(ENVIRONMENTS, json=listing()[:1])
    with pytest.raises(e.EnvironmentNotFound, match='no prod environment'):
        e.EnvironmentRead(client(UAT)).run()


@pytest.mark.parametrize('key, kwargs, match', [
    (PROD_KEY, dict(environment=None), 'personal access token.*or a user-actor token'),
    (OAT, {}, 'given: organization access token'),
    (UAT, dict(environment='preview', branch='pr-1'), 'preview branch'),
    (PAT, dict(project_ref=None), 'project_ref'),
])
def test_info_credentials_are_checked_before_any_request(key, kwargs, match):
    with responses.RequestsMock() as rsps:
        with pytest.raises(TriggerInputError, match=match):
            e.EnvironmentRead(client(key, **kwargs))
        assert not rsps.calls
