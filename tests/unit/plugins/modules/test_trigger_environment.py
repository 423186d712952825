# -*- coding: utf-8 -*-
# Copyright: triggerdev.management contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""trigger_environment, trigger_environment_info and trigger_worker_info: main() with set arguments against mocked HTTP."""

import responses

from ansible_collections.triggerdev.management.plugins.modules import trigger_environment, trigger_environment_info, trigger_worker_info

API = 'https://api.example.test'
PAT = 'tr_pat_' + 'p' * 40
PROD_KEY = 'tr_prod_' + 'c' * 24
PROJECT = API + '/api/v1/projects/proj_abc'
BASE = {'api_key': PAT, 'api_url': API, 'retries': 0, 'project_ref': 'proj_abc'}
LISTING = [{'id': 'env_prod', 'slug': 'prod', 'type': 'PRODUCTION', 'isBranchableEnvironment': False, 'branchName': None, 'paused': False}]


@responses.activate
def test_pause_with_diff_then_no_change(call_main):
    responses.get(PROJECT + '/environments', json=LISTING)
    responses.post(PROJECT + '/prod/pause', json={'paused': True, 'state': 'paused'})
    result = call_main(trigger_environment, dict(BASE, environment='prod', paused=True), diff=True)
    assert result['changed'] is True and result['actions'] == ['pause prod'] and result['environment']['paused'] is True
    assert result['diff'] == {'before': {'paused': False}, 'after': {'paused': True}}
    result = call_main(trigger_environment, dict(BASE, environment='prod', paused=False))
    assert result['changed'] is False and len(responses.calls) == 3


def test_secret_key_is_refused_before_any_request(call_main):
    with responses.RequestsMock() as rsps:
        result = call_main(trigger_environment, dict(BASE, api_key=PROD_KEY, paused=True), fail=True)
        assert 'needs a personal access token' in result['msg'] and result['failure']['status'] is None
        result = call_main(trigger_environment_info, dict(BASE, api_key=PROD_KEY), fail=True)
        assert 'personal access token' in result['msg']
        result = call_main(trigger_worker_info, dict(BASE, api_key=PROD_KEY), fail=True)
        assert 'needs an access token' in result['msg']
        assert not rsps.calls


@responses.activate
def test_info_lists_environments(call_main):
    responses.get(PROJECT + '/environments', json=LISTING)
    result = call_main(trigger_environment_info, BASE)
    assert result['environments'][0]['environment'] == 'prod' and result['changed'] is False


@responses.activate
def test_worker_info(call_main):
    responses.get(PROJECT + '/prod/workers/current', json={'worker': {'id': 'w', 'version': '20260131.1', 'tasks': [
        {'slug': 'send-email', 'triggerSource': 'STANDARD', 'queueConfig': None}]}, 'urls': {'runs': 'u'}})
    result = call_main(trigger_worker_info, dict(BASE, environment='prod', tasks=['send-email']))
    assert result['workers'][0]['version'] == '20260131.1'
    assert result['workers'][0]['tasks'][0]['queue'] == 'send-email'
