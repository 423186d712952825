# -*- coding: utf-8 -*-
# Copyright: triggerdev.management contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""An in-memory schedules API on ``responses``, shared by the schedule tests (fixture ``fake`` in conftest.py)."""

import json
import re

API = 'https://api.example.test'
PROD_KEY = 'tr_prod_' + 'a' * 24
STG_KEY = 'tr_stg_' + 'b' * 24
PAT = 'tr_pat_' + 'c' * 40
ENV_TYPES = {'env_prod': 'PRODUCTION', 'env_stg': 'STAGING'}
TASKS = {'daily-report': 'SCHEDULED', 'hourly-sync': 'SCHEDULED', 'hello-world': 'STANDARD'}


class FakeAPI:
    """The schedule endpoints of docs/dev/protocol.md#schedules, in memory (upsert, PUT fall-through, visibility, declarative)."""

    def __init__(self, rsps):
        self.rsps = rsps
        self.schedules = {}
        self.counter = 0
        self.fail_create_task = None
        self.keys = {PROD_KEY: 'env_prod', STG_KEY: 'env_stg'}
        base = re.compile(API + r'/api/v1/schedules(?:/(?P<ident>[^/?]+))?(?:/(?P<op>activate|deactivate))?(?:\?.*)?$')
        for method in ('GET', 'POST', 'PUT', 'DELETE'):
            rsps.add_callback(method, base, callback=self.handle)
        rsps.add_callback('GET', API + '/api/v1/timezones', callback=lambda req: (200, {}, json.dumps({'timezones': ['UTC', 'Europe/Paris']})))
        rsps.add_callback('GET', API + '/api/v1/projects/proj_demo/prod',
                          callback=lambda req: (200, {}, json.dumps({'apiKey': PROD_KEY})))
        self.worker_tasks = {'daily-report': 'SCHEDULED', 'hourly-sync': 'SCHEDULED', 'hello-world': 'STANDARD'}
        rsps.add_callback('GET', API + '/api/v1/projects/proj_demo/prod/workers/current', callback=self.worker)

    def worker(self, _request):
        tasks = [{'id': 'task_' + t, 'slug': t, 'triggerSource': source} for t, source in sorted(self.worker_tasks.items())]
        return 200, {}, json.dumps({'worker': {'id': 'worker_1', 'version': '20240101.1', 'tasks': tasks}, 'urls': {}})

    def add(self, env='env_prod', **fields):
        self.counter += 1
        sched = {'id': 'sched_%04d' % self.counter, 'type': 'IMPERATIVE', 'task': 'daily-report', 'active': True,
                 'cron': '0 0 * * *', 'timezone': 'UTC', 'externalId': None, 'window': None, 'dedupKey': None,
                 'userDedup': True, 'envIds': [env]}
        sched.update(fields)
        self.schedules[sched['id']] = sched
        return sched

    def view(self, s):
        body = {'id': s['id'], 'type': s['type'], 'task': s['task'], 'active': s['active'],
                'generator': {'type': 'CRON', 'expression': s['cron'], 'description': 'desc'},
                'timezone': s['timezone'], 'externalId': s['externalId'], 'nextRun': '2030-01-01T00:00:00.000Z' if s['active'] else None,
                'environments': [{'id': e, 'type': ENV_TYPES[e]} for e in s['envIds']]}
        if s['userDedup']:
            body['deduplicationKey'] = s['dedupKey']
        if s['window']:
            body['window'] = s['window']
        return body

    def find(self, ident):
        if ident.startswith('sched_'):
            return self.schedules.get(ident)
        return next((s for s in self.schedules.values() if s['dedupKey'] == ident), None)

    def apply(self, s, body, env):
        s.update(cron=body['cron'].strip(), timezone=body.get('timezone') or 'UTC', externalId=body.get('externalId') or None,
                 window=body.get('window') or None, envIds=[env])

    def handle(self, request):
        from urllib.parse import unquote
        env = self.keys.get(request.headers.get('authorization', '')[7:])
        if env is None:
            return 401, {}, json.dumps({'error': 'Invalid or Missing API Key'})
        match = re.match(API + r'/api/v1/schedules(?:/(?P<ident>[^/?]+))?(?:/(?P<op>activate|deactivate))?', request.url)
        ident = unquote(match.group('ident')) if match.group('ident') else None
        op = match.group('op')
        body = json.loads(request.body) if request.body else None

        def ok(s):
            return 200, {}, json.dumps(self.view(s))

        def not_found():
            return 404, {}, json.dumps({'error': 'Schedule not found'})

        if request.method == 'GET' and ident is None:
            visible = [self.view(s) for s in self.schedules.values() if env in s['envIds']]
            return 200, {}, json.dumps({'data': visible, 'pagination': {'currentPage': 1, 'totalPages': 1, 'count': len(visible)}})
        if request.method == 'POST' and ident is None:
            if body['task'] not in TASKS or body['task'] == self.fail_create_task:
                return 422, {}, json.dumps({'error': 'Task with identifier %s not found in project.' % body['task']})
            existing = self.find(body['deduplicationKey']) if body['deduplicationKey'] else None
            if existing and existing['type'] == 'DECLARATIVE':
                return 422, {}, json.dumps({'error': 'Cannot update a declarative schedule'})
            if existing is None:
                existing = self.add(env=env, task=body['task'], dedupKey=body['deduplicationKey'])
            self.apply(existing, body, env)
            return ok(existing)
        sched = self.find(ident)
        if request.method == 'PUT':
            if sched is None:
                sched = self.add(env=env, task=body['task'], userDedup=False, dedupKey='random%d' % self.counter)
            self.apply(sched, body, env)
            return ok(sched)
        if sched is None or (sched['envIds'] and env not in sched['envIds']):
            return not_found()
        if request.method == 'GET':
            return ok(sched)
        if request.method == 'DELETE':
            del self.schedules[sched['id']]
            return 200, {}, json.dumps({'id': sched['id']})
        if op:
            sched['active'] = op == 'activate'
            return ok(sched)
        raise AssertionError('unexpected %s %s' % (request.method, request.url))

    def writes(self):
        return [(c.request.method, c.request.url.replace(API, '')) for c in self.rsps.calls if c.request.method != 'GET']

    def sent(self, index=-1):
        calls = [c for c in self.rsps.calls if c.request.method == 'POST' and c.request.url.endswith('/schedules')]
        return json.loads(calls[index].request.body)
