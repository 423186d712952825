# -*- coding: utf-8 -*-
# Copyright: triggerdev.management contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""trigger_deployment and trigger_deployment_info: main() with set arguments against mocked HTTP."""

import responses

from ansible_collections.triggerdev.management.plugins.modules import trigger_deployment, trigger_deployment_info

API = 'https://api.example.test'
PROD_KEY = 'tr_prod_' + 'c' * 24
LIST = API + '/api/v1/deployments'
CURRENT = LIST + '/current'
BASE = {'api_key': PROD_KEY, 'api_url': API, 'retries': 0}


def item(version, status='DEPLOYED'):
    return {'id': 'deployment_' + version[-1], 'createdAt': '2026-01-31T10:00:00.000Z', 'shortCode': 'sc', 'version': version,
            'runtime': 'node', 'runtimeVersion': '22', 'status': status, 'deployedAt': None, 'git': {'commitSha': 'abc'}}


@responses.activate
def test_promote_with_diff(call_main):
    responses.get(CURRENT, json=item('20260131.1'))
    responses.get(LIST, json={'data': [item('20260131.2')], 'pagination': {}})
    responses.post(LIST + '/20260131.2/promote', json={})
    result = call_main(trigger_deployment, dict(BASE, version='20260131.2'), diff=True)
    assert result['changed'] is True and result['actions'] == ['promote 20260131.2']
    assert result['previous_version'] == '20260131.1'
    assert result['deployment']['version'] == '20260131.2' and result['deployment']['git'] == {'commit_sha': 'abc'}
    assert result['diff'] == {'before': {'current_version': '20260131.1'}, 'after': {'current_version': '20260131.2'}}


@responses.activate
def test_current_version_changes_nothing(call_main):
    responses.get(CURRENT, json=item('20260131.2'))
    result = call_main(trigger_deployment, dict(BASE, version='20260131.2'), check=True)
    assert result['changed'] is False and result['actions'] == [] and len(responses.calls) == 1


@responses.activate
def test_check_mode_rollback_sends_nothing(call_main):
    responses.get(CURRENT, json=item('20260131.2'))
    responses.get(LIST, json={'data': [item('20260131.2'), item('20260131.1')], 'pagination': {}})
    result = call_main(trigger_deployment, dict(BASE, version='20260131.1', allow_rollback=True), check=True)
    assert result['changed'] is True and result['actions'] == ['promote 20260131.1']
    assert [c.request.method for c in responses.calls] == ['GET', 'GET']


@responses.activate
def test_refusal_has_the_usual_failure_keys(call_main):
    responses.get(CURRENT, json=item('20260131.2'))
    responses.get(LIST, json={'data': [item('20260131.2'), item('20260131.1')], 'pagination': {}})
    result = call_main(trigger_deployment, dict(BASE, version='20260131.1'), fail=True)
    assert 'allow_rollback=true' in result['msg'] and result['failure']['status'] is None and result['changed'] is False


@responses.activate
def test_info_current_and_list(call_main):
    responses.get(CURRENT, json=item('20260131.2'))
    result = call_main(trigger_deployment_info, dict(BASE, current=True))
    assert [d['version'] for d in result['deployments']] == ['20260131.2'] and result['changed'] is False
    responses.get(LIST, json={'data': [item('20260131.2'), item('20260131.1', 'FAILED')], 'pagination': {}})
    result = call_main(trigger_deployment_info, dict(BASE, status='FAILED', period='7d'))
    assert len(result['deployments']) == 2
    assert responses.calls[-1].request.params == {'status': 'FAILED', 'period': '7d', 'page[size]': '100'}


@responses.activate
def test_info_unknown_version_fails(call_main):
    responses.get(LIST, json={'data': [], 'pagination': {}})
    result = call_main(trigger_deployment_info, dict(BASE, version='20260131.9'), fail=True)
    assert 'No deployment of version 20260131.9 in the prod environment' in result['msg']


def test_info_bad_status_choice_is_refused(call_main):
    with responses.RequestsMock() as rsps:
        result = call_main(trigger_deployment_info, dict(BASE, status='INSTALLING'), fail=True)
        assert 'status' in result['msg'] and not rsps.calls
