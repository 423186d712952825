# -*- coding: utf-8 -*-
# Copyright: triggerdev.management contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The request sequences `run.py` sends to both backends.

A case is {"name", "steps": [step, ...], "emulator_setup": [(control endpoint, body), ...]}; a step is
{"method", "path", "auth", "headers", "json" | "raw", "save": {name: field}, "until": (field, value(s)),
"timeout"}. `auth` is key:ENV[:PROJECT], pat, oat, uat, none or bogus. `{name}` in a path, header or body
is a value saved by an earlier step. Every route the collection uses is here with its success and error
cases; cases start from the seed (both backends are reset first). The lists the server reads without an
order are named once, by route, in UNORDERED_LISTS.

The real server here has no worker in staging and prod (nothing executes there), so cases that trigger
there first disconnect the emulator's worker in that environment (`emulator_setup`); in dev both have a
connected `trigger dev` worker.
"""

import re

REF = '/api/v1/projects/proj_demo'
ENVVARS = REF + '/envvars'
SCHEDULES = '/api/v1/schedules'
BRANCH = {'x-trigger-branch': 'feature-x'}
NO_PROD_WORKER = [('workers', {'project': 'proj_demo', 'environment': 'prod', 'connected': False})]
FINAL = ['COMPLETED', 'FAILED', 'CRASHED', 'CANCELED', 'EXPIRED', 'SYSTEM_FAILURE', 'TIMED_OUT']
AUTH_KINDS = ['none', 'bogus', 'key:prod', 'key:dev', 'key:preview', 'pat', 'oat']


def get(path, auth='key:prod', **extra):
    return dict(method='GET', path=path, auth=auth, **extra)


# Lists the server reads with prisma findMany and no orderBy (Postgres heap order: an updated row moves to the end):
# the env-var list (SecretStore), the organisation and project lists (routes/api.v1.orgs.ts, api.v1.projects.ts,
# api.v1.orgs.$orgParam.projects.ts). Both answers are sorted by the key before the comparison, and a difference in
# order is reported apart.
UNORDERED_LISTS = (
    (re.compile(r'/api/v1/projects/[^/]+/envvars/[^/]+'), 'name'),
    (re.compile(r'/api/v1/orgs'), 'slug'),
    (re.compile(r'/api/v1/projects|/api/v1/orgs/[^/]+/projects'), 'externalRef'),
)


def unordered_key(step):
    """The key a GET step's list is sorted by before the comparison, or None for a list in the server's own order."""
    if step.get('method', 'GET') != 'GET':
        return None
    path = step['path'].split('?', 1)[0]
    return next((key for pattern, key in UNORDERED_LISTS if pattern.fullmatch(path)), None)


def post(path, body=None, auth='key:prod', **extra):
    return dict(method='POST', path=path, auth=auth, json=body, **extra)


def put(path, body=None, auth='key:prod', **extra):
    return dict(method='PUT', path=path, auth=auth, json=body, **extra)


def delete(path, auth='key:prod', **extra):
    return dict(method='DELETE', path=path, auth=auth, **extra)


def trigger(task='hello-world', options=None, auth='key:prod', payload=None, **extra):
    body = {'payload': payload if payload is not None else {'name': 'diff'}}
    if options is not None:
        body['options'] = options
    return post('/api/v1/tasks/%s/trigger' % task, body, auth, **extra)


def schedule(task='daily-report', cron='0 * * * *', key='diff-1', **fields):
    body = {'task': task, 'cron': cron, 'deduplicationKey': key}
    body.update(fields)
    return body


def auth_matrix():
    routes = [
        ('runs list', get('/api/v1/runs')),
        ('env var list', get(ENVVARS + '/prod')),
        ('env var resolved', get(ENVVARS)),
        ('schedules list', get(SCHEDULES)),
        ('key bootstrap', get(REF + '/prod')),
        ('branch list', get(REF + '/branches?env=preview')),
        ('project runs', get(REF + '/runs?filter[env]=prod')),
        ('current worker', get(REF + '/prod/workers/current')),
        ('projects', get('/api/v1/projects')),
        ('run retrieve', get('/api/v3/runs/run_doesnotexist0000000000000')),
        ('timezones', get('/api/v1/timezones')),
    ]
    cases = []
    for name, step in routes:
        steps = [dict(step, auth=kind, name='%s as %s' % (name, kind)) for kind in AUTH_KINDS]
        cases.append({'name': 'auth/' + name.replace(' ', '_'), 'steps': steps})
    return cases


def envvar_cases():
    prod = ENVVARS + '/prod'
    return [
        {'name': 'envvars/crud', 'steps': [
            get(prod),
            post(prod, {'name': 'DIFF_A', 'value': 'one'}),
            post(prod, {'name': 'DIFF_A', 'value': 'two'}),
            get(prod + '/DIFF_A'),
            put(prod + '/DIFF_A', {'value': 'three'}),
            get(prod + '/DIFF_A'),
            post(prod, {'name': 'DIFF_S', 'value': 'hidden', 'isSecret': True}),
            get(prod),
            get(prod + '/DIFF_S'),
            delete(prod + '/DIFF_A'),
            delete(prod + '/DIFF_A'),
            get(prod + '/DIFF_A'),
            get(ENVVARS),
        ]},
        {'name': 'envvars/access_tokens_and_slugs', 'steps': [
            post(ENVVARS + '/staging', {'name': 'DIFF_B', 'value': 'b'}, auth='pat'),
            get(ENVVARS + '/stg', auth='pat'),
            get(ENVVARS + '/staging', auth='oat'),
            get(ENVVARS + '/production', auth='pat'),
            get(ENVVARS + '/development', auth='pat'),
            get(ENVVARS + '/dev', auth='key:prod'),
            get('/api/v1/projects/proj_other/envvars/prod', auth='key:prod'),
            get('/api/v1/projects/proj_nope/envvars/prod', auth='pat'),
            get(ENVVARS + '/preview', auth='key:preview'),
        ]},
        {'name': 'envvars/import', 'steps': [
            post(prod + '/import', {'variables': {'DIFF_I1': '1', 'DIFF_I2': '2'}, 'override': True}),
            post(prod + '/import', {'variables': {'DIFF_I1': 'x', 'DIFF_I3': '3'}, 'override': False}),
            post(prod + '/import', {'variables': {'DIFF_I1': 'x'}, 'override': True}),
            get(prod),
            post(prod + '/import', {'variables': 'nope'}),
            post(prod + '/import', {}),
        ]},
        {'name': 'envvars/bad_bodies', 'steps': [
            post(prod, {'name': 'DIFF_X'}),
            post(prod, {'value': 'v'}),
            post(prod, {'name': 'DIFF_X', 'value': 5}),
            post(prod, {'name': '', 'value': 'v'}),
            dict(method='POST', path=prod, auth='key:prod', raw=b'{not json'),
            put(prod + '/DIFF_NONE', {'value': 'v'}),
            put(prod + '/DIFF_NONE', {}),
        ]},
        {'name': 'envvars/resolved_builtins', 'steps': [
            post(prod, {'name': 'OTEL_RESOURCE_ATTRIBUTES', 'value': 'a=b'}),
            post(prod, {'name': 'DIFF_PLAIN', 'value': 'plain'}),
            get(ENVVARS),
            get(ENVVARS, auth='key:dev'),
        ]},
    ]


def schedule_cases():
    created = {'sched': 'id'}
    return [
        {'name': 'schedules/lifecycle', 'steps': [
            post(SCHEDULES, schedule(timezone='Europe/London', externalId='ext-1'), save=created),
            post(SCHEDULES, schedule(cron='30 9 * * 1-5')),
            get(SCHEDULES + '/{sched}'),
            get(SCHEDULES),
            put(SCHEDULES + '/{sched}', schedule(cron='0 0 * * *', timezone='UTC')),
            post(SCHEDULES + '/{sched}/deactivate'),
            post(SCHEDULES + '/{sched}/deactivate'),
            post(SCHEDULES + '/{sched}/activate'),
            delete(SCHEDULES + '/{sched}'),
            get(SCHEDULES + '/{sched}'),
            delete(SCHEDULES + '/{sched}'),
            delete(SCHEDULES + '/sched_doesnotexist000000000'),
        ]},
        {'name': 'schedules/windows', 'steps': [
            post(SCHEDULES, schedule(key='w1', window='60m')),
            post(SCHEDULES, schedule(key='w2', window='1440m')),
            post(SCHEDULES, schedule(key='w3', window='0h')),
            post(SCHEDULES, schedule(key='w4', window='90m')),
            post(SCHEDULES, schedule(key='w5', window='05m')),
            post(SCHEDULES, schedule(key='w6', window='50%')),
            post(SCHEDULES, schedule(key='w7', window='2d')),
            get(SCHEDULES + '?perPage=10'),
        ]},
        {'name': 'schedules/timezones', 'steps': [
            post(SCHEDULES, schedule(key='tz%d' % index, timezone=zone))
            for index, zone in enumerate(['Asia/Kolkata', 'Asia/Calcutta', 'Etc/UTC', 'UTC', 'Europe/Kyiv', 'Europe/Kiev',
                                          'America/New_York', 'US/Eastern', 'Mars/Olympus', ''])
        ]},
        {'name': 'schedules/crons', 'steps': [
            post(SCHEDULES, schedule(key='c%d' % index, cron=cron))
            for index, cron in enumerate(['*/5 * * * *', '@daily', '0 0 31 2 *', '0 * * * * *', '', '61 * * * *', '0 9 * * MON-FRI',
                                          '0 0 1 * *', '0  3 * * *', '* * *', '0 12 * JAN *'])
        ]},
        {'name': 'schedules/refusals', 'steps': [
            post(SCHEDULES, schedule(task='hello-world')),
            post(SCHEDULES, schedule(task='no-such-task')),
            post(SCHEDULES, {'task': 'daily-report', 'cron': '0 * * * *'}),
            post(SCHEDULES, schedule(externalId=None)),
            post(SCHEDULES, schedule(timezone=None)),
            post(SCHEDULES, {}),
            get(SCHEDULES + '?perPage=0'),
            get(SCHEDULES + '?page=abc'),
            get(SCHEDULES, auth='pat'),
        ]},
        {'name': 'schedules/upsert_by_dedup_key', 'steps': [
            post(SCHEDULES, schedule(key='same', cron='0 1 * * *'), save=created),
            post(SCHEDULES, schedule(key='same', cron='0 2 * * *', task='hourly-sync')),
            get(SCHEDULES + '/{sched}'),
            post(SCHEDULES, schedule(key='same', cron='0 2 * * *'), auth='key:staging'),
            get(SCHEDULES, auth='key:staging'),
        ]},
    ]


def run_cases():
    run = {'run': 'id'}
    return [
        {'name': 'runs/prod_queued_lifecycle', 'emulator_setup': NO_PROD_WORKER, 'steps': [
            trigger(options={'tags': ['diff-a', 'diff-b'], 'machine': 'small-2x'}, save=run),
            get('/api/v3/runs/{run}'),
            get('/api/v1/runs?filter[tag]=diff-a', until=('data.0.id', None), name='list by tag (until replicated)'),
            post('/api/v2/runs/{run}/cancel'),
            get('/api/v3/runs/{run}'),
            post('/api/v2/runs/{run}/cancel'),
            post('/api/v1/runs/{run}/reschedule', {'delay': '1h'}),
            post('/api/v1/runs/{run}/replay', save={'replayed': 'id'}),
            get('/api/v3/runs/{replayed}'),
            get('/api/v3/runs/{run}', auth='key:staging'),
        ]},
        {'name': 'runs/delays', 'emulator_setup': NO_PROD_WORKER, 'steps': [
            trigger(options={'delay': '1h'}, save=run),
            get('/api/v3/runs/{run}'),
            post('/api/v1/runs/{run}/reschedule', {'delay': '2hr'}),
            post('/api/v1/runs/{run}/reschedule', {'delay': 'bogus'}),
            post('/api/v1/runs/{run}/reschedule', {'delay': '1y'}),
            post('/api/v1/runs/{run}/reschedule', {}),
            post('/api/v1/runs/run_doesnotexist0000000000000/reschedule', {'delay': '1h'}),
            post('/api/v1/runs/{run}/reschedule', {'delay': '1h'}, auth='pat'),
            trigger(options={'delay': '1y'}, save={'now1': 'id'}),
            get('/api/v3/runs/{now1}'),
            trigger(options={'delay': '2020-01-01T00:00:00Z'}, save={'now2': 'id'}),
            get('/api/v3/runs/{now2}'),
            trigger(options={'delay': '1w2d'}, save={'later': 'id'}),
            get('/api/v3/runs/{later}'),
        ]},
        {'name': 'runs/trigger_validation', 'steps': [
            trigger(options={'tags': 5}),
            trigger(options={'tags': ['t%d' % i for i in range(11)]}),
            trigger(options={'tags': ['x' * 129]}),
            trigger(options={'machine': 'huge'}),
            trigger(options={'maxAttempts': 1.5}),
            post('/api/v1/tasks/hello-world/trigger', [1, 2]),
            post('/api/v1/tasks/hello-world/trigger', {'options': 5}),
            dict(method='POST', path='/api/v1/tasks/hello-world/trigger', auth='key:prod', raw=b'{"payload": '),
            trigger(auth='pat'),
        ]},
        {'name': 'runs/unknown_task', 'emulator_setup': NO_PROD_WORKER, 'steps': [
            trigger('no-such-task-diff', save=run),
            get('/api/v3/runs/{run}'),
            post('/api/v2/tasks/batch', {'items': [{'task': 'no-such-task-diff', 'payload': {}}, {'task': 'hello-world', 'payload': {}}]}),
        ]},
        {'name': 'runs/idempotency_cached', 'emulator_setup': NO_PROD_WORKER, 'steps': [
            trigger(options={'idempotencyKey': 'diff-key'}, save=run),
            trigger(options={'idempotencyKey': 'diff-key'}),
            trigger(options={'idempotencyKey': 'diff-key', 'idempotencyKeyTTL': '1w'}),
            trigger(headers={'x-trigger-request-idempotency-key': 'req-diff'}),
            trigger(headers={'x-trigger-request-idempotency-key': 'req-diff'}),
            post('/api/v2/runs/{run}/cancel'),
            trigger(options={'idempotencyKey': 'diff-key'}),
        ]},
        {'name': 'runs/dev_executes', 'steps': [
            trigger(auth='key:dev', payload={'name': 'devrun'}, save=run),
            get('/api/v3/runs/{run}', auth='key:dev', until=('status', FINAL), name='retrieve until final'),
            trigger('always-fails', auth='key:dev', options={'idempotencyKey': 'dev-fail'}, save={'failed': 'id'}),
            get('/api/v3/runs/{failed}', auth='key:dev', until=('status', FINAL), name='failed run until final'),
            trigger('always-fails', auth='key:dev', options={'idempotencyKey': 'dev-fail'}),
            trigger('hello-world', auth='key:dev', options={'idempotencyKey': 'dev-ok'}, save={'ok': 'id'}),
            get('/api/v3/runs/{ok}', auth='key:dev', until=('status', FINAL), name='completed run until final'),
            trigger('hello-world', auth='key:dev', options={'idempotencyKey': 'dev-ok'}),
            trigger('never-deployed-diff', auth='key:dev', save={'parked': 'id'}),
            get('/api/v3/runs/{parked}', auth='key:dev', until=('status', ['PENDING_VERSION']), timeout=20, name='undeployed until PENDING_VERSION'),
        ]},
        {'name': 'runs/list_queries', 'emulator_setup': NO_PROD_WORKER, 'steps': [
            trigger(options={'tags': ['page']}),
            trigger(options={'tags': ['page']}),
            trigger(options={'tags': ['page']}),
            get('/api/v1/runs?filter[tag]=page&page[size]=2', until=('pagination.next', None), save={'next': 'pagination.next'},
                name='first page of 2 (until replicated)'),
            get('/api/v1/runs?filter[tag]=page&page[size]=2&page[after]={next}'),
            get('/api/v1/runs?page[after]=garbage'),
            get('/api/v1/runs?filter[createdAt][period]=forever'),
            get('/api/v1/runs?filter[createdAt][period]=1h&filter[tag]=page'),
            get('/api/v1/runs?filter[status]=NOPE'),
            get('/api/v1/runs?filter[status]=QUEUED&filter[tag]=page'),
            get('/api/v1/runs?page[size]=0'),
            get('/api/v1/runs?page[size]=101'),
            get('/api/v1/runs?filter[isTest]=maybe'),
            get(REF + '/runs?filter[env]=prod&filter[tag]=page', auth='pat'),
            get(REF + '/runs?filter[env]=prod', auth='oat'),
        ]},
        {'name': 'runs/missing', 'steps': [
            get('/api/v3/runs/run_doesnotexist0000000000000'),
            post('/api/v2/runs/run_doesnotexist0000000000000/cancel'),
            post('/api/v1/runs/run_doesnotexist0000000000000/replay'),
            post('/api/v1/runs/run_doesnotexist0000000000000/replay', auth='pat'),
        ]},
    ]


def batch_cases():
    batch = {'batch': 'id'}
    items = [{'task': 'hello-world', 'payload': {'i': i}} for i in range(25)]
    return [
        {'name': 'batches/v2_small_and_retrieve', 'emulator_setup': NO_PROD_WORKER, 'steps': [
            post('/api/v2/tasks/batch', {'items': items[:3]}, save=batch),
            get('/api/v1/batches/{batch}', until=('runCount', 3)),
            get('/api/v2/batches/{batch}'),
            get('/api/v1/runs?filter[batch]={batch}', until=('data.2.id', None), name='list by batch (until replicated)'),
            get('/api/v1/batches/batch_doesnotexist000000000'),
        ]},
        {'name': 'batches/v2_over_20', 'emulator_setup': NO_PROD_WORKER, 'steps': [
            post('/api/v2/tasks/batch', {'items': items}, save=batch),
            get('/api/v1/batches/{batch}', until=('runs.24', None), name='retrieve until 25 runs'),
        ]},
        {'name': 'batches/v2_refusals', 'steps': [
            post('/api/v2/tasks/batch', {'items': []}),
            post('/api/v2/tasks/batch', {}),
            post('/api/v2/tasks/batch', {'items': [{'payload': {}}]}),
            post('/api/v2/tasks/batch', {'items': [{'task': 'hello-world', 'payload': {}}] * 501}),
            post('/api/v2/tasks/batch', {'items': items[:1]}, auth='pat'),
            post('/api/v2/tasks/batch', {'items': items[:1]}, headers={'x-trigger-request-idempotency-key': 'b-req'}),
            post('/api/v2/tasks/batch', {'items': items[:1]}, headers={'x-trigger-request-idempotency-key': 'b-req'}),
        ]},
        {'name': 'batches/v1', 'emulator_setup': NO_PROD_WORKER, 'steps': [
            post('/api/v1/tasks/hello-world/batch', {'items': [{'payload': {'i': 1}}, {'payload': {'i': 2}}]}),
            post('/api/v1/tasks/hello-world/batch', {'items': []}),
            post('/api/v1/tasks/hello-world/batch', {'items': [{'payload': {}}] * 101}),
        ]},
    ]


def branch_cases():
    branches = REF + '/branches'
    return [
        {'name': 'branches/lifecycle', 'steps': [
            post(branches, {'env': 'preview', 'branch': 'feature-x', 'git': {'commitSha': 'abc'}}, auth='pat', save={'branch': 'id'}),
            post(branches, {'env': 'preview', 'branch': 'feature-x'}, auth='pat'),
            get(branches + '?env=preview', auth='pat'),
            get(REF + '/preview', auth='pat', headers=BRANCH),
            get(REF + '/preview', auth='oat', headers=BRANCH),
            post(ENVVARS + '/preview', {'name': 'DIFF_BR', 'value': 'b'}, auth='pat', headers=BRANCH),
            get(ENVVARS + '/preview', auth='key:preview', headers=BRANCH),
            get('/api/v1/runs', auth='key:preview', headers=BRANCH),
            get('/api/v1/runs', auth='key:preview'),
            get('/api/v1/runs', auth='key:preview', headers={'x-trigger-branch': 'no-such-branch'}),
            post(branches + '/archive', {'env': 'preview', 'branch': 'feature-x'}, auth='pat'),
            post(branches + '/archive', {'env': 'preview', 'branch': 'feature-x'}, auth='pat'),
            post(branches + '/archive', {'env': 'preview', 'branch': 'never-was'}, auth='pat'),
            get(branches + '?env=preview', auth='pat'),
            get(REF + '/preview', auth='pat', headers=BRANCH),
        ]},
        {'name': 'branches/identity_and_names', 'steps': [
            post(branches, {'env': 'preview', 'branch': 'feature/login'}, auth='pat'),
            post(branches, {'env': 'preview', 'branch': 'featurelogin'}, auth='pat'),
            post(branches, {'env': 'preview', 'branch': 'Feature_Login'}, auth='pat'),
            get(branches + '?env=preview', auth='pat'),
            post(branches, {'env': 'preview', 'branch': 'refs/heads/from-ref'}, auth='pat'),
            post(branches, {'env': 'preview', 'branch': 'bad..name'}, auth='pat'),
            post(branches, {'env': 'preview', 'branch': 'refs/weird/x'}, auth='pat'),
            post(branches, {'env': 'staging', 'branch': 'x'}, auth='pat'),
            post(branches, {'env': 'preview'}, auth='pat'),
            post(branches, {'env': 'preview', 'branch': 'by-key'}, auth='key:preview'),
            post(branches, {'env': 'preview', 'branch': 'by-prod-key'}, auth='key:prod'),
            post(branches, {'env': 'preview', 'branch': 'by-oat'}, auth='oat'),
            get(branches + '?env=preview', auth='oat'),
        ]},
    ]


def worker_and_project_cases():
    return [
        {'name': 'workers/current', 'steps': [
            get(REF + '/prod/workers/current', auth='pat'),
            get(REF + '/staging/workers/current', auth='oat'),
            get(REF + '/production/workers/current', auth='pat'),
            get(REF + '/prod/workers/v9', auth='pat'),
            get('/api/v1/projects/proj_nope/prod/workers/current', auth='pat'),
            get(REF + '/prod/workers/current', auth='key:prod'),
        ]},
        {'name': 'projects/bootstrap', 'steps': [
            get('/api/v1/projects', auth='pat'),
            get(REF + '/dev', auth='pat'),
            get(REF + '/staging', auth='pat'),
            get(REF + '/stg', auth='pat'),
            get(REF + '/prod', auth='key:dev'),
            get(REF + '/preview', auth='key:preview'),
            get('/api/v1/projects/proj_other/prod', auth='key:prod'),
            get('/api/v1/projects/proj_nope/prod', auth='pat'),
            get(REF + '/prod', auth='uat'),
        ]},
    ]


def deployment_cases():
    deployment = {'deployment': 'id'}
    return [
        {'name': 'deployments/read', 'steps': [
            get('/api/v1/deployments'),
            get('/api/v1/deployments?page[size]=1'),
            get('/api/v1/deployments?page[size]=0'),
            get('/api/v1/deployments?status=DEPLOYED'),
            get('/api/v1/deployments/current', save=deployment),
            get('/api/v1/deployments/{deployment}'),
            get('/api/v1/deployments/deployment_doesnotexist0000'),
            get('/api/v1/deployments/latest'),
            get('/api/v1/deployments/current', auth='key:dev'),
            get('/api/v1/deployments/current', auth='pat'),
            get('/api/v1/deployments/current', auth='key:staging'),
        ]},
        {'name': 'deployments/promote_refusals', 'steps': [
            post('/api/v1/deployments/20240101.1/promote'),
            post('/api/v1/deployments/20240101.1/promote?allowRollbacks=true'),
            post('/api/v1/deployments/20990101.1/promote'),
            post('/api/v1/deployments/20240101.1/promote', auth='pat'),
            get('/api/v1/deployments/20240101.1/promote'),
        ]},
    ]


def queue_cases():
    queue = '/api/v1/queues/hello-world'
    return [
        {'name': 'queues/read', 'steps': [
            get('/api/v1/queues'),
            get('/api/v1/queues?perPage=1&page=2'),
            get('/api/v1/queues?perPage=0'),
            get(queue + '?type=task'),
            get('/api/v1/queues/task%2Fhello-world?type=custom'),
            get('/api/v1/queues/no-such-queue?type=task'),
            get(queue + '?type=bogus'),
            get(queue + '?type=task', auth='pat'),
        ]},
        {'name': 'queues/pause_and_override', 'steps': [
            post(queue + '/pause', {'type': 'task', 'action': 'pause'}),
            post(queue + '/pause', {'type': 'task', 'action': 'pause'}),
            post(queue + '/concurrency/override', {'type': 'task', 'concurrencyLimit': 3}),
            get(queue + '?type=task'),
            post(queue + '/pause', {'type': 'task', 'action': 'resume'}),
            post(queue + '/concurrency/override', {'type': 'task', 'concurrencyLimit': 100000}),
            post(queue + '/concurrency/override', {'type': 'task', 'concurrencyLimit': 3, 'percent': 50}),
            post(queue + '/concurrency/override', {'type': 'task'}),
            post(queue + '/concurrency/reset', {'type': 'task'}),
            post(queue + '/concurrency/reset', {'type': 'task'}),
            get(queue + '?type=task'),
            post('/api/v1/queues/no-such-queue/pause', {'type': 'task', 'action': 'pause'}),
            post('/api/v1/queues/no-such-queue/concurrency/reset', {'type': 'task'}),
            post(queue + '/pause', {'type': 'task', 'action': 'sleep'}),
        ]},
    ]


def environment_cases():
    return [
        {'name': 'environments/pause_resume', 'steps': [
            get(REF + '/environments', auth='pat'),
            post(REF + '/staging/pause', auth='pat'),
            post(REF + '/staging/pause', auth='pat'),
            get(REF + '/environments', auth='pat'),
            post(REF + '/staging/resume', auth='pat'),
            post(REF + '/staging/resume', auth='pat'),
            post(REF + '/staging/pause', auth='key:staging'),
            post(REF + '/staging/pause', auth='oat'),
            post(REF + '/stg/pause', auth='pat'),
            get(REF + '/environments', auth='oat'),
            get(REF + '/environments', auth='key:prod'),
        ]},
    ]


def organisation_cases():
    return [
        {'name': 'organisations/read', 'steps': [
            get('/api/v1/orgs', auth='pat'),
            get('/api/v1/orgs', auth='pat:second'),
            get('/api/v1/orgs', auth='oat'),
            get('/api/v1/orgs', auth='key:prod'),
            get('/api/v1/orgs/demo-org/projects', auth='pat'),
            get('/api/v1/orgs/second-org/projects', auth='pat'),
            get('/api/v1/projects', auth='pat:second'),
            get(REF, auth='pat'),
            get(REF, auth='pat:second'),
            get('/api/v1/projects/proj_second', auth='pat:second'),
            get('/api/v1/orgs/demo-org/members', auth='pat'),
        ]},
        {'name': 'organisations/writes', 'steps': [
            dict(method='PATCH', path='/api/v1/projects/proj_other', auth='pat', json={'name': 'Other Project'}),
            dict(method='PATCH', path='/api/v1/projects/proj_other', auth='pat', json={}),
            dict(method='PATCH', path='/api/v1/projects/proj_other', auth='pat:second', json={'name': 'Taken'}),
            post('/api/v1/orgs/demo-org/projects', {}, auth='pat'),
            post('/api/v1/orgs', {'title': 'New'}, auth='pat'),
            delete('/api/v1/projects/proj_nope', auth='pat'),
        ]},
        {'name': 'api_keys/regenerate_refusals', 'steps': [
            post('/api/v1/projects/proj_other/staging/regenerate-api-key', auth='oat'),
            post('/api/v1/projects/proj_other/staging/regenerate-api-key', auth='key:staging:proj_other'),
            post('/api/v1/projects/proj_nope/staging/regenerate-api-key', auth='pat'),
            post('/api/v1/projects/proj_other/production/regenerate-api-key', auth='pat'),
            post('/api/v1/auth/user-actor-token', {'ttlSeconds': 999999999}, auth='pat'),
            post('/api/v1/auth/user-actor-token', {}, auth='key:prod'),
        ]},
    ]


CASES = (auth_matrix() + envvar_cases() + schedule_cases() + run_cases() + batch_cases() + branch_cases() + worker_and_project_cases()
         + deployment_cases() + queue_cases() + environment_cases() + organisation_cases())
