# -*- coding: utf-8 -*-
# Copyright: triggerdev.management contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""schedules module_utils: validation, planning and the requests it sends (against a fake API via responses)."""

import json
import re

import pytest
import responses
from hypothesis import given, settings
from hypothesis import strategies as st

from ansible_collections.triggerdev.management.plugins.module_utils import _schedules as S
from ansible_collections.triggerdev.management.plugins.module_utils._client import TriggerClient
from ansible_collections.triggerdev.management.plugins.module_utils._errors import TriggerAPIError, TriggerError, TriggerInputError
from ansible_collections.triggerdev.management.plugins.module_utils._workers import UnknownTaskError

from ansible_collections.triggerdev.management.tests.unit.plugins.fake_schedules import API, PAT, PROD_KEY, STG_KEY, FakeAPI


# ---------------------------------------------------------------------------------------------- cron

@pytest.mark.parametrize('expression', [
    '0 3 * * *', '*/5 * * * *', '0 0 L * *', '0 0 * * 5L', '0 0 * * MON#2', '0 9-17/2 * JAN-MAR mon-fri',
    '0 0 ? * *', '0 0 * * ?', '0,15,30,45 * * * *', '5/15 * * * *', '59 23 31 12 7', '0 0 1,L * *',
    '  0   3 * * *  ', '0 0 * * SUN', '0 0 * dec *', '0 12 * * 1-5',
])
def test_valid_cron(expression):
    assert S.validate_cron(expression) == ' '.join(expression.split())


@pytest.mark.parametrize('expression, fragment', [
    ('0 3 * *', 'it has 4 fields, expected 5'),
    ('0 0 3 * * *', 'A seconds field is not supported'),
    ('', 'cron is empty'),
    ('   ', 'cron is empty'),
    ('60 * * * *', '60 in the minute field is out of range 0-59'),
    ('* 24 * * *', '24 in the hour field is out of range 0-23'),
    ('* * 0 * *', '0 in the day of month field is out of range 1-31'),
    ('* * 32 * *', '32 in the day of month field'),
    ('* * * 0 *', '0 in the month field is out of range 1-12'),
    ('* * * 13 *', '13 in the month field'),
    ('* * * * 8', '8 in the day of week field is out of range 0-7'),
    ('* * * * FOO', "'FOO' in the day of week field is not a number"),
    ('* * * FOO *', "'FOO' in the month field"),
    ('*/0 * * * *', "step '0' in the minute field"),
    ('*/x * * * *', "step 'x' in the minute field"),
    ('5-1 * * * *', "range '5-1' in the minute field goes backwards"),
    ('5- * * * *', "range '5-' in the minute field needs a start and an end"),
    ('1,,2 * * * *', 'the minute field has an empty list item'),
    ('L * * * *', "'L' in the minute field"),
    ('0 0 * * 1#6', 'needs a week number 1-5'),
    ('0 0 * * 9L', '9 in the day of week field'),
    ('? * * * *', "'?' in the minute field"),
    ('0 0 * MON *', "'MON' in the month field"),
    ('0 0 15W * *', "'15W' in the day of month field"),
    ('-1 * * * *', "range '-1' in the minute field"),
])
def test_invalid_cron(expression, fragment):
    with pytest.raises(TriggerInputError) as exc:
        S.validate_cron(expression)
    assert fragment in str(exc.value)


def test_cron_comparison_tolerates_whitespace():
    assert S.normalize_cron(' 0\t3  * * * ') == '0 3 * * *'
    current = {'task': 't', 'cron': '0 3 * * *', 'timezone': 'UTC', 'external_id': None, 'window': None, 'active': True}
    assert S.changed_fields(current, S.normalize_desired({'cron': '0  3 * *  *'})) == []
    assert S.changed_fields(current, S.normalize_desired({'cron': '0 4 * * *'})) == ['cron']


# ---------------------------------------------------------------------------------------------- window

@pytest.mark.parametrize('window', ['30m', '2h', '24h', '0%', '25%', '100%', '0m', '90m', '', None])
def test_valid_window(window):
    assert S.validate_window(window) == window


@pytest.mark.parametrize('window, normal', [('60m', '1h'), ('120m', '2h'), ('1440m', '24h'), ('0h', '0m'),
                                            ('90m', '90m'), ('50%', '50%'), ('0%', '0%')])
def test_window_normalised_like_the_server(window, normal):
    """v3/scheduleWindow.server.ts reads windows back as whole hours and 0m."""
    assert S.validate_window(window) == normal
    assert S.normalize_window(window) == normal
    current = S.fields_of({'task': 't', 'generator': {'expression': '0 0 * * *'}, 'window': normal, 'active': True})
    assert S.changed_fields(current, S.normalize_desired({'window': S.validate_window(window)})) == []


@pytest.mark.parametrize('window', ['05m', '01h', '00m', '050%'])
def test_window_leading_zeros_refused(window):
    with pytest.raises(TriggerInputError, match='leading zeros'):
        S.validate_window(window)


@pytest.mark.parametrize('window, fragment', [
    ('25h', 'at most 24 hours'), ('1441m', 'at most 24 hours'), ('101%', 'between 0 and 100'),
    ('1.5h', 'use whole minutes or hours'), ('30', 'use whole minutes or hours'), ('30s', 'use whole'),
    ('-5m', 'use whole'), ('m', 'use whole'), ('2 h', 'use whole'), ('1d', 'use whole'),
])
def test_invalid_window(window, fragment):
    with pytest.raises(TriggerInputError) as exc:
        S.validate_window(window)
    assert fragment in str(exc.value)


# ---------------------------------------------------------------------------------------------- timezone

def test_timezone_checked_against_the_shipped_server_list():
    assert S.validate_timezone('Europe/London') == 'Europe/London'
    assert S.validate_timezone('UTC') == 'UTC'
    assert S.validate_timezone('Asia/Calcutta') == 'Asia/Calcutta'
    with pytest.raises(TriggerInputError) as exc:
        S.validate_timezone('Mars/Olympus_Mons')
    assert 'Unknown timezone' in str(exc.value)
    with pytest.raises(TriggerInputError) as exc:
        S.validate_timezone('europe/london')
    assert 'Did you mean Europe/London?' in str(exc.value)
    assert S.validate_timezone(None) is None


@pytest.mark.parametrize('name, listed', [('Asia/Kolkata', 'Asia/Calcutta'), ('Europe/Kyiv', 'Europe/Kiev'),
                                          ('Etc/UTC', 'UTC'), ('US/Eastern', 'America/New_York')])
def test_timezone_alias_sent_as_the_listed_name(name, listed):
    """The server lists only ICU's names (Node 24.18); another name of the same zone is sent as the listed one."""
    assert name not in S.LISTED and listed in S.LISTED
    assert S.validate_timezone(name) == listed


def test_timezone_does_not_use_the_host_database(monkeypatch):
    """A name the host's zoneinfo knows but the server refuses is refused (no request either)."""
    assert 'Asia/Kolkata' not in S.LISTED
    monkeypatch.setattr(S, 'ALIASES', {})
    with pytest.raises(TriggerInputError, match='Unknown timezone'):
        S.validate_timezone('Asia/Kolkata')


def test_timezone_empty():
    with pytest.raises(TriggerInputError):
        S.validate_timezone('  ')


# ---------------------------------------------------------------------------------------------- keys

def test_scoped_keys_round_trip():
    assert S.api_dedup_key('nightly', 'prod') == 'prod:nightly'
    assert S.api_dedup_key('nightly', 'preview', 'feature/x') == 'preview:feature/x:nightly'
    assert S.api_dedup_key('nightly', 'prod', scoped=False) == 'nightly'
    assert S.user_dedup_key('prod:nightly', 'prod') == 'nightly'
    assert S.user_dedup_key('staging:nightly', 'prod') == 'staging:nightly'
    assert S.user_dedup_key('prod:nightly', 'prod', scoped=False) == 'prod:nightly'
    assert S.user_dedup_key(None, 'prod') is None


def test_key_starting_with_sched_is_refused_unscoped_only():
    with pytest.raises(TriggerInputError) as exc:
        S.validate_key('sched_abc', 'sched_abc')
    assert 'schedule id' in str(exc.value)
    assert S.validate_key('sched_abc', 'prod:sched_abc') == 'sched_abc'
    with pytest.raises(TriggerInputError):
        S.validate_key(' padded', 'prod: padded')
    with pytest.raises(TriggerInputError):
        S.validate_id('nightly')


class Manager:
    """Runs ScheduleState for one schedule and returns the module's result as a dict (diff under diff_before/after)."""

    def __init__(self, client, check_mode, scoped):
        self.client, self.check_mode, self.scoped = client, check_mode, scoped
        self.api = S.ScheduleAPI(client)
        self.warnings = []

    def _run(self, state, desired, key, schedule_id):
        full = dict((name, None) for name in S.FIELDS)
        full.update(desired or {})
        operation = S.ScheduleState(self.client, self.check_mode, key=key, schedule_id=schedule_id, state=state, desired=full,
                                    scoped=self.scoped)
        operation.api = self.api
        self.warnings.extend(operation.outcome.warnings)
        outcome = operation.run()
        self.warnings[:] = list(outcome.warnings)
        result = outcome.result()
        result.update(diff_before=outcome.before, diff_after=outcome.after)
        return result

    def ensure_present(self, desired, key=None, schedule_id=None):
        return self._run('present', desired, key, schedule_id)

    def ensure_absent(self, key=None, schedule_id=None):
        return self._run('absent', {}, key, schedule_id)


def manager(key=PROD_KEY, check_mode=False, scoped=True, **kwargs):
    client = TriggerClient(key, api_url=API, retries=0, sleep=lambda s: None, **kwargs)
    mgr = Manager(client, check_mode, scoped)
    return mgr, mgr.warnings


DESIRED = {'task': 'daily-report', 'cron': '0 3 * * *', 'timezone': 'Europe/Paris', 'external_id': 'cust-1', 'window': '15m', 'active': None}


# ---------------------------------------------------------------------------------------------- present

def test_create_sends_full_scoped_body_then_noop(fake):
    mgr, warnings = manager()
    result = mgr.ensure_present(dict(DESIRED), key='nightly')
    assert result['changed'] is True and result['actions'] == ['create nightly']
    assert fake.sent() == {'task': 'daily-report', 'cron': '0 3 * * *', 'timezone': 'Europe/Paris', 'externalId': 'cust-1',
                           'window': '15m', 'deduplicationKey': 'prod:nightly'}
    sched = result['schedule']
    assert sched['deduplication_key'] == 'nightly' and sched['api_deduplication_key'] == 'prod:nightly'
    assert sched['id'].startswith('sched_') and sched['external_id'] == 'cust-1' and sched['active'] is True
    assert result['diff_before'] == {} and result['diff_after']['cron'] == '0 3 * * *'
    assert warnings == []
    # reads went to the scoped key (percent-encoded) and the bare key (adoption hint)
    gets = [c.request.url.replace(API, '') for c in fake.rsps.calls if c.request.method == 'GET']
    assert gets == ['/api/v1/schedules/prod%3Anightly', '/api/v1/schedules/nightly']

    fake.rsps.calls.reset()
    again = manager()[0].ensure_present(dict(DESIRED, cron=' 0  3 * * * '), key='nightly')
    assert again['changed'] is False and again['actions'] == []
    assert fake.writes() == []
    assert len(fake.rsps.calls) == 1  # one GET, nothing else


def test_create_inactive_deactivates_right_after(fake):
    result = manager()[0].ensure_present(dict(DESIRED, active=False), key='paused')
    assert result['actions'] == ['create paused', 'deactivate paused']
    assert fake.writes() == [('POST', '/api/v1/schedules'), ('POST', '/api/v1/schedules/%s/deactivate' % result['schedule']['id'])]
    assert result['schedule']['active'] is False


def test_create_needs_task_and_cron(fake):
    with pytest.raises(TriggerInputError) as exc:
        manager()[0].ensure_present({'task': 'daily-report'}, key='nightly')
    assert 'cron is needed to create it' in str(exc.value)
    assert fake.writes() == []


def test_update_sends_full_body_and_keeps_unmanaged_fields(fake):
    fake.add(dedupKey='prod:nightly', timezone='Europe/Paris', externalId='cust-1', window='15m', cron='0 3 * * *')
    result = manager()[0].ensure_present({'cron': '0 4 * * *'}, key='nightly')
    assert result['changed'] is True and result['changes'] == ['cron'] and result['actions'] == ['update nightly']
    # the upsert would reset an omitted timezone/externalId/window: all of them are sent
    assert fake.sent() == {'task': 'daily-report', 'cron': '0 4 * * *', 'timezone': 'Europe/Paris', 'externalId': 'cust-1',
                           'window': '15m', 'deduplicationKey': 'prod:nightly'}
    assert result['diff_before']['cron'] == '0 3 * * *' and result['diff_after']['cron'] == '0 4 * * *'
    assert [m for m, _p in fake.writes()] == ['POST']


def test_clearing_external_id_and_window(fake):
    fake.add(dedupKey='prod:nightly', externalId='cust-1', window='15m')
    result = manager()[0].ensure_present({'external_id': '', 'window': ''}, key='nightly')
    assert sorted(result['changes']) == ['external_id', 'window']
    body = fake.sent()
    assert 'externalId' not in body and 'window' not in body
    assert result['schedule']['external_id'] is None and result['schedule']['window'] is None
    # and '' against an empty value is no change
    fake.rsps.calls.reset()
    assert manager()[0].ensure_present({'external_id': '', 'window': ''}, key='nightly')['changed'] is False
    assert fake.writes() == []


def test_toggle_active_only_when_different(fake):
    sched = fake.add(dedupKey='prod:nightly')
    result = manager()[0].ensure_present({'active': False}, key='nightly')
    assert fake.writes() == [('POST', '/api/v1/schedules/%s/deactivate' % sched['id'])]
    assert result['schedule']['active'] is False and result['schedule']['next_run'] is None
    fake.rsps.calls.reset()
    assert manager()[0].ensure_present({'active': False}, key='nightly')['changed'] is False
    assert fake.writes() == []
    manager()[0].ensure_present({'active': True}, key='nightly')
    assert fake.writes() == [('POST', '/api/v1/schedules/%s/activate' % sched['id'])]


def test_task_change_recreates(fake):
    old = fake.add(dedupKey='prod:nightly', active=False, externalId='x')
    result = manager()[0].ensure_present({'task': 'hourly-sync'}, key='nightly')
    assert result['recreated'] is True and result['previous_id'] == old['id']
    assert result['actions'] == ['delete nightly', 'create nightly', 'deactivate nightly']
    new_id = result['schedule']['id']
    assert new_id != old['id'] and result['schedule']['task'] == 'hourly-sync'
    assert fake.writes() == [('DELETE', '/api/v1/schedules/%s' % old['id']), ('POST', '/api/v1/schedules'),
                             ('POST', '/api/v1/schedules/%s/deactivate' % new_id)]
    assert fake.sent()['externalId'] == 'x'  # the other fields survive the re-create
    assert result['schedule']['active'] is False  # the old state survives too


def test_task_change_failure_restores_old_schedule(fake):
    old = fake.add(dedupKey='prod:nightly', cron='5 5 * * *')
    fake.fail_create_task = 'hourly-sync'
    with pytest.raises(TriggerError) as exc:
        manager()[0].ensure_present({'task': 'hourly-sync'}, key='nightly')
    assert 'Task with identifier hourly-sync not found' in str(exc.value)
    assert 'restored as' in str(exc.value)
    restored = fake.find('prod:nightly')
    assert restored['id'] != old['id'] and restored['task'] == 'daily-report' and restored['cron'] == '5 5 * * *'


def test_check_mode_never_writes(fake):
    fake.add(dedupKey='prod:nightly')
    mgr = manager(check_mode=True)[0]
    for desired, key in (({'cron': '1 1 * * *'}, 'nightly'), ({'task': 'hourly-sync'}, 'nightly'), ({'active': False}, 'nightly'),
                         (dict(DESIRED), 'brand-new')):
        result = mgr.ensure_present(desired, key=key)
        assert result['changed'] is True
    assert mgr.ensure_absent(key='nightly')['changed'] is True
    assert fake.writes() == []
    created = mgr.ensure_present(dict(DESIRED), key='other')
    assert created['schedule']['id'] is None and created['schedule']['api_deduplication_key'] == 'prod:other'
    recreated = mgr.ensure_present({'task': 'hourly-sync'}, key='nightly')
    assert recreated['recreated'] is True and recreated['actions'] == ['delete nightly', 'create nightly']


def test_declarative_refused_except_active(fake):
    decl = fake.add(type='DECLARATIVE', dedupKey='auto', userDedup=False)
    mgr = manager()[0]
    with pytest.raises(TriggerInputError) as exc:
        mgr.ensure_present({'cron': '1 1 * * *'}, schedule_id=decl['id'])
    assert 'DECLARATIVE' in str(exc.value) and 'cron' in str(exc.value)
    with pytest.raises(TriggerInputError):
        mgr.ensure_absent(schedule_id=decl['id'])
    assert fake.writes() == []
    # matching fields plus an active toggle is allowed
    result = mgr.ensure_present({'cron': '0 0 * * *', 'active': False}, schedule_id=decl['id'])
    assert result['actions'] == ['deactivate %s' % decl['id']]
    assert fake.writes() == [('POST', '/api/v1/schedules/%s/deactivate' % decl['id'])]


def test_id_addressing(fake):
    with_key = fake.add(dedupKey='legacy-key')
    without_key = fake.add(dedupKey='rnd', userDedup=False)
    mgr = manager()[0]
    mgr.ensure_present({'cron': '7 7 * * *'}, schedule_id=with_key['id'])
    assert fake.sent()['deduplicationKey'] == 'legacy-key'  # upsert under its own key
    fake.rsps.calls.reset()
    result = mgr.ensure_present({'cron': '8 8 * * *'}, schedule_id=without_key['id'])
    assert fake.writes() == [('PUT', '/api/v1/schedules/%s' % without_key['id'])]
    assert result['schedule']['id'] == without_key['id']
    with pytest.raises(TriggerInputError) as exc:
        mgr.ensure_present({'task': 'hourly-sync'}, schedule_id=without_key['id'])
    assert 'no deduplication key' in str(exc.value)
    with pytest.raises(TriggerInputError) as exc:
        mgr.ensure_present({'cron': '8 8 * * *'}, schedule_id='sched_missing')
    assert 'cannot be created by id' in str(exc.value)


def test_put_that_creates_a_stray_is_undone(fake):
    sched = fake.add(dedupKey='rnd', userDedup=False)
    mgr = manager()[0]
    real_get = mgr.api.get

    def get_then_vanish(ident):
        obj = real_get(ident)
        del fake.schedules[sched['id']]  # deleted by someone else between our GET and PUT
        return obj

    mgr.api.get = get_then_vanish
    with pytest.raises(TriggerError) as exc:
        mgr.ensure_present({'cron': '9 9 * * *'}, schedule_id=sched['id'])
    assert 'disappeared' in str(exc.value)
    assert fake.schedules == {}  # the stray one was deleted again


def test_unscoped_adoption_and_hint(fake):
    existing = fake.add(dedupKey='hourly', task='hourly-sync')
    mgr, warnings = manager(check_mode=True)
    mgr.ensure_present({'task': 'hourly-sync', 'cron': '0 * * * *'}, key='hourly')
    assert len(warnings) == 1 and existing['id'] in warnings[0] and 'scope_key_to_environment=false' in warnings[0]
    adopt = manager(scoped=False)[0].ensure_present({'task': 'hourly-sync', 'cron': '5 0 * * *'}, key='hourly')
    assert adopt['schedule']['id'] == existing['id'] and adopt['changes'] == ['cron']
    assert fake.sent()['deduplicationKey'] == 'hourly'


def test_cross_environment_keys_stay_apart(fake):
    for key in (STG_KEY, PROD_KEY):
        manager(key=key)[0].ensure_present(dict(DESIRED), key='nightly')
    assert sorted(s['dedupKey'] for s in fake.schedules.values()) == ['prod:nightly', 'staging:nightly']
    assert sorted(s['envIds'][0] for s in fake.schedules.values()) == ['env_prod', 'env_stg']


def test_access_token_resolves_secret_key(fake):
    mgr = manager(key=PAT, project_ref='proj_demo', environment='prod')[0]
    result = mgr.ensure_present(dict(DESIRED), key='nightly')
    assert result['schedule']['api_deduplication_key'] == 'prod:nightly'
    auths = set(c.request.headers['authorization'] for c in fake.rsps.calls if '/schedules' in c.request.url)
    assert auths == set(['Bearer ' + PROD_KEY])


def test_local_errors_send_nothing(fake):
    mgr = manager()[0]
    for desired in ({'cron': '* * *'}, {'window': '2d'}, {'timezone': 'Nowhere/Land'}, {'task': ' '}):
        with pytest.raises(TriggerInputError):
            mgr.ensure_present(dict(desired), key='nightly')
    with pytest.raises(TriggerInputError):
        manager(scoped=False)[0].ensure_present(dict(DESIRED), key='sched_x')
    for window in ('05m', '1.5h'):
        with pytest.raises(TriggerInputError):
            mgr.ensure_present(dict(DESIRED, window=window), key='nightly')
    assert len(fake.rsps.calls) == 0


def test_access_token_refuses_unknown_or_standard_task_before_any_write(fake):
    mgr = manager(key=PAT, project_ref='proj_demo', environment='prod')[0]
    with pytest.raises(UnknownTaskError) as exc:
        mgr.ensure_present(dict(DESIRED, task='daily-reprot'), key='nightly')
    assert "'daily-reprot' is not in the version deployed in the prod environment" in str(exc.value)
    assert 'daily-report, hello-world, hourly-sync' in str(exc.value)
    with pytest.raises(UnknownTaskError) as exc:
        mgr.ensure_present(dict(DESIRED, task='hello-world'), key='nightly')
    assert "'hello-world' in the prod environment is not a scheduled task" in str(exc.value)
    assert 'Scheduled task ids: daily-report, hourly-sync.' in str(exc.value)
    urls = [c.request.url.replace(API, '') for c in fake.rsps.calls]
    # read first; the worker once per call, right before what would have been the first write; nothing written
    assert urls.count('/api/v1/projects/proj_demo/prod/workers/current') == 2
    assert urls[-1] == '/api/v1/projects/proj_demo/prod/workers/current'
    assert fake.writes() == []


def test_timezone_alias_is_sent_listed_compared_equal_and_warned(fake):
    mgr, warnings = manager()
    result = mgr.ensure_present(dict(DESIRED, timezone='Asia/Kolkata'), key='nightly')
    assert result['changed'] and result['schedule']['timezone'] == 'Asia/Calcutta'
    assert result['diff_after']['timezone'] == 'Asia/Calcutta'
    assert json.loads(fake.rsps.calls[-1].request.body)['timezone'] == 'Asia/Calcutta'
    assert warnings == ['timezone Asia/Kolkata is sent as Asia/Calcutta: the server lists that zone under this name only '
                        '(it refuses Asia/Kolkata).']
    again = mgr.ensure_present(dict(DESIRED, timezone='Asia/Kolkata'), key='nightly')
    assert again['changed'] is False and again['actions'] == []


def test_window_in_minutes_is_idempotent(fake):
    mgr = manager()[0]
    first = mgr.ensure_present(dict(DESIRED, window='60m'), key='nightly')
    assert first['changed'] and json.loads(fake.rsps.calls[-1].request.body)['window'] == '1h'
    assert mgr.ensure_present(dict(DESIRED, window='60m'), key='nightly')['changed'] is False


def test_server_422_is_passed_on(fake):
    with pytest.raises(TriggerAPIError) as exc:
        manager()[0].ensure_present(dict(DESIRED, task='no-such-task'), key='nightly')
    assert exc.value.status == 422 and 'Task with identifier no-such-task not found in project.' in str(exc.value)


# ---------------------------------------------------------------------------------------------- absent

def test_absent_deletes_then_noop(fake):
    sched = fake.add(dedupKey='prod:nightly')
    result = manager()[0].ensure_absent(key='nightly')
    assert result['changed'] is True and fake.writes() == [('DELETE', '/api/v1/schedules/%s' % sched['id'])]
    assert result['diff_after'] == {} and result['diff_before']['task'] == 'daily-report'
    fake.rsps.calls.reset()
    again = manager()[0].ensure_absent(key='nightly')
    assert again['changed'] is False and again['schedule'] is None and fake.writes() == []


def test_not_visible_in_other_environment(fake):
    fake.add(dedupKey='shared', env='env_stg')
    assert manager(scoped=False)[0].ensure_absent(key='shared')['changed'] is False
    assert fake.writes() == []


# ---------------------------------------------------------------------------------------------- info

def info(client, schedule_id=None, key=None, scoped=True, **filters):
    return S.ScheduleRead(client, schedule_id=schedule_id, key=key, scoped=scoped, filters=filters).run().resource


def test_info_filters_and_lookups(fake):
    fake.add(dedupKey='prod:a', task='daily-report', externalId='x')
    fake.add(dedupKey='prod:b', task='hourly-sync', active=False)
    decl = fake.add(type='DECLARATIVE', dedupKey='auto', userDedup=False)
    fake.add(dedupKey='staging:c', env='env_stg')
    client = TriggerClient(PROD_KEY, api_url=API, retries=0)
    everything = info(client)
    assert len(everything) == 3
    assert [s['deduplication_key'] for s in info(client, task='hourly-sync')] == ['b']
    assert [s['id'] for s in info(client, schedule_type='DECLARATIVE')] == [decl['id']]
    assert [s['deduplication_key'] for s in info(client, active=False)] == ['b']
    assert [s['deduplication_key'] for s in info(client, external_id='x')] == ['a']
    assert [s['api_deduplication_key'] for s in info(client, key='a')] == ['prod:a']
    assert info(client, key='prod:a', scoped=False)[0]['deduplication_key'] == 'prod:a'
    with pytest.raises(TriggerInputError):
        info(client, key='c')
    with pytest.raises(TriggerInputError):
        info(client, schedule_id='sched_nope')
    list_calls = [c for c in fake.rsps.calls if c.request.url.startswith(API + '/api/v1/schedules?')]
    assert list_calls and all('perPage=100' in c.request.url for c in list_calls)


def test_info_reads_every_page():
    pages = {1: ['sched_1', 'sched_2'], 2: ['sched_3'], 3: []}
    with responses.RequestsMock() as rsps:
        def page(request):
            number = int(re.search(r'page=(\d+)', request.url).group(1))
            data = [{'id': i, 'type': 'IMPERATIVE', 'task': 't', 'active': True, 'generator': {'expression': '* * * * *'}} for i in pages[number]]
            return 200, {}, json.dumps({'data': data, 'pagination': {'currentPage': number, 'totalPages': 2, 'count': 3}})
        rsps.add_callback('GET', re.compile(API + r'/api/v1/schedules\?.*'), callback=page)
        found = info(TriggerClient(PROD_KEY, api_url=API, retries=0))
        assert [s['id'] for s in found] == ['sched_1', 'sched_2', 'sched_3']
        assert len(rsps.calls) == 2


def test_schedule_view_snake_cases_environments():
    view = S.schedule_view({'id': 'sched_1', 'environments': [{'id': 'e', 'type': 'DEVELOPMENT', 'userName': 'me', 'branchName': 'b'}],
                            'generator': {'expression': '0  1 * * *'}}, 'dev')
    assert view['environments'] == [{'id': 'e', 'type': 'DEVELOPMENT', 'user_name': 'me', 'branch_name': 'b'}]
    assert view['cron'] == '0 1 * * *' and view['timezone'] == 'UTC' and view['deduplication_key'] is None


# ---------------------------------------------------------------------------------------------- declared sets

def schedule_set(schedules, key=PROD_KEY, check_mode=False, **kwargs):
    client = TriggerClient(key, api_url=API, retries=0, sleep=lambda s: None)
    return S.ScheduleSet(client, check_mode, schedules, **kwargs).run()


SET = [
    {'deduplication_key': 'nightly', 'task': 'daily-report', 'cron': '0 3 * * *', 'timezone': 'Europe/Paris'},
    {'deduplication_key': 'hourly', 'task': 'hourly-sync', 'cron': '0 * * * *', 'window': '60m', 'active': False},
]


def test_set_creates_then_is_one_list_read_and_no_write(fake):
    first = schedule_set(SET)
    assert first.changed and first.actions == ['create nightly', 'create hourly', 'deactivate hourly']
    assert [s['deduplication_key'] for s in first.resource] == ['nightly', 'hourly']
    fake.rsps.calls.reset()
    again = schedule_set(SET)
    assert not again.changed and again.actions == [] and fake.writes() == []
    assert [c.request.method for c in fake.rsps.calls] == ['GET']  # one page of the list, nothing else
    assert again.values['purged'] == [] and again.values['left_alone'] == []


def test_set_updates_only_what_differs_and_removes_absent_items(fake):
    schedule_set(SET)
    fake.rsps.calls.reset()
    changed = [dict(SET[0], cron='0 4 * * *'), dict(SET[1]), {'deduplication_key': 'gone', 'state': 'absent'}]
    result = schedule_set(changed)
    assert result.actions == ['update nightly'] and fake.writes() == [('POST', '/api/v1/schedules')]
    assert result.before['nightly']['cron'] == '0 3 * * *' and result.after['nightly']['cron'] == '0 4 * * *'


def test_set_check_mode_plans_every_write_and_sends_none(fake):
    fake.add(dedupKey='prod:stale', task='hourly-sync')
    result = schedule_set(SET, check_mode=True, purge=True)
    assert result.changed and result.actions == ['create nightly', 'create hourly', 'deactivate hourly', 'delete prod:stale']
    assert result.values['purged'] == ['stale'] and fake.writes() == []
    assert [s['id'] for s in result.resource] == [None, None]


def test_purge_removes_only_what_the_collection_scoped_for_this_environment(fake):
    mine = fake.add(dedupKey='prod:stale', task='hourly-sync')
    decl = fake.add(type='DECLARATIVE', dedupKey='task-code', userDedup=False)
    dashboard = fake.add(dedupKey='random1', userDedup=False)
    bare = fake.add(dedupKey='legacy')
    bare_allowed = fake.add(dedupKey='legacy-2')
    staging = fake.add(env='env_stg', dedupKey='staging:stale')
    both = fake.add(dedupKey='prod:shared', envIds=['env_prod', 'env_stg'])
    result = schedule_set(SET, purge=True, purge_extra_keys=['legacy-2'])
    assert sorted(result.values['purged']) == ['legacy-2', 'stale']
    assert mine['id'] not in fake.schedules and bare_allowed['id'] not in fake.schedules
    kept = dict((entry['id'], entry['reason']) for entry in result.values['left_alone'])
    assert set(kept) == {decl['id'], dashboard['id'], bare['id'], both['id']}
    assert kept[decl['id']].startswith('declarative') and kept[dashboard['id']].startswith('no deduplication key')
    assert 'purge_extra_keys' in kept[bare['id']] and 'not attached to this environment alone' in kept[both['id']]
    assert staging['id'] in fake.schedules  # another environment's schedule is not even listed here


def test_set_refuses_bad_items_before_any_request(fake):
    for items, fragment in (([{'deduplication_key': 'a', 'cron': 'nope'}], 'schedules[0] (a): '),
                            ([dict(SET[0]), dict(SET[0])], 'declared twice'),
                            ([{'deduplication_key': 'a', 'window': '05m'}], 'leading zeros')):
        with pytest.raises(TriggerInputError, match=re.escape(fragment)):
            schedule_set(items)
    with pytest.raises(TriggerInputError, match='purge_extra_keys is only used with purge'):
        schedule_set(SET, purge_extra_keys=['x'])
    assert len(fake.rsps.calls) == 0


def test_set_checks_every_task_with_one_worker_read(fake):
    client = TriggerClient(PAT, api_url=API, retries=0, project_ref='proj_demo', environment='prod')
    with pytest.raises(UnknownTaskError):
        S.ScheduleSet(client, False, SET + [{'deduplication_key': 'x', 'task': 'hello-world', 'cron': '0 0 * * *'}]).run()
    # the listing, then the worker once, before the first write; nothing written
    assert [c.request.url.split('?')[0].replace(API, '') for c in fake.rsps.calls] == [
        '/api/v1/projects/proj_demo/prod', '/api/v1/schedules', '/api/v1/projects/proj_demo/prod/workers/current']
    assert fake.writes() == []


def test_export_of_a_live_environment_applied_as_it_is_changes_nothing(fake):
    schedule_set(SET)
    fake.add(type='DECLARATIVE', dedupKey='task-code', userDedup=False)
    fake.add(dedupKey='random1', userDedup=False)
    fake.add(dedupKey='legacy')
    client = TriggerClient(PROD_KEY, api_url=API, retries=0)
    declaration = S.ScheduleRead(client).run().values['declaration']
    assert [item['deduplication_key'] for item in declaration] == ['nightly', 'hourly']
    assert declaration[1] == {'deduplication_key': 'hourly', 'task': 'hourly-sync', 'cron': '0 * * * *', 'timezone': 'UTC',
                              'active': False, 'window': '1h'}
    fake.rsps.calls.reset()
    assert not schedule_set(declaration).changed and fake.writes() == []


KEY_KINDS = st.sampled_from(['mine', 'bare', 'other-env', 'declarative', 'no-key', 'shared', 'allowed'])


@settings(max_examples=60, deadline=None)
@given(live=st.lists(st.tuples(st.integers(0, 5), KEY_KINDS), max_size=8, unique_by=lambda t: t),
       declared=st.lists(st.tuples(st.integers(0, 5), st.sampled_from(['present', 'absent'])), max_size=5, unique_by=lambda t: t[0]))
def test_property_purge_never_removes_outside_the_rule_and_the_result_is_the_declaration(live, declared):
    """Random live and declared sets: purge removes only undeclared schedules scoped for prod (or named in
    purge_extra_keys) and attached to prod alone; every declared schedule ends as declared."""
    states = dict(declared)
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        fake = FakeAPI(rsps)
        may_go = set()
        for number, kind in live:
            fields = {'mine': dict(dedupKey='prod:k%d' % number), 'bare': dict(dedupKey='bare%d' % number),
                      'allowed': dict(dedupKey='allowed%d' % number), 'other-env': dict(env='env_stg', dedupKey='staging:k%d' % number),
                      'declarative': dict(type='DECLARATIVE', dedupKey='decl%d' % number, userDedup=False),
                      'no-key': dict(dedupKey='random%d' % number, userDedup=False),
                      'shared': dict(dedupKey='prod:s%d' % number, envIds=['env_prod', 'env_stg'])}[kind]
            if fake.find(fields['dedupKey']) is not None:
                continue
            sched = fake.add(**fields)
            if kind == 'allowed' or kind == 'mine' and states.get(number) != 'present':
                may_go.add(sched['id'])
        before = set(fake.schedules)
        items = [{'deduplication_key': 'k%d' % n, 'state': state, 'task': 'daily-report', 'cron': '0 %d * * *' % n}
                 for n, state in declared]
        result = schedule_set(items, purge=True, purge_extra_keys=['allowed%d' % n for n in range(6)])
        gone = before - set(fake.schedules)
        assert gone == may_go  # exactly the rule: nothing else is ever removed, and all of that is
        for number, state in declared:
            sched = fake.find('prod:k%d' % number)
            assert (sched is not None) == (state == 'present')
            if sched is not None:
                assert (sched['cron'], sched['task'], sched['envIds']) == ('0 %d * * *' % number, 'daily-report', ['env_prod'])
        left = set(entry['id'] for entry in result.values['left_alone'])
        assert left == set(sched_id for sched_id in before - gone if fake.schedules[sched_id]['dedupKey'] not in
                           set('prod:k%d' % n for n in states) and fake.schedules[sched_id]['envIds'] != ['env_stg'])
