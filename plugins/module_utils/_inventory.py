# -*- coding: utf-8 -*-
# Copyright: triggerdev.management contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""What the inventory plugin lists: one record (the host's variables) per project environment, and optionally per
active preview branch.

This is an internal module of the collection, not a public API: it may change in any release. No Ansible imports, so
the records can be built and tested without Ansible and cached as plain JSON (they hold no credential).

Requests: the projects list (one), the organisations list when organisations are filtered (one), then per project its
environments (one) and, with branches, its preview branches (one, personal access token only).
"""

import re

from ansible_collections.triggerdev.management.plugins.module_utils._errors import TriggerInputError
from ansible_collections.triggerdev.management.plugins.module_utils._projects import (
    ENVIRONMENT_NAMES,
    ProjectNotFound,
    ProjectsAPI,
    org_matches,
    require_user_token,
)

ENVIRONMENTS = tuple(ENVIRONMENT_NAMES.values())
_UNSAFE = re.compile(r'[^A-Za-z0-9_.-]')
_UNSAFE_GROUP = re.compile(r'[^A-Za-z0-9_]')


def safe_name(text, group=False):
    """A host name (letters, digits, ``_ . -``) or group name (letters, digits, ``_``) made of ``text``."""
    return (_UNSAFE_GROUP if group else _UNSAFE).sub('_', str(text))


def default_hostname(record):
    """``<project ref>-<environment>``, ``<project ref>-preview-<branch>`` for a branch."""
    name = '%s-%s' % (record['trigger_project_ref'], record['trigger_environment'])
    if record['trigger_branch']:
        name += '-' + record['trigger_branch']
    return safe_name(name)


def groups_of(record):
    """The groups a record's host is put in: its organisation, project and environment (preview branches apart)."""
    environment = 'preview_branches' if record['trigger_branch'] else record['trigger_environment']
    return [safe_name('trigger_org_%s' % record['trigger_organization'], group=True),
            safe_name('trigger_project_%s' % record['trigger_project_ref'], group=True),
            safe_name('trigger_%s' % environment, group=True)]


def _record(api_url, project, env, branch=None):
    org = project['organization']
    return {
        'trigger_api_url': api_url,
        'trigger_organization': org['slug'],
        'trigger_organization_id': org['id'],
        'trigger_organization_title': org['title'],
        'trigger_project_ref': project['ref'],
        'trigger_project_name': project['name'],
        'trigger_project_id': project['id'],
        'trigger_default_region': project['default_region'],
        'trigger_environment': env['name'],
        'trigger_environment_type': env['type'],
        'trigger_environment_id': branch['id'] if branch else env['id'],
        'trigger_branch': branch['name'] if branch else None,
        'trigger_paused': bool(branch['is_paused'] if branch else env['paused']),
    }


def _require_all(kind, wanted, matched):
    missing = [w for w in wanted if not matched(w)]
    if missing:
        raise ProjectNotFound('The token reaches no %s %s.' % (kind, ', '.join(missing)))


def environment_records(client, organizations=None, projects=None, environments=None, branches=False):
    """[host variables] of every environment (``environments``: names) of the projects the token reaches, narrowed to
    ``organizations`` (ids or slugs) and ``projects`` (refs or names); with ``branches``, also one per active preview
    branch. An organisation or project named in a filter that the token does not reach is an error."""
    require_user_token(client, 'The inventory')
    if branches and client.credential.token_type != 'pat':
        raise TriggerInputError('preview_branches needs a personal access token (tr_pat_...): the API lists branches for no other '
                                'credential.')
    unknown = sorted(set(environments or ()) - set(ENVIRONMENTS))
    if unknown:
        raise TriggerInputError('Unknown environments %s: use %s.' % (', '.join(unknown), ', '.join(ENVIRONMENTS)))
    api = ProjectsAPI(client)
    found = api.projects()
    if organizations:
        orgs = api.orgs()
        _require_all('organization', organizations, lambda w: any(org_matches(o, w) for o in orgs))
        found = [p for p in found if any(org_matches(p['organization'], w) for w in organizations)]
    if projects:
        _require_all('project', projects, lambda w: any(w in (p['ref'], p['name']) for p in found))
        found = [p for p in found if p['ref'] in projects or p['name'] in projects]
    records = []
    for project in sorted(found, key=lambda p: (p['organization']['slug'] or '', p['ref'] or '')):
        for env in api.environments(project['ref']):
            if environments and env['name'] not in environments:
                continue
            records.append(_record(client.api_url, project, env))
            if branches and env['name'] == 'preview' and env['branchable']:
                records.extend(_record(client.api_url, project, env, b) for b in api.branches(project['ref']))
    return records
