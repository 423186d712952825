# -*- coding: utf-8 -*-
# Copyright: triggerdev.management contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The short benchmark (``make bench-short``, part of ``make test``): exact request counts only.

The same scenarios as run_bench.py, with small N and no injected latency. Request counts are exact,
so they are asserted; times are never asserted.
"""

import re

import pytest

import release_scenarios
import scenarios


@pytest.mark.parametrize('n', [10, 200])
@pytest.mark.parametrize('case, expected', [
    ('nochange', ['GET /api/v1/projects/proj_demo/envvars/dev 200']),
    ('change', ['GET /api/v1/projects/proj_demo/envvars/dev 200', 'POST /api/v1/projects/proj_demo/envvars/dev/import 200']),
    ('first', ['GET /api/v1/projects/proj_demo/envvars/dev 200', 'POST /api/v1/projects/proj_demo/envvars/dev/import 200']),
])
def test_envvar_module_requests_do_not_grow_with_n(emu, n, case, expected):
    measured = scenarios.envvar_module(emu, n, case)
    assert measured['journal'] == expected
    result = measured['result']
    assert len(result['untouched']) == (n if case == 'nochange' else n - 5 if case == 'change' else 0)
    assert len(result['updated']) == (5 if case == 'change' else 0)
    assert len(result['added']) == (n if case == 'first' else 0)


@pytest.mark.parametrize('case, expected', [('nochange', 10), ('change', 15), ('first', 20)])
def test_envvar_uri_baseline_requests(emu, case, expected):
    """Read each of N=10 (GET), then write the ones that differ (POST): N, N + 5 and 2N requests."""
    measured = scenarios.envvar_baseline(emu, 10, case)
    assert measured['requests'] == expected
    methods = [line.split()[0] for line in measured['journal']]
    assert methods.count('GET') == 10


def test_module_overhead_is_one_request_each(emu):
    measured = scenarios.overhead(emu)
    assert measured['journal'] == ['GET /api/v1/projects/proj_demo/envvars/dev 200'] * 2


def test_runs_listing_is_one_request_per_100_runs(emu):
    scenarios.seed_runs(emu, 250)
    measured = scenarios.runs_module(emu, 250)
    assert measured['journal'] == ['GET /api/v1/runs 200'] * 3
    assert scenarios.runs_baseline(emu, 250)['requests'] == 3


def test_schedules_no_change_is_one_read_each_and_no_write(emu):
    measured = scenarios.schedules_module(emu, 5)
    assert measured['journal'] == ['GET /api/v1/schedules/prod%%3Abench-%03d 200' % i for i in range(5)]
    baseline = scenarios.schedules_baseline(emu, 5)
    assert baseline['requests'] == 5


def test_rate_limited_envvar_sync_absorbs_the_429(emu):
    """One token per 2 s: the import gets a 429, waits for x-ratelimit-reset and goes through."""
    measured = scenarios.rate_limited(emu, '1/1', 2000, 'envvar', 50)
    assert measured['journal'] == ['GET /api/v1/projects/proj_demo/envvars/dev 200',
                                   'POST /api/v1/projects/proj_demo/envvars/dev/import 429',
                                   'POST /api/v1/projects/proj_demo/envvars/dev/import 200']
    assert measured['result'] == {'added': 50}


def test_rate_limited_batch_trigger_creates_each_run_once(emu):
    measured = scenarios.rate_limited(emu, '1/1', 2000, 'batch', 20)
    # The run ids come from the batch itself (GET /api/v1/batches/{id}); one runs-list read tells new runs from runs
    # returned for their idempotency key. Each of the two reads absorbs one 429.
    journal = [re.sub(r'batch_[a-z0-9]+', 'batch_ID', entry) for entry in measured['journal']]
    assert journal == ['POST /api/v2/tasks/batch 202', 'GET /api/v1/batches/batch_ID 429', 'GET /api/v1/batches/batch_ID 200',
                       'GET /api/v1/runs 429', 'GET /api/v1/runs 200']
    assert measured['result'] == {'batches': 1, 'runs': 20}


# The emulator's prod holds one declarative schedule of its own besides the N declared: 101 and 1,001 live schedules,
# so 2 and 11 list pages of 100.
@pytest.mark.parametrize('n, pages', [(100, 2), (1000, 11)])
def test_declared_schedule_set_without_change_reads_only_the_list_pages(emu, n, pages):
    measured = scenarios.schedules_set(emu, n)
    assert measured['journal'] == ['GET /api/v1/schedules 200'] * pages
    assert measured['result'] == {'changed': False, 'schedules': n}


def test_declared_schedule_set_with_an_access_token_adds_the_key_bootstrap_only(emu):
    measured = scenarios.schedules_set(emu, 100, token=emu.pat)
    assert measured['journal'] == ['GET /api/v1/projects/proj_demo/prod 200'] + ['GET /api/v1/schedules 200'] * 2


def test_declared_schedule_set_with_5_of_100_changed_writes_5(emu):
    measured = scenarios.schedules_set(emu, 100, case='changed5')
    assert measured['journal'] == ['GET /api/v1/schedules 200'] * 2 + ['POST /api/v1/schedules 200'] * 5


def test_declared_schedule_set_created_from_nothing(emu):
    measured = scenarios.schedules_set(emu, 100, case='first')
    assert measured['journal'] == ['GET /api/v1/schedules 200'] + ['POST /api/v1/schedules 200'] * 100


# ------------------------------------------------------------------------------------------- releases and incidents

@pytest.mark.parametrize('paused', [False, True])
def test_queue_state_that_holds_is_one_read_per_queue(emu, paused):
    """The queue routes have no bulk write and retrieve answers one queue: one GET per declared queue, no write."""
    measured = release_scenarios.queues_module(emu, paused=paused)
    assert measured['journal'] == ['GET /api/v1/queues/%s 200' % task for task in emu.project()['tasks']]


def test_queue_list_is_one_request_per_100_queues(emu):
    assert release_scenarios.queue_list(emu)['journal'] == ['GET /api/v1/queues 200']


def test_promoting_the_current_version_is_one_read(emu):
    assert release_scenarios.promote_current(emu)['journal'] == ['GET /api/v1/deployments/current 200']


def test_promoting_the_current_version_with_an_access_token_adds_the_key_read(emu):
    measured = release_scenarios.promote_current(emu, token=emu.pat)
    assert measured['journal'] == ['GET /api/v1/projects/proj_demo/prod 200', 'GET /api/v1/deployments/current 200']


def test_resuming_a_running_environment_is_one_read(emu):
    assert release_scenarios.environment_resumed(emu)['journal'] == ['GET /api/v1/projects/proj_demo/environments 200']
