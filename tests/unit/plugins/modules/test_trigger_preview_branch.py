# -*- coding: utf-8 -*-
# Copyright: triggerdev.management contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""trigger_preview_branch and trigger_preview_branch_info: main() with set arguments against mocked HTTP."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json

import pytest
import responses
from ansible.module_utils import basic
from ansible.module_utils.testing import patch_module_args

from ansible_collections.triggerdev.management.plugins.modules import trigger_preview_branch, trigger_preview_branch_info

API = 'https://api.example.test'
REF = 'proj_abc'
PAT = 'tr_pat_' + 'p' * 40
PREVIEW_KEY = 'tr_preview_' + 'b' * 24
PROD_KEY = 'tr_prod_' + 'c' * 24
BRANCHES = API + '/api/v1/projects/proj_abc/branches'
ARCHIVE = BRANCHES + '/archive'
RUNS = API + '/api/v1/runs'
ROW_KEY = 'tr_preview_' + 'k' * 24


class Exit(Exception):
    pass


class Fail(Exception):
    pass


@pytest.fixture(autouse=True)
def _no_env(monkeypatch):
    for name in ('TRIGGER_SECRET_KEY', 'TRIGGER_ACCESS_TOKEN', 'TRIGGER_API_URL', 'TRIGGER_PROJECT_REF',
                 'TRIGGER_ENVIRONMENT', 'TRIGGER_PREVIEW_BRANCH'):
        monkeypatch.delenv(name, raising=False)


def run(module, args, check_mode=False, diff=False, monkeypatch=None):
    """Call module.main() and return (result, failed)."""
    args = dict(args)
    args.setdefault('api_url', API)
    args.setdefault('retries', 0)
    if check_mode:
        args['_ansible_check_mode'] = True
    if diff:
        args['_ansible_diff'] = True
    captured = {}

    def exit_json(self, **kwargs):
        captured.update(kwargs)
        raise Exit()

    def fail_json(self, **kwargs):
        captured.update(kwargs)
        raise Fail()

    original_exit, original_fail = basic.AnsibleModule.exit_json, basic.AnsibleModule.fail_json
    basic.AnsibleModule.exit_json, basic.AnsibleModule.fail_json = exit_json, fail_json
    try:
        with patch_module_args(args):
            try:
                module.main()
            except Exit:
                return captured, False
            except Fail:
                return captured, True
    finally:
        basic.AnsibleModule.exit_json, basic.AnsibleModule.fail_json = original_exit, original_fail
    raise AssertionError('module neither exited nor failed')


def item(name, git=None):
    body = {'id': 'env_' + name, 'name': name, 'createdAt': '2026-01-01T00:00:00.000Z', 'updatedAt': '2026-01-02T00:00:00.000Z', 'isPaused': False}
    if git:
        body['git'] = git
    return body


def writes():
    return [c for c in responses.calls if c.request.method != 'GET']


# ---------------------------------------------------------------------- trigger_preview_branch

@responses.activate
def test_create_with_pat_diff_and_snake_case_result():
    responses.get(BRANCHES, json={'branches': []})
    responses.post(BRANCHES, json={'id': 'env_new'})
    result, failed = run(trigger_preview_branch, {'api_key': PAT, 'project_ref': REF, 'branch': 'refs/heads/pr-7',
                                                  'git': {'commit_sha': 'abc', 'pull_request_number': 7}}, diff=True)
    assert not failed
    assert result['changed'] is True
    assert result['branch']['name'] == 'pr-7' and result['branch']['id'] == 'env_new'
    assert set(result['branch']) == {'id', 'name', 'state', 'created_at', 'updated_at', 'archived_at', 'is_paused', 'git'}
    assert result['diff'] == {'before': {'name': 'pr-7', 'state': 'absent'},
                              'after': {'name': 'pr-7', 'state': 'active', 'git': {'commit_sha': 'abc', 'pull_request_number': 7}}}
    sent = json.loads(responses.calls[1].request.body)
    assert sent == {'env': 'preview', 'branch': 'pr-7', 'git': {'commitSha': 'abc', 'pullRequestNumber': 7}}


@responses.activate
def test_second_run_is_unchanged_without_writes():
    responses.get(BRANCHES, json={'branches': [item('pr-7', git={'commitSha': 'abc'})]})
    result, failed = run(trigger_preview_branch, {'api_key': PAT, 'project_ref': REF, 'branch': 'pr-7', 'git': {'commit_sha': 'abc'}})
    assert not failed and result['changed'] is False
    assert writes() == []
    assert result['branch']['git'] == {'commit_sha': 'abc'}


@responses.activate
def test_check_mode_same_keys_no_write():
    responses.get(BRANCHES, json={'branches': []})
    result, failed = run(trigger_preview_branch, {'api_key': PAT, 'project_ref': REF, 'branch': 'pr-7'}, check_mode=True)
    assert not failed and result['changed'] is True and 'branch' in result
    assert writes() == []


@responses.activate
def test_branch_from_environment_variable_and_secret_key(monkeypatch):
    monkeypatch.setenv('TRIGGER_PREVIEW_BRANCH', 'refs/heads/from-env')
    monkeypatch.setenv('TRIGGER_SECRET_KEY', PREVIEW_KEY)
    monkeypatch.setenv('TRIGGER_PROJECT_REF', REF)
    responses.get(RUNS, status=401, json={'error': 'No matching branch env'})
    responses.post(BRANCHES, json={'id': 'env_x'})
    result, failed = run(trigger_preview_branch, {})
    assert not failed and result['changed'] is True and result['branch']['name'] == 'from-env'
    assert responses.calls[0].request.headers['x-trigger-branch'] == 'from-env'
    assert 'x-trigger-branch' not in responses.calls[1].request.headers


@responses.activate
def test_archive_result_never_contains_keys():
    responses.get(BRANCHES, json={'branches': [item('pr-7')]})
    responses.post(ARCHIVE, json={'success': True, 'branch': {'id': 'env_pr-7', 'branchName': 'pr-7', 'apiKey': ROW_KEY, 'pkApiKey': 'pk_x',
                                                              'archivedAt': '2026-01-03T00:00:00.000Z'}})
    result, failed = run(trigger_preview_branch, {'api_key': PAT, 'project_ref': REF, 'branch': 'pr-7', 'state': 'archived'}, diff=True)
    assert not failed and result['changed'] is True
    assert result['branch']['state'] == 'archived'
    text = json.dumps(result)
    assert ROW_KEY not in text and 'pk_x' not in text and PAT not in text


@responses.activate
def test_archive_again_is_unchanged():
    responses.get(BRANCHES, json={'branches': []})
    result, failed = run(trigger_preview_branch, {'api_key': PAT, 'project_ref': REF, 'branch': 'pr-7', 'state': 'archived'})
    assert not failed and result['changed'] is False
    assert writes() == []


@pytest.mark.parametrize('args, message', [
    ({'branch': 'bad..name'}, 'not a valid git branch name'),
    ({'branch': 'refs/other/x'}, 'treats as no branch'),
    ({'branch': 'ok', 'environment': 'prod'}, 'preview environment'),
    ({'branch': 'ok', 'api_key': PROD_KEY}, 'secret key of the prod environment'),
    ({'branch': 'ok', 'project_ref': None}, 'project_ref'),
])
def test_refused_before_any_request(args, message):
    full = {'api_key': PAT, 'project_ref': REF}
    full.update(args)
    with responses.RequestsMock() as rsps:
        result, failed = run(trigger_preview_branch, full)
        assert failed and message in result['msg']
        assert len(rsps.calls) == 0
        assert PAT not in json.dumps(result) and PROD_KEY not in json.dumps(result)


def test_missing_branch_is_refused():
    with responses.RequestsMock() as rsps:
        result, failed = run(trigger_preview_branch, {'api_key': PAT, 'project_ref': REF})
        assert failed and 'branch' in result['msg']
        assert len(rsps.calls) == 0


@responses.activate
def test_api_error_becomes_clean_failure():
    responses.get(BRANCHES, json={'branches': []})
    responses.post(BRANCHES, status=400, json={'error': 'Your preview environment is not branchable'})
    result, failed = run(trigger_preview_branch, {'api_key': PAT, 'project_ref': REF, 'branch': 'pr-7'})
    assert failed
    assert 'not branchable' in result['msg']
    assert result['failure']['status'] == 400 and result['failure']['method'] == 'POST'


# ---------------------------------------------------------------------- trigger_preview_branch_info

@responses.activate
def test_info_lists_and_filters():
    responses.get(BRANCHES, json={'branches': [item('old'), dict(item('new'), updatedAt='2999-01-01T00:00:00.000Z')]})
    result, failed = run(trigger_preview_branch_info, {'api_key': PAT, 'project_ref': REF, 'older_than': '14d'})
    assert not failed and result['changed'] is False
    assert [x['name'] for x in result['branches']] == ['old']


@responses.activate
def test_info_ignores_connection_branch(monkeypatch):
    monkeypatch.setenv('TRIGGER_PREVIEW_BRANCH', 'some-branch')
    responses.get(BRANCHES, json={'branches': []})
    result, failed = run(trigger_preview_branch_info, {'api_key': PAT, 'project_ref': REF, 'environment': 'prod'})
    assert not failed and result['branches'] == []
    assert 'x-trigger-branch' not in responses.calls[0].request.headers


@responses.activate
def test_info_fails_on_unknown_name():
    responses.get(BRANCHES, json={'branches': [item('a')]})
    result, failed = run(trigger_preview_branch_info, {'api_key': PAT, 'project_ref': REF, 'name': 'b'})
    assert failed and 'no active preview branch named b' in result['msg']


@pytest.mark.parametrize('args, message', [
    ({'older_than': '2 weeks'}, 'older_than'),
    ({'name': 'a b'}, 'not a valid git branch name'),
    ({'api_key': PREVIEW_KEY}, 'personal access token'),
])
def test_info_refused_before_any_request(args, message):
    full = {'api_key': PAT, 'project_ref': REF}
    full.update(args)
    with responses.RequestsMock() as rsps:
        result, failed = run(trigger_preview_branch_info, full)
        assert failed and message in result['msg']
        assert len(rsps.calls) == 0
