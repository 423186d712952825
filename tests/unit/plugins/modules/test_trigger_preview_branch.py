# -*- coding: utf-8 -*-
# Copyright: triggerdev.management contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""trigger_preview_branch and trigger_preview_branch_info: main() with set arguments against mocked HTTP."""

import json

import pytest
import responses

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


@pytest.fixture
def run(call_main):
    """Call module.main() and return (result, failed)."""
    def call(module, args, check_mode=False, diff=False):
        args = dict(args)
        args.setdefault('api_url', API)
        args.setdefault('retries', 0)
        done = call_main(module, args, fail=None, check=check_mode, diff=diff)
        return done.result, done.failed
    return call


def item(name, git=None):
    body = {'id': 'env_' + name, 'name': name, 'createdAt': '2026-01-01T00:00:00.000Z', 'updatedAt': '2026-01-02T00:00:00.000Z', 'isPaused': False}
    if git:
        body['git'] = git
    return body


def writes():
    return [c for c in responses.calls if c.request.method != 'GET']


# ---------------------------------------------------------------------- trigger_preview_branch

@responses.activate
def test_create_with_pat_diff_and_snake_case_result(run):
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
def test_second_run_is_unchanged_without_writes(run):
    responses.get(BRANCHES, json={'branches': [item('pr-7', git={'commitSha': 'abc'})]})
    result, failed = run(trigger_preview_branch, {'api_key': PAT, 'project_ref': REF, 'branch': 'pr-7', 'git': {'commit_sha': 'abc'}})
    assert not failed and result['changed'] is False
    assert writes() == []
    assert result['branch']['git'] == {'commit_sha': 'abc'}


@responses.activate
def test_check_mode_same_keys_no_write(run):
    responses.get(BRANCHES, json={'branches': []})
    result, failed = run(trigger_preview_branch, {'api_key': PAT, 'project_ref': REF, 'branch': 'pr-7'}, check_mode=True)
    assert not failed and result['changed'] is True and 'branch' in result
    assert writes() == []


@responses.activate
def test_branch_from_environment_variable_and_secret_key(monkeypatch, run):
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
def test_archive_result_never_contains_keys(run):
    responses.get(BRANCHES, json={'branches': [item('pr-7')]})
    responses.post(ARCHIVE, json={'success': True, 'branch': {'id': 'env_pr-7', 'branchName': 'pr-7', 'apiKey': ROW_KEY, 'pkApiKey': 'pk_x',
                                                              'archivedAt': '2026-01-03T00:00:00.000Z'}})
    result, failed = run(trigger_preview_branch, {'api_key': PAT, 'project_ref': REF, 'branch': 'pr-7', 'state': 'archived'}, diff=True)
    assert not failed and result['changed'] is True
    assert result['branch']['state'] == 'archived'
    text = json.dumps(result)
    assert ROW_KEY not in text and 'pk_x' not in text and PAT not in text


@responses.activate
def test_archive_again_is_unchanged(run):
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
def test_refused_before_any_request(args, message, run):
    full = {'api_key': PAT, 'project_ref': REF}
    full.update(args)
    with responses.RequestsMock() as rsps:
        result, failed = run(trigger_preview_branch, full)
        assert failed and message in result['msg']
        assert len(rsps.calls) == 0
        assert PAT not in json.dumps(result) and PROD_KEY not in json.dumps(result)


def test_missing_branch_is_refused(run):
    with responses.RequestsMock() as rsps:
        result, failed = run(trigger_preview_branch, {'api_key': PAT, 'project_ref': REF})
        assert failed and 'branch' in result['msg']
        assert len(rsps.calls) == 0


@responses.activate
def test_api_error_becomes_clean_failure(run):
    responses.get(BRANCHES, json={'branches': []})
    responses.post(BRANCHES, status=400, json={'error': 'Your preview environment is not branchable'})
    result, failed = run(trigger_preview_branch, {'api_key': PAT, 'project_ref': REF, 'branch': 'pr-7'})
    assert failed
    assert 'not branchable' in result['msg']
    assert result['failure']['status'] == 400 and result['failure']['method'] == 'POST'


# ---------------------------------------------------------------------- trigger_preview_branch_info

@responses.activate
def test_info_lists_and_filters(run):
    responses.get(BRANCHES, json={'branches': [item('old'), dict(item('new'), updatedAt='2999-01-01T00:00:00.000Z')]})
    result, failed = run(trigger_preview_branch_info, {'api_key': PAT, 'project_ref': REF, 'older_than': '14d'})
    assert not failed and result['changed'] is False
    assert [x['name'] for x in result['branches']] == ['old']


@responses.activate
def test_info_ignores_connection_branch(monkeypatch, run):
    monkeypatch.setenv('TRIGGER_PREVIEW_BRANCH', 'some-branch')
    responses.get(BRANCHES, json={'branches': []})
    result, failed = run(trigger_preview_branch_info, {'api_key': PAT, 'project_ref': REF, 'environment': 'prod'})
    assert not failed and result['branches'] == []
    assert 'x-trigger-branch' not in responses.calls[0].request.headers


@responses.activate
def test_info_fails_on_unknown_name(run):
    responses.get(BRANCHES, json={'branches': [item('a')]})
    result, failed = run(trigger_preview_branch_info, {'api_key': PAT, 'project_ref': REF, 'name': 'b'})
    assert failed and 'no active preview branch named b' in result['msg']


@pytest.mark.parametrize('args, message', [
    ({'older_than': '2 weeks'}, 'older_than'),
    ({'name': 'a b'}, 'not a valid git branch name'),
    ({'api_key': PREVIEW_KEY}, 'personal access token'),
])
def test_info_refused_before_any_request(args, message, run):
    full = {'api_key': PAT, 'project_ref': REF}
    full.update(args)
    with responses.RequestsMock() as rsps:
        result, failed = run(trigger_preview_branch_info, full)
        assert failed and message in result['msg']
        assert len(rsps.calls) == 0
