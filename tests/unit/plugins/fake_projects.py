# -*- coding: utf-8 -*-
# Copyright: triggerdev.management contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""An in-memory organisations-and-projects API behind ``responses``, shared by the project, key and inventory tests.

Only what the collection relies on (docs/dev/protocol.md#organisations-and-projects, #environments, #api-keys): the lists,
create (never idempotent), rename, soft delete, the environments list, branches, key regeneration and the key bootstrap.
``{org}`` is read as an id when it starts with "c", else as a slug, as the server does.
"""

import json
import re

API = 'https://api.example.test'
PAT = 'tr_pat_' + 'p' * 40
UAT = 'tr_uat_' + 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ1In0.c2ln'
OAT = 'tr_oat_' + 'o' * 40
PROD_KEY = 'tr_prod_' + 'k' * 24

ACME = {'id': 'cacme0000000000000000001', 'slug': 'acme-1f2e', 'title': 'Acme', 'createdAt': '2026-01-01T00:00:00.000Z'}
ZETA = {'id': 'org_zeta', 'slug': 'zeta', 'title': 'Zeta', 'createdAt': '2026-01-01T00:00:00.000Z'}
ENV_TYPES = (('DEVELOPMENT', 'dev'), ('STAGING', 'stg'), ('PREVIEW', 'preview'), ('PRODUCTION', 'prod'))
URL_SLUGS = {'dev': 'dev', 'staging': 'stg', 'prod': 'prod', 'preview': 'preview'}


class FakeProjects:
    """The fake server: ``orgs`` (list of org dicts), ``projects`` (ref -> {..., org, deleted, keys, branches})."""

    def __init__(self, rsps):
        self.rsps = rsps
        self.orgs = [dict(ACME), dict(ZETA)]
        self.projects = {}
        self.counter = 0
        self.forbid_writes = False   # a capless user-actor token: 403 on rename and delete
        self.create_error = None     # (status, body) for the next creates
        self.refuse_secret_keys = False  # the key bootstrap refuses every secret key, echoing it
        for method in ('GET', 'POST', 'PATCH', 'DELETE'):
            rsps.add_callback(method, re.compile(re.escape(API) + r'/api/v1/.*'), callback=self.handle)

    # ---------------------------------------------------------------- fixture helpers

    def add(self, name, org=None, ref=None, paused=(), branches=()):
        org = org or ACME
        self.counter += 1
        ref = ref or 'proj_%020d' % self.counter
        envs = [{'id': 'env_%s_%s' % (ref, slug), 'slug': slug, 'type': kind, 'isBranchableEnvironment': kind in ('DEVELOPMENT', 'PREVIEW'),
                 'branchName': None, 'paused': slug in paused} for kind, slug in ENV_TYPES]
        self.projects[ref] = {'id': 'cprj%d' % self.counter, 'externalRef': ref, 'name': name, 'slug': '%s-x%d' % (name.lower(), self.counter),
                              'createdAt': '2026-01-02T00:00:00.000Z', 'defaultRegion': 'us-east-1', 'org': org['id'], 'deleted': False,
                              'envs': envs, 'keys': dict((slug, 'tr_%s_%s' % (slug, 'a' * 24)) for _kind, slug in ENV_TYPES),
                              'branches': [{'id': 'env_b_%s' % b, 'name': b, 'createdAt': '2026-01-03T00:00:00.000Z',
                                            'updatedAt': '2026-01-03T00:00:00.000Z', 'isPaused': False} for b in branches]}
        return ref

    def calls(self, method=None):
        return [(c.request.method, c.request.path_url) for c in self.rsps.calls if method in (None, c.request.method)]

    def writes(self):
        return [c for c in self.calls() if c[0] != 'GET']

    # ---------------------------------------------------------------- the server

    def _org(self, param):
        by_id = param.startswith('c')
        return next((o for o in self.orgs if o['id' if by_id else 'slug'] == param), None)

    def _view(self, project):
        org = next(o for o in self.orgs if o['id'] == project['org'])
        view = dict((k, project[k]) for k in ('id', 'externalRef', 'name', 'slug', 'createdAt', 'defaultRegion'))
        view['organization'] = dict(org)
        return view

    def _live(self):
        return [p for p in self.projects.values() if not p['deleted']]

    def handle(self, request):
        token = request.headers.get('authorization', '')[len('Bearer '):]
        path = request.path_url.split('?')[0]
        parts = path.split('/')[3:]   # after /api/v1
        body = json.loads(request.body) if request.body else None
        if parts == ['orgs']:
            return self.answer(200, [dict(o) for o in self.orgs])
        if parts == ['projects']:
            return self.answer(200, [self._view(p) for p in self._live()])
        if len(parts) == 3 and parts[0] == 'orgs' and parts[2] == 'projects':
            org = self._org(parts[1])
            if request.method == 'GET':
                return self.answer(200, [self._view(p) for p in self._live() if org and p['org'] == org['id']])
            if org is None:
                return self.answer(404, {'error': 'Organization not found'})
            if self.create_error:
                return self.answer(*self.create_error)
            ref = self.add(body['name'].strip(), org=org)
            return self.answer(200, self._view(self.projects[ref]))
        project = self.projects.get(parts[1]) if len(parts) > 1 and parts[0] == 'projects' else None
        if project is None:
            return self.answer(404, {'error': 'Project not found'})
        if len(parts) == 2:
            if project['deleted']:
                return self.answer(404, {'error': 'Project not found'})
            if request.method in ('PATCH', 'DELETE') and self.forbid_writes:
                return self.answer(403, {'error': 'Unauthorized', 'code': 'unauthorized'})
            if request.method == 'PATCH':
                project['name'] = body['name']
                return self.answer(200, {'id': project['id'], 'name': project['name']})
            if request.method == 'DELETE':
                project['deleted'] = True
                return self.answer(200, {'id': project['id']})
            return self.answer(200, self._view(project))
        if parts[2:] == ['environments']:
            return self.answer(200, project['envs'])
        if parts[2:] == ['branches']:
            return self.answer(200, {'branches': project['branches']})
        slug = URL_SLUGS.get(parts[2])
        if parts[3:] == ['regenerate-api-key']:
            if not token.startswith('tr_pat_'):
                return self.answer(401, {'error': 'Invalid or Missing Access Token'})
            self.counter += 1
            project['keys'][slug] = 'tr_%s_%s' % (slug, ('n%d' % self.counter).ljust(24, 'n'))
            return self.answer(200, {'apiKey': project['keys'][slug]})
        if len(parts) == 3:   # the key bootstrap: a secret key must be this environment's
            if token.startswith('tr_pat_'):
                return self.answer(200, {'apiKey': project['keys'][slug]})
            if self.refuse_secret_keys:
                return self.answer(401, {'error': 'Invalid API key %s' % token})
            if token != project['keys'][slug] or (slug == 'preview' and not request.headers.get('x-trigger-branch')):
                return self.answer(401, {'error': 'Invalid API key'})
            return self.answer(200, {'apiKey': token})
        return self.answer(404, {'error': 'Not found'})

    @staticmethod
    def answer(status, body):
        return status, {'content-type': 'application/json'}, json.dumps(body)
