# -*- coding: utf-8 -*-
# Copyright: triggerdev.management contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""module_utils/branches.py: name clean-up, git metadata, ages, and the branch routes (mocked HTTP)."""

import json

import pytest
import responses

from ansible_collections.triggerdev.management.plugins.module_utils import _branches as b
from ansible_collections.triggerdev.management.plugins.module_utils._client import TriggerClient
from ansible_collections.triggerdev.management.plugins.module_utils._errors import TriggerAPIError, TriggerAuthError

API = 'https://api.example.test'
REF = 'proj_abc'
PAT = 'tr_pat_' + 'p' * 40
OAT = 'tr_oat_' + 'o' * 40
PREVIEW_KEY = 'tr_preview_' + 'b' * 24
PROD_KEY = 'tr_prod_' + 'c' * 24
BRANCHES = API + '/api/v1/projects/proj_abc/branches'
ARCHIVE = BRANCHES + '/archive'
RUNS = API + '/api/v1/runs'
BRANCH_KEY = 'tr_preview_' + 'z' * 24  # what the server puts in the archived environment row


def ensure_branch(api_client, name, state='present', git=None, check_mode=False):
    """BranchState run once; its outcome as a dict (changed, branch, before, after, warnings)."""
    outcome = b.BranchState(api_client, check_mode, name, state=state, git=git).run()
    return {'changed': outcome.changed, 'branch': outcome.resource, 'before': outcome.before, 'after': outcome.after,
            'warnings': outcome.warnings, 'actions': outcome.values['actions']}


def list_branches(api_client, name=None, older_than=None, now=None):
    return b.BranchRead(api_client, name=name, older_than=older_than, now=now).run().resource


def client(key=PAT, branch=None, **kwargs):
    kwargs.setdefault('project_ref', REF)
    return TriggerClient(key, api_url=API, environment='preview', branch=branch, retries=0, sleep=lambda s: None, **kwargs)


def item(name, updated='2026-01-10T00:00:00.000Z', git=None, **extra):
    body = {'id': 'env_' + name.replace('/', '_'), 'name': name, 'createdAt': '2026-01-01T00:00:00.000Z',
            'updatedAt': updated, 'isPaused': False}
    if git is not None:
        body['git'] = git
    body.update(extra)
    return body


def writes(calls):
    return [c for c in calls if c.request.method != 'GET']


def body_of(call):
    return json.loads(call.request.body)


# ---------------------------------------------------------------------- pure helpers

@pytest.mark.parametrize('given, expected', [
    ('feature/login', 'feature/login'),
    ('refs/heads/feature/login', 'feature/login'),
    ('refs/pull/42/head', '42/head'),
    ('refs/remotes/origin/x', 'origin/x'),
    ('  main  ', 'main'),
])
def test_clean_branch_name_strips_server_prefixes(given, expected):
    assert b.clean_branch_name(given) == expected


@pytest.mark.parametrize('bad', ['', None, '   ', 'refs/other/x', 'a b', 'a..b', 'feat~1', 'x^', 'a:b', 'q?', 's*',
                                 'br[x', 'back\\slash', 'x.lock', '/lead', 'trail/', 'a//b', 'x@{1}', '-dash', '.dot'])
def test_clean_branch_name_refuses_invalid_names(bad):
    with pytest.raises(b.TriggerInputError):
        b.clean_branch_name(bad)


def test_git_to_api_maps_and_drops_unset_fields():
    assert b.git_to_api({'commit_sha': 'abc', 'pull_request_number': 7, 'dirty': False, 'remote_url': None}) == {
        'commitSha': 'abc', 'pullRequestNumber': 7, 'dirty': False}
    assert b.git_to_api(None) is None
    assert b.git_to_api({'commit_sha': None}) is None


@pytest.mark.parametrize('bad', [{'pull_request_state': 'draft'}, {'source': 'gitlab'}, {'pull_request_number': '7'},
                                 {'pull_request_number': True}, {'dirty': 'yes'}, {'unknown': 1}])
def test_git_to_api_refuses_bad_values(bad):
    with pytest.raises(b.TriggerInputError):
        b.git_to_api(bad)


def test_git_from_api_round_trip_keeps_unknown_fields():
    assert b.git_from_api({'commitSha': 'abc', 'pullRequestState': 'open', 'newField': 1}) == {
        'commit_sha': 'abc', 'pull_request_state': 'open', 'newField': 1}
    assert b.git_from_api(None) == {}


def test_git_covers():
    assert b.git_covers({'commitSha': 'a', 'dirty': False}, {'commitSha': 'a'})
    assert not b.git_covers({'commitSha': 'a'}, {'commitSha': 'b'})
    assert not b.git_covers({}, {'dirty': False})
    assert b.git_covers(None, None)


@pytest.mark.parametrize('text, seconds', [('14d', 14 * 86400), ('12h', 43200), ('1w2d', 9 * 86400), ('90m', 5400),
                                           ('30s', 30), ('1D 6H', 86400 + 6 * 3600)])
def test_parse_age(text, seconds):
    assert b.parse_age(text) == seconds


@pytest.mark.parametrize('bad', ['14', 14, '', 'd', '2 weeks', '-1d', '1.5d', None])
def test_parse_age_refuses(bad):
    with pytest.raises(b.TriggerInputError):
        b.parse_age(bad)


@pytest.mark.parametrize('text, epoch', [
    ('1970-01-02T00:00:00.000Z', 86400),
    ('1970-01-02T00:00:00Z', 86400),
    ('1970-01-02T01:00:00+01:00', 86400),
    ('1970-01-01T23:00:00-0100', 86400),
    ('1970-01-02T00:00:00.500Z', 86400.5),
])
def test_parse_timestamp(text, epoch):
    assert b.parse_timestamp(text) == pytest.approx(epoch)


def test_parse_timestamp_garbage():
    assert b.parse_timestamp('yesterday') is None
    assert b.parse_timestamp(None) is None


def test_filter_branches_by_age_and_name():
    now = b.parse_timestamp('2026-01-20T00:00:00.000Z')
    branches = [b.branch_from_list_item(item('old', '2026-01-01T00:00:00.000Z')),
                b.branch_from_list_item(item('edge', '2026-01-06T00:00:00.000Z')),
                b.branch_from_list_item(item('new', '2026-01-19T00:00:00.000Z'))]
    assert [x['name'] for x in b.filter_branches(branches, older_than=14 * 86400, now=now)] == ['old', 'edge']
    assert [x['name'] for x in b.filter_branches(branches, older_than=15 * 86400, now=now)] == ['old']
    assert [x['name'] for x in b.filter_branches(branches, name='new', now=now)] == ['new']
    assert [x['name'] for x in b.filter_branches(branches, now=now)] == ['old', 'edge', 'new']


def test_branch_from_row_never_passes_keys_on():
    row = {'id': 'env_1', 'branchName': 'feat', 'apiKey': BRANCH_KEY, 'pkApiKey': 'pk_preview_x', 'archivedAt': '2026-01-02T00:00:00Z',
           'createdAt': '2026-01-01T00:00:00Z', 'updatedAt': '2026-01-02T00:00:00Z', 'paused': False, 'git': {'commitSha': 'a'}}
    result = b.branch_from_row(row, 'feat')
    assert result['state'] == 'archived' and result['git'] == {'commit_sha': 'a'}
    assert BRANCH_KEY not in json.dumps(result) and 'pk_preview' not in json.dumps(result)


# ---------------------------------------------------------------------- credentials

def test_secret_key_of_another_environment_is_refused_before_any_request():
    prod = TriggerClient(PROD_KEY, api_url=API, project_ref=REF)
    with responses.RequestsMock() as rsps:
        with pytest.raises(b.TriggerInputError, match='preview environment'):
            ensure_branch(prod, 'feat')
        assert len(rsps.calls) == 0


def test_listing_needs_a_personal_access_token():
    with responses.RequestsMock() as rsps:
        for cred in (client(OAT), client(PREVIEW_KEY, branch='x')):
            with pytest.raises(b.TriggerInputError, match='personal access token'):
                list_branches(cred)
        assert len(rsps.calls) == 0


def test_invalid_branch_refused_before_any_request():
    with responses.RequestsMock() as rsps:
        with pytest.raises(b.TriggerInputError, match='not a valid git branch name'):
            ensure_branch(client(), 'bad..name')
        with pytest.raises(b.TriggerInputError):
            list_branches(client(), older_than='soon')
        assert len(rsps.calls) == 0


# ---------------------------------------------------------------------- present, access token

@responses.activate
def test_present_creates_a_missing_branch_with_git_and_without_branch_header():
    responses.get(BRANCHES, json={'branches': [item('other')]})
    responses.post(BRANCHES, json={'id': 'env_new'})
    result = ensure_branch(client(branch='feature/login'), 'refs/heads/feature/login', git={'commit_sha': 'abc', 'pull_request_number': 4})
    assert result['changed'] is True
    assert result['branch']['id'] == 'env_new' and result['branch']['state'] == 'active'
    assert result['before'] == {'name': 'feature/login', 'state': 'absent'}
    assert result['after']['git'] == {'commit_sha': 'abc', 'pull_request_number': 4}
    post = responses.calls[1]
    assert body_of(post) == {'env': 'preview', 'branch': 'feature/login', 'git': {'commitSha': 'abc', 'pullRequestNumber': 4}}
    assert 'x-trigger-branch' not in post.request.headers
    assert 'x-trigger-branch' not in responses.calls[0].request.headers
    assert post.request.headers['authorization'] == 'Bearer ' + PAT


@responses.activate
def test_present_on_active_branch_sends_no_write():
    responses.get(BRANCHES, json={'branches': [item('feat', git={'commitSha': 'abc', 'dirty': False})]})
    result = ensure_branch(client(), 'feat', git={'commit_sha': 'abc'})
    assert result['changed'] is False
    assert result['branch']['created_at'] == '2026-01-01T00:00:00.000Z'
    assert writes(responses.calls) == []


@responses.activate
def test_present_with_new_git_values_merges_the_stored_metadata():
    responses.get(BRANCHES, json={'branches': [item('feat', git={'commitSha': 'abc', 'remoteUrl': 'https://g/r'})]})
    responses.post(BRANCHES, json={'id': 'env_feat'})
    result = ensure_branch(client(), 'feat', git={'commit_sha': 'def'})
    assert result['changed'] is True
    assert body_of(responses.calls[1])['git'] == {'commitSha': 'def', 'remoteUrl': 'https://g/r'}
    assert result['before']['git'] == {'commit_sha': 'abc', 'remote_url': 'https://g/r'}
    assert result['after']['git'] == {'commit_sha': 'def', 'remote_url': 'https://g/r'}


@responses.activate
def test_present_check_mode_reads_only():
    responses.get(BRANCHES, json={'branches': []})
    result = ensure_branch(client(), 'feat', check_mode=True)
    assert result['changed'] is True and result['branch']['id'] is None
    assert writes(responses.calls) == []


@responses.activate
def test_create_error_names_the_api_message():
    responses.get(BRANCHES, json={'branches': []})
    responses.post(BRANCHES, status=400, json={'error': "You've used all 5 of 5 branches for your plan."})
    with pytest.raises(TriggerAPIError, match='5 of 5 branches'):
        ensure_branch(client(), 'feat')


# ---------------------------------------------------------------------- present, preview secret key

@responses.activate
def test_secret_key_probe_missing_then_create():
    responses.get(RUNS, status=401, json={'error': 'No matching branch env'})
    responses.post(BRANCHES, json={'id': 'env_new'})
    result = ensure_branch(client(PREVIEW_KEY, branch='feat'), 'feat')
    assert result['changed'] is True and result['branch']['id'] == 'env_new'
    probe, post = responses.calls
    assert probe.request.headers['x-trigger-branch'] == 'feat'
    assert 'page%5Bsize%5D=1' in probe.request.url
    assert 'x-trigger-branch' not in post.request.headers
    assert post.request.headers['authorization'] == 'Bearer ' + PREVIEW_KEY


@responses.activate
def test_secret_key_probe_existing_sends_no_write():
    responses.get(RUNS, json={'data': [], 'pagination': {}})
    result = ensure_branch(client(PREVIEW_KEY, branch='feat'), 'feat')
    assert result['changed'] is False and result['branch']['state'] == 'active'
    assert len(responses.calls) == 1


@responses.activate
def test_secret_key_probe_uses_the_managed_name_not_the_client_branch():
    responses.get(RUNS, status=401, json={'error': 'No matching branch env'})
    ensure_branch(client(PREVIEW_KEY, branch='other'), 'feat', check_mode=True)
    assert responses.calls[0].request.headers['x-trigger-branch'] == 'feat'


@responses.activate
def test_secret_key_existing_branch_with_git_warns_and_writes_nothing():
    responses.get(RUNS, json={'data': []})
    result = ensure_branch(client(PREVIEW_KEY, branch='feat'), 'feat', git={'commit_sha': 'x'})
    assert result['changed'] is False
    assert 'cannot be read' in result['warnings'][0]
    assert len(responses.calls) == 1


@responses.activate
def test_secret_key_invalid_is_an_error_not_absent():
    responses.get(RUNS, status=401, json={'error': 'Invalid API key'})
    with pytest.raises(TriggerAuthError, match='Invalid API key'):
        ensure_branch(client(PREVIEW_KEY, branch='feat'), 'feat')
    assert len(responses.calls) == 1


@responses.activate
def test_secret_key_without_runs_scope_falls_back_to_upsert_with_warning():
    responses.get(RUNS, status=403, json={'error': 'Unauthorized'})
    responses.post(BRANCHES, json={'id': 'env_feat'})
    result = ensure_branch(client(PREVIEW_KEY, branch='feat'), 'feat')
    assert result['changed'] is True
    assert any('could not be checked' in w for w in result['warnings'])
    assert any('upsert' in w for w in result['warnings'])


# ---------------------------------------------------------------------- archived

ARCHIVED_ROW = {'success': True, 'branch': {'id': 'env_feat', 'branchName': 'feat', 'apiKey': BRANCH_KEY, 'archivedAt': '2026-01-05T00:00:00.000Z',
                                            'createdAt': '2026-01-01T00:00:00.000Z', 'updatedAt': '2026-01-05T00:00:00.000Z', 'paused': False}}


@responses.activate
def test_archive_active_branch():
    responses.get(BRANCHES, json={'branches': [item('feat', git={'commitSha': 'a'})]})
    responses.post(ARCHIVE, json=ARCHIVED_ROW)
    result = ensure_branch(client(), 'refs/heads/feat', state='archived')
    assert result['changed'] is True
    assert result['branch']['state'] == 'archived' and result['branch']['archived_at'] == '2026-01-05T00:00:00.000Z'
    assert result['branch']['git'] == {'commit_sha': 'a'}
    assert BRANCH_KEY not in json.dumps(result)
    assert body_of(responses.calls[1]) == {'env': 'preview', 'branch': 'feat'}
    assert result['before']['state'] == 'active' and result['after']['state'] == 'archived'


@responses.activate
def test_archive_missing_branch_sends_no_write():
    responses.get(BRANCHES, json={'branches': [item('other')]})
    result = ensure_branch(client(), 'feat', state='archived')
    assert result['changed'] is False and result['branch']['state'] == 'absent'
    assert writes(responses.calls) == []


@responses.activate
def test_archive_check_mode():
    responses.get(BRANCHES, json={'branches': [item('feat')]})
    result = ensure_branch(client(), 'feat', state='archived', check_mode=True)
    assert result['changed'] is True and result['after']['state'] == 'archived'
    assert writes(responses.calls) == []


@pytest.mark.parametrize('status, message, state', [(400, 'Branch already archived', 'archived'), (404, 'Branch not found', 'absent')])
def test_archive_race_already_archived_or_missing_is_no_change(status, message, state):
    with responses.RequestsMock() as rsps:
        rsps.get(BRANCHES, json={'branches': [item('feat')]})
        rsps.post(ARCHIVE, status=status, json={'error': message})
        result = ensure_branch(client(), 'feat', state='archived')
        assert result['changed'] is False and result['branch']['state'] == state
        assert len(rsps.calls) == 2  # a 404 is not retried here


@responses.activate
def test_archive_other_400_is_an_error():
    responses.get(BRANCHES, json={'branches': [item('feat')]})
    responses.post(ARCHIVE, status=400, json={'error': 'Failed to archive branch'})
    with pytest.raises(TriggerAPIError, match='Failed to archive branch'):
        ensure_branch(client(), 'feat', state='archived')


@responses.activate
def test_archive_with_secret_key():
    responses.get(RUNS, json={'data': []})
    responses.post(ARCHIVE, json=ARCHIVED_ROW)
    result = ensure_branch(client(PREVIEW_KEY, branch='feat'), 'feat', state='archived')
    assert result['changed'] is True
    assert 'x-trigger-branch' not in responses.calls[1].request.headers


@responses.activate
def test_archive_with_secret_key_on_server_that_refuses_keys_explains():
    responses.get(RUNS, json={'data': []})
    responses.post(ARCHIVE, status=401, json={'error': 'Invalid or Missing Access Token'})
    with pytest.raises(TriggerAPIError, match='only with an access token'):
        ensure_branch(client(PREVIEW_KEY, branch='feat'), 'feat', state='archived')


@responses.activate
def test_archive_with_organization_token_relies_on_the_status():
    responses.post(ARCHIVE, status=400, json={'error': 'Branch already archived'})
    result = ensure_branch(client(OAT), 'feat', state='archived')
    assert result['changed'] is False
    assert len(responses.calls) == 1


# ---------------------------------------------------------------------- info

@responses.activate
def test_list_branches_filters_and_fails_on_unknown_name():
    responses.get(BRANCHES, json={'branches': [item('a', '2020-01-01T00:00:00.000Z'), item('b', '2999-01-01T00:00:00.000Z')]})
    assert [x['name'] for x in list_branches(client())] == ['a', 'b']
    assert [x['name'] for x in list_branches(client(), older_than='14d')] == ['a']
    assert list_branches(client(), name='b', older_than='1d') == []
    with pytest.raises(b.BranchNotFound, match='no active preview branch named c'):
        list_branches(client(), name='refs/heads/c')
    assert all('x-trigger-branch' not in c.request.headers for c in responses.calls)


@responses.activate
def test_list_branches_error_status():
    responses.get(BRANCHES, status=400, json={'error': "You don't have preview branches setup. Go to the dashboard to enable them."})
    with pytest.raises(TriggerAPIError, match='preview branches setup'):
        list_branches(client())
