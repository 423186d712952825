# -*- coding: utf-8 -*-
# Copyright: triggerdev.management contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Organisations, projects and their environments (docs/dev/protocol.md#organisations-and-projects, #environments).

This is an internal module of the collection, not a public API: it may change in any release. No Ansible imports:
used by trigger_project, trigger_project_info, the key rotation and the inventory plugin.

Every route here takes a person's token only: a personal access token or a user-actor token (the server's PAT route
builders); anything else is refused before a request. Three server rules shape the code:

* Creating a project is not idempotent (its slug gets a random suffix), so a project is found by name first.
* ``{org}`` in a path is read as an id when npm cuid's ``isCuid`` says so (any string starting with ``c``), else as a
  slug: an organisation is looked up in the caller's list first and addressed by whichever of the two the server
  reads as that organisation (``org_param``).
* The organisation projects list has no 404: an organisation the server does not find just lists nothing.
"""

from ansible_collections.triggerdev.management.plugins.module_utils._base import Operation
from ansible_collections.triggerdev.management.plugins.module_utils._branches import branch_from_list_item
from ansible_collections.triggerdev.management.plugins.module_utils._client import AUTH_PAT, AUTH_USER, encode_path
from ansible_collections.triggerdev.management.plugins.module_utils._errors import (
    TriggerAPIError,
    TriggerAuthError,
    TriggerError,
    TriggerInputError,
    TriggerNotFound,
)

PRESENT = 'present'
ABSENT = 'absent'
STATES = (PRESENT, ABSENT)
NAME_MAX_LENGTH = 255
REF_PREFIX = 'proj_'
# Environment type -> the name modules take (the stored slug of STAGING is "stg").
ENVIRONMENT_NAMES = {'DEVELOPMENT': 'dev', 'STAGING': 'staging', 'PREVIEW': 'preview', 'PRODUCTION': 'prod'}
# JavaScript's String.prototype.trim, which the server's zod .trim() uses.
JS_WHITESPACE = '\t\n\v\f\r \u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000\ufeff'
CREATE_FAILED = 'failed to create project'


class ProjectNotFound(TriggerError):
    """An explicitly named project or organisation the caller cannot see."""


# ---------------------------------------------------------------------- pure helpers

def require_user_token(client, what):
    """TriggerInputError before any request unless the credential is a personal access or user-actor token."""
    credential = client.credential
    if credential.is_access_token and credential.token_type in ('pat', 'uat'):
        return
    raise TriggerInputError('%s needs a personal access token (tr_pat_...) or a user-actor token minted from one; the API refuses '
                            'this credential (%s) on these routes.' % (what, credential.describe()))


def clean_name(name):
    """A project name as the server stores it (trimmed), or TriggerInputError: 1 to 255 characters after trimming."""
    trimmed = name.strip(JS_WHITESPACE) if isinstance(name, str) else ''
    if not trimmed:
        raise TriggerInputError('name is empty: give the project name (1 to 255 characters).')
    if len(trimmed.encode('utf-16-le')) // 2 > NAME_MAX_LENGTH:
        raise TriggerInputError('name is longer than %d characters, which the API refuses.' % NAME_MAX_LENGTH)
    return trimmed


def clean_ref(ref):
    """A project ref (``proj_...``), or TriggerInputError."""
    if not isinstance(ref, str) or not ref.startswith(REF_PREFIX) or len(ref) <= len(REF_PREFIX) or '/' in ref or ref != ref.strip():
        raise TriggerInputError('%r is not a project ref: a ref looks like proj_abcdefghijklmnopqrst (project settings, '
                                'or trigger_project_info).' % (ref,))
    return ref


def is_cuid(text):
    """npm cuid's isCuid, as the server uses it on ``{org}``: any string starting with ``c``."""
    return isinstance(text, str) and text.startswith('c')


def org_param(org):
    """The ``{org}`` path segment the server reads as this organisation ({id, slug}): its id when that looks like a
    cuid, else its slug when that does not (a slug starting with ``c`` would be read as an id)."""
    if is_cuid(org.get('id')):
        return org['id']
    if org.get('slug') and not is_cuid(org['slug']):
        return org['slug']
    raise TriggerInputError('Organization %s cannot be addressed on this server: its id does not look like a cuid and its slug '
                            'starts with "c", so the server reads the slug as an id.' % org.get('slug'))


def org_view(org):
    org = org if isinstance(org, dict) else {}
    return {'id': org.get('id'), 'slug': org.get('slug'), 'title': org.get('title'), 'created_at': org.get('createdAt')}


def project_view(project):
    """An API project ({id, externalRef, name, slug, createdAt, defaultRegion, organization}) as modules return it."""
    return {
        'id': project.get('id'),
        'ref': project.get('externalRef'),
        'name': project.get('name'),
        'slug': project.get('slug'),
        'created_at': project.get('createdAt'),
        'default_region': project.get('defaultRegion'),
        'organization': org_view(project.get('organization')),
    }


def environment_view(env):
    """An item of the environments list ({id, slug, type, isBranchableEnvironment, branchName, paused})."""
    return {
        'id': env.get('id'),
        'name': ENVIRONMENT_NAMES.get(env.get('type'), env.get('slug')),
        'slug': env.get('slug'),
        'type': env.get('type'),
        'branchable': bool(env.get('isBranchableEnvironment')),
        'paused': bool(env.get('paused')),
    }


def org_matches(org, wanted):
    """Whether an organisation view is the one given by id or slug."""
    return wanted in (org.get('id'), org.get('slug'))


def clean_organization(organization):
    """An organisation slug or id as given (None for none), or TriggerInputError for a blank one."""
    if organization is None:
        return None
    if not isinstance(organization, str) or not organization.strip():
        raise TriggerInputError('organization is empty: give the slug or id of the organization.')
    return organization.strip()


def diff_view(project):
    if project is None:
        return {'state': ABSENT}
    return {'name': project['name'], 'ref': project['ref'], 'organization': project['organization']['slug'], 'state': PRESENT}


# ---------------------------------------------------------------------- API calls

class ProjectsAPI:
    """The organisation and project routes, on a TriggerClient holding a person's token."""

    def __init__(self, client):
        self.client = client

    def _get(self, *segments):
        return self.client.request('GET', encode_path(*segments), auth=AUTH_USER, branch=False, retry_not_found=False)

    def orgs(self):
        """The caller's organisations: [{id, slug, title, created_at}]."""
        return [org_view(o) for o in (self._get('api', 'v1', 'orgs') or []) if isinstance(o, dict)]

    def find_org(self, wanted):
        """The caller's organisation given by id or slug; with ``wanted`` None, the only one. ProjectNotFound else."""
        orgs = self.orgs()
        if wanted is None:
            if len(orgs) == 1:
                return orgs[0]
            raise TriggerInputError('organization is required: the token reaches %s (%s).' % (
                '%d organizations' % len(orgs) if orgs else 'no organization',
                ', '.join(sorted(o['slug'] for o in orgs)) or 'none'))
        for org in orgs:
            if org_matches(org, wanted):
                return org
        raise ProjectNotFound('Organization %s is not one of the organizations this token reaches (%s).'
                              % (wanted, ', '.join(sorted(o['slug'] for o in orgs)) or 'none'))

    def projects(self, org=None):
        """Live projects of the caller's organisations, or of one organisation view: [project_view]."""
        segments = ('api', 'v1', 'projects') if org is None else ('api', 'v1', 'orgs', org_param(org), 'projects')
        return [project_view(p) for p in (self._get(*segments) or []) if isinstance(p, dict)]

    def get(self, ref):
        """The project with this ref, or None when the caller cannot see it (404)."""
        try:
            return project_view(self._get('api', 'v1', 'projects', ref) or {})
        except TriggerNotFound:
            return None

    def get_in(self, ref, organization=None, required=True):
        """The project ``ref``, checked to be in ``organization`` (id or slug) when given; ProjectNotFound when it does not
        exist and is ``required``, else None."""
        project = self.get(ref)
        if project is None and required:
            raise ProjectNotFound('There is no project %s in the organizations this token reaches (projects are created by name '
                                  'and organization, not by ref).' % ref)
        if project is not None and organization and not org_matches(project['organization'], organization):
            raise TriggerInputError('Project %s belongs to organization %s, not %s.' % (ref, project['organization']['slug'], organization))
        return project

    def environments(self, ref):
        """The project's root environments (the caller's own dev): [environment_view]."""
        return [environment_view(e) for e in (self._get('api', 'v1', 'projects', ref, 'environments') or []) if isinstance(e, dict)]

    def branches(self, ref):
        """The active preview branches of any project (the route of _branches.PreviewBranches.list, which serves the
        connection's project): [branch as trigger_preview_branch_info returns it]. Personal access token only."""
        body = self.client.request('GET', encode_path('api', 'v1', 'projects', ref, 'branches'), auth=AUTH_PAT, branch=False) or {}
        items = body.get('branches') if isinstance(body, dict) else None
        return [branch_from_list_item(item) for item in (items or []) if isinstance(item, dict)]

    def create(self, org, name):
        path = encode_path('api', 'v1', 'orgs', org_param(org), 'projects')
        try:
            return project_view(self.client.request('POST', path, auth=AUTH_USER, json_body={'name': name}, branch=False) or {})
        except TriggerAPIError as exc:
            if exc.status == 400 and (exc.api_message or '').lower() == CREATE_FAILED:
                raise refused(exc, 'the server gives no reason; the usual one is the organization\'s project limit')
            raise refused(exc, 'creating a project') if exc.status == 403 else exc

    def rename(self, ref, name):
        path = encode_path('api', 'v1', 'projects', ref)
        try:
            return self.client.request('PATCH', path, auth=AUTH_USER, json_body={'name': name}, branch=False)
        except TriggerAuthError as exc:
            raise refused(exc, 'renaming a project')

    def delete(self, ref):
        """Soft-delete the project; False when it was already gone (404)."""
        path = encode_path('api', 'v1', 'projects', ref)
        try:
            self.client.request('DELETE', path, auth=AUTH_USER, branch=False, retry_not_found=False)
        except TriggerNotFound:
            return False
        except TriggerAuthError as exc:
            raise refused(exc, 'deleting a project')
        return True


def refused(exc, what):
    """The API error with a clearer message: what was refused and, for a 403, why a token gets one."""
    if exc.status == 403:
        hint = ('the server refused %s to this token: a user-actor token needs the capability for it (manage:project), '
                'or use a personal access token of a member' % what)
    else:
        hint = what
    return TriggerAPIError(exc.method, exc.path, exc.status, '%s (%s)' % (exc.api_message, hint), body=exc.body, attempts=exc.attempts)


# ---------------------------------------------------------------------- operations

class ProjectState(Operation):
    """trigger_project: a project named ``name`` exists in ``organization`` (found by name, else created), or the
    project ``ref`` carries ``name`` (renamed); with ``state=absent`` it is deleted."""

    resource_key = 'project'

    def __init__(self, client, check_mode, name=None, organization=None, ref=None, state=PRESENT):
        super().__init__(client, check_mode)
        if state not in STATES:
            raise TriggerInputError('state must be one of %s.' % ', '.join(STATES))
        if name is None and ref is None:
            raise TriggerInputError('Give name (with organization) or ref to say which project.')
        if state == PRESENT and name is None:
            raise TriggerInputError('name is required with state=present: the name the project has or gets.')
        require_user_token(client, 'Managing projects')
        self.name = clean_name(name) if name is not None else None
        self.ref = clean_ref(ref) if ref is not None else None
        self.organization = clean_organization(organization)
        self.state = state
        self.api = ProjectsAPI(client)
        self.org = None

    def run(self):
        current = self._by_ref() if self.ref else self._by_name()
        if self.state == ABSENT:
            return self._absent(current)
        return self._present(current)

    def _by_ref(self):
        return self.api.get_in(self.ref, self.organization, required=self.state == PRESENT)

    def _by_name(self):
        self.org = self.api.find_org(self.organization)
        found = [p for p in self.api.projects(self.org) if p['name'] == self.name]
        if len(found) > 1:
            raise TriggerInputError('Organization %s has %d projects named %r (%s): give ref to say which one.' % (
                self.org['slug'], len(found), self.name, ', '.join(sorted(p['ref'] for p in found))))
        return found[0] if found else None

    def _present(self, current):
        if current is None:
            created = self.write('create %s in %s' % (self.name, self.org['slug']), self.api.create, self.org, self.name)
            after = created or {'id': None, 'ref': None, 'name': self.name, 'slug': None, 'created_at': None, 'default_region': None,
                                'organization': self.org}
        elif current['name'] != self.name:
            self.write('rename %s to %s' % (current['ref'], self.name), self.api.rename, current['ref'], self.name)
            after = dict(current, name=self.name)
        else:
            after = current
        before = diff_view(current)
        return self.finish(after, before, diff_view(after))

    def _absent(self, current):
        if current is None:
            return self.finish(None, diff_view(None), diff_view(None))
        deleted = self.write('delete %s (%s)' % (current['ref'], current['name']), self.api.delete, current['ref'])
        if deleted is False:
            self.outcome.changed = False
        return self.finish(current, diff_view(current), diff_view(None))


class ProjectRead(Operation):
    """trigger_project_info: the caller's projects, or one organisation's, or the project ``ref`` (which must exist),
    optionally only those named ``name``, each with its environments."""

    resource_key = 'projects'
    reports_actions = False

    def __init__(self, client, check_mode=False, organization=None, ref=None, name=None, environments=True):
        super().__init__(client, check_mode)
        require_user_token(client, 'Reading projects')
        self.organization = clean_organization(organization)
        self.ref = clean_ref(ref) if ref is not None else None
        self.name = clean_name(name) if name is not None else None
        self.with_environments = environments
        self.api = ProjectsAPI(client)

    def run(self):
        if self.ref:
            project = self.api.get_in(self.ref, self.organization)
            projects = [project] if self.name is None or project['name'] == self.name else []
        else:
            org = self.api.find_org(self.organization) if self.organization is not None else None
            projects = [p for p in self.api.projects(org) if self.name is None or p['name'] == self.name]
        projects.sort(key=lambda p: (p['organization']['slug'] or '', p['name'] or '', p['ref'] or ''))
        if self.with_environments:
            for project in projects:
                project['environments'] = self.api.environments(project['ref'])
        return self.finish(projects)
