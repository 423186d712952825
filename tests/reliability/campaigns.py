# -*- coding: utf-8 -*-
# Copyright: triggerdev.management contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Fault campaigns: each state module's playbook run again and again while the emulator injects faults.

One iteration of a campaign:

1. faults off; the state drifts away from the declaration (random, seeded);
2. faults on (30 % of API requests answered 500/502/503/429, 5 % dropped connections; seeded);
3. one ansible-playbook run: the module task(s) in check mode, the journal read (control API, never
   faulted), the journal cleared, the same task(s) for real, and for action modules the keyed tasks
   once more (they must report no change and not create anything twice);
4. faults off; the outcome is checked: no write at all in the check-mode journal; every task either
   succeeded or failed with a clear message (no traceback, names the HTTP failure or the unreachable
   API, no secret); after a success the state is exactly the declared state; check mode predicted
   the real run; no triggered run exists twice.

After the last iteration a failed run is re-applied without faults and the final state is compared.
"""

from __future__ import annotations

import collections
import datetime
import random
import re
from urllib.parse import quote

from ansible_collections.triggerdev.management.plugins.module_utils._runs import RETRY_KEY_PREFIX
from harness import play, run_playbook, summarize, writes

FAULTS = {'error_rate': 0.3, 'drop_rate': 0.05, 'statuses': [500, 502, 503, 429]}
CLEAR_FAILURE = re.compile(r'failed with HTTP (408|409|429|5\d\d)|could not reach the Trigger\.dev API after \d+ attempt')
FAILED_REQUEST = re.compile(r'(GET|POST|PUT|PATCH|DELETE) (/\S+) failed')
ATTEMPTS = 5  # the client's default: the first request and 4 retries
BAD_OUTPUT = ('Traceback (most recent call last)', 'MODULE FAILURE', 'module_stderr')


def failed_items(result):
    """The failed results of a recorded task result (its loop items, or itself)."""
    if result is None:
        return []
    if isinstance(result.get('results'), list):
        return [item for item in result['results'] if item.get('failed')]
    return [result] if result.get('failed') or result.get('_status') == 'failed' else []


class Campaign:
    """Base class: subclasses define the declaration, the drift, the tasks and the verification."""

    name = ''

    def __init__(self, emu, iterations, seed):
        self.emu = emu
        self.iterations = iterations
        self.seed = seed
        self.rng = random.Random(seed)
        self.problems = []
        self.stats = collections.Counter()
        self.failures = []

    # -- to override

    def setup(self):
        """One-time preparation (faults off)."""

    def drift(self, i):
        """Move the state away from the declaration (faults off)."""

    def tasks(self, i):
        """The module task(s) of iteration i (without name/register/check_mode)."""
        raise NotImplementedError

    def again(self, i):  # pylint: disable=unused-argument
        """Tasks repeated after the real run (keyed actions that must not create anything twice); the j-th
        repeats the j-th of tasks()."""
        return []

    def verify(self, i, applied):
        """Problems (strings) with the state after iteration i; ``applied`` says whether every task succeeded."""
        raise NotImplementedError

    def predicted(self, check, real):
        """Whether check mode predicted the real run (both succeeded)."""
        return bool(check.get('changed')) == bool(real.get('changed'))

    # -- the loop

    def playbook(self, i):
        tasks = self.tasks(i)
        plays = []
        for j, task in enumerate(tasks):
            plays.append(dict(task, name='check %d' % j, check_mode=True, ignore_errors=True))
        plays.append({'name': 'journal after check', 'ansible.builtin.uri': {'url': self.emu.url + '/_emulator/journal'},
                      'register': 'check_journal'})
        plays.append({'name': 'clear journal', 'ansible.builtin.uri': {'url': self.emu.url + '/_emulator/journal', 'method': 'DELETE'}})
        for j, task in enumerate(tasks):
            plays.append(dict(task, name='apply %d' % j, ignore_errors=True))
        for j, task in enumerate(self.again(i)):
            plays.append(dict(task, name='again %d' % j, ignore_errors=True))
        return play(plays), len(tasks), len(self.again(i))

    def problem(self, i, text):
        self.problems.append('%s iteration %d: %s' % (self.name, i, text))

    def check_failure(self, i, label, result, journal):
        """A failed task must say clearly why, after every retry; returns True if it failed."""
        if result is None:
            self.problem(i, '%s: no result recorded' % label)
            return True
        failed = False
        for item in failed_items(result):
            failed = True
            msg = item.get('msg')
            text = repr(item)
            if not isinstance(msg, str) or not CLEAR_FAILURE.search(msg):
                self.problem(i, '%s failed without a clear message: %r' % (label, msg))
            for marker in BAD_OUTPUT:
                if marker in text:
                    self.problem(i, '%s failed with %r in its result: %s' % (label, marker, text[:600]))
            for secret in self.emu.all_keys():
                if secret in text:
                    self.problem(i, '%s: a credential appears in the failure' % label)
            self.failures.append('iteration %d, %s: %s' % (i, label, msg))
            request = FAILED_REQUEST.search(msg or '')
            if request:
                tries = [e for e in journal if (e['method'], e['path']) == request.groups() and (e.get('fault') or e['status'] >= 429)]
                if len(tries) < ATTEMPTS:
                    self.problem(i, '%s gave up after %d failed attempt(s) of %s %s, expected %d' % (
                        label, len(tries), request.group(1), request.group(2), ATTEMPTS))
        return failed

    def run(self):
        self.emu.faults()
        self.setup()
        applied = True
        for i in range(self.iterations):
            self.emu.faults()
            self.drift(i)
            plays, n_tasks, n_again = self.playbook(i)
            self.emu.clear_journal()
            self.emu.faults(seed=self.seed * 1000 + i, **FAULTS)
            try:
                run = run_playbook(plays)
            finally:
                self.emu.faults()
            journal = self.emu.journal()
            if run.rc != 0:
                self.problem(i, 'ansible-playbook failed: %s' % run.describe())
                continue
            check_journal = run.result('journal after check')['json']['requests']
            for entries in (check_journal, journal):
                self.stats['requests'] += len(entries)
                self.stats['faults'] += sum(1 for e in entries if e.get('fault'))
                self.stats['429'] += sum(1 for e in entries if e.get('status') == 429)
            check_writes = writes(check_journal)
            if check_writes:
                self.problem(i, 'check mode sent writes: %s' % summarize(check_writes))
            applied = True
            real_failures = []
            for j in range(n_tasks):
                check = run.result('check %d' % j)
                real = run.result('apply %d' % j)
                check_failed = self.check_failure(i, 'check %d' % j, check, check_journal)
                real_failed = self.check_failure(i, 'apply %d' % j, real, journal)
                real_failures.append(real_failed)
                applied = applied and not real_failed
                if not check_failed and not real_failed and not self.predicted(check, real):
                    self.problem(i, 'check mode predicted changed=%s, the real run reported changed=%s'
                                 % (check.get('changed'), real.get('changed')))
            for j in range(n_again):
                # again j repeats apply j; if apply j failed, again j is the first time it gets through
                again = run.result('again %d' % j)
                if not self.check_failure(i, 'again %d' % j, again, journal) and again.get('changed') and not real_failures[j]:
                    self.problem(i, 'again %d: the same keyed action sent twice reported changed (not idempotent)' % j)
            self.stats['runs'] += 1
            self.stats['converged' if applied else 'failed_cleanly'] += 1
            for text in self.verify(i, applied):
                self.problem(i, text)
        if not applied:
            # The last run failed (cleanly): apply once more without faults, then compare.
            last = self.iterations - 1
            plays = play([dict(t, name='final %d' % j) for j, t in enumerate(self.tasks(last))])
            run = run_playbook(plays)
            if run.rc != 0:
                self.problem(last, 'the final run without faults failed: %s' % run.describe())
            for text in self.verify(last, True):
                self.problem(last, 'final: ' + text)
        return self


# ------------------------------------------------------------------------------------------- env vars

class EnvVarCampaign(Campaign):
    """trigger_envvar with purge, secrets and an access token (key resolution, resolved values)."""

    name = 'trigger_envvar'
    ref, env = 'proj_demo', 'staging'

    def declared(self):
        result = [{'name': 'REL_PLAIN_%02d' % k, 'value': 'plain value %02d' % k, 'secret': False} for k in range(8)]
        result += [{'name': 'REL_SECRET_%02d' % k, 'value': 'rel-secret-value-%02d-x9' % k, 'secret': True} for k in range(4)]
        return result

    def setup(self):
        self.emu.import_envvars(self.ref, self.env, {'UNDECLARED_AT_START': 'x'})

    def drift(self, i):
        emu, rng = self.emu, self.rng
        declared = self.declared()
        plain = [d for d in declared if not d['secret']]
        secret = [d for d in declared if d['secret']]
        for d in rng.sample(plain, 2):
            emu.import_envvars(self.ref, self.env, {d['name']: 'drifted %d' % i})
        emu.import_envvars(self.ref, self.env, {rng.choice(secret)['name']: 'drifted-secret-%d' % i}, secret=True)
        flip = rng.choice(plain)
        emu.import_envvars(self.ref, self.env, {flip['name']: flip['value']}, secret=True)
        for d in rng.sample(declared, 2):
            emu.delete_envvar(self.ref, self.env, d['name'])
        emu.import_envvars(self.ref, self.env, {'REL_EXTRA_%d_%d' % (i, k): 'extra' for k in range(2)})

    def tasks(self, i):
        return [{'triggerdev.management.trigger_envvar': {
            'api_url': self.emu.url, 'api_key': self.emu.pat, 'project_ref': self.ref, 'environment': self.env,
            'variables': self.declared(), 'purge': True}}]

    def predicted(self, check, real):
        keys = ('changed', 'added', 'updated', 'removed')
        return all(check.get(k) == real.get(k) for k in keys)

    def verify(self, i, applied):
        if not applied:
            return []
        expected = {d['name']: (d['value'], d['secret']) for d in self.declared()}
        got = self.emu.read_envvars(self.ref, self.env)
        if got != expected:
            return ['env vars differ: missing %s, unexpected %s, wrong %s' % (
                sorted(set(expected) - set(got)), sorted(set(got) - set(expected)),
                sorted(k for k in expected if k in got and got[k] != expected[k]))]
        return []


# ------------------------------------------------------------------------------------------- schedules

class ScheduleCampaign(Campaign):
    """trigger_schedule: four schedules present (one inactive), one absent."""

    name = 'trigger_schedule'
    env = 'prod'
    declared = [
        {'key': 'rel-a', 'task': 'daily-report', 'cron': '0 3 * * *', 'timezone': 'UTC', 'active': True},
        {'key': 'rel-b', 'task': 'hourly-sync', 'cron': '15 * * * *', 'timezone': 'Europe/Paris', 'active': True},
        {'key': 'rel-c', 'task': 'daily-report', 'cron': '30 4 * * 1-5', 'timezone': 'America/New_York', 'active': False},
        {'key': 'rel-d', 'task': 'hourly-sync', 'cron': '0 */2 * * *', 'timezone': 'UTC', 'external_id': 'ext-d', 'active': True},
    ]
    absent = ['rel-gone']

    def key(self):
        return self.emu.key(self.env)

    def path(self, key, *extra):
        return '/api/v1/schedules/' + quote('%s:%s' % (self.env, key), safe='') + ''.join('/' + e for e in extra)

    def upsert(self, key, task, cron, timezone='UTC', external_id=None):
        body = {'task': task, 'cron': cron, 'timezone': timezone, 'deduplicationKey': '%s:%s' % (self.env, key)}
        if external_id:
            body['externalId'] = external_id
        self.emu.api('POST', '/api/v1/schedules', self.key(), json_body=body)

    def drift(self, i):
        emu, rng = self.emu, self.rng
        moves = [
            lambda: self.upsert('rel-a', 'daily-report', '45 5 * * *'),
            lambda: emu.api('POST', self.path('rel-b', 'deactivate'), self.key(), ok=(200, 404)),
            lambda: emu.api('POST', self.path('rel-c', 'activate'), self.key(), ok=(200, 404)),
            lambda: emu.api('DELETE', self.path('rel-d'), self.key(), ok=(200, 404)),
            lambda: self.upsert('rel-gone', 'daily-report', '0 1 * * *'),
            lambda: self.upsert('rel-b', 'hourly-sync', '15 * * * *', timezone='UTC'),
            lambda: (emu.api('DELETE', self.path('rel-a'), self.key(), ok=(200, 404)), self.upsert('rel-a', 'hourly-sync', '0 3 * * *')),
        ]
        for move in rng.sample(moves, 3):
            move()

    def tasks(self, i):
        items = [dict(d, state='present') for d in self.declared] + [{'key': k, 'state': 'absent'} for k in self.absent]
        return [{
            'triggerdev.management.trigger_schedule': {
                'api_url': self.emu.url, 'api_key': self.key(), 'project_ref': 'proj_demo',
                'deduplication_key': '{{ item.key }}', 'state': '{{ item.state }}', 'task': '{{ item.task | default(omit) }}',
                'cron': '{{ item.cron | default(omit) }}', 'timezone': '{{ item.timezone | default(omit) }}',
                'external_id': '{{ item.external_id | default(omit) }}', 'active': '{{ item.active | default(omit) }}'},
            'loop': items, 'loop_control': {'label': '{{ item.key }}'},
        }]

    def verify(self, i, applied):
        if not applied:
            return []
        problems = []
        for d in self.declared:
            response = self.emu.api('GET', self.path(d['key']), self.key(), ok=(200, 404))
            if response.status_code == 404:
                problems.append('schedule %s is missing' % d['key'])
                continue
            got = response.json()
            seen = {'task': got.get('task'), 'cron': (got.get('generator') or {}).get('expression'), 'timezone': got.get('timezone'),
                    'external_id': got.get('externalId'), 'active': got.get('active')}
            wanted = {'task': d['task'], 'cron': d['cron'], 'timezone': d['timezone'], 'external_id': d.get('external_id'),
                      'active': d['active']}
            if seen != wanted:
                problems.append('schedule %s is %s, declared %s' % (d['key'], seen, wanted))
        for key in self.absent:
            if self.emu.api('GET', self.path(key), self.key(), ok=(200, 404)).status_code != 404:
                problems.append('schedule %s still exists' % key)
        return problems


# ------------------------------------------------------------------------------------------- preview branches

class BranchCampaign(Campaign):
    """trigger_preview_branch with an access token: two branches present, one archived."""

    name = 'trigger_preview_branch'
    ref = 'proj_demo'
    present = ['rel-feat-a', 'rel-feat-b']
    archived = ['rel-feat-c']

    def branches_path(self, *extra):
        return '/api/v1/projects/%s/branches' % self.ref + ''.join('/' + e for e in extra)

    def active(self):
        return {b['name'] for b in self.emu.api('GET', self.branches_path(), self.emu.pat).json()['branches']}

    def drift(self, i):
        emu, rng = self.emu, self.rng
        active = self.active()
        for name in self.present:
            if name in active and rng.random() < 0.5:
                emu.api('POST', self.branches_path('archive'), emu.pat, json_body={'branch': name, 'env': 'preview'})
        for name in self.archived:
            if rng.random() < 0.7:
                emu.api('POST', self.branches_path(), emu.pat, json_body={'branch': name, 'env': 'preview'})

    def tasks(self, i):
        items = [{'branch': b, 'state': 'present'} for b in self.present] + [{'branch': b, 'state': 'archived'} for b in self.archived]
        return [{
            'triggerdev.management.trigger_preview_branch': {
                'api_url': self.emu.url, 'api_key': self.emu.pat, 'project_ref': self.ref,
                'branch': '{{ item.branch }}', 'state': '{{ item.state }}'},
            'loop': items, 'loop_control': {'label': '{{ item.branch }}'},
        }]

    def verify(self, i, applied):
        if not applied:
            return []
        active = self.active()
        problems = ['branch %s is not active' % b for b in self.present if b not in active]
        problems += ['branch %s is still active' % b for b in self.archived if b in active]
        return problems


# ------------------------------------------------------------------------------------------- triggering

class TaskCampaign(Campaign):
    """trigger_task: a keyed trigger, a keyed batch of 10 and an unkeyed trigger; the keyed ones sent twice."""

    name = 'trigger_task'
    env = 'prod'
    batch = 10

    def tag(self, i):
        return 'rel-%d-it-%d' % (self.seed, i)

    def connection(self):
        return {'api_url': self.emu.url, 'api_key': self.emu.key(self.env), 'project_ref': 'proj_demo'}

    def keyed(self, i):
        tag = self.tag(i)
        single = {'triggerdev.management.trigger_task': dict(self.connection(), task='hello-world', payload={'i': i},
                                                             idempotency_key=tag + '-single', tags=[tag])}
        items = [{'payload': {'i': i, 'j': j}, 'idempotency_key': '%s-item-%02d' % (tag, j), 'tags': [tag]} for j in range(self.batch)]
        batch = {'triggerdev.management.trigger_task': dict(self.connection(), task='hello-world', items=items)}
        return [single, batch]

    def tasks(self, i):
        unkeyed = {'triggerdev.management.trigger_task': dict(self.connection(), task='hello-world', payload={'i': i, 'unkeyed': True},
                                                              tags=[self.tag(i), self.tag(i) + '-nokey'])}
        return self.keyed(i) + [unkeyed]

    def again(self, i):
        return self.keyed(i)

    def predicted(self, check, real):
        return True  # check mode cannot know whether a key was used before; it reports what it would send

    def runs(self, i):
        found, cursor = [], None
        while True:
            params = {'filter[tag]': self.tag(i), 'page[size]': 100}
            if cursor:
                params['page[after]'] = cursor
            body = self.emu.api('GET', '/api/v1/runs', self.emu.key(self.env), params=params).json()
            found.extend(body['data'])
            cursor = (body.get('pagination') or {}).get('next')
            if not cursor or not body['data']:
                return found

    def verify(self, i, applied):
        runs = self.runs(i)
        problems = []
        # A trigger without the user's key carries a one-off key of the module's: it counts as unkeyed.
        keys = collections.Counter(r.get('idempotencyKey') for r in runs if user_key(r))
        twice = sorted(k for k, n in keys.items() if n > 1)
        if twice:
            problems.append('runs created twice for idempotency keys %s' % twice)
        unkeyed = [r for r in runs if not user_key(r)]
        if len(unkeyed) > 1:
            problems.append('the unkeyed trigger created %d runs (its one-off idempotency key not honoured on retry)' % len(unkeyed))
        if applied:
            expected = {self.tag(i) + '-single'} | {'%s-item-%02d' % (self.tag(i), j) for j in range(self.batch)}
            if set(keys) != expected:
                problems.append('keyed runs missing: %s' % sorted(expected - set(keys)))
            if len(unkeyed) != 1:
                problems.append('the unkeyed trigger succeeded but %d runs exist' % len(unkeyed))
        self.stats['runs_created'] += len(runs)
        return problems


def user_key(run):
    """The idempotency key the user gave the run, or None (none, or the module's one-off retry key)."""
    key = run.get('idempotencyKey')
    return None if not key or key.startswith(RETRY_KEY_PREFIX) else key


class RunCampaign(Campaign):
    """trigger_run: cancel one delayed run and reschedule another to a fixed time; both sent twice."""

    name = 'trigger_run'
    env = 'prod'

    def setup(self):
        self.targets = {}

    def drift(self, i):
        key = self.emu.key(self.env)
        ids = []
        for _run in range(2):
            ids.append(self.emu.api('POST', '/api/v1/tasks/hello-world/trigger', key,
                                    json_body={'payload': {'i': i}, 'options': {'delay': '1h'}}).json()['id'])
        when = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0) + datetime.timedelta(hours=3, minutes=i)
        self.targets[i] = (ids[0], ids[1], when.strftime('%Y-%m-%dT%H:%M:%S.000Z'))

    def tasks(self, i):
        cancel_id, later_id, when = self.targets[i]
        conn = {'api_url': self.emu.url, 'api_key': self.emu.key(self.env), 'project_ref': 'proj_demo'}
        return [{'triggerdev.management.trigger_run': dict(conn, run_id=cancel_id, state='canceled')},
                {'triggerdev.management.trigger_run': dict(conn, run_id=later_id, state='rescheduled', delay=when)}]

    def again(self, i):
        return self.tasks(i)

    def verify(self, i, applied):
        if not applied:
            return []
        cancel_id, later_id, when = self.targets[i]
        key = self.emu.key(self.env)
        problems = []
        canceled = self.emu.api('GET', '/api/v3/runs/' + cancel_id, key).json()
        if canceled.get('status') != 'CANCELED':
            problems.append('run %s is %s, declared CANCELED' % (cancel_id, canceled.get('status')))
        later = self.emu.api('GET', '/api/v3/runs/' + later_id, key).json()
        got = (later.get('delayedUntil') or '')[:19]
        if later.get('status') != 'DELAYED' or got != when[:19]:
            problems.append('run %s is %s until %s, declared DELAYED until %s' % (later_id, later.get('status'), got, when))
        return problems


CAMPAIGNS = [EnvVarCampaign, ScheduleCampaign, BranchCampaign, TaskCampaign, RunCampaign]
