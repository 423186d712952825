# -*- coding: utf-8 -*-
# Copyright: triggerdev.management contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Preview branches: the branch routes of the management API and the operations on them.

This is an internal module of the collection, not a public API: it may change in any release. No Ansible imports.

Routes (read from the Trigger.dev server source; they are not in the OpenAPI document):

* ``POST /api/v1/projects/{ref}/branches`` body ``{"env": "preview", "branch": NAME, "git": {...}?}``:
  an upsert keyed on the branch's shortcode, answers ``{"id": ...}`` and never says whether it created
  anything. On an existing branch it only replaces ``git`` (and bumps ``updatedAt``). Accepts a personal
  or organization access token, or the secret key of the preview *parent* environment (scope
  ``write:branches``). With a secret key the ``x-trigger-branch`` header must not be sent: it would pivot
  the key to the branch environment (401 for a new branch, 403 "API keys must belong to the parent
  Preview environment." for an existing one).
* ``GET /api/v1/projects/{ref}/branches``: personal access token only (an organization token or a
  secret key gets 401). Lists the *active* branches ``{"branches": [{id, name, createdAt, updatedAt,
  git?, isPaused}]}``, not paginated. The header is not read.
* ``POST /api/v1/projects/{ref}/branches/archive`` body ``{"env": "preview", "branch": NAME}``: 404
  "Branch not found", 400 "Branch already archived", 200 ``{success, branch: <environment row>,
  organization, project}``. The name is matched exactly (no clean-up). Access tokens; newer servers
  also take the preview parent's secret key. The environment row in the answer carries the branch's
  API keys, so it is never passed on as it is (see ``branch_from_row``).
"""

import time

from ansible_collections.triggerdev.management.plugins.module_utils._base import Operation
from ansible_collections.triggerdev.management.plugins.module_utils._client import (
    AUTH_ANY,
    AUTH_PAT,
    AUTH_SECRET_KEY,
    encode_path,
)
from ansible_collections.triggerdev.management.plugins.module_utils._credentials import normalize_branch
from ansible_collections.triggerdev.management.plugins.module_utils._errors import (
    TriggerAPIError,
    TriggerAuthError,
    TriggerError,
    TriggerInputError,
    TriggerNotFound,
)
from ansible_collections.triggerdev.management.plugins.module_utils._time import duration_ms, parse_iso_ms

PRESENT = 'present'
ARCHIVED = 'archived'
STATES = (PRESENT, ARCHIVED)

# What a branch is in results and diffs.
ACTIVE = 'active'
ABSENT = 'absent'

# Module/return option name -> API field of the branch's git metadata (GitMeta in the server).
GIT_FIELDS = (
    ('commit_sha', 'commitSha'),
    ('commit_ref', 'commitRef'),
    ('commit_message', 'commitMessage'),
    ('commit_author_name', 'commitAuthorName'),
    ('dirty', 'dirty'),
    ('remote_url', 'remoteUrl'),
    ('pull_request_number', 'pullRequestNumber'),
    ('pull_request_title', 'pullRequestTitle'),
    ('pull_request_state', 'pullRequestState'),
    ('provider', 'provider'),
    ('source', 'source'),
    ('gh_username', 'ghUsername'),
    ('gh_user_avatar_url', 'ghUserAvatarUrl'),
)
GIT_TO_API = dict(GIT_FIELDS)
GIT_FROM_API = dict((api, opt) for opt, api in GIT_FIELDS)
PULL_REQUEST_STATES = ('open', 'closed', 'merged')
GIT_SOURCES = ('trigger_github_app', 'github_actions', 'local')

# Message of the 401 the runs list answers for a preview key whose branch has no active environment.
NO_BRANCH_ENV = 'no matching branch env'

AGE_UNITS = ('w', 'd', 'h', 'm', 's')


class BranchNotFound(TriggerError):
    """An explicitly named branch has no active environment."""


# ---------------------------------------------------------------------- pure helpers

def clean_branch_name(name):
    """The branch name as the server stores it, or TriggerInputError (an invalid git branch name, or none)."""
    cleaned = normalize_branch(name)
    if not cleaned:
        raise TriggerInputError('branch is required: the name of the preview branch (for example the pull request '
                                'branch), or set TRIGGER_PREVIEW_BRANCH.')
    return cleaned


def git_to_api(git):
    """Module-style git metadata (snake_case, None for unset) -> the API's GitMeta object, or None."""
    if not git:
        return None
    result = {}
    for key, value in git.items():
        if value is None:
            continue
        if key not in GIT_TO_API:
            raise TriggerInputError('Unknown git metadata field %r; use %s.' % (key, ', '.join(opt for opt, _api in GIT_FIELDS)))
        if key == 'pull_request_state' and value not in PULL_REQUEST_STATES:
            raise TriggerInputError('git.pull_request_state must be one of %s.' % ', '.join(PULL_REQUEST_STATES))
        if key == 'source' and value not in GIT_SOURCES:
            raise TriggerInputError('git.source must be one of %s.' % ', '.join(GIT_SOURCES))
        if key == 'pull_request_number' and (isinstance(value, bool) or not isinstance(value, int)):
            raise TriggerInputError('git.pull_request_number must be an integer.')
        if key == 'dirty' and not isinstance(value, bool):
            raise TriggerInputError('git.dirty must be a boolean.')
        result[GIT_TO_API[key]] = value
    return result or None


def git_from_api(git):
    """The API's GitMeta object -> snake_case keys (unknown fields are kept under their API name)."""
    if not isinstance(git, dict):
        return {}
    return dict((GIT_FROM_API.get(key, key), value) for key, value in git.items())


def git_covers(current, wanted):
    """Whether the stored API git object already holds every wanted field with the same value."""
    if not wanted:
        return True
    current = current if isinstance(current, dict) else {}
    return all(key in current and current[key] == value for key, value in wanted.items())


def parse_age(text):
    """'14d', '12h', '1w2d', '90m', '30s' -> seconds. Raises TriggerInputError."""
    ms = duration_ms(''.join(text.split()).lower(), AGE_UNITS) if isinstance(text, str) else None
    if ms is None:
        raise TriggerInputError('older_than must look like 14d, 12h, 1w2d, 90m or 30s (weeks, days, hours, minutes, '
                                'seconds; each unit once); got %r.' % (text,))
    return ms // 1000


def parse_timestamp(value):
    """An ISO 8601 timestamp of the API ('2026-01-02T03:04:05.678Z') -> epoch seconds, or None."""
    ms = parse_iso_ms(value)
    return None if ms is None else ms / 1000.0


def branch_from_list_item(item):
    """One item of GET .../branches -> the documented return shape."""
    return {
        'id': item.get('id'),
        'name': item.get('name'),
        'state': ACTIVE,
        'created_at': item.get('createdAt'),
        'updated_at': item.get('updatedAt'),
        'archived_at': None,
        'is_paused': bool(item.get('isPaused', False)),
        'git': git_from_api(item.get('git')),
    }


def branch_from_row(row, name):
    """The environment row of the archive answer -> the documented shape, keeping only safe fields.

    The server returns the whole environment row, API keys included; none of that is passed on.
    """
    row = row if isinstance(row, dict) else {}
    return {
        'id': row.get('id'),
        'name': row.get('branchName') or name,
        'state': ARCHIVED if row.get('archivedAt') else ACTIVE,
        'created_at': row.get('createdAt'),
        'updated_at': row.get('updatedAt'),
        'archived_at': row.get('archivedAt'),
        'is_paused': bool(row.get('paused', False)),
        'git': git_from_api(row.get('git')),
    }


def unknown_branch(name, state, git=None):
    """A branch the API did not describe (absent, or only known by name)."""
    return {'id': None, 'name': name, 'state': state, 'created_at': None, 'updated_at': None,
            'archived_at': None, 'is_paused': False, 'git': git_from_api(git)}


def filter_branches(branches, name=None, older_than=None, now=None):
    """Keep branches named ``name`` (already cleaned) and/or last updated more than ``older_than`` seconds ago."""
    now = time.time() if now is None else now
    result = []
    for branch in branches:
        if name is not None and branch.get('name') != name:
            continue
        if older_than is not None:
            updated = parse_timestamp(branch.get('updated_at')) or parse_timestamp(branch.get('created_at'))
            if updated is None or now - updated < older_than:
                continue
        result.append(branch)
    return sorted(result, key=lambda b: (b.get('updated_at') or '', b.get('name') or ''))


def diff_view(branch):
    """What a diff shows of a branch: its name, state and git metadata (no ids, no keys)."""
    view = {'name': branch['name'], 'state': branch['state']}
    if branch.get('git'):
        view['git'] = dict(branch['git'])
    return view


# ---------------------------------------------------------------------- API calls

class PreviewBranches:
    """The preview-branch routes of one project, on a TriggerClient."""

    def __init__(self, client):
        self.client = client
        self.warnings = []
        credential = client.credential
        if credential.is_secret_key and credential.environment != 'preview':
            raise TriggerInputError('Preview branches are managed with an access token (tr_pat_..., with project_ref) or '
                                    'the secret key of the preview environment (tr_preview_...); this is a %s.'
                                    % credential.describe())
        self.project_ref = client.require_project_ref() if credential.is_access_token else client.project_ref

    @property
    def can_list(self):
        credential = self.client.credential
        return credential.is_access_token and credential.token_type == 'pat'

    def _path(self, *extra):
        ref = self.project_ref
        if not ref:
            raise TriggerInputError('project_ref (proj_...) is required for preview branches: the branch routes are '
                                    'per project. Set project_ref or TRIGGER_PROJECT_REF.')
        return encode_path('api', 'v1', 'projects', ref, 'branches', *extra)

    def list(self):
        """Every active preview branch of the project (personal access token only)."""
        if not self.can_list:
            raise TriggerInputError('Listing preview branches needs a personal access token (tr_pat_...): the API refuses '
                                    'organization access tokens and secret keys on this route.')
        body = self.client.request('GET', self._path(), auth=AUTH_PAT, branch=False) or {}
        items = body.get('branches') if isinstance(body, dict) else None
        return [branch_from_list_item(item) for item in (items or []) if isinstance(item, dict)]

    def find(self, name):
        """The active branch called ``name`` (PAT: one list request), or None."""
        for branch in self.list():
            if branch['name'] == name:
                return branch
        return None

    def probe(self, name):
        """Whether ``name`` has an active branch environment, asked with the preview secret key.

        One small read (the runs list, page size 1) with ``x-trigger-branch: name``: the server resolves the
        branch environment before anything else and answers 401 "No matching branch env" when there is no
        active branch of that name. Returns True, False, or None when the key may not read runs (403).
        """
        try:
            self.client.request('GET', '/api/v1/runs', auth=AUTH_SECRET_KEY, params={'page[size]': 1},
                                branch=False, headers={'x-trigger-branch': name})
        except TriggerAuthError as exc:
            if exc.status == 401 and NO_BRANCH_ENV in (exc.api_message or '').lower():
                return False
            if exc.status == 403:
                self.warnings.append('The secret key may not read runs (HTTP 403), so whether preview branch %s exists '
                                     'could not be checked; use a personal access token for an exact answer.' % name)
                return None
            raise
        return True

    def lookup(self, name):
        """(branch or None, known): the active branch ``name`` by the best means the credential allows."""
        if self.can_list:
            return self.find(name), True
        if self.client.credential.is_secret_key:
            exists = self.probe(name)
            if exists is None:
                return None, False
            return (unknown_branch(name, ACTIVE) if exists else None), True
        # An organization access token can write branches but not list them.
        self.warnings.append('An organization access token cannot list preview branches, so whether %s exists could '
                             'not be checked; use a personal access token for an exact answer.' % name)
        return None, False

    def upsert(self, name, git=None):
        """Create the branch, or replace its git metadata if it exists. Returns the branch id."""
        body = {'env': 'preview', 'branch': name}
        if git:
            body['git'] = git
        answer = self.client.request('POST', self._path(), auth=AUTH_ANY, json_body=body, branch=False) or {}
        return answer.get('id') if isinstance(answer, dict) else None

    def archive(self, name):
        """Archive the active branch ``name``. Returns (archived, branch) where archived is False when
        the API says the branch is already archived (400) or does not exist (404)."""
        try:
            answer = self.client.request('POST', self._path('archive'), auth=AUTH_ANY,
                                         json_body={'env': 'preview', 'branch': name}, branch=False,
                                         retry_not_found=False)
        except TriggerNotFound:
            return False, unknown_branch(name, ABSENT)
        except TriggerAuthError as exc:
            if exc.status == 401 and self.client.credential.is_secret_key:
                raise TriggerAPIError(exc.method, exc.path, exc.status,
                                      '%s (this Trigger.dev server archives branches only with an access token; '
                                      'use a personal or organization access token)' % exc.api_message, body=exc.body)
            raise
        except TriggerAPIError as exc:
            if exc.status == 400 and 'already archived' in (exc.api_message or '').lower():
                return False, unknown_branch(name, ARCHIVED)
            raise
        return True, branch_from_row((answer or {}).get('branch') if isinstance(answer, dict) else None, name)


# ---------------------------------------------------------------------- operations

class BranchState(Operation):
    """trigger_preview_branch: bring branch ``name`` to ``state``; a second run with the same input sends no write.

    The name is cleaned and validated first (before any request); ``git`` uses the module's snake_case keys.
    """

    resource_key = 'branch'

    def __init__(self, client, check_mode, name, state=PRESENT, git=None):
        super().__init__(client, check_mode)
        if state not in STATES:
            raise TriggerInputError('state must be one of %s.' % ', '.join(STATES))
        self.name = clean_branch_name(name)
        self.state = state
        self.wanted_git = git_to_api(git)
        self.api = PreviewBranches(client)

    def run(self):
        current, known = self.api.lookup(self.name)
        before = current if current is not None else unknown_branch(self.name, ABSENT)
        after = self._present(current, known) if self.state == PRESENT else self._archived(current, known, before)
        for warning in self.api.warnings:
            self.warn(warning)
        return self.finish(after, diff_view(before), diff_view(after))

    def _present(self, current, known):
        name, wanted = self.name, self.wanted_git
        if current is not None:
            if wanted and not self.api.can_list:
                self.warn('The git metadata of the existing preview branch %s cannot be read with this credential, so it '
                          'was left as it is; use a personal access token to update it.' % name)
                return current
            stored = dict((GIT_TO_API.get(k, k), v) for k, v in current['git'].items())
            if git_covers(stored, wanted):
                return current
            merged = dict(stored)
            merged.update(wanted)
            self.write('update %s' % name, self.api.upsert, name, merged)
            return dict(current, git=git_from_api(merged))
        after = unknown_branch(name, ACTIVE, wanted)
        after['id'] = self.write('create %s' % name, self.api.upsert, name, wanted)
        if not known:
            self.warn('Preview branch %s was sent to the API as an upsert; it may have existed already.' % name)
        return after

    def _archived(self, current, known, before):
        if known and current is None:
            return before
        answer = self.write('archive %s' % self.name, self.api.archive, self.name)
        if answer is None:  # not sent (check mode)
            if not known:
                self.warn('Whether preview branch %s is active could not be checked; check mode assumes it is.' % self.name)
            return dict(current or before, state=ARCHIVED)
        archived, branch = answer
        if not archived:
            self.outcome.changed = False
            return branch
        if not branch.get('git') and current is not None:
            branch['git'] = current.get('git') or {}
        return branch


class BranchRead(Operation):
    """trigger_preview_branch_info: active preview branches, optionally only ``name`` and/or those idle for more
    than ``older_than``. An explicit ``name`` with no active branch is an error."""

    resource_key = 'branches'
    reports_actions = False

    def __init__(self, client, check_mode=False, name=None, older_than=None, now=None):
        super().__init__(client, check_mode)
        self.name = clean_branch_name(name) if name is not None else None
        self.age = parse_age(older_than) if older_than is not None else None
        self.now = now

    def run(self):
        api = PreviewBranches(self.client)
        branches = api.list()
        if self.name is not None and not any(b['name'] == self.name for b in branches):
            raise BranchNotFound('There is no active preview branch named %s in project %s.' % (self.name, api.project_ref))
        return self.finish(filter_branches(branches, self.name, self.age, self.now))
