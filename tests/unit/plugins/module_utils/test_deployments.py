# -*- coding: utf-8 -*-
# Copyright: triggerdev.management contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""module_utils/_deployments.py: version order, reads and the promotion (mocked HTTP)."""

import pytest
import responses

from ansible_collections.triggerdev.management.plugins.module_utils import _deployments as d
from ansible_collections.triggerdev.management.plugins.module_utils._client import TriggerClient
from ansible_collections.triggerdev.management.plugins.module_utils._errors import TriggerAPIError, TriggerError, TriggerInputError

API = 'https://api.example.test'
PROD_KEY = 'tr_prod_' + 'c' * 24
PAT = 'tr_pat_' + 'p' * 40
LIST = API + '/api/v1/deployments'
CURRENT = LIST + '/current'


def client(key=PROD_KEY, **kwargs):
    return TriggerClient(key, api_url=API, retries=0, sleep=lambda s: None, **kwargs)


def item(version, status='DEPLOYED', **extra):
    body = {'id': 'deployment_' + version.replace('.', '_'), 'createdAt': '2026-01-31T10:00:00.000Z', 'shortCode': 'sc' + version[-1],
            'version': version, 'runtime': 'node', 'runtimeVersion': '22', 'status': status, 'deployedAt': None, 'git': None}
    body.update(extra)
    return body


def promotion(version, check_mode=False, **kwargs):
    return d.DeploymentPromotion(client(), check_mode, version, sleep=lambda s: None, **kwargs).run()


def writes():
    return [c for c in responses.calls if c.request.method != 'GET']


@pytest.mark.parametrize('left, right, expected', [
    ('20260131.1', '20260131.2', -1), ('20260131.10', '20260131.9', 1), ('20260201.1', '20260131.9', 1),
    ('20260131.1', '20260131.1', 0), ('20260131', '20260131.1', 0), ('20260131.x', '20260131.1', 0), ('20260131.', '20260131.0', 0),
])
def test_versions_compare_as_the_server_does(left, right, expected):
    assert d.compare_versions(left, right) == expected


@responses.activate
def test_promoting_the_current_version_is_one_read_and_no_write():
    responses.get(CURRENT, json=item('20260131.1'))
    outcome = promotion('20260131.1')
    assert outcome.changed is False and outcome.values['actions'] == []
    assert outcome.values['previous_version'] == '20260131.1'
    assert outcome.resource['version'] == '20260131.1' and outcome.resource['short_code'] == 'sc1'
    assert [c.request.url for c in responses.calls] == [CURRENT]


@responses.activate
def test_promote_a_newer_version():
    responses.get(CURRENT, json=item('20260131.1'))
    responses.get(LIST, json={'data': [item('20260131.2'), item('20260131.1')], 'pagination': {}})
    responses.post(LIST + '/20260131.2/promote', json={'id': 'deployment_20260131_2', 'version': '20260131.2', 'shortCode': 'sc2'})
    outcome = promotion('20260131.2')
    assert outcome.changed is True and outcome.values['actions'] == ['promote 20260131.2']
    assert outcome.before == {'current_version': '20260131.1'} and outcome.after == {'current_version': '20260131.2'}
    assert outcome.values['previous_version'] == '20260131.1'
    assert responses.calls[1].request.params == {'page[size]': '100'}
    assert writes()[0].request.url == LIST + '/20260131.2/promote'   # no allowRollbacks


@responses.activate
def test_check_mode_sends_no_write_and_predicts():
    responses.get(CURRENT, json=item('20260131.1'))
    responses.get(LIST, json={'data': [item('20260131.2')], 'pagination': {}})
    outcome = promotion('20260131.2', check_mode=True)
    assert outcome.changed is True and outcome.values['actions'] == ['promote 20260131.2']
    assert writes() == []
    assert outcome.resource['version'] == '20260131.2'


@responses.activate
def test_an_older_version_is_refused_without_allow_rollback():
    responses.get(CURRENT, json=item('20260131.2'))
    responses.get(LIST, json={'data': [item('20260131.2'), item('20260131.1')], 'pagination': {}})
    with pytest.raises(TriggerInputError, match='older than the current version 20260131.2.*allow_rollback=true'):
        promotion('20260131.1')
    assert writes() == []


@responses.activate
def test_rollback_sends_allow_rollbacks():
    responses.get(CURRENT, json=item('20260131.2'))
    responses.get(LIST, json={'data': [item('20260131.2'), item('20260131.1')], 'pagination': {}})
    responses.post(LIST + '/20260131.1/promote', json={'id': 'x', 'version': '20260131.1', 'shortCode': 'sc1'})
    outcome = promotion('20260131.1', allow_rollback=True)
    assert outcome.changed and writes()[0].request.params == {'allowRollbacks': 'true'}


@responses.activate
def test_the_version_is_searched_page_by_page():
    responses.get(CURRENT, json=item('20260131.9'))
    responses.get(LIST, json={'data': [item('20260131.9'), item('20260131.8')], 'pagination': {'next': 'deployment_20260131_8'}},
                  match=[responses.matchers.query_param_matcher({'page[size]': '100'})])
    responses.get(LIST, json={'data': [item('20260130.1')], 'pagination': {}},
                  match=[responses.matchers.query_param_matcher({'page[size]': '100', 'page[after]': 'deployment_20260131_8'})])
    responses.post(LIST + '/20260130.1/promote', json={})
    outcome = promotion('20260130.1', allow_rollback=True)
    assert outcome.changed and len(responses.calls) == 4


@responses.activate
@pytest.mark.parametrize('status, match', [('FAILED', r'FAILED, not DEPLOYED.*\(BuildError: npm ci failed\)'),
                                           ('BUILDING', r'BUILDING, not DEPLOYED.*set wait=true')])
def test_a_version_that_is_not_deployed_is_refused(status, match):
    responses.get(CURRENT, json=item('20260131.1'))
    responses.get(LIST, json={'data': [item('20260131.2', status, error={'name': 'BuildError', 'message': 'npm ci failed'}
                                            if status == 'FAILED' else None)], 'pagination': {}})
    with pytest.raises(TriggerError, match=match):
        promotion('20260131.2')
    assert writes() == []


@responses.activate
def test_unknown_version_fails_before_any_write():
    responses.get(CURRENT, json=item('20260131.1'))
    responses.get(LIST, json={'data': [item('20260131.1')], 'pagination': {}})
    with pytest.raises(d.DeploymentNotFound, match='No deployment of version 20260131.7 in the prod environment'):
        promotion('20260131.7')


@responses.activate
def test_no_current_deployment_promotes_without_a_rollback_check():
    responses.get(CURRENT, status=404, json={'error': 'Not found'}, headers={'x-should-retry': 'false'})
    responses.get(LIST, json={'data': [item('20260131.1')], 'pagination': {}})
    responses.post(LIST + '/20260131.1/promote', json={})
    outcome = promotion('20260131.1')
    assert outcome.changed and outcome.values['previous_version'] is None and outcome.before == {'current_version': None}


@responses.activate
def test_wait_polls_until_deployed_then_promotes():
    responses.get(CURRENT, json=item('20260131.1'))
    for status in ('BUILDING', 'DEPLOYING', 'DEPLOYED'):
        responses.get(LIST, json={'data': [item('20260131.2', status)], 'pagination': {}})
    responses.post(LIST + '/20260131.2/promote', json={})
    slept = []
    outcome = d.DeploymentPromotion(client(), False, '20260131.2', wait=True, poll_interval=3, sleep=slept.append).run()
    assert outcome.values['actions'] == ['wait for 20260131.2 to be DEPLOYED (it is BUILDING), then promote it']
    assert slept == [3, 3] and outcome.resource['status'] == 'DEPLOYED'
    assert len(writes()) == 1


@responses.activate
def test_wait_stops_when_the_version_fails():
    responses.get(CURRENT, json=item('20260131.1'))
    responses.get(LIST, json={'data': [item('20260131.2', 'BUILDING')], 'pagination': {}})
    responses.get(LIST, json={'data': [item('20260131.2', 'FAILED')], 'pagination': {}})
    with pytest.raises(TriggerError, match='ended FAILED while waiting'):
        promotion('20260131.2', wait=True)
    assert writes() == []


@responses.activate
def test_wait_times_out_without_promoting():
    responses.get(CURRENT, json=item('20260131.1'))
    responses.get(LIST, json={'data': [item('20260131.2', 'BUILDING')], 'pagination': {}})
    now = [0.0]

    def sleep(seconds):
        now[0] += seconds

    operation = d.DeploymentPromotion(client(), False, '20260131.2', wait=True, wait_timeout=10, poll_interval=4, clock=lambda: now[0],
                                      sleep=sleep)
    with pytest.raises(d.DeploymentWaitTimeout, match='still BUILDING after 10 seconds'):
        operation.run()
    assert writes() == [] and now[0] == 10


@responses.activate
def test_server_refusal_is_surfaced():
    responses.get(CURRENT, json=item('20260131.1'))
    responses.get(LIST, json={'data': [item('20260131.2')], 'pagination': {}})
    responses.post(LIST + '/20260131.2/promote', status=400, json={'error': 'Deployment is not associated with a worker and cannot be promoted.'})
    with pytest.raises(TriggerAPIError, match='not associated with a worker'):
        promotion('20260131.2')


@responses.activate
def test_an_access_token_fetches_the_secret_key_first():
    responses.get(API + '/api/v1/projects/proj_abc/prod', json={'apiKey': PROD_KEY})
    responses.get(CURRENT, json=item('20260131.1'))
    outcome = d.DeploymentPromotion(client(PAT, project_ref='proj_abc', environment='prod'), False, '20260131.1').run()
    assert outcome.changed is False
    assert responses.calls[1].request.headers['authorization'] == 'Bearer ' + PROD_KEY


@pytest.mark.parametrize('kwargs, match', [
    (dict(version=''), 'not a deployment version'),
    (dict(version=' 20260131.1'), 'not a deployment version'),
    (dict(version='20260131.1', wait_timeout=-1), 'wait_timeout'),
    (dict(version='20260131.1', poll_interval=0), 'poll_interval'),
])
def test_bad_promotion_input_is_refused_before_any_request(kwargs, match):
    with responses.RequestsMock() as rsps:
        with pytest.raises(TriggerInputError, match=match):
            d.DeploymentPromotion(client(), False, **kwargs)
        assert not rsps.calls


# ---------------------------------------------------------------------- DeploymentRead

@responses.activate
def test_list_with_filters_and_limit():
    responses.get(LIST, json={'data': [item('20260131.3'), item('20260131.2')], 'pagination': {'next': 'deployment_20260131_2'}})
    found = d.DeploymentRead(client(), status='DEPLOYED', created_after='2026-01-01', created_before='1767225600', limit=2).run().resource
    assert [f['version'] for f in found] == ['20260131.3', '20260131.2']
    assert responses.calls[0].request.params == {'status': 'DEPLOYED', 'from': '2026-01-01', 'to': '1767225600', 'page[size]': '100'}
    assert len(responses.calls) == 1   # the limit was reached on the first page
    assert set(found[0]) >= set(d.VIEW_KEYS)


@responses.activate
def test_read_by_id_renames_error_data_and_keeps_the_worker():
    responses.get(LIST + '/deployment_x', json={'id': 'deployment_x', 'status': 'FAILED', 'version': '20260131.1', 'commitSHA': 'abc',
                                                'errorData': {'name': 'E', 'message': 'm'}, 'worker': {'id': 'w', 'tasks': []}})
    found = d.DeploymentRead(client(), deployment_id='deployment_x').run().resource
    assert found[0]['error'] == {'name': 'E', 'message': 'm'} and found[0]['commit_sha'] == 'abc' and found[0]['worker']['id'] == 'w'
    assert found[0]['created_at'] is None


@responses.activate
@pytest.mark.parametrize('kwargs, url', [(dict(deployment_id='deployment_nope'), LIST + '/deployment_nope'), (dict(version='20990101.1'), LIST)])
def test_an_explicit_deployment_that_does_not_exist_fails(kwargs, url):
    if url == LIST:
        responses.get(url, json={'data': [], 'pagination': {}})
    else:
        responses.get(url, status=404, json={'error': 'Deployment not found'})
    with pytest.raises(d.DeploymentNotFound):
        d.DeploymentRead(client(), **kwargs).run()


@responses.activate
def test_current_without_a_current_deployment_is_an_empty_list():
    responses.get(CURRENT, status=404, json={'error': 'Not found'})
    assert d.DeploymentRead(client(), current=True).run().resource == []


@pytest.mark.parametrize('kwargs, match', [
    (dict(deployment_id='deployment_x', version='1'), 'cannot be combined'),
    (dict(current=True, status='FAILED'), 'cannot be combined'),
    (dict(status='INSTALLING'), 'cannot filter on INSTALLING'),
    (dict(period='a week'), 'period must be a duration'),
    (dict(period='7d', created_after='2026-01-01'), 'period cannot be combined'),
    (dict(created_before='2026-01-01'), 'created_before needs created_after'),
    (dict(created_after='yesterday'), 'created_after must be an ISO 8601 date'),
    (dict(created_after='123456'), 'created_after must be an ISO 8601 date'),
    (dict(limit=0), 'limit must be 1 or more'),
])
def test_bad_read_input_is_refused_before_any_request(kwargs, match):
    with responses.RequestsMock() as rsps:
        with pytest.raises(TriggerInputError, match=match):
            d.DeploymentRead(client(), **kwargs)
        assert not rsps.calls
