# -*- coding: utf-8 -*-
# Copyright: triggerdev.management contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""module_utils/_apikeys.py: key rotation, its check of the new key and what it refuses (mocked HTTP)."""

import pytest
import responses

from ansible_collections.triggerdev.management.plugins.module_utils import _apikeys as K
from ansible_collections.triggerdev.management.plugins.module_utils._client import TriggerClient
from ansible_collections.triggerdev.management.plugins.module_utils._errors import TriggerInputError
from ansible_collections.triggerdev.management.tests.unit.plugins.fake_projects import API, OAT, PAT, PROD_KEY, UAT, FakeProjects

NOW = 1767225600  # 2026-01-01T00:00:00Z


@pytest.fixture
def server():
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        yield FakeProjects(rsps)


def client(key=PAT, environment='prod', **kwargs):
    kwargs.setdefault('project_ref', 'proj_00000000000000000001')
    return TriggerClient(key, api_url=API, environment=environment, retries=0, sleep=lambda s: None, **kwargs)


def rotate(check_mode=False, verify=True, **kwargs):
    outcome = K.KeyRotation(client(**kwargs), check_mode, 'regenerated', verify=verify, now=lambda: NOW).run()
    return outcome, outcome.result()


def test_rotation_returns_the_new_key_checks_it_and_dates_the_old_one(server):
    ref = server.add('billing')
    old = server.projects[ref]['keys']['prod']
    outcome, result = rotate()
    new = server.projects[ref]['keys']['prod']
    assert new != old and result['api_key'] == new and outcome.changed
    assert result['rotation'] == {'project_ref': ref, 'environment': 'prod', 'environment_id': 'env_%s_prod' % ref, 'verified': True,
                                  'old_key_expires_at': '2026-01-02T00:00:00Z', 'old_key_grace_seconds': 86400}
    assert result['actions'] == ['regenerate the prod key of %s' % ref]
    assert server.calls() == [('GET', '/api/v1/projects/%s/environments' % ref), ('POST', '/api/v1/projects/%s/prod/regenerate-api-key' % ref),
                              ('GET', '/api/v1/projects/%s/prod' % ref)]
    assert server.rsps.calls[2].request.headers['authorization'] == 'Bearer ' + new   # checked with the new key itself
    # the key is never in a message: only the warning about the old key's end
    assert outcome.warnings == ['The old prod key of %s keeps working until 2026-01-02T00:00:00Z (24 hours), then stops: give the new '
                                'key to everything that uses the old one before then.' % ref]
    assert new not in repr(outcome.warnings) + repr(outcome.actions) + repr(result['rotation'])


def test_every_run_rotates_again(server):
    ref = server.add('billing')
    first = rotate()[1]['api_key']
    second = rotate()[1]['api_key']
    assert first != second and server.projects[ref]['keys']['prod'] == second


def test_check_mode_reads_and_sends_no_rotation(server):
    ref = server.add('billing')
    outcome, result = rotate(check_mode=True)
    assert outcome.changed and result['api_key'] is None and result['rotation']['verified'] is None
    assert result['rotation']['old_key_expires_at'] is None and outcome.warnings == []
    assert server.calls() == [('GET', '/api/v1/projects/%s/environments' % ref)]


def test_verify_false_sends_no_check(server):
    server.add('billing')
    result = rotate(verify=False)[1]
    assert result['rotation']['verified'] is None and len(server.calls()) == 2


def test_preview_key_is_checked_with_a_branch(server):
    ref = server.add('billing', branches=('feature-a', 'feature-b'))
    result = rotate(environment='preview')[1]
    assert result['rotation']['verified'] is True
    check = server.rsps.calls[-1].request
    assert check.path_url == '/api/v1/projects/%s/preview' % ref and check.headers['x-trigger-branch'] == 'feature-a'


def test_preview_without_branches_is_not_checked(server):
    server.add('billing')
    outcome, result = rotate(environment='preview')
    assert result['rotation']['verified'] is None and result['api_key']
    assert any('was not checked' in w for w in outcome.warnings)


def test_a_refused_new_key_is_a_warning_not_a_failure(server):
    server.add('billing')
    server.refuse_secret_keys = True
    outcome, result = rotate()
    assert result['rotation']['verified'] is False and result['api_key'] and outcome.failure is None
    warning = [w for w in outcome.warnings if 'refused when checked' in w][0]
    assert 'HTTP 401' in warning and result['api_key'] not in warning   # the server echoed it; the warning does not


@pytest.mark.parametrize('key, pattern', [(PROD_KEY, 'secret key of the prod environment'), (OAT, 'organization access token'),
                                          (UAT, 'user-actor token'), ('tr_prod_sk_' + 'a' * 20, 'Additional .scoped. keys cannot be rotated')])
def test_only_a_personal_access_token_before_any_request(server, key, pattern):
    kwargs = {} if key.startswith('tr_prod') else {'environment': 'prod'}
    with pytest.raises(TriggerInputError, match=pattern):
        K.KeyRotation(TriggerClient(key, api_url=API, project_ref='proj_x', **kwargs), False, 'regenerated')
    assert server.calls() == []


def test_refused_inputs_before_any_request(server):
    with pytest.raises(TriggerInputError, match='state must be regenerated'):
        K.KeyRotation(client(), False, 'present')
    with pytest.raises(TriggerInputError, match="branch's own key is never accepted"):
        K.KeyRotation(client(environment='preview', branch='feature-a'), False, 'regenerated')
    with pytest.raises(TriggerInputError, match='environment is required'):
        K.KeyRotation(client(environment=None), False, 'regenerated')
    with pytest.raises(TriggerInputError, match='project_ref'):
        K.KeyRotation(client(project_ref=None), False, 'regenerated')
    assert server.calls() == []


def test_environment_the_project_lacks_is_an_error_before_the_rotation(server):
    ref = server.add('billing')
    server.projects[ref]['envs'] = [e for e in server.projects[ref]['envs'] if e['type'] != 'STAGING']
    with pytest.raises(K.ProjectNotFound, match='has no staging environment'):
        rotate(environment='staging')
    assert server.writes() == []
