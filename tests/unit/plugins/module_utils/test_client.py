# -*- coding: utf-8 -*-
# Copyright: triggerdev.management contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""TriggerClient against a mocked HTTP layer (responses): pre-flight rules, headers, retries,
idempotency keys, typed errors without tokens, path encoding, pagination, access-token key resolution."""

import json
import os
import re
import uuid

import pytest
import requests
import responses
import yaml

try:
    from urllib.parse import parse_qs, urlsplit
except ImportError:  # pragma: no cover
    from urlparse import parse_qs, urlsplit

from ansible_collections.triggerdev.management.plugins.module_utils import _client as client_mod
from ansible_collections.triggerdev.management.plugins.module_utils._client import (
    API_VERSION,
    AUTH_ACCESS_TOKEN,
    AUTH_ANY,
    AUTH_NONE,
    AUTH_SECRET_KEY,
    COLLECTION_VERSION,
    TriggerClient,
    encode_path,
)
from ansible_collections.triggerdev.management.plugins.module_utils._errors import (
    TriggerAPIError,
    TriggerAuthError,
    TriggerConnectionError,
    TriggerError,
    TriggerInputError,
    TriggerNotFound,
    TriggerRateLimited,
)
from ansible_collections.triggerdev.management.plugins.module_utils._envvars import EnvVarAPI

COLLECTION_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))))

API = 'https://api.example.test'
BODY = 'a1B2c3D4e5F6g7H8i9J0k1L2'
DEV_KEY = 'tr_dev_' + BODY
STG_KEY = 'tr_stg_' + BODY
PROD_KEY = 'tr_prod_' + BODY
PREVIEW_KEY = 'tr_preview_' + BODY
PAT = 'tr_pat_' + BODY
OAT = 'tr_oat_' + BODY
RESOLVED_PROD_KEY = 'tr_prod_Z9y8X7w6V5u4T3s2R1q0P9o8'
RESOLVED_PREVIEW_KEY = 'tr_preview_Z9y8X7w6V5u4T3s2R1q0P9o8'
PROJECT = 'proj_abcdefghijklmnop'
NOW = 1750000000.0

SCHEDULES = '/api/v1/schedules'               # secret key only
TIMEZONES = '/api/v1/timezones'               # no auth
PROJECT_RUNS = '/api/v1/projects/%s/runs' % PROJECT   # access token only, does not read x-trigger-branch
ALL_TOKENS = (DEV_KEY, STG_KEY, PROD_KEY, PREVIEW_KEY, PAT, OAT, RESOLVED_PROD_KEY, RESOLVED_PREVIEW_KEY, BODY)
RETRY_DELAYS = [1.0, 1.6, 2.56, 4.096]


class FakeTime:
    """An injected clock and sleep: sleeping advances the clock, nothing really waits."""

    def __init__(self, now=NOW):
        self.now = now
        self.sleeps = []

    def sleep(self, seconds):
        self.sleeps.append(seconds)
        self.now += seconds

    def clock(self):
        return self.now


@pytest.fixture
def fake_time():
    return FakeTime()


@pytest.fixture
def rsps():
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield mock


@pytest.fixture
def catch_all(rsps):
    """Answer 200 to anything, so a request that should not have been sent is recorded, not refused."""
    for method in ('GET', 'POST', 'PUT', 'DELETE', 'PATCH'):
        rsps.add(method, re.compile(r'.*'), json={'apiKey': RESOLVED_PROD_KEY, 'data': []})
    return rsps


@pytest.fixture
def make_client(fake_time):
    def make(api_key=DEV_KEY, **kwargs):
        kwargs.setdefault('api_url', API)
        kwargs.setdefault('sleep', fake_time.sleep)
        kwargs.setdefault('clock', fake_time.clock)
        return TriggerClient(api_key, **kwargs)
    return make


def envvars_path(api_client, *extra):
    """A route every credential may call (the env-var list of the target), for the transport tests."""
    return EnvVarAPI(api_client).path(*extra)


def assert_no_token(*texts):
    for text in texts:
        text = text if isinstance(text, str) else repr(text)
        for token in ALL_TOKENS:
            assert token not in text


def query_of(call):
    return query_of_url(call.request.url)


def path_of(call):
    return urlsplit(call.request.url).path


# ---------------------------------------------------------------------------------------------- pre-flight


PREFLIGHT_CONSTRUCTOR = [
    pytest.param(dict(api_key='pk_dev_' + BODY), 'tr_dev_...', id='legacy-public-key'),
    pytest.param(dict(api_key='tr_live_' + BODY), 'tr_dev_...', id='unknown-prefix'),
    pytest.param(dict(api_key='sk_live_' + BODY), 'tr_pat_...', id='foreign-key'),
    pytest.param(dict(api_key=''), 'TRIGGER_SECRET_KEY', id='empty-key'),
    pytest.param(dict(api_key=None), 'TRIGGER_ACCESS_TOKEN', id='no-key'),
    pytest.param(dict(api_key=PAT, project_ref=None), 'project_ref', id='pat-without-project-ref'),
    pytest.param(dict(api_key=OAT, environment='prod', project_ref=''), 'project_ref', id='oat-without-project-ref'),
    pytest.param(dict(api_key=PROD_KEY, environment='dev'), 'secret key of the prod environment but environment is dev', id='prod-key-env-dev'),
    pytest.param(dict(api_key=DEV_KEY, environment='prod'), 'secret key of the dev environment but environment is prod', id='dev-key-env-prod'),
    pytest.param(dict(api_key=STG_KEY, environment='prod'), 'staging environment but environment is prod', id='stg-key-env-prod'),
    pytest.param(dict(api_key=PREVIEW_KEY, environment='staging'), 'preview environment but environment is staging', id='preview-key-env-staging'),
    pytest.param(dict(api_key='tr_prod_sk_' + BODY, environment='dev'), 'prod environment but environment is dev', id='prod-sk-key-env-dev'),
    pytest.param(dict(api_key=PROD_KEY, branch='feature-x'), 'branch is only valid with the preview environment', id='prod-key-with-branch'),
    pytest.param(dict(api_key=PAT, project_ref=PROJECT, environment='prod', branch='feature-x'), 'only valid with the preview', id='pat-prod-branch'),
    pytest.param(dict(api_key=PAT, project_ref=PROJECT, branch='feature-x'), 'environment is not set', id='pat-branch-no-env'),
    pytest.param(dict(api_key=DEV_KEY, branch='feature-x'), 'only valid with the preview', id='dev-key-with-branch'),
    pytest.param(dict(api_key=PREVIEW_KEY, branch='bad branch'), 'not a valid git branch name', id='invalid-branch'),
    pytest.param(dict(api_key=PREVIEW_KEY, branch='refs/other/x'), 'git ref', id='foreign-ref'),
    pytest.param(dict(api_key=DEV_KEY, environment='production'), 'Unknown environment', id='unknown-environment'),
    pytest.param(dict(api_key=DEV_KEY, api_url='api.trigger.dev'), 'api_url', id='url-without-scheme'),
    pytest.param(dict(api_key=DEV_KEY, api_url='ftp://api.trigger.dev'), 'api_url', id='url-not-http'),
    pytest.param(dict(api_key=DEV_KEY, api_url='https://'), 'api_url', id='url-without-host'),
]


@pytest.mark.parametrize('kwargs, expected', PREFLIGHT_CONSTRUCTOR)
def test_preflight_constructor_rules(catch_all, make_client, kwargs, expected):
    options = dict(project_ref=PROJECT)
    options.update(kwargs)
    with pytest.raises(TriggerInputError) as err:
        client = make_client(**options)
        client.request('GET', envvars_path(client))
    assert expected in str(err.value)
    assert_no_token(str(err.value))
    assert len(catch_all.calls) == 0


def test_secret_key_with_its_own_environment_is_accepted(make_client):
    assert make_client(PROD_KEY, environment='prod').environment == 'prod'
    assert make_client(STG_KEY, environment='stg').environment == 'staging'
    assert make_client(STG_KEY).environment == 'staging'
    assert make_client(PREVIEW_KEY, branch='refs/heads/feat').branch == 'feat'
    assert make_client(PAT, project_ref=PROJECT, environment='preview', branch='feat').branch == 'feat'


@pytest.mark.parametrize('auth, path', [(AUTH_ANY, None), (AUTH_SECRET_KEY, SCHEDULES)])
def test_preview_key_without_branch_fails_before_a_call_that_needs_it(catch_all, make_client, auth, path):
    client = make_client(PREVIEW_KEY, project_ref=PROJECT)
    with pytest.raises(TriggerInputError, match='preview secret key needs branch'):
        client.request('GET', path or envvars_path(client), auth=auth)
    with pytest.raises(TriggerInputError):
        client.resolve_secret_key()
    assert len(catch_all.calls) == 0


def test_preview_key_without_branch_may_call_an_unauthenticated_route(catch_all, make_client):
    make_client(PREVIEW_KEY).request('GET', TIMEZONES, auth=AUTH_NONE)
    assert len(catch_all.calls) == 1
    assert 'authorization' not in catch_all.calls[0].request.headers


def test_access_token_on_preview_without_branch_fails_before_a_secret_key_route(catch_all, make_client):
    # The environment's secret key is a tr_preview_ key, which the server refuses without a branch:
    # neither the key lookup nor the call itself may go out.
    client = make_client(PAT, project_ref=PROJECT, environment='preview')
    with pytest.raises(TriggerInputError, match='branch'):
        client.request('GET', SCHEDULES, auth=AUTH_SECRET_KEY)
    assert len(catch_all.calls) == 0
    # Routes that take the access token itself act on the preview parent environment: allowed.
    client.request('GET', envvars_path(client))
    assert len(catch_all.calls) == 1
    assert 'x-trigger-branch' not in catch_all.calls[0].request.headers


def test_access_token_without_environment_fails_before_a_secret_key_route(catch_all, make_client):
    client = make_client(PAT, project_ref=PROJECT)
    with pytest.raises(TriggerInputError, match='environment is required'):
        client.request('POST', '/api/v1/tasks/t/trigger', auth=AUTH_SECRET_KEY, json_body={})
    with pytest.raises(TriggerInputError, match='environment is required'):
        envvars_path(client)
    assert len(catch_all.calls) == 0


def test_secret_key_on_an_access_token_route_fails_before_any_request(catch_all, make_client):
    with pytest.raises(TriggerInputError, match='access token'):
        make_client(PROD_KEY, project_ref=PROJECT).request('GET', PROJECT_RUNS, auth=AUTH_ACCESS_TOKEN, branch=False)
    assert len(catch_all.calls) == 0


def test_env_var_path_needs_project_ref(catch_all, make_client):
    with pytest.raises(TriggerInputError, match='project_ref'):
        envvars_path(make_client(DEV_KEY), 'NAME')
    assert len(catch_all.calls) == 0


@pytest.mark.parametrize('segment', ['', '.', '..', None])
def test_segments_that_would_change_the_route_are_refused(catch_all, make_client, segment):
    # requests removes dot segments ('/schedules/..' goes out as '/api/v1/'), and an empty name would
    # address the collection route: DELETE .../envvars/dev/ is a create on the server.
    client = make_client(DEV_KEY, project_ref=PROJECT)
    with pytest.raises(TriggerInputError, match='path segment'):
        client.request('DELETE', envvars_path(client, segment))
    with pytest.raises(TriggerInputError, match='path segment'):
        encode_path('api', 'v1', 'schedules', segment)
    assert len(catch_all.calls) == 0


def test_request_requires_branch_and_environment_helpers(make_client):
    assert make_client(PAT, project_ref=PROJECT, environment='prod').require_environment() == 'prod'
    assert make_client(DEV_KEY, project_ref=PROJECT).require_project_ref() == PROJECT
    make_client(PREVIEW_KEY, branch='feat').require_branch()  # does not raise


# ---------------------------------------------------------------------------------------------- headers


def test_common_headers(rsps, make_client):
    rsps.add('POST', API + SCHEDULES, json={'id': 'sched_1'})
    client = make_client(DEV_KEY)
    assert client.request('POST', SCHEDULES, json_body={'task': 't', 'cron': '0 * * * *'}) == {'id': 'sched_1'}
    headers = rsps.calls[0].request.headers
    assert headers['authorization'] == 'Bearer ' + DEV_KEY
    assert headers['x-trigger-api-version'] == '2025-07-16' == API_VERSION
    assert headers['content-type'] == 'application/json'
    assert 'triggerdev.management' in headers['user-agent']
    assert COLLECTION_VERSION in headers['user-agent']
    assert rsps.calls[0].request.body == b'{"task":"t","cron":"0 * * * *"}'
    assert client.request_count == 1


def test_user_agent_version_is_the_collection_version():
    with open(os.path.join(COLLECTION_ROOT, 'galaxy.yml')) as handle:
        galaxy = yaml.safe_load(handle)
    assert COLLECTION_VERSION == galaxy['version']
    assert client_mod.USER_AGENT.startswith('%s.%s/%s' % (galaxy['namespace'], galaxy['name'], galaxy['version']))


def test_key_is_stripped_and_url_slash_removed(rsps, make_client):
    rsps.add('GET', API + SCHEDULES, json={})
    make_client('  %s\n' % DEV_KEY, api_url=API + '/').request('GET', SCHEDULES)
    assert rsps.calls[0].request.url == API + SCHEDULES
    assert rsps.calls[0].request.headers['authorization'] == 'Bearer ' + DEV_KEY


def test_no_content_type_without_a_body_and_extra_headers(rsps, make_client):
    rsps.add('POST', API + '/api/v2/runs/run_1/cancel', json={'id': 'run_1'})
    make_client().request('POST', '/api/v2/runs/run_1/cancel', headers={'idempotency-key': 'mine'})
    headers = rsps.calls[0].request.headers
    assert 'content-type' not in headers
    assert headers['idempotency-key'] == 'mine'


def test_timeout_and_certificate_options_reach_the_session(make_client):
    seen = {}

    class Session:
        def request(self, method, url, **kwargs):
            seen.update(kwargs, method=method, url=url)
            response = requests.Response()
            response.status_code = 200
            response._content = b'[]'  # pylint: disable=protected-access
            return response

    client = make_client(DEV_KEY, session=Session(), request_timeout=7.5, validate_certs=False)
    assert client.request('GET', SCHEDULES, params={'a': 1}) == []
    assert seen['timeout'] == 7.5 and seen['verify'] is False and seen['params'] == {'a': 1}
    assert seen['method'] == 'GET' and seen['url'] == API + SCHEDULES


BRANCH_HEADER_CASES = [
    # api_key, client options, auth, route reads the header, expected header
    pytest.param(PREVIEW_KEY, dict(branch='refs/heads/feat-1'), AUTH_ANY, True, 'feat-1', id='preview-key-envvars'),
    pytest.param(PREVIEW_KEY, dict(branch='feat-1'), AUTH_SECRET_KEY, True, 'feat-1', id='preview-key-schedules'),
    pytest.param(PREVIEW_KEY, dict(branch='feat-1'), AUTH_SECRET_KEY, False, None, id='preview-key-route-ignores-branch'),
    pytest.param('tr_preview_sk_' + BODY, dict(branch='feat-1'), AUTH_ANY, True, 'feat-1', id='preview-sk-key'),
    pytest.param(DEV_KEY, {}, AUTH_ANY, True, None, id='dev-key'),
    pytest.param(STG_KEY, {}, AUTH_ANY, True, None, id='staging-key'),
    pytest.param(PROD_KEY, dict(environment='prod'), AUTH_SECRET_KEY, True, None, id='prod-key'),
    pytest.param(PAT, dict(environment='preview', branch='feat-1'), AUTH_ANY, True, 'feat-1', id='pat-preview-branch'),
    pytest.param(OAT, dict(environment='preview', branch='feat-1'), AUTH_ANY, True, 'feat-1', id='oat-preview-branch'),
    pytest.param(PAT, dict(environment='preview', branch='feat-1'), AUTH_ACCESS_TOKEN, False, None, id='pat-project-runs'),
    pytest.param(PAT, dict(environment='preview', branch='feat-1'), AUTH_SECRET_KEY, True, 'feat-1', id='pat-preview-branch-secret-key-route'),
    pytest.param(PAT, dict(environment='prod'), AUTH_SECRET_KEY, True, None, id='pat-prod-secret-key-route'),
    pytest.param(PAT, dict(environment='preview'), AUTH_ANY, True, None, id='pat-preview-parent'),
    pytest.param(PAT, dict(environment='prod'), AUTH_ANY, True, None, id='pat-prod'),
    pytest.param(PAT, dict(environment='dev'), AUTH_ANY, True, None, id='pat-dev'),
]


@pytest.mark.parametrize('api_key, options, auth, route_reads_branch, expected', BRANCH_HEADER_CASES)
def test_branch_header_exactly_when_the_rules_say(catch_all, make_client, api_key, options, auth, route_reads_branch, expected):
    client = make_client(api_key, project_ref=PROJECT, **options)
    client.request('GET', envvars_path(client), auth=auth, branch=route_reads_branch)
    call = catch_all.calls[-1]
    assert call.request.headers.get('x-trigger-branch') == expected
    if auth == AUTH_SECRET_KEY and client.credential.is_access_token:
        assert catch_all.calls[0].request.headers.get('x-trigger-branch') == expected


# ---------------------------------------------------------------------------------------------- retries


@pytest.mark.parametrize('status', [408, 409, 429, 500, 502, 503, 504])
def test_retryable_statuses_are_retried_until_retries_run_out(rsps, make_client, fake_time, status):
    rsps.add('GET', API + SCHEDULES, json={'error': 'try again'}, status=status)
    with pytest.raises(TriggerAPIError) as err:
        make_client().request('GET', SCHEDULES)
    assert len(rsps.calls) == 5
    assert fake_time.sleeps == pytest.approx(RETRY_DELAYS)
    assert err.value.status == status
    assert err.value.attempts == 5


@pytest.mark.parametrize('status', [400, 401, 403, 404, 422])
def test_client_errors_are_not_retried(rsps, make_client, fake_time, status):
    rsps.add('GET', API + SCHEDULES, json={'error': 'no'}, status=status)
    with pytest.raises(TriggerAPIError) as err:
        make_client().request('GET', SCHEDULES)
    assert len(rsps.calls) == 1
    assert fake_time.sleeps == []
    assert err.value.attempts == 1


def test_retry_then_success(rsps, make_client, fake_time):
    rsps.add('GET', API + SCHEDULES, json={'error': 'x'}, status=503)
    rsps.add('GET', API + SCHEDULES, json={'error': 'x'}, status=500)
    rsps.add('GET', API + SCHEDULES, json={'data': [1]}, status=200)
    client = make_client()
    assert client.request('GET', SCHEDULES) == {'data': [1]}
    assert len(rsps.calls) == 3
    assert fake_time.sleeps == pytest.approx([1.0, 1.6])
    assert client.request_count == 3


@pytest.mark.parametrize('status, hint, calls', [
    (400, 'true', 5),
    (404, 'true', 5),      # runs.retrieve of a run still being written
    (422, 'TRUE', 5),
    (500, 'false', 1),
    (503, 'false', 1),
    (429, 'false', 1),
    (409, 'False', 1),
    (500, 'maybe', 5),     # not a hint: the status decides
    (400, 'maybe', 1),
])
def test_x_should_retry_is_honoured_ahead_of_the_status(rsps, make_client, status, hint, calls):
    rsps.add('GET', API + SCHEDULES, json={'error': 'e'}, status=status, headers={'x-should-retry': hint})
    with pytest.raises(TriggerAPIError):
        make_client().request('GET', SCHEDULES)
    assert len(rsps.calls) == calls


def test_retry_not_found_false_stops_a_404_marked_retryable(rsps, make_client, fake_time):
    rsps.add('GET', API + '/api/v3/runs/run_1', json={'error': 'Not found'}, status=404, headers={'x-should-retry': 'true'})
    with pytest.raises(TriggerNotFound):
        make_client().request('GET', '/api/v3/runs/run_1', retry_not_found=False)
    assert len(rsps.calls) == 1 and fake_time.sleeps == []
    # other retryable answers are still retried with retry_not_found=False
    rsps.add('GET', API + '/api/v3/runs/run_2', json={'error': 'x'}, status=500)
    with pytest.raises(TriggerAPIError):
        make_client().request('GET', '/api/v3/runs/run_2', retry_not_found=False)
    assert len(rsps.calls) == 1 + 5


@pytest.mark.parametrize('exception', [
    requests.exceptions.ConnectionError('connection refused'),
    requests.exceptions.ConnectTimeout('connect timed out'),
    requests.exceptions.ReadTimeout('read timed out'),
    requests.exceptions.ChunkedEncodingError('broken'),
])
def test_connection_errors_and_timeouts_are_retried(rsps, make_client, fake_time, exception):
    rsps.add('POST', API + '/api/v1/tasks/t/trigger', body=exception)
    with pytest.raises(TriggerConnectionError) as err:
        make_client().request('POST', '/api/v1/tasks/t/trigger', json_body={'payload': {}})
    assert len(rsps.calls) == 5
    assert fake_time.sleeps == pytest.approx(RETRY_DELAYS)
    assert err.value.attempts == 5
    assert err.value.method == 'POST' and err.value.path == '/api/v1/tasks/t/trigger'
    failure = err.value.to_failure()
    assert failure['message'].startswith('api.example.test: ') and failure['status'] is None
    assert 'after 5 attempt(s)' in str(err.value)


def test_connection_error_then_success(rsps, make_client, fake_time):
    rsps.add('GET', API + SCHEDULES, body=requests.exceptions.ConnectionError('reset'))
    rsps.add('GET', API + SCHEDULES, json={'data': []})
    assert make_client().request('GET', SCHEDULES) == {'data': []}
    assert len(rsps.calls) == 2 and fake_time.sleeps == [1.0]


def test_other_transport_errors_fail_cleanly_without_retry(rsps, make_client, fake_time):
    rsps.add('GET', API + SCHEDULES, body=requests.exceptions.TooManyRedirects('Exceeded 30 redirects.'))
    with pytest.raises(TriggerConnectionError) as err:
        make_client().request('GET', SCHEDULES)
    assert len(rsps.calls) == 1 and fake_time.sleeps == []
    assert err.value.reason == 'api.example.test: TooManyRedirects'


def test_tls_certificate_errors_fail_at_once_with_a_hint(rsps, make_client, fake_time):
    rsps.add('GET', API + SCHEDULES, body=requests.exceptions.SSLError('certificate verify failed'))
    with pytest.raises(TriggerConnectionError) as err:
        make_client().request('GET', SCHEDULES)
    assert len(rsps.calls) == 1 and fake_time.sleeps == []
    assert 'validate_certs' in str(err.value) and 'api.example.test' in str(err.value)


@pytest.mark.parametrize('method, status', [('POST', 301), ('GET', 302), ('PUT', 307), ('DELETE', 308)])
def test_redirects_are_not_followed(rsps, make_client, fake_time, method, status):
    """A followed 301/302 turns a POST into a GET without its body; the task fails once, naming where the URL points."""
    rsps.add(method, API + SCHEDULES, status=status, headers={'Location': 'https://api.example.test/v2/api/v1/schedules?token=x'})
    rsps.add('GET', re.compile(r'.*/v2/.*'), json={'data': []})
    with pytest.raises(TriggerAPIError) as err:
        make_client().request(method, SCHEDULES, json_body={'task': 't'} if method != 'GET' else None)
    assert len(rsps.calls) == 1 and fake_time.sleeps == []
    assert err.value.status == status
    assert 'redirects (HTTP %d) to https://api.example.test/v2/api/v1/schedules;' % status in err.value.api_message
    assert 'token=x' not in str(err.value) and 'set api_url' in str(err.value)


def test_config_errors_have_the_same_failure_keys_as_api_errors():
    with pytest.raises(TriggerInputError) as err:
        TriggerClient('not-a-key', api_url=API)
    failure = err.value.to_failure()
    assert failure['status'] is None and failure['method'] is None and failure['path'] is None
    assert 'secret key looks like' in failure['message']


def test_connection_error_message_never_contains_a_token(rsps, make_client):
    rsps.add('GET', API + SCHEDULES, body=requests.exceptions.ConnectionError('Bearer %s refused %s' % (DEV_KEY, PAT)))
    with pytest.raises(TriggerConnectionError) as err:
        make_client(retries=0).request('GET', SCHEDULES)
    assert_no_token(str(err.value), err.value.to_failure())


@pytest.mark.parametrize('retries, calls', [(0, 1), (1, 2), (2, 3), (None, 5), (-3, 1)])
def test_retries_bound_the_attempts(rsps, make_client, fake_time, retries, calls):
    rsps.add('GET', API + SCHEDULES, json={'error': 'down'}, status=502)
    with pytest.raises(TriggerAPIError):
        make_client(retries=retries).request('GET', SCHEDULES)
    assert len(rsps.calls) == calls
    assert len(fake_time.sleeps) == calls - 1


def test_backoff_grows_by_1_6_and_is_capped_at_30_seconds(make_client):
    client = make_client()
    assert [client.backoff_delay(n) for n in range(1, 5)] == pytest.approx(RETRY_DELAYS)
    assert client.backoff_delay(8) == pytest.approx(26.8435456)
    assert client.backoff_delay(9) == 30.0
    assert client.backoff_delay(50) == 30.0


def test_429_waits_until_the_rate_limit_reset(rsps, make_client, fake_time, monkeypatch):
    monkeypatch.setattr(client_mod.random, 'uniform', lambda low, high: 0.25)
    reset_ms = int((NOW + 2.5) * 1000)
    rsps.add('GET', API + SCHEDULES, status=429, headers={'x-ratelimit-reset': str(reset_ms)},
             json={'error': 'Rate limit exceeded', 'reset': reset_ms})
    with pytest.raises(TriggerRateLimited) as err:
        make_client().request('GET', SCHEDULES)
    # First wait: until the reset (+ jitter); the fake clock then is past the reset, so the backoff applies.
    assert fake_time.sleeps == pytest.approx([2.75, 1.6, 2.56, 4.096])
    assert err.value.status == 429 and err.value.attempts == 5


def test_429_wait_is_capped(rsps, make_client, fake_time):
    reset_ms = int((NOW + 3600) * 1000)
    rsps.add('GET', API + SCHEDULES, status=429, headers={'x-ratelimit-reset': str(reset_ms)}, json={'error': 'slow down'})
    rsps.add('GET', API + SCHEDULES, json={'ok': True})
    assert make_client().request('GET', SCHEDULES) == {'ok': True}
    assert fake_time.sleeps == [60.0]


def test_429_jitter_stays_within_one_second(make_client, fake_time):
    client = make_client()
    response = requests.Response()
    response.status_code = 429
    response.headers['x-ratelimit-reset'] = str(int((NOW + 5) * 1000))
    delays = [client.backoff_delay(1, response) for attempt in range(50)]
    assert all(5.0 <= delay <= 6.0 for delay in delays)
    assert len(set(delays)) > 1, 'the jitter varies'


@pytest.mark.parametrize('reset', [None, 'soon', str(int((NOW - 10) * 1000))])
def test_429_without_a_usable_reset_uses_the_backoff(make_client, reset):
    response = requests.Response()
    response.status_code = 429
    if reset is not None:
        response.headers['x-ratelimit-reset'] = reset
    assert make_client().backoff_delay(3, response) == pytest.approx(2.56)


# ---------------------------------------------------------------------------------------------- idempotency keys


def test_one_idempotency_key_per_logical_post_reused_on_every_retry(rsps, make_client):
    path = '/api/v1/tasks/my-task/trigger'
    rsps.add('POST', API + path, json={'error': 'x'}, status=500)
    rsps.add('POST', API + path, body=requests.exceptions.ReadTimeout('slow'))
    rsps.add('POST', API + path, json={'error': 'x'}, status=429)
    rsps.add('POST', API + path, json={'id': 'run_1', 'isCached': False})
    client = make_client()
    assert client.request('POST', path, json_body={'payload': {'a': 1}}) == {'id': 'run_1', 'isCached': False}
    assert client.request('POST', path, json_body={'payload': {'a': 1}}) == {'id': 'run_1', 'isCached': False}
    keys = [call.request.headers.get('x-trigger-request-idempotency-key') for call in rsps.calls]
    assert len(keys) == 5
    assert len(set(keys[:4])) == 1, 'every attempt of the first POST carries the same key'
    assert keys[4] != keys[0], 'the second logical POST has its own key'
    for key in keys:
        assert str(uuid.UUID(key)) == key


def test_lower_case_post_still_carries_an_idempotency_key(rsps, make_client):
    rsps.add('POST', API + SCHEDULES, json={})
    make_client().request('post', SCHEDULES, json_body={})
    assert rsps.calls[0].request.method == 'POST'
    assert 'x-trigger-request-idempotency-key' in rsps.calls[0].request.headers


@pytest.mark.parametrize('method', ['GET', 'PUT', 'DELETE'])
def test_no_idempotency_key_on_other_methods(rsps, make_client, method):
    rsps.add(method, API + SCHEDULES + '/sched_1', json={}, status=500)
    with pytest.raises(TriggerAPIError):
        make_client(retries=1).request(method, SCHEDULES + '/sched_1', json_body={} if method == 'PUT' else None)
    assert len(rsps.calls) == 2
    for call in rsps.calls:
        assert 'x-trigger-request-idempotency-key' not in call.request.headers


# ---------------------------------------------------------------------------------------------- errors


@pytest.mark.parametrize('status, cls', [
    (400, TriggerAPIError), (401, TriggerAuthError), (403, TriggerAuthError), (404, TriggerNotFound),
    (422, TriggerAPIError), (429, TriggerRateLimited), (500, TriggerAPIError), (503, TriggerAPIError),
])
def test_error_classes_by_status(rsps, make_client, status, cls):
    rsps.add('GET', API + SCHEDULES, json={'error': 'Something'}, status=status)
    with pytest.raises(TriggerAPIError) as err:
        make_client(retries=0).request('GET', SCHEDULES)
    assert type(err.value) is cls  # pylint: disable=unidiomatic-typecheck
    assert isinstance(err.value, TriggerError)
    assert err.value.status == status
    assert err.value.method == 'GET' and err.value.path == SCHEDULES
    assert err.value.api_message == 'Something'
    assert str(err.value) == 'GET %s failed with HTTP %d: Something' % (SCHEDULES, status)
    assert err.value.to_failure() == {'method': 'GET', 'path': SCHEDULES, 'status': status, 'message': 'Something'}


@pytest.mark.parametrize('body, message', [
    ({'error': 'Schedule not found'}, 'Schedule not found'),
    ({'title': 'Unauthorized', 'status': 401, 'detail': 'No authorization header provided'}, 'No authorization header provided'),
    ({'title': 'Unauthorized', 'status': 401}, 'Unauthorized'),
    ({'error': {'code': 'x'}}, '{"code": "x"}'),
    ({'something': 'else'}, '{"something": "else"}'),
])
def test_api_message_from_error_detail_or_title(rsps, make_client, body, message):
    rsps.add('GET', API + SCHEDULES, json=body, status=401)
    with pytest.raises(TriggerAuthError) as err:
        make_client().request('GET', SCHEDULES)
    assert err.value.api_message == message


def test_non_json_error_body(rsps, make_client):
    rsps.add('GET', API + SCHEDULES, body='<html>Bad gateway</html>', status=502, content_type='text/html')
    with pytest.raises(TriggerAPIError) as err:
        make_client(retries=0).request('GET', SCHEDULES)
    assert err.value.api_message == '<html>Bad gateway</html>'
    assert err.value.body == {}


def test_variable_errors_and_issues(rsps, make_client):
    path = encode_path('api', 'v1', 'projects', PROJECT, 'envvars', 'dev')
    rsps.add('POST', API + path, status=400, json={
        'error': 'You must set at least one valid variable.',
        'variableErrors': [{'key': 'TRIGGER_API_URL', 'error': 'not allowed'}],
    })
    rsps.add('PUT', API + path, status=400, json={'error': 'Invalid request body', 'issues': [{'path': ['value'], 'message': 'Required'}]})
    rsps.add('GET', API + path, status=400, json={'error': 'Query Error', 'details': [{'path': ['page[size]']}]})
    client = make_client(DEV_KEY, project_ref=PROJECT)
    with pytest.raises(TriggerAPIError) as err:
        client.request('POST', path, json_body={'name': 'TRIGGER_API_URL', 'value': 'x'})
    assert err.value.variable_errors == [{'key': 'TRIGGER_API_URL', 'error': 'not allowed'}]
    assert str(err.value).endswith('You must set at least one valid variable. (TRIGGER_API_URL: not allowed)')
    assert err.value.to_failure()['variable_errors'] == [{'key': 'TRIGGER_API_URL', 'error': 'not allowed'}]
    with pytest.raises(TriggerAPIError) as err:
        client.request('PUT', path, json_body={})
    assert err.value.issues == [{'path': ['value'], 'message': 'Required'}]
    assert err.value.to_failure()['issues'] == err.value.issues
    with pytest.raises(TriggerAPIError) as err:
        client.request('GET', path)
    assert err.value.api_message == 'Query Error'
    assert err.value.issues == [{'path': ['page[size]']}]


def test_error_messages_never_contain_a_token_even_when_the_server_echoes_it(rsps, make_client):
    echo = 'Invalid API key %s (Bearer %s)' % (DEV_KEY, PAT)
    rsps.add('POST', API + SCHEDULES, status=401, json={
        'error': echo, 'detail': echo,
        'variableErrors': [{'key': 'K', 'error': 'value %s is not allowed' % DEV_KEY}],
        'issues': [{'received': DEV_KEY, 'message': echo}],
    })
    rsps.add('GET', API + SCHEDULES, status=500, body='upstream said: ' + echo)
    client = make_client(DEV_KEY)
    with pytest.raises(TriggerAuthError) as err:
        client.request('POST', SCHEDULES, json_body={})
    exc = err.value
    assert_no_token(str(exc), repr(exc), exc.api_message, exc.to_failure(), exc.body, exc.variable_errors, exc.issues)
    assert 'Invalid API key' in exc.api_message
    assert exc.variable_errors[0]['key'] == 'K'
    with pytest.raises(TriggerAPIError) as err:
        client.request('GET', SCHEDULES)
    assert_no_token(str(err.value), err.value.to_failure())
    assert err.value.api_message.startswith('upstream said: Invalid API key')


def test_a_secret_key_that_does_not_look_like_a_token_is_scrubbed_too(rsps, make_client):
    # The resolved key is scrubbed by value, not only by shape.
    odd_key = 'k3y-without-the-usual-prefix'
    rsps.add('GET', API + '/api/v1/projects/%s/prod' % PROJECT, json={'apiKey': odd_key})
    rsps.add('GET', API + SCHEDULES, status=401, json={'error': 'bad key ' + odd_key, 'issues': [odd_key]})
    client = make_client(PAT, project_ref=PROJECT, environment='prod')
    with pytest.raises(TriggerAuthError) as err:
        client.request('GET', SCHEDULES, auth=AUTH_SECRET_KEY)
    assert odd_key not in str(err.value) and odd_key not in repr(err.value.to_failure()) and odd_key not in repr(err.value.body)


def test_empty_and_non_json_success_bodies(rsps, make_client):
    rsps.add('DELETE', API + SCHEDULES + '/sched_1', body='', status=200)
    rsps.add('GET', API + SCHEDULES, body='not json', status=200)
    client = make_client()
    assert client.request('DELETE', SCHEDULES + '/sched_1') is None
    with pytest.raises(TriggerAPIError, match='not JSON'):
        client.request('GET', SCHEDULES)


# ---------------------------------------------------------------------------------------------- paths


@pytest.mark.parametrize('segments, expected', [
    (('api', 'v1', 'schedules', 'sched_1'), '/api/v1/schedules/sched_1'),
    (('api', 'v1', 'schedules', 'team/nightly'), '/api/v1/schedules/team%2Fnightly'),
    (('api', 'v1', 'schedules', 'nightly backup'), '/api/v1/schedules/nightly%20backup'),
    (('api', 'v1', 'schedules', 'café-ünï'), '/api/v1/schedules/caf%C3%A9-%C3%BCn%C3%AF'),
    (('api', 'v1', 'schedules', 'a?b#c&d=e+f%g'), '/api/v1/schedules/a%3Fb%23c%26d%3De%2Bf%25g'),
    (('api', 'v1', 'runs', 42), '/api/v1/runs/42'),
    (('api', 'v1', 'schedules', '...'), '/api/v1/schedules/...'),
])
def test_encode_path(segments, expected):
    assert encode_path(*segments) == expected


def test_encoded_segments_reach_the_wire_unchanged(rsps, make_client):
    client = make_client(DEV_KEY, project_ref=PROJECT)
    for name in ('team/nightly', 'nightly backup', 'ünï/code', 'a%2Fb'):
        path = encode_path('api', 'v1', 'schedules', name)
        rsps.add('GET', API + path, json={'id': 'sched_x'})
        client.request('GET', path)
    env_path = envvars_path(client, 'MY/VAR NAME')
    assert env_path == '/api/v1/projects/%s/envvars/dev/MY%%2FVAR%%20NAME' % PROJECT
    rsps.add('DELETE', API + env_path, json={'success': True})
    client.request('DELETE', env_path)
    sent = [call.request.url[len(API):] for call in rsps.calls]
    assert sent == ['/api/v1/schedules/team%2Fnightly', '/api/v1/schedules/nightly%20backup',
                    '/api/v1/schedules/%C3%BCn%C3%AF%2Fcode', '/api/v1/schedules/a%252Fb', env_path]


def test_envvars_path_uses_the_environment_slug(make_client):
    assert envvars_path(make_client(STG_KEY, project_ref=PROJECT)) == '/api/v1/projects/%s/envvars/staging' % PROJECT
    assert envvars_path(make_client(PAT, project_ref=PROJECT, environment='stg'), 'import') == \
        '/api/v1/projects/%s/envvars/staging/import' % PROJECT


# ---------------------------------------------------------------------------------------------- pagination


def query_of_url(url):
    return dict((k, v[0]) for k, v in parse_qs(urlsplit(url).query).items())


def cursor_items(rsps, path, items):
    """Serve ``items`` newest first with opaque cursors (here: 'o<offset>'), as /api/v1/runs does.

    Returns the list of queries the client sent.
    """
    asked = []

    def callback(request):
        query = query_of_url(request.url)
        asked.append(query)
        offset = int(query.get('page[after]', 'o0')[1:])
        size = int(query.get('page[size]', 25))
        assert 1 <= size <= 100, 'the server refuses page[size] outside 1..100'
        pagination = {}
        if offset + size < len(items):
            pagination['next'] = 'o%d' % (offset + size)
        if offset:
            pagination['previous'] = 'o%d' % max(0, offset - size)
        return 200, {}, json.dumps({'data': items[offset:offset + size], 'pagination': pagination})

    rsps.add_callback('GET', API + path, callback=callback)
    return asked


def test_cursor_pagination_reads_to_exhaustion(rsps, make_client):
    asked = cursor_items(rsps, '/api/v1/runs', list(range(1, 8)))
    items, cursor = make_client().paginate_cursor('/api/v1/runs', params={'filter[status]': 'COMPLETED'}, page_size=3)
    assert items == [1, 2, 3, 4, 5, 6, 7]
    assert cursor is None
    assert asked == [
        {'filter[status]': 'COMPLETED', 'page[size]': '3'},
        {'filter[status]': 'COMPLETED', 'page[size]': '3', 'page[after]': 'o3'},
        {'filter[status]': 'COMPLETED', 'page[size]': '3', 'page[after]': 'o6'},
    ]


def test_cursor_pagination_default_page_size_is_the_server_maximum(rsps, make_client):
    asked = cursor_items(rsps, '/api/v1/runs', list(range(250)))
    items, cursor = make_client().paginate_cursor('/api/v1/runs')
    assert items == list(range(250)) and cursor is None
    assert [q['page[size]'] for q in asked] == ['100', '100', '100']


def test_cursor_pagination_limit_stops_early_and_returns_the_next_cursor(rsps, make_client):
    asked = cursor_items(rsps, '/api/v1/runs', list(range(1, 9)))
    items, cursor = make_client().paginate_cursor('/api/v1/runs', limit=5, page_size=2)
    assert items == [1, 2, 3, 4, 5]
    assert cursor == 'o5'
    assert [q['page[size]'] for q in asked] == ['2', '2', '1']
    assert len(rsps.calls) == 3
    # the cursor continues exactly after what was returned
    rest, cursor = make_client().paginate_cursor('/api/v1/runs', params={'page[after]': 'o5'})
    assert rest == [6, 7, 8] and cursor is None


def test_cursor_pagination_limit_within_the_first_page(rsps, make_client):
    asked = cursor_items(rsps, '/api/v1/runs', list(range(11)))
    items, cursor = make_client().paginate_cursor('/api/v1/runs', limit=3)
    assert items == [0, 1, 2]
    assert cursor == 'o3'
    assert asked == [{'page[size]': '3'}]


def test_cursor_pagination_limit_equal_to_everything_left(rsps, make_client):
    cursor_items(rsps, '/api/v1/runs', [1, 2, 3])
    assert make_client().paginate_cursor('/api/v1/runs', limit=3, page_size=2) == ([1, 2, 3], None)
    assert len(rsps.calls) == 2


def test_cursor_pagination_continues_from_a_given_cursor(rsps, make_client):
    asked = cursor_items(rsps, '/api/v1/runs', [1, 2, 3])
    assert make_client().paginate_cursor('/api/v1/runs', params={'page[after]': 'o1'}, page_size=1) == ([2, 3], None)
    assert asked[0]['page[after]'] == 'o1'


def test_cursor_pagination_stops_on_an_empty_page(rsps, make_client):
    def callback(request):
        assert len(rsps.calls) < 3, 'an empty page that still has a cursor must end the loop'
        return 200, {}, json.dumps({'data': [], 'pagination': {'next': 'same'}})

    rsps.add_callback('GET', API + '/api/v1/runs', callback=callback)
    assert make_client().paginate_cursor('/api/v1/runs') == ([], None)
    assert len(rsps.calls) == 1


def test_cursor_pagination_for_an_access_token_on_the_project_route(rsps, make_client):
    cursor_items(rsps, PROJECT_RUNS, [1, 2])
    client = make_client(PAT, project_ref=PROJECT, environment='preview', branch='feat')
    items, cursor = client.paginate_cursor(PROJECT_RUNS, params={'filter[env]': 'preview'},
                                           auth=AUTH_ACCESS_TOKEN, branch=False, page_size=1)
    assert items == [1, 2] and cursor is None
    for call in rsps.calls:
        assert call.request.headers['authorization'] == 'Bearer ' + PAT
        assert 'x-trigger-branch' not in call.request.headers
        assert query_of(call)['filter[env]'] == 'preview'


def test_page_pagination_reads_every_page(rsps, make_client):
    def callback(request):
        query = query_of_url(request.url)
        page = int(query['page'])
        data = [[1, 2], [3, 4], [5]][page - 1]
        return 200, {}, json.dumps({'data': data, 'pagination': {'currentPage': page, 'totalPages': 3, 'count': 5}})

    rsps.add_callback('GET', API + SCHEDULES, callback=callback)
    assert make_client().paginate_pages(SCHEDULES) == [1, 2, 3, 4, 5]
    assert [query_of(call) for call in rsps.calls] == [
        {'page': '1', 'perPage': '100'}, {'page': '2', 'perPage': '100'}, {'page': '3', 'perPage': '100'}]


def test_page_pagination_single_and_empty(rsps, make_client):
    rsps.add('GET', API + SCHEDULES, json={'data': [], 'pagination': {'currentPage': 1, 'totalPages': 0, 'count': 0}})
    assert make_client().paginate_pages(SCHEDULES, per_page=20) == []
    assert len(rsps.calls) == 1
    assert query_of(rsps.calls[0]) == {'page': '1', 'perPage': '20'}


def test_page_pagination_sends_the_branch_of_a_preview_key(rsps, make_client):
    rsps.add('GET', API + SCHEDULES, json={'data': [1], 'pagination': {'currentPage': 1, 'totalPages': 1, 'count': 1}})
    assert make_client(PREVIEW_KEY, branch='feat').paginate_pages(SCHEDULES, auth=AUTH_SECRET_KEY) == [1]
    assert rsps.calls[0].request.headers['x-trigger-branch'] == 'feat'


# ---------------------------------------------------------------------------------------------- access-token key resolution


def test_access_token_resolves_the_secret_key_once(rsps, make_client):
    seen = []
    rsps.add('GET', API + '/api/v1/projects/%s/prod' % PROJECT, json={'apiKey': RESOLVED_PROD_KEY, 'name': 'Production'})
    rsps.add('GET', API + SCHEDULES, json={'data': []})
    rsps.add('POST', API + '/api/v1/tasks/t/trigger', json={'id': 'run_1'})
    rsps.add('GET', API + '/api/v1/projects/%s/envvars/prod' % PROJECT, json=[])
    client = make_client(PAT, project_ref=PROJECT, environment='prod', on_secret=seen.append)
    client.request('GET', SCHEDULES, auth=AUTH_SECRET_KEY)
    client.request('POST', '/api/v1/tasks/t/trigger', auth=AUTH_SECRET_KEY, json_body={'payload': {}})
    client.request('GET', envvars_path(client))
    assert [(call.request.method, path_of(call)) for call in rsps.calls] == [
        ('GET', '/api/v1/projects/%s/prod' % PROJECT),
        ('GET', SCHEDULES),
        ('POST', '/api/v1/tasks/t/trigger'),
        ('GET', '/api/v1/projects/%s/envvars/prod' % PROJECT),
    ]
    auth = [call.request.headers['authorization'] for call in rsps.calls]
    assert auth == ['Bearer ' + PAT, 'Bearer ' + RESOLVED_PROD_KEY, 'Bearer ' + RESOLVED_PROD_KEY, 'Bearer ' + PAT]
    assert seen == [RESOLVED_PROD_KEY]
    assert client.resolve_secret_key() == RESOLVED_PROD_KEY
    assert len(rsps.calls) == 4
    assert RESOLVED_PROD_KEY in client.secrets and PAT in client.secrets


def test_resolution_with_the_branch_header_for_a_preview_branch(rsps, make_client):
    rsps.add('GET', API + '/api/v1/projects/%s/preview' % PROJECT, json={'apiKey': RESOLVED_PREVIEW_KEY})
    rsps.add('GET', API + SCHEDULES, json={'data': []})
    client = make_client(OAT, project_ref=PROJECT, environment='preview', branch='refs/heads/feat-9')
    client.request('GET', SCHEDULES, auth=AUTH_SECRET_KEY)
    assert [call.request.headers.get('x-trigger-branch') for call in rsps.calls] == ['feat-9', 'feat-9']
    assert rsps.calls[1].request.headers['authorization'] == 'Bearer ' + RESOLVED_PREVIEW_KEY


def test_resolution_uses_the_environment_slug_and_encodes_the_ref(rsps, make_client):
    ref = 'proj/odd'
    rsps.add('GET', API + '/api/v1/projects/proj%2Fodd/staging', json={'apiKey': 'tr_stg_' + BODY})
    client = make_client(PAT, project_ref=ref, environment='stg')
    assert client.resolve_secret_key() == 'tr_stg_' + BODY
    assert 'x-trigger-branch' not in rsps.calls[0].request.headers


def test_resolution_failure_is_a_clean_error_and_is_not_cached(rsps, make_client):
    path = '/api/v1/projects/%s/prod' % PROJECT
    rsps.add('GET', API + path, status=403, json={'error': "You don't have permission for %s" % PAT})
    rsps.add('GET', API + path, json={'apiKey': RESOLVED_PROD_KEY})
    rsps.add('GET', API + SCHEDULES, json={'data': []})
    client = make_client(PAT, project_ref=PROJECT, environment='prod')
    with pytest.raises(TriggerAuthError) as err:
        client.request('GET', SCHEDULES, auth=AUTH_SECRET_KEY)
    assert err.value.path == path and err.value.status == 403
    assert_no_token(str(err.value), err.value.to_failure())
    assert len(rsps.calls) == 1, 'the schedules call is not sent without a key'
    client.request('GET', SCHEDULES, auth=AUTH_SECRET_KEY)
    assert len(rsps.calls) == 3


def test_resolution_without_a_key_in_the_answer(rsps, make_client):
    rsps.add('GET', API + '/api/v1/projects/%s/dev' % PROJECT, json={'name': 'Development'})
    client = make_client(PAT, project_ref=PROJECT, environment='dev')
    with pytest.raises(TriggerError, match='did not return a secret key for the dev environment'):
        client.request('GET', SCHEDULES, auth=AUTH_SECRET_KEY)
    assert len(rsps.calls) == 1


def test_resolved_key_never_appears_in_errors(rsps, make_client):
    rsps.add('GET', API + '/api/v1/projects/%s/prod' % PROJECT, json={'apiKey': RESOLVED_PROD_KEY})
    rsps.add('DELETE', API + SCHEDULES + '/nightly', status=404,
             json={'error': 'Schedule not found for key %s' % RESOLVED_PROD_KEY, 'issues': [RESOLVED_PROD_KEY]})
    client = make_client(PAT, project_ref=PROJECT, environment='prod')
    with pytest.raises(TriggerNotFound) as err:
        client.request('DELETE', encode_path('api', 'v1', 'schedules', 'nightly'), auth=AUTH_SECRET_KEY)
    assert_no_token(str(err.value), err.value.to_failure(), err.value.body)


def test_secret_key_needs_no_resolution(catch_all, make_client):
    client = make_client(PROD_KEY, on_secret=lambda key: pytest.fail('a secret key is not resolved'))
    assert client.resolve_secret_key() == PROD_KEY
    client.request('GET', SCHEDULES, auth=AUTH_SECRET_KEY)
    assert len(catch_all.calls) == 1
    assert catch_all.calls[0].request.headers['authorization'] == 'Bearer ' + PROD_KEY
    assert client.secrets == [PROD_KEY]


def test_user_actor_token_is_refused_before_any_request_on_routes_that_do_not_take_it():
    """tr_uat_ tokens (signed JWTs) read the current worker and the organisation routes; nothing else."""
    uat = 'tr_uat_eyJhbGciOiJIUzI1NiJ9.eyJraW5kIjoidXNlcl9hY3RvciJ9.ulCju8ACMxPASW3pi0Rs3NFz-7gBtk-NIutmuQT8DK0'
    with responses.RequestsMock() as rsps:
        client = TriggerClient(uat, api_url=API, project_ref=PROJECT, environment='prod', retries=0)
        for auth in (AUTH_SECRET_KEY, AUTH_ANY):
            with pytest.raises(TriggerInputError) as info:
                client.request('GET', '/api/v1/runs', auth=auth)
            assert 'user-actor token' in str(info.value) and uat not in str(info.value)
        assert len(rsps.calls) == 0
        rsps.add('GET', API + '/api/v1/projects/%s/prod/workers/current' % PROJECT, json={'worker': None})
        client.request('GET', '/api/v1/projects/%s/prod/workers/current' % PROJECT, auth=AUTH_ACCESS_TOKEN)
        assert rsps.calls[0].request.headers['authorization'] == 'Bearer ' + uat


def test_pat_only_routes_refuse_organization_tokens_before_any_request(make_client):
    client = make_client(OAT, project_ref=PROJECT, environment='prod')
    with responses.RequestsMock() as rsps:
        with pytest.raises(TriggerInputError, match='personal access token'):
            client.request('GET', '/api/v1/projects/%s/runs' % PROJECT, auth=client_mod.AUTH_PAT)
        assert len(rsps.calls) == 0
