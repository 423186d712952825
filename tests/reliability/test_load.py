# -*- coding: utf-8 -*-
# Copyright: triggerdev.management contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Load: 20 forks sync 20 environments at once while the emulator's rate limit is low.

The emulator has two projects; their dev, staging and prod environments (6) and seven preview branches
of each (14) make the 20 targets, one inventory host each, all with the same access token, so they all
draw on one rate-limit bucket. Three passes: first sync (everything new), a sync after every target
drifted (values changed, variables removed, extras added, a plain variable made secret), and a pass
with no change. After each pass every variable of every target is compared with its declaration.
"""

import collections
import random
import re

import pytest

import harness
from reliability_support import LONG, report

FORKS = 20
VARIABLES = 200 if LONG else 60
SECRETS = VARIABLES // 5
LIMIT, INTERVAL_MS = '60/60', 10000   # burst 60, then 60 more every 10 s for the one token (the real default: 750/250)


def _targets(emu):
    targets = {}
    for project in ('proj_demo', 'proj_other'):
        for env in ('dev', 'staging', 'prod'):
            targets['%s-%s' % (project, env)] = {'project_ref': project, 'environment': env}
        for k in range(7):
            targets['%s-branch%d' % (project, k)] = {'project_ref': project, 'environment': 'preview', 'branch': 'load-%d' % k}
    assert len(targets) == FORKS
    for name, target in targets.items():
        if target.get('branch'):
            emu.api('POST', '/api/v1/projects/%s/branches' % target['project_ref'], emu.pat,
                    json_body={'branch': target['branch'], 'env': 'preview'})
        target['declared'] = _declared(name)
    return targets


def _declared(name):
    """Values unique to each target, so a write that lands on the wrong target is seen."""
    plain = [{'name': 'LOAD_%03d' % k, 'value': '%s plain %03d' % (name, k), 'secret': False} for k in range(VARIABLES - SECRETS)]
    secret = [{'name': 'LOAD_SECRET_%03d' % k, 'value': '%s-secret-%03d' % (name, k), 'secret': True} for k in range(SECRETS)]
    return plain + secret


def _drift(emu, targets, rng):
    for name, t in targets.items():
        ref, env, branch = t['project_ref'], t['environment'], t.get('branch')
        declared = t['declared']
        plain = [d for d in declared if not d['secret']]
        emu.import_envvars(ref, env, {d['name']: 'drifted' for d in rng.sample(plain, 5)}, branch=branch)
        emu.import_envvars(ref, env, {d['name']: 'drifted-secret' for d in rng.sample(declared[-SECRETS:], 2)}, secret=True, branch=branch)
        flip = rng.choice(plain)
        emu.import_envvars(ref, env, {flip['name']: flip['value']}, secret=True, branch=branch)
        for d in rng.sample(declared, 3):
            emu.delete_envvar(ref, env, d['name'], branch=branch)
        emu.import_envvars(ref, env, {'LOAD_EXTRA_%s' % name.replace('-', '_').upper(): 'extra'}, branch=branch)


def _verify(emu, targets):
    problems = []
    for name, t in targets.items():
        expected = {d['name']: (d['value'], d['secret']) for d in t['declared']}
        got = emu.read_envvars(t['project_ref'], t['environment'], branch=t.get('branch'))
        if got != expected:
            problems.append('%s: missing %s, unexpected %s, wrong %s' % (
                name, sorted(set(expected) - set(got))[:5], sorted(set(got) - set(expected))[:5],
                sorted(k for k in expected if k in got and got[k] != expected[k])[:5]))
    return problems


def _sync(emu, targets, limit=LIMIT, interval_ms=INTERVAL_MS, retries=None):
    task = {
        'name': 'sync',
        'triggerdev.management.trigger_envvar': {
            'api_url': emu.url, 'api_key': emu.pat, 'project_ref': '{{ target.project_ref }}', 'environment': '{{ target.environment }}',
            'branch': '{{ target.branch | default(omit) }}', 'variables': '{{ target.declared }}', 'purge': True},
    }
    if retries is not None:
        task['triggerdev.management.trigger_envvar']['retries'] = retries
    emu.clear_journal()
    emu.settings(rate_limit=limit, rate_limit_interval_ms=interval_ms)
    try:
        run = harness.run_playbook(harness.play([task], hosts='all'), hosts=list(targets),
                                   host_vars={name: {'target': t} for name, t in targets.items()}, forks=FORKS)
    finally:
        emu.settings(rate_limit='1000000/1000000', rate_limit_interval_ms=10000)
    journal = emu.journal()
    if retries is None:
        assert run.rc == 0, run.describe()
    results = run.task('sync')['results']
    assert sorted(results) == sorted(targets)
    return run, results, journal


def test_twenty_forks_sync_twenty_environments_under_rate_limit(emu):
    emu.settings(rate_limit='1000000/1000000', rate_limit_interval_ms=10000)
    targets = _targets(emu)
    rng = random.Random(7)
    passes = [('first sync', True), ('after drift', True), ('no change', False)]
    for label, expect_change in passes:
        if label == 'after drift':
            _drift(emu, targets, rng)
        run, results, journal = _sync(emu, targets)
        statuses = collections.Counter(e['status'] for e in journal)
        write_count = len(harness.writes([e for e in journal if e['status'] != 429]))
        assert all(r['changed'] is expect_change for r in results.values()), {h: r.get('changed') for h, r in results.items()}
        if not expect_change:
            assert write_count == 0, harness.summarize(harness.writes(journal))
        problems = _verify(emu, targets)
        assert not problems, '\n'.join(problems)
        report('load %-12s %d targets x %d variables, %d forks, limit %s per %d ms: %d requests, %d answered 429 and retried, '
               '%d writes, playbook %.1f s' % (label, len(targets), VARIABLES, FORKS, LIMIT, INTERVAL_MS, len(journal), statuses.get(429, 0),
                                               write_count, run.seconds('sync')))
        if label == 'first sync':
            assert statuses.get(429, 0) > 0, 'the rate limit never bit: the load test would prove nothing'


RATE_LIMITED = re.compile(r'failed with HTTP 429: Rate limit exceeded')


@pytest.mark.skipif(not LONG, reason='long form only (make reliability)')
def test_harsher_limit_needs_more_retries(emu):
    """Burst 20 then 10 per second for 20 forks on one token: the default 4 retries (the SDK's policy) are not
    always enough; a target that gives up says so clearly, and retries=10 makes all of them converge."""
    emu.settings(rate_limit='1000000/1000000', rate_limit_interval_ms=10000)
    targets = _targets(emu)
    harsh = ('20/10', 1000)
    run, results, journal = _sync(emu, targets, *harsh, retries=4)
    failed = {h: r['msg'] for h, r in results.items() if r.get('_status') == 'failed'}
    for host, msg in failed.items():
        assert RATE_LIMITED.search(msg), '%s: %s' % (host, msg)
    throttled = sum(1 for e in journal if e['status'] == 429)
    report('load harsher limit %s per %d ms, retries 4: %d of %d targets gave up with a clear 429 message (%d requests, %d answered 429)'
           % (harsh[0], harsh[1], len(failed), len(targets), len(journal), throttled))
    run, results, journal = _sync(emu, targets, *harsh, retries=10)
    assert not [h for h, r in results.items() if r.get('_status') == 'failed'], run.describe()
    problems = _verify(emu, targets)
    assert not problems, '\n'.join(problems)
    report('load harsher limit %s per %d ms, retries 10: all %d targets converged and verified (%d requests, %d answered 429)'
           % (harsh[0], harsh[1], len(targets), len(journal), sum(1 for e in journal if e['status'] == 429)))
