# -*- coding: utf-8 -*-
# Copyright: triggerdev.management contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Benchmark scenarios: each prepares the emulator, runs one playbook and measures it.

A measurement is a dict: ``requests`` (API requests in the journal while the measured task(s) ran),
``seconds`` (wall time of the measured task(s) inside ansible-playbook, from the bench_record
callback), ``wall`` (the whole ansible-playbook process), ``statuses`` (status -> count) and ``result``
(the module's return value, when there is one). Used by run_bench.py (long form, with latency) and
test_bench_counts.py (exact request counts, small N, no latency).
"""

from __future__ import annotations

import collections
import os
import sys
import time

import requests

from harness import API_VERSION_HEADERS, PLAYBOOKS, ROOT, connection, play, run_playbook, summarize

ENV = 'dev'
REF = 'proj_demo'


class ScenarioError(AssertionError):
    pass


def _measure(emu, playbook, extra_vars, task_names, latency_ms=0, expect_rc=0):
    """Clear the journal, switch latency on, run, switch it off; return the measurement."""
    emu.clear_journal()
    if latency_ms:
        emu.faults(latency_ms=latency_ms)
    try:
        run = run_playbook(playbook, extra_vars)
    finally:
        if latency_ms:
            emu.faults()
    journal = emu.journal()
    if run.rc != expect_rc:
        raise ScenarioError('playbook %s failed:\n%s' % (playbook if isinstance(playbook, str) else 'inline', run.describe()))
    return {
        'requests': len(journal),
        'seconds': run.seconds(*task_names),
        'wall': run.wall,
        'statuses': dict(collections.Counter(e['status'] for e in journal)),
        'journal': summarize(journal),
        'result': run.result(task_names[-1]),
    }


# ------------------------------------------------------------------------------------------- env vars

def variables(n, changed=0, prefix='BENCH_VAR_'):
    """N declared variables; the first ``changed`` have a value that differs from the stored one."""
    result = []
    for i in range(n):
        value = 'value-%05d' % i
        if i < changed:
            value += '-changed'
        result.append({'name': '%s%05d' % (prefix, i), 'value': value})
    return result


def prepare_envvars(emu, n, case):
    """State before a run: 'nochange' and 'change' start with all N set, 'first' with none."""
    emu.reset()
    if case in ('nochange', 'change'):
        stored = variables(n)
        emu.import_envvars(REF, ENV, {v['name']: v['value'] for v in stored}, token=emu.key(ENV))
    emu.clear_journal()


def desired_for(n, case):
    return variables(n, changed=5 if case == 'change' else 0)


def envvar_vars(emu, n, case):
    values = dict(connection(emu, ENV), desired=desired_for(n, case), env_slug=ENV)
    return values


def envvar_module(emu, n, case, latency_ms=0):
    prepare_envvars(emu, n, case)
    measured = _measure(emu, os.path.join(PLAYBOOKS, 'envvar_module.yml'), envvar_vars(emu, n, case), ['Sync with trigger_envvar'], latency_ms)
    check_envvars(emu, n, case)
    return measured


def envvar_baseline(emu, n, case, latency_ms=0):
    prepare_envvars(emu, n, case)
    measured = _measure(emu, os.path.join(PLAYBOOKS, 'envvar_uri.yml'), envvar_vars(emu, n, case), ['Read each', 'Write if different'],
                        latency_ms)
    check_envvars(emu, n, case)
    return measured


def check_envvars(emu, n, case):
    """After a run the environment holds exactly the declared variables."""
    listing = emu.list_envvars(REF, ENV, token=emu.key(ENV))
    expected = {v['name']: v['value'] for v in desired_for(n, case)}
    got = {name: item['value'] for name, item in listing.items()}
    if got != expected:
        missing = sorted(set(expected) - set(got))[:5]
        wrong = sorted(k for k in expected if k in got and got[k] != expected[k])[:5]
        raise ScenarioError('env vars differ after the run: missing %s, wrong %s' % (missing, wrong))


# ------------------------------------------------------------------------------------------- overhead

def overhead(emu, latency_ms=0):
    """One uri GET and one no-op trigger_envvar against the same list endpoint, same process."""
    emu.reset()
    emu.import_envvars(REF, ENV, {'NOOP_FLAG': 'on'}, token=emu.key(ENV))
    extra = dict(connection(emu, ENV), env_slug=ENV, noop_name='NOOP_FLAG', noop_value='on')
    emu.clear_journal()
    if latency_ms:
        emu.faults(latency_ms=latency_ms)
    try:
        run = run_playbook(os.path.join(PLAYBOOKS, 'overhead.yml'), extra)
    finally:
        if latency_ms:
            emu.faults()
    if run.rc != 0:
        raise ScenarioError(run.describe())
    journal = emu.journal()
    module = run.result('Sync with trigger_envvar (no-op)')
    if module.get('changed'):
        raise ScenarioError('the no-op trigger_envvar reported a change')
    return {
        'uri_seconds': run.seconds('Read with uri GET'),
        'module_seconds': run.seconds('Sync with trigger_envvar (no-op)'),
        'requests': len(journal),
        'journal': summarize(journal),
    }


# ------------------------------------------------------------------------------------------- runs

def seed_runs(emu, count, env='prod'):
    emu.reset()
    remaining = count
    while remaining:
        chunk = min(remaining, 5000)
        emu.seed_runs(environment=env, count=chunk)
        remaining -= chunk
    emu.clear_journal()


def runs_module(emu, count, latency_ms=0, env='prod'):
    """trigger_run_info with limit=count over ``count`` seeded runs."""
    tasks = [{'name': 'trigger_run_info', 'triggerdev.management.trigger_run_info': dict(connection(emu, env), limit=count),
              'register': 'listed'}]
    measured = _measure(emu, play(tasks), None, ['trigger_run_info'], latency_ms)
    got = len(measured['result']['runs'])
    if got != count:
        raise ScenarioError('trigger_run_info returned %d runs, expected %d' % (got, count))
    measured['result'] = {'runs': got}
    return measured


def runs_module_fields(emu, count, fields, latency_ms=0, env='prod'):
    """trigger_run_info returning only ``fields`` of each run."""
    tasks = [{'name': 'trigger_run_info', 'register': 'listed',
              'triggerdev.management.trigger_run_info': dict(connection(emu, env), limit=count, fields=fields)}]
    measured = _measure(emu, play(tasks), None, ['trigger_run_info'], latency_ms)
    runs = measured['result']['runs']
    if len(runs) != count or any(sorted(run) != sorted(fields) for run in runs):
        raise ScenarioError('trigger_run_info with fields returned %d runs, or other fields' % len(runs))
    measured['result'] = {'runs': len(runs)}
    return measured


def runs_in_process(emu, count, latency_ms=0, env='prod'):
    """Where the module's time goes, measured in this process: the operation itself (requests, conversion), then what
    Ansible does with its result before it leaves the module (masking no_log values, JSON)."""
    import json  # pylint: disable=import-outside-toplevel
    from ansible.module_utils.common.parameters import remove_values  # pylint: disable=import-outside-toplevel
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.dirname(ROOT))))
    from ansible_collections.triggerdev.management.plugins.module_utils._client import TriggerClient  # pylint: disable=import-outside-toplevel
    from ansible_collections.triggerdev.management.plugins.module_utils._runs import RunRead  # pylint: disable=import-outside-toplevel
    if latency_ms:
        emu.faults(latency_ms=latency_ms)
    try:
        started = time.perf_counter()
        result = RunRead(TriggerClient(emu.key(env), api_url=emu.url), limit=count).run().result()
        operation = time.perf_counter() - started
    finally:
        if latency_ms:
            emu.faults()
    started = time.perf_counter()
    masked = remove_values(result, {emu.key(env)})
    masking = time.perf_counter() - started
    started = time.perf_counter()
    text = json.dumps(masked)
    return {'operation': operation, 'masking': masking, 'json': time.perf_counter() - started, 'megabytes': len(text) / 1e6}


def runs_baseline(emu, count, latency_ms=0, env='prod', page_size=100):
    """The floor: the same pages read with a bare requests loop (no Ansible at all)."""
    session = requests.Session()
    session.trust_env = False
    headers = dict(API_VERSION_HEADERS, Authorization='Bearer %s' % emu.key(env))
    emu.clear_journal()
    if latency_ms:
        emu.faults(latency_ms=latency_ms)
    got = 0
    started = time.perf_counter()
    try:
        cursor = None
        while got < count:
            params = {'page[size]': min(page_size, count - got)}
            if cursor:
                params['page[after]'] = cursor
            body = session.get(emu.url + '/api/v1/runs', params=params, headers=headers, timeout=60).json()
            got += len(body['data'])
            cursor = (body.get('pagination') or {}).get('next')
            if not cursor or not body['data']:
                break
    finally:
        seconds = time.perf_counter() - started
        if latency_ms:
            emu.faults()
        session.close()
    if got != count:
        raise ScenarioError('the requests loop read %d runs, expected %d' % (got, count))
    return {'requests': len(emu.journal()), 'seconds': seconds, 'wall': seconds}


# ------------------------------------------------------------------------------------------- schedules

SCHEDULE_ENV = 'prod'


def schedules(n):
    return [{'key': 'bench-%03d' % i, 'cron': '%d %d * * *' % (i % 60, i % 24)} for i in range(n)]


def schedule_module_play(emu, n):
    task = {
        'name': 'trigger_schedule',
        'triggerdev.management.trigger_schedule': dict(connection(emu, SCHEDULE_ENV), deduplication_key='{{ item.key }}',
                                                       task='daily-report', cron='{{ item.cron }}', timezone='UTC'),
        'loop': '{{ declared }}',
        'loop_control': {'label': '{{ item.key }}'},
        'register': 'declared_result',
    }
    return play([task])


def schedule_baseline_play(emu):
    """Read each schedule by its deduplication key; create/update (upsert by key) the ones that differ."""
    base = '{{ api_url }}/api/v1/schedules'
    headers = {'Authorization': 'Bearer {{ api_key }}'}
    read = {
        'name': 'Read each',
        'ansible.builtin.uri': {'url': base + "/{{ ('prod:' ~ item.key) | urlencode }}", 'headers': headers, 'status_code': [200, 404]},
        'loop': '{{ declared }}', 'loop_control': {'label': '{{ item.key }}'}, 'register': 'current',
    }
    write = {
        'name': 'Write if different',
        'ansible.builtin.uri': {'url': base, 'method': 'POST', 'headers': headers, 'body_format': 'json',
                                'body': {'task': 'daily-report', 'cron': '{{ item.item.cron }}', 'timezone': 'UTC',
                                         'deduplicationKey': "prod:{{ item.item.key }}"}},
        'loop': '{{ current.results }}', 'loop_control': {'label': '{{ item.item.key }}'},
        'when': "item.status == 404 or item.json.generator.expression != item.item.cron or item.json.timezone != 'UTC'",
    }
    return play([read, write], vars={'api_url': emu.url, 'api_key': emu.key(SCHEDULE_ENV)})


def prepare_schedules(emu, n):
    emu.reset()
    run = run_playbook(schedule_module_play(emu, n), {'declared': schedules(n)})
    if run.rc != 0:
        raise ScenarioError(run.describe())
    emu.clear_journal()


def schedules_module(emu, n, latency_ms=0, prepare=True):
    if prepare:
        prepare_schedules(emu, n)
    measured = _measure(emu, schedule_module_play(emu, n), {'declared': schedules(n)}, ['trigger_schedule'], latency_ms)
    if any(r.get('changed') for r in measured['result']['results']):
        raise ScenarioError('trigger_schedule reported a change on an unchanged schedule')
    measured['result'] = {'changed': measured['result'].get('changed')}
    return measured


def schedules_baseline(emu, n, latency_ms=0, prepare=True):
    if prepare:
        prepare_schedules(emu, n)
    measured = _measure(emu, schedule_baseline_play(emu), {'declared': schedules(n)}, ['Read each', 'Write if different'], latency_ms)
    writes = [line for line in measured['journal'] if not line.startswith('GET ')]
    if writes:
        raise ScenarioError('the uri baseline wrote unchanged schedules: %s' % writes[:5])
    measured['result'] = None
    return measured


def schedule_items(n, changed=0):
    """N declared schedules in trigger_schedule's ``schedules`` form; the first ``changed`` differ from prepare_schedule_set's."""
    return [{'key': 'set-%04d' % i, 'task': 'daily-report', 'cron': '%d %d * * *' % ((i + (1 if i < changed else 0)) % 60, i % 24),
             'timezone': 'UTC'} for i in range(n)]


def schedule_set_play(emu, token=None):
    task = {'name': 'trigger_schedule', 'register': 'declared_result',
            'triggerdev.management.trigger_schedule': dict(connection(emu, SCHEDULE_ENV, token=token), schedules='{{ declared }}')}
    return play([task])


def prepare_schedule_set(emu, n):
    """N schedules as the set form creates them (keys scoped for prod), written straight to the API (fast for 1,000)."""
    emu.reset()
    for item in schedule_items(n):
        emu.api('POST', '/api/v1/schedules', emu.key(SCHEDULE_ENV), json_body={
            'task': item['task'], 'cron': item['cron'], 'timezone': 'UTC', 'deduplicationKey': 'prod:' + item['key']})
    emu.clear_journal()


def schedules_set(emu, n, case='nochange', token=None, latency_ms=0, prepare=True):
    """The declared set in one task: ``nochange`` (N live as declared), ``changed5`` (5 of them differ), ``first`` (none live)."""
    if case == 'first':
        emu.reset()
    elif prepare:
        prepare_schedule_set(emu, n)
    declared = schedule_items(n, changed=5 if case == 'changed5' else 0)
    measured = _measure(emu, schedule_set_play(emu, token), {'declared': declared}, ['trigger_schedule'], latency_ms)
    expected_writes = {'nochange': 0, 'changed5': 5, 'first': n}[case]
    writes = [line for line in measured['journal'] if not line.startswith('GET ')]
    if len(writes) != expected_writes or bool(measured['result'].get('changed')) != bool(expected_writes):
        raise ScenarioError('the set form sent %d writes (changed=%s), expected %d' % (len(writes), measured['result'].get('changed'),
                                                                                       expected_writes))
    measured['result'] = {'changed': measured['result'].get('changed'), 'schedules': len(measured['result']['schedules'])}
    return measured


def schedule_list_uri(emu, latency_ms=0):
    """The floor of a no-change set: one uri GET task of the schedules list (the first page), same process."""
    task = {'name': 'Read with uri GET', 'ansible.builtin.uri': {
        'url': emu.url + '/api/v1/schedules?perPage=100', 'headers': {'Authorization': 'Bearer ' + emu.key(SCHEDULE_ENV)}}}
    measured = _measure(emu, play([task]), None, ['Read with uri GET'], latency_ms)
    measured['result'] = None
    return measured


# ------------------------------------------------------------------------------------------- rate limits

def list_runs(emu, env, **filters):
    """Every run of an environment (direct API, cursor pagination)."""
    runs, cursor = [], None
    while True:
        params = dict(filters, **{'page[size]': 100})
        if cursor:
            params['page[after]'] = cursor
        body = emu.api('GET', '/api/v1/runs', emu.key(env), params=params).json()
        runs.extend(body['data'])
        cursor = (body.get('pagination') or {}).get('next')
        if not cursor or not body['data']:
            return runs


def rate_limited(emu, limit, interval_ms, what, n):
    """A first-time sync of ``n`` variables ('envvar') or an ``n``-item batch trigger ('batch') with the
    emulator's rate limit set to ``limit`` (BURST/REFILL) per ``interval_ms``; returns the measurement
    with the number of 429 answers absorbed by the client's retries."""
    emu.reset()
    default = emu.control('GET', 'settings')
    emu.settings(rate_limit=limit, rate_limit_interval_ms=interval_ms)
    try:
        if what == 'envvar':
            measured = _measure(emu, os.path.join(PLAYBOOKS, 'envvar_module.yml'), envvar_vars(emu, n, 'first'), ['Sync with trigger_envvar'])
        else:
            items = [{'payload': {'n': i}, 'idempotency_key': 'bench-batch-%04d' % i} for i in range(n)]
            args = dict(connection(emu, 'prod'), task='hello-world', items=items)
            tasks = [{'name': 'trigger_task', 'triggerdev.management.trigger_task': args}]
            measured = _measure(emu, play(tasks), None, ['trigger_task'])
    finally:
        emu.settings(rate_limit=default['rate_limit'], rate_limit_interval_ms=default['rate_limit_interval_ms'])
    if what == 'envvar':
        check_envvars(emu, n, 'first')
        measured['result'] = {'added': len(measured['result']['added'])}
    else:
        keys = [run.get('idempotencyKey') for run in list_runs(emu, 'prod')]
        if len(keys) != n or len(set(keys)) != n:
            raise ScenarioError('the batch created %d runs for %d distinct idempotency keys, expected %d' % (len(keys), len(set(keys)), n))
        measured['result'] = {'batches': len(measured['result']['batches']), 'runs': len(keys)}
    measured['throttled'] = measured['statuses'].get(429, 0)
    return measured
