# -*- coding: utf-8 -*-
# Copyright: triggerdev.management contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Bad input, table-driven, across every module and the lookup.

Every case runs as a real task (one ansible-playbook run for the whole table, ``ignore_errors`` and a
recorded result per case); after each case the journal's length is noted, so each case's requests are
known. Each case says what
must happen:

* ``LOCAL``: refused before any request (the case's journal is empty) with a message matching ``pattern``;
* ``REMOTE``: only the API can tell: refused with a message matching ``pattern`` after the request(s);
* ``OK``: not an error (e.g. removing what does not exist, unicode, very long values): the task succeeds,
  with ``changed`` as given, and the values round-trip exactly.

No case may end in a Python traceback or a "MODULE FAILURE", and no message may contain a credential.
"""

import re

import pytest

import harness

LOCAL, REMOTE, OK = 'local', 'remote', 'ok'

# Placeholders replaced at run time: <url>, <delayed_run>, <dev>, <stg>, <prod>, <preview>, <pat>, <oat>, <files>.
DEV = {'api_url': '<url>', 'api_key': '<dev>', 'project_ref': 'proj_demo'}
PROD = {'api_url': '<url>', 'api_key': '<prod>', 'project_ref': 'proj_demo'}
PAT = {'api_url': '<url>', 'api_key': '<pat>', 'project_ref': 'proj_demo'}
PAT_NO_REF = {'api_url': '<url>', 'api_key': '<pat>'}

LONG_VALUE = 'v' * 100000
UNICODE_VALUE = 'Grüße, 世界 — ✓ émoji 🎉 "quotes" \'single\' \\back\\slash\nsecond line'

CASES = [
    # ---- credentials and connection options (shared by every module)
    ('key-not-a-trigger-key', 'trigger_envvar', dict(DEV, api_key='sk_live_abcdefghijklmnop', name='A', value='1'), LOCAL,
     r'not a Trigger\.dev secret key or access token'),
    ('key-legacy-public-key', 'trigger_envvar_info', dict(DEV, api_key='pk_dev_abcdefghijklmnopqrstuvwx'), LOCAL,
     r'not a Trigger\.dev secret key or access token'),
    ('key-too-short', 'trigger_run_info', dict(DEV, api_key='tr_dev_abc'), LOCAL, r'not a Trigger\.dev secret key'),
    ('key-empty', 'trigger_schedule_info', dict(DEV, api_key=''), LOCAL, r'(No Trigger\.dev API key|not a Trigger\.dev secret key)'),
    ('key-env-mismatch', 'trigger_envvar', dict(PROD, environment='dev', name='A', value='1'), LOCAL,
     r'secret key of the prod environment but environment is dev'),
    ('key-env-mismatch-staging', 'trigger_envvar_info', dict(DEV, environment='staging'), LOCAL,
     r'secret key of the dev environment but environment is staging'),
    ('environment-unknown', 'trigger_envvar_info', dict(PAT, environment='production'), LOCAL, r'environment.*one of'),
    ('pat-without-project-ref', 'trigger_envvar_info', dict(PAT_NO_REF, environment='prod'), LOCAL,
     r'access token needs project_ref'),
    ('pat-without-project-ref-runs', 'trigger_run_info', dict(PAT_NO_REF, environment='prod'), LOCAL, r'access token needs project_ref'),
    ('pat-without-environment', 'trigger_envvar', dict(PAT, name='A', value='1'), LOCAL, r'environment is required'),
    ('branch-with-prod', 'trigger_envvar', dict(PAT, environment='prod', branch='feature-x', name='A', value='1'), LOCAL,
     r'branch is only valid with the preview environment'),
    ('branch-with-dev-key', 'trigger_schedule', dict(DEV, branch='feature-x', key='k', task='daily-report', cron='0 3 * * *'), LOCAL,
     r'branch is only valid with the preview environment'),
    ('preview-key-without-branch', 'trigger_envvar', dict(DEV, api_key='<preview>', name='A', value='1'), LOCAL,
     r'preview secret key needs branch'),
    ('api-url-not-http', 'trigger_run_info', dict(DEV, api_url='ftp://127.0.0.1/'), LOCAL, r'api_url must be an http:// or https:// URL'),
    ('api-url-no-host', 'trigger_envvar_info', dict(DEV, api_url='not a url'), LOCAL, r'api_url must be an http:// or https:// URL'),
    # ---- trigger_envvar
    ('envvar-empty-value', 'trigger_envvar', dict(DEV, name='EMPTY', value=''), LOCAL, r'EMPTY has an empty or whitespace-only value'),
    ('envvar-whitespace-value', 'trigger_envvar', dict(DEV, variables=[{'name': 'BLANK', 'value': '   '}]), LOCAL,
     r'BLANK has an empty or whitespace-only value'),
    ('envvar-reserved-secret-key', 'trigger_envvar', dict(DEV, name='TRIGGER_SECRET_KEY', value='x'), LOCAL,
     r'TRIGGER_SECRET_KEY is reserved'),
    ('envvar-reserved-api-url', 'trigger_envvar', dict(DEV, variables=[{'name': 'TRIGGER_API_URL', 'value': 'http://x'}]), LOCAL,
     r'TRIGGER_API_URL is reserved'),
    ('envvar-name-with-equals', 'trigger_envvar', dict(DEV, name='A=B', value='1'), LOCAL, r"name contains '='"),
    ('envvar-name-with-space', 'trigger_envvar', dict(DEV, variables=[{'name': 'MY VAR', 'value': '1'}]), LOCAL,
     r'name contains whitespace'),
    ('envvar-empty-name', 'trigger_envvar', dict(DEV, variables=[{'name': '', 'value': '1'}]), LOCAL, r'name is empty'),
    ('envvar-duplicate-names', 'trigger_envvar', dict(DEV, variables=[{'name': 'DUP', 'value': '1'}, {'name': 'DUP', 'value': '2'}]),
     LOCAL, r'DUP is declared (twice|more than once)'),
    ('envvar-missing-value', 'trigger_envvar', dict(DEV, variables=[{'name': 'NOVALUE'}]), LOCAL, r'NOVALUE has no value'),
    ('envvar-names-with-present', 'trigger_envvar', dict(DEV, names=['A']), LOCAL, r'names is only used with state=absent'),
    ('envvar-purge-with-absent', 'trigger_envvar', dict(DEV, names=['A'], state='absent', purge=True), LOCAL,
     r'purge is only used with state=present'),
    ('envvar-two-forms', 'trigger_envvar', dict(DEV, name='A', value='1', variables=[{'name': 'B', 'value': '2'}]), LOCAL,
     r'mutually exclusive'),
    ('envvar-no-form', 'trigger_envvar', dict(DEV), LOCAL, r'one of the following is required'),
    ('envvar-value-without-name', 'trigger_envvar', dict(DEV, value='1', names=['A'], state='absent'), LOCAL,
     r"missing parameter\(s\) required by 'value': name"),
    ('envvar-bad-update-secrets', 'trigger_envvar', dict(DEV, name='A', value='1', update_secrets='sometimes'), LOCAL,
     r'update_secrets must be one of'),
    ('envvar-env-file-missing', 'trigger_envvar', dict(DEV, env_file='<files>/does-not-exist.env'), LOCAL, r'env_file .* cannot be read'),
    ('envvar-env-file-no-equals', 'trigger_envvar', dict(DEV, env_file='<files>/no-equals.env'), LOCAL, r'env_file line 2: expected KEY=VALUE'),
    ('envvar-env-file-unclosed-quote', 'trigger_envvar', dict(DEV, env_file='<files>/unclosed.env'), LOCAL,
     r'env_file line 1: the double quote is never closed'),
    ('envvar-env-file-not-utf8', 'trigger_envvar', dict(DEV, env_file='<files>/latin1.env'), LOCAL, r'is not UTF-8 text'),
    ('envvar-env-file-duplicate', 'trigger_envvar', dict(DEV, env_file='<files>/duplicate.env'), LOCAL, r'A is declared (twice|more than once).*line'),
    ('envvar-env-file-empty-value', 'trigger_envvar', dict(DEV, env_file='<files>/empty-value.env'), LOCAL,
     r'env_file line 1: EMPTY has an empty'),
    ('envvar-env-file-text-after-quote', 'trigger_envvar', dict(DEV, env_file='<files>/after-quote.env'), LOCAL,
     r'env_file line 1: unexpected text after the closing quote'),
    ('envvar-env-file-bad-name', 'trigger_envvar', dict(DEV, env_file='<files>/bad-name.env'), LOCAL, r'env_file line 1: the name contains whitespace'),
    ('envvar-absent-not-there', 'trigger_envvar', dict(DEV, names=['NEVER_EXISTED'], state='absent'), OK, False),
    ('envvar-unicode-value', 'trigger_envvar', dict(DEV, name='UNICODE_VALUE', value=UNICODE_VALUE), OK, True),
    ('envvar-unicode-value-again', 'trigger_envvar', dict(DEV, name='UNICODE_VALUE', value=UNICODE_VALUE), OK, False),
    ('envvar-long-value', 'trigger_envvar', dict(DEV, name='LONG_VALUE', value=LONG_VALUE, secret=True), OK, True),
    ('envvar-long-value-again', 'trigger_envvar', dict(DEV, name='LONG_VALUE', value=LONG_VALUE, secret=True), OK, False),
    ('envvar-very-long-name', 'trigger_envvar', dict(DEV, name='N' * 5000, value='1'), OK, True),
    ('envvar-unicode-name', 'trigger_envvar', dict(DEV, name='ÜBER_名前', value='1'), OK, True),
    # ---- trigger_envvar_info
    ('envvar-info-pat-wrong-project', 'trigger_envvar_info', dict(PAT, project_ref='proj_doesnotexist', environment='prod'), REMOTE,
     r'HTTP 404: Project not found'),
    ('envvar-info-key-other-project', 'trigger_envvar_info', dict(DEV, project_ref='proj_other'), REMOTE,
     r'HTTP 400: Invalid project ref'),
    # ---- trigger_schedule / trigger_schedule_info
    ('schedule-cron-six-fields', 'trigger_schedule', dict(PROD, key='k', task='daily-report', cron='0 0 3 * * *'), LOCAL,
     r'cron .*5 fields|five fields|6 fields'),
    ('schedule-cron-out-of-range', 'trigger_schedule', dict(PROD, key='k', task='daily-report', cron='0 24 * * *'), LOCAL,
     r'24.*(out of range|between|0-23)|hour'),
    ('schedule-cron-bad-name', 'trigger_schedule', dict(PROD, key='k', task='daily-report', cron='0 3 * * MOON'), LOCAL, r'MOON'),
    ('schedule-cron-empty', 'trigger_schedule', dict(PROD, key='k', task='daily-report', cron=''), LOCAL, r'cron'),
    ('schedule-bad-timezone', 'trigger_schedule', dict(PROD, key='k', task='daily-report', cron='0 3 * * *', timezone='Europe/Atlantis'),
     LOCAL, r'Europe/Atlantis'),
    ('schedule-window-too-long', 'trigger_schedule', dict(PROD, key='k', task='daily-report', cron='0 3 * * *', window='25h'), LOCAL,
     r'window'),
    ('schedule-window-percent', 'trigger_schedule', dict(PROD, key='k', task='daily-report', cron='0 3 * * *', window='150%'), LOCAL,
     r'window'),
    ('schedule-window-garbage', 'trigger_schedule', dict(PROD, key='k', task='daily-report', cron='0 3 * * *', window='soon'), LOCAL,
     r'window'),
    ('schedule-missing-cron', 'trigger_schedule', dict(PROD, key='k-new', task='daily-report'), REMOTE, r'cron'),
    ('schedule-key-and-id', 'trigger_schedule', dict(PROD, key='k', id='sched_abc', task='daily-report', cron='0 3 * * *'), LOCAL,
     r'mutually exclusive|exactly one'),
    ('schedule-id-not-sched', 'trigger_schedule_info', dict(PROD, id='abc'), LOCAL, r'sched_'),
    ('schedule-unscoped-key-like-id', 'trigger_schedule', dict(PROD, key='sched_nightly', scope_key_to_environment=False,
                                                               task='daily-report', cron='0 3 * * *'), LOCAL, r'sched_'),
    ('schedule-unknown-task', 'trigger_schedule', dict(PROD, key='k-unknown', task='no-such-task', cron='0 3 * * *'), REMOTE,
     r'no-such-task'),
    ('schedule-not-a-scheduled-task', 'trigger_schedule', dict(PROD, key='k-std', task='hello-world', cron='0 3 * * *'), REMOTE,
     r'not a scheduled task'),
    ('schedule-pat-without-environment', 'trigger_schedule', dict(PAT, key='k', task='daily-report', cron='0 3 * * *'), LOCAL,
     r'environment is required'),
    ('schedule-absent-not-there', 'trigger_schedule', dict(PROD, key='never-created', state='absent'), OK, False),
    ('schedule-info-unknown-id', 'trigger_schedule_info', dict(PROD, id='sched_doesnotexist000000000001'), REMOTE,
     r'No schedule with id sched_doesnotexist000000000001 in the prod environment'),
    # ---- trigger_task
    # The server triggers any task id (the run waits in PENDING_VERSION); only an access token can read the
    # deployed tasks, so the check happens with one, after the worker read and before any write.
    ('task-unknown-pat', 'trigger_task', dict(PAT, environment='prod', task='no-such-task', payload={}), REMOTE,
     r"Task 'no-such-task' is not in the version deployed in the prod environment"),
    ('task-unknown-secret-key', 'trigger_task', dict(PROD, task='no-such-task', payload={}), OK, True),
    ('task-payload-too-large', 'trigger_task', dict(PROD, task='hello-world', payload={'blob': 'x' * (3 * 1024 * 1024 + 10)}), LOCAL,
     r'payload.*(too large|MiB|bytes)'),
    ('task-payload-not-json-nan', 'trigger_task', dict(PROD, task='hello-world', payload="{{ {'x': 'nan' | float} }}"), LOCAL,
     r'payload cannot be sent as JSON'),
    ('task-item-payload-not-json-inf', 'trigger_task', dict(PROD, task='hello-world', items=[{'payload': "{{ 'inf' | float }}"}]), LOCAL,
     r'payload cannot be sent as JSON'),
    ('task-delay-bad-format', 'trigger_task', dict(PROD, task='hello-world', delay='in five minutes'), LOCAL,
     r'delay must be a duration in the units the server reads'),
    ('task-ttl-bad', 'trigger_task', dict(PROD, task='hello-world', ttl='forever'), LOCAL, r'ttl'),
    ('task-idempotency-key-too-long', 'trigger_task', dict(PROD, task='hello-world', idempotency_key='k' * 2049), LOCAL,
     r'idempotency_key.*2048'),
    ('task-too-many-tags', 'trigger_task', dict(PROD, task='hello-world', tags=['t%d' % i for i in range(11)]), LOCAL, r'tags.*10'),
    ('task-items-empty', 'trigger_task', dict(PROD, task='hello-world', items=[]), LOCAL, r'items is empty'),
    ('task-item-without-task', 'trigger_task', dict(PROD, items=[{'payload': {}}]), LOCAL, r'task'),
    ('task-payload-and-items', 'trigger_task', dict(PROD, task='hello-world', payload={}, items=[{'payload': {}}]), LOCAL,
     r'mutually exclusive'),
    ('task-bad-machine', 'trigger_task', dict(PROD, task='hello-world', machine='huge'), LOCAL, r'machine must be one of'),
    ('task-with-pat-no-environment', 'trigger_task', dict(PAT, task='hello-world'), LOCAL, r'environment is required'),
    # ---- trigger_run / trigger_run_info
    ('run-unknown-id', 'trigger_run', dict(PROD, run_id='run_doesnotexist0000000000001', state='canceled'), REMOTE,
     r'does not exist in the prod environment'),
    ('run-reschedule-without-delay', 'trigger_run', dict(PROD, run_id='run_x', state='rescheduled'), LOCAL, r'delay'),
    ('run-reschedule-bad-delay', 'trigger_run', dict(PROD, run_id='run_x', state='rescheduled', delay='tomorrow-ish'), LOCAL,
     r'delay must be a duration in the units the server reads'),
    ('run-reschedule-past-date', 'trigger_run', dict(PROD, run_id='<delayed_run>', state='rescheduled', delay='2020-01-01T00:00:00Z'), LOCAL,
     r'delay.*(not in the future|past)'),
    ('run-delay-with-cancel', 'trigger_run', dict(PROD, run_id='run_x', state='canceled', delay='1h'), LOCAL,
     r'delay is only used with state=rescheduled'),
    ('run-empty-id', 'trigger_run', dict(PROD, run_id='', state='canceled'), LOCAL, r'run_id|path segment'),
    ('run-info-bad-status', 'trigger_run_info', dict(PROD, status=['DONE']), LOCAL, r'DONE'),
    ('run-info-bad-created-after', 'trigger_run_info', dict(PROD, created_after='yesterday-ish'), LOCAL, r'created_after'),
    ('run-info-bad-period', 'trigger_run_info', dict(PROD, period='a while'), LOCAL, r'period'),
    ('run-info-limit-negative', 'trigger_run_info', dict(PROD, limit=-1), LOCAL, r'limit must be 0 \(every run\) or more'),
    ('run-info-page-size-too-big', 'trigger_run_info', dict(PROD, page_size=101), LOCAL, r'page_size'),
    ('run-info-unknown-id', 'trigger_run_info', dict(PROD, run_id='run_doesnotexist0000000000001'), REMOTE,
     r'does not exist in the prod environment'),
    ('run-info-bad-machine-filter', 'trigger_run_info', dict(PROD, machine=['gigantic']), LOCAL, r'machine'),
    # ---- preview branches
    ('branch-empty-name', 'trigger_preview_branch', dict(PAT, branch=''), LOCAL, r'branch'),
    ('branch-invalid-git-name', 'trigger_preview_branch', dict(PAT, branch='feature..x'), LOCAL, r'branch'),
    ('branch-with-prod-environment', 'trigger_preview_branch', dict(PAT, branch='feature-x', environment='prod'), LOCAL,
     r'manages branches of the preview environment'),
    ('branch-bad-git-field', 'trigger_preview_branch', dict(PAT, branch='feature-x', git={'commit_sha': 'abc', 'colour': 'red'}), LOCAL,
     r'colour'),
    ('branch-archive-not-there', 'trigger_preview_branch', dict(PAT, branch='never-created', state='archived'), OK, False),
    ('branch-info-bad-age', 'trigger_preview_branch_info', dict(PAT, older_than='ages'), LOCAL, r'older_than'),
    # ---- trigger_deployment / trigger_deployment_info (staging has an older DEPLOYED 20230101.1 and a FAILED 20250101.5)
    ('deployment-empty-version', 'trigger_deployment', dict(PROD, version=''), LOCAL, r'not a deployment version'),
    ('deployment-version-with-spaces', 'trigger_deployment', dict(PROD, version=' 20240101.1'), LOCAL, r'not a deployment version'),
    ('deployment-negative-wait-timeout', 'trigger_deployment', dict(PROD, version='20240101.1', wait=True, wait_timeout=-1), LOCAL,
     r'wait_timeout must be 0 or more'),
    ('deployment-zero-poll-interval', 'trigger_deployment', dict(PROD, version='20240101.1', poll_interval=0), LOCAL, r'poll_interval'),
    ('deployment-allow-rollback-not-bool', 'trigger_deployment', dict(PROD, version='20240101.1', allow_rollback='sometimes'), LOCAL,
     r'allow_rollback'),
    ('deployment-wait-not-bool', 'trigger_deployment', dict(PROD, version='20240101.1', wait='maybe'), LOCAL, r'wait'),
    ('deployment-pat-without-environment', 'trigger_deployment', dict(PAT, version='20240101.1'), LOCAL, r'environment is required'),
    ('deployment-unknown-version', 'trigger_deployment', dict(PROD, version='20990101.1'), REMOTE, r'No deployment of version 20990101\.1'),
    ('deployment-older-without-allow-rollback', 'trigger_deployment', dict(PROD, api_key='<stg>', version='20230101.1'), REMOTE,
     r'older than the current version 20240101\.1.*allow_rollback=true'),
    ('deployment-failed-version', 'trigger_deployment', dict(PROD, api_key='<stg>', version='20250101.5'), REMOTE, r'FAILED, not DEPLOYED'),
    ('deployment-current-again', 'trigger_deployment', dict(PROD, version='20240101.1'), OK, False),
    ('deployment-info-id-and-version', 'trigger_deployment_info', dict(PROD, id='deployment_x', version='20240101.1'), LOCAL,
     r'cannot be combined'),
    ('deployment-info-current-and-status', 'trigger_deployment_info', dict(PROD, current=True, status='FAILED'), LOCAL, r'cannot be combined'),
    ('deployment-info-status-installing', 'trigger_deployment_info', dict(PROD, status='INSTALLING'), LOCAL, r'status must be one of'),
    ('deployment-info-bad-period', 'trigger_deployment_info', dict(PROD, period='a week'), LOCAL, r'period must be a duration'),
    ('deployment-info-period-and-dates', 'trigger_deployment_info', dict(PROD, period='7d', created_after='2026-01-01'), LOCAL,
     r'period cannot be combined'),
    ('deployment-info-before-alone', 'trigger_deployment_info', dict(PROD, created_before='2026-01-01'), LOCAL,
     r'created_before needs created_after'),
    ('deployment-info-bad-created-after', 'trigger_deployment_info', dict(PROD, created_after='last tuesday'), LOCAL,
     r'created_after must be an ISO 8601 date'),
    ('deployment-info-limit-zero', 'trigger_deployment_info', dict(PROD, limit=0), LOCAL, r'limit must be 1 or more'),
    ('deployment-info-unknown-id', 'trigger_deployment_info', dict(PROD, id='deployment_doesnotexist000000001'), REMOTE,
     r'No deployment with id'),
    # ---- trigger_queue / trigger_queue_info
    ('queue-limit-and-percent', 'trigger_queue', dict(PROD, name='hello-world', concurrency_limit=2, concurrency_percent=50), LOCAL,
     r'mutually exclusive'),
    ('queue-limit-and-reset', 'trigger_queue', dict(PROD, name='hello-world', concurrency_limit=2, reset_concurrency=True), LOCAL,
     r'mutually exclusive'),
    ('queue-negative-limit', 'trigger_queue', dict(PROD, name='hello-world', concurrency_limit=-1), LOCAL,
     r'concurrency_limit must be a whole number from 0'),
    ('queue-limit-over-api-max', 'trigger_queue', dict(PROD, name='hello-world', concurrency_limit=100001), LOCAL,
     r'concurrency_limit must be a whole number from 0 to 100000'),
    ('queue-percent-zero', 'trigger_queue', dict(PROD, name='hello-world', concurrency_percent=0), LOCAL,
     r'concurrency_percent must be more than 0'),
    ('queue-percent-over-100', 'trigger_queue', dict(PROD, name='hello-world', concurrency_percent=100.5), LOCAL,
     r'concurrency_percent must be more than 0 and at most 100'),
    ('queue-name-not-storable', 'trigger_queue', dict(PROD, name='my queue!', type='custom', paused=True), LOCAL,
     r"stores this one as 'myqueue'"),
    ('queue-name-too-long', 'trigger_queue', dict(PROD, name='q' * 129, type='custom', paused=True), LOCAL, r'at most 128'),
    ('queue-empty-name', 'trigger_queue', dict(PROD, name='', paused=True), LOCAL, r'name is empty'),
    ('queue-bad-type', 'trigger_queue', dict(PROD, name='hello-world', type='name', paused=True), LOCAL, r'type must be one of'),
    ('queue-id-not-a-queue-id', 'trigger_queue', dict(PROD, name='hello-world', type='id', paused=True), LOCAL, r'not a queue id'),
    ('queue-paused-not-bool', 'trigger_queue', dict(PROD, name='hello-world', paused='perhaps'), LOCAL, r'paused'),
    ('queue-reset-not-bool', 'trigger_queue', dict(PROD, name='hello-world', reset_concurrency='perhaps'), LOCAL, r'reset_concurrency'),
    ('queue-pat-without-environment', 'trigger_queue', dict(PAT, name='hello-world', paused=True), LOCAL, r'environment is required'),
    ('queue-unknown', 'trigger_queue', dict(PROD, name='no-such-task', paused=True), REMOTE, r'No queue no-such-task \(type task\)'),
    ('queue-limit-above-environment', 'trigger_queue', dict(PROD, name='hello-world', concurrency_limit=500), REMOTE,
     r'Concurrency limit \(500\) cannot exceed the environment limit \(25\)'),
    ('queue-reset-without-override', 'trigger_queue', dict(PROD, name='crashes', reset_concurrency=True), OK, False),
    ('queue-info-unknown', 'trigger_queue_info', dict(PROD, name='no-such-queue', type='custom'), REMOTE, r'No queue no-such-queue'),
    ('queue-info-bad-id', 'trigger_queue_info', dict(PROD, name='abc', type='id'), LOCAL, r'not a queue id'),
    # ---- trigger_environment / trigger_environment_info / trigger_worker_info
    ('environment-secret-key', 'trigger_environment', dict(PROD, paused=True), LOCAL, r'needs a personal access token'),
    ('environment-organization-token', 'trigger_environment', dict(PAT, api_key='<oat>', environment='prod', paused=True), LOCAL,
     r'needs a personal access token.*organization access token'),
    ('environment-without-environment', 'trigger_environment', dict(PAT, paused=True), LOCAL, r'environment is required'),
    ('environment-without-paused', 'trigger_environment', dict(PAT, environment='prod'), LOCAL, r'paused'),
    ('environment-paused-not-bool', 'trigger_environment', dict(PAT, environment='prod', paused='soon'), LOCAL, r'paused'),
    ('environment-unknown-branch', 'trigger_environment', dict(PAT, environment='preview', branch='never-created', paused=True), REMOTE,
     r'no active preview branch named never-created'),
    ('environment-unknown-project', 'trigger_environment', dict(PAT, project_ref='proj_doesnotexist', environment='prod', paused=True),
     REMOTE, r'Project not found'),
    ('environment-resume-running', 'trigger_environment', dict(PAT, environment='staging', paused=False), OK, False),
    ('environment-info-secret-key', 'trigger_environment_info', dict(PROD), LOCAL, r'personal access token .* or a user-actor token'),
    ('environment-info-organization-token', 'trigger_environment_info', dict(PAT, api_key='<oat>'), LOCAL, r'organization access token'),
    ('environment-info-unknown-project', 'trigger_environment_info', dict(PAT, project_ref='proj_doesnotexist'), REMOTE,
     r'Project not found'),
    ('worker-secret-key', 'trigger_worker_info', dict(PROD), LOCAL, r'needs an access token'),
    ('worker-without-environment', 'trigger_worker_info', dict(PAT), LOCAL, r'environment is required'),
    ('worker-empty-tasks', 'trigger_worker_info', dict(PAT, environment='prod', tasks=[]), LOCAL, r'tasks is empty'),
    ('worker-unknown-task', 'trigger_worker_info', dict(PAT, environment='prod', tasks=['no-such-task']), REMOTE,
     r"'no-such-task' is not in the version deployed"),
    # ---- trigger_project / trigger_project_info (the demo user is in demo-org only; second-org is someone else's)
    ('project-secret-key', 'trigger_project', dict(PROD, organization='demo-org', name='x'), LOCAL,
     r'personal access token .* user-actor token.*secret key of the prod environment'),
    ('project-organization-token', 'trigger_project', dict(PAT_NO_REF, api_key='<oat>', organization='demo-org', name='x'), LOCAL,
     r'organization access token'),
    ('project-no-name-no-ref', 'trigger_project', dict(PAT_NO_REF, organization='demo-org'), LOCAL,
     r'one of the following is required: name, ref'),
    ('project-blank-name', 'trigger_project', dict(PAT_NO_REF, organization='demo-org', name='   '), LOCAL, r'name is empty'),
    ('project-name-too-long', 'trigger_project', dict(PAT_NO_REF, organization='demo-org', name='x' * 256), LOCAL, r'longer than 255'),
    ('project-name-too-long-in-utf16', 'trigger_project', dict(PAT_NO_REF, organization='demo-org', name='\U0001F389' * 128), LOCAL,
     r'longer than 255'),
    ('project-blank-organization', 'trigger_project', dict(PAT_NO_REF, organization=' ', name='x'), LOCAL, r'organization is empty'),
    ('project-bad-ref', 'trigger_project', dict(PAT_NO_REF, ref='demo', name='x'), LOCAL, r'not a project ref'),
    ('project-ref-without-name', 'trigger_project', dict(PAT_NO_REF, ref='proj_demo'), LOCAL, r'name is required with state=present'),
    ('project-bad-state', 'trigger_project', dict(PAT_NO_REF, organization='demo-org', name='x', state='archived'), LOCAL,
     r'value of state must be one of'),
    ('project-unknown-organization', 'trigger_project', dict(PAT_NO_REF, organization='no-such-org', name='x'), REMOTE,
     r'no-such-org is not one of the organizations'),
    ('project-someone-elses-organization', 'trigger_project', dict(PAT_NO_REF, organization='second-org', name='x'), REMOTE,
     r'second-org is not one of the organizations'),
    ('project-unknown-ref', 'trigger_project', dict(PAT_NO_REF, ref='proj_doesnotexist', name='x'), REMOTE, r'no project proj_doesnotexist'),
    ('project-ref-in-another-organization', 'trigger_project', dict(PAT_NO_REF, ref='proj_demo', name='x', organization='second-org'),
     REMOTE, r'belongs to organization demo-org, not second-org'),
    ('project-exists-already', 'trigger_project', dict(PAT_NO_REF, organization='demo-org', name='Demo Project'), OK, False),
    ('project-absent-not-there', 'trigger_project', dict(PAT_NO_REF, organization='demo-org', name='never-existed', state='absent'), OK,
     False),
    ('project-unicode-name', 'trigger_project', dict(PAT_NO_REF, organization='demo-org', name='Grüße, 世界 🎉'), OK, True),
    ('project-unicode-name-again', 'trigger_project', dict(PAT_NO_REF, organization='demo-org', name=' Grüße, 世界 🎉 '), OK, False),
    ('project-info-secret-key', 'trigger_project_info', dict(PROD), LOCAL, r'personal access token'),
    ('project-info-bad-ref', 'trigger_project_info', dict(PAT_NO_REF, ref='proj/x'), LOCAL, r'not a project ref'),
    ('project-info-blank-name', 'trigger_project_info', dict(PAT_NO_REF, name=''), LOCAL, r'name is empty'),
    ('project-info-environments-not-bool', 'trigger_project_info', dict(PAT_NO_REF, environments='maybe'), LOCAL, r'environments'),
    ('project-info-someone-elses-ref', 'trigger_project_info', dict(PAT_NO_REF, ref='proj_second'), REMOTE, r'no project proj_second'),
    ('project-info-someone-elses-organization', 'trigger_project_info', dict(PAT_NO_REF, organization='second-org'), REMOTE,
     r'second-org is not one of the organizations'),
    ('project-info-no-such-name', 'trigger_project_info', dict(PAT_NO_REF, name='nobody has this name'), OK, False),
    # ---- trigger_api_key
    ('api-key-without-state', 'trigger_api_key', dict(PAT, environment='prod'), LOCAL, r'missing required arguments: state'),
    ('api-key-bad-state', 'trigger_api_key', dict(PAT, environment='prod', state='present'), LOCAL, r'value of state must be one of'),
    ('api-key-secret-key', 'trigger_api_key', dict(PROD, state='regenerated'), LOCAL,
     r'needs a personal access token.*Additional \(scoped\) keys cannot be rotated'),
    ('api-key-organization-token', 'trigger_api_key', dict(PAT, api_key='<oat>', environment='prod', state='regenerated'), LOCAL,
     r'organization access token'),
    ('api-key-without-environment', 'trigger_api_key', dict(PAT, state='regenerated'), LOCAL, r'environment is required'),
    ('api-key-without-project-ref', 'trigger_api_key', dict(PAT_NO_REF, environment='prod', state='regenerated'), LOCAL, r'project_ref'),
    ('api-key-with-branch', 'trigger_api_key', dict(PAT, environment='preview', branch='feature-x', state='regenerated'), LOCAL,
     r"branch's own key is never accepted"),
    ('api-key-verify-not-bool', 'trigger_api_key', dict(PAT, environment='prod', state='regenerated', verify='sometimes'), LOCAL, r'verify'),
    ('api-key-unknown-project', 'trigger_api_key', dict(PAT, project_ref='proj_doesnotexist', environment='prod', state='regenerated'),
     REMOTE, r'Project not found'),
    ('api-key-rotate-dev', 'trigger_api_key', dict(PAT, environment='dev', state='regenerated'), OK, True),
]

# Cases where the module does not (yet) do what the suite asks; strict, so a fix makes them fail until removed here.
KNOWN_ISSUES = {}

LOOKUP_CASES = [
    ('lookup-pat-without-project-ref', "lookup('triggerdev.management.envvar', 'A', api_url=url, api_key=pat, environment='prod')",
     LOCAL, r'access token needs project_ref'),
    ('lookup-missing-variable', "lookup('triggerdev.management.envvar', 'NOT_SET_ANYWHERE', api_url=url, api_key=dev, "
     "project_ref='proj_demo')", REMOTE, r'NOT_SET_ANYWHERE'),
    ('lookup-key-env-mismatch', "lookup('triggerdev.management.envvar', 'A', api_url=url, api_key=dev, project_ref='proj_demo', "
     "environment='prod')", LOCAL, r'secret key of the dev environment but environment is prod'),
]

ENV_FILES = {
    'no-equals.env': b'GOOD=1\nTHIS LINE HAS NO EQUALS SIGN\n',
    'unclosed.env': b'A="never closed\nB=2\n',
    'latin1.env': 'A=gr\u00fc\u00dfe\n'.encode('latin-1'),
    'duplicate.env': b'A=1\nB=2\nA=3\n',
    'empty-value.env': b'EMPTY=\n',
    'after-quote.env': b'A="quoted" trailing\n',
    'bad-name.env': b'MY VAR=1\n',
}


def _fill(value, subst):
    if isinstance(value, str):
        for placeholder, real in subst.items():
            value = value.replace(placeholder, real)
        return value
    if isinstance(value, dict):
        return {k: _fill(v, subst) for k, v in value.items()}
    if isinstance(value, list):
        return [_fill(v, subst) for v in value]
    return value


def _mark(url, case_id):
    """After a case: how long the journal is now (a controller-side lookup, no module run)."""
    expression = "{{ (lookup('ansible.builtin.url', '%s/_emulator/journal', split_lines=false) | from_json).requests | length }}" % url
    return {'name': 'mark %s' % case_id, 'ansible.builtin.set_fact': {'journal_length': expression}}


@pytest.fixture(scope='module')
def outcome(tmp_path_factory):
    files = tmp_path_factory.mktemp('env-files')
    for name, content in ENV_FILES.items():
        (files / name).write_bytes(content)
    with harness.emulator('--run-pace', '0.05') as emu:
        delayed = emu.api('POST', '/api/v1/tasks/hello-world/trigger', emu.key('prod'),
                          json_body={'payload': {}, 'options': {'delay': '1h'}}).json()['id']
        subst = {'<delayed_run>': delayed, '<url>': emu.url, '<dev>': emu.key('dev'), '<stg>': emu.key('staging'), '<prod>': emu.key('prod'),
                 '<preview>': emu.key('preview'), '<pat>': emu.pat, '<oat>': emu.config['oat'], '<files>': str(files)}
        for version, status in (('20230101.1', 'DEPLOYED'), ('20250101.5', 'FAILED')):   # for the trigger_deployment rows
            emu.control('POST', 'deployments', {'environment': 'staging', 'version': version, 'status': status})
        tasks = []
        for case_id, module, args, _kind, _expect in CASES:
            tasks.append({'name': case_id, 'triggerdev.management.' + module: _fill(args, subst), 'ignore_errors': True})
            tasks.append(_mark(emu.url, case_id))
        for case_id, expression, _kind, _expect in LOOKUP_CASES:
            tasks.append({'name': case_id, 'ansible.builtin.set_fact': {'looked_up': '{{ %s }}' % expression}, 'ignore_errors': True,
                          'vars': {'url': emu.url, 'pat': emu.pat, 'dev': emu.key('dev')}})
            tasks.append(_mark(emu.url, case_id))
        emu.clear_journal()
        run = harness.run_playbook(harness.play(tasks))
        assert run.rc == 0, run.describe()
        journal = emu.journal()
        per_case, start = {}, 0
        for case_id in [c[0] for c in CASES + LOOKUP_CASES]:
            end = int(run.result('mark %s' % case_id)['ansible_facts']['journal_length'])
            per_case[case_id] = journal[start:end]
            start = end
        stored = emu.read_envvars('proj_demo', 'dev')
        yield {'run': run, 'keys': emu.all_keys(), 'stored': stored, 'requests': per_case}


def _check(outcome, case_id, kind, expect):
    run = outcome['run']
    result = run.result(case_id)
    assert result is not None, 'no result for %s' % case_id
    requests = outcome['requests'][case_id]
    text = repr(result)
    for marker in ('Traceback (most recent call last)', 'MODULE FAILURE', 'module_stderr'):
        assert marker not in text, '%s ended in %s: %s' % (case_id, marker, text[:2000])
    for secret in outcome['keys']:
        assert secret not in text, '%s: a credential appears in the result' % case_id
    failed = result.get('_status') == 'failed'
    if kind == OK:
        assert not failed, '%s should succeed: %s' % (case_id, result.get('msg'))
        assert result.get('changed') is expect, '%s: changed is %s' % (case_id, result.get('changed'))
        return
    assert failed, '%s was accepted: %s' % (case_id, text[:1000])
    msg = result.get('msg')
    assert isinstance(msg, str) and msg.strip(), '%s failed without a message' % case_id
    assert re.search(expect, msg), '%s: unclear message %r (expected /%s/)' % (case_id, msg, expect)
    if kind == LOCAL:
        assert requests == [], '%s sent requests before refusing: %s' % (case_id, harness.summarize(requests))
    else:
        assert requests, '%s: expected the API to be asked' % case_id


def test_table_is_large_enough():
    assert len(CASES) + len(LOOKUP_CASES) >= 50
    assert len({c[0] for c in CASES + LOOKUP_CASES}) == len(CASES) + len(LOOKUP_CASES)
    modules = {c[1] for c in CASES}
    assert modules == {'trigger_envvar', 'trigger_envvar_info', 'trigger_schedule', 'trigger_schedule_info', 'trigger_task',
                       'trigger_run', 'trigger_run_info', 'trigger_preview_branch', 'trigger_preview_branch_info',
                       'trigger_deployment', 'trigger_deployment_info', 'trigger_queue', 'trigger_queue_info',
                       'trigger_environment', 'trigger_environment_info', 'trigger_worker_info',
                       'trigger_project', 'trigger_project_info', 'trigger_api_key'}


def _params(cases):
    params = []
    for case in cases:
        marks = [pytest.mark.xfail(strict=True, reason=KNOWN_ISSUES[case[0]])] if case[0] in KNOWN_ISSUES else []
        params.append(pytest.param(*case, id=case[0], marks=marks))
    return params


@pytest.mark.parametrize('case_id, module, args, kind, expect', _params(CASES))
def test_bad_input(outcome, case_id, module, args, kind, expect):  # pylint: disable=unused-argument
    _check(outcome, case_id, kind, expect)


def test_unknown_task_refused_before_any_write(outcome):
    requests = outcome['requests']['task-unknown-pat']
    assert [e['method'] for e in requests if e['method'] != 'GET'] == [], harness.summarize(requests)
    assert any(e['path'].endswith('/workers/current') for e in requests), harness.summarize(requests)


@pytest.mark.parametrize('case_id, expression, kind, expect', LOOKUP_CASES, ids=[c[0] for c in LOOKUP_CASES])
def test_bad_lookup_input(outcome, case_id, expression, kind, expect):  # pylint: disable=unused-argument
    _check(outcome, case_id, kind, expect)


def test_unicode_and_long_values_round_trip(outcome):
    stored = outcome['stored']
    assert stored['UNICODE_VALUE'] == (UNICODE_VALUE, False)
    assert stored['LONG_VALUE'] == (LONG_VALUE, True)
    assert stored['N' * 5000] == ('1', False)
    assert stored['ÜBER_名前'] == ('1', False)
    assert not any(name in stored for name in ('EMPTY', 'BLANK', 'TRIGGER_SECRET_KEY', 'TRIGGER_API_URL', 'DUP', 'GOOD', 'A'))
