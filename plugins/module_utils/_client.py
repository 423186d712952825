# -*- coding: utf-8 -*-
# Copyright: triggerdev.management contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""TriggerClient: the one place that speaks HTTP to the Trigger.dev management API.

No Ansible imports, so modules, lookups and tests can all use it. It owns auth (secret key
versus access token, resolving an environment's secret key for an access token), the
``x-trigger-branch`` header, retries as the official SDK does them, typed errors that never
contain a token, path encoding and both pagination styles.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import random
import time
import uuid

try:
    from urllib.parse import quote, urlsplit
except ImportError:  # pragma: no cover - Python 2 is not supported, this keeps imports clean
    from urllib import quote
    from urlparse import urlsplit

try:
    import requests
    HAS_REQUESTS = True
    REQUESTS_IMPORT_ERROR = None
except ImportError as exc:  # pragma: no cover - exercised through missing_required_lib
    requests = None
    HAS_REQUESTS = False
    REQUESTS_IMPORT_ERROR = exc

from ansible_collections.triggerdev.management.plugins.module_utils._credentials import (
    CredentialError,
    classify,
    normalize_branch,
    normalize_environment,
    scrub,
    scrub_data,
)

COLLECTION_VERSION = '0.1.0'
USER_AGENT = 'triggerdev.management/%s (Ansible collection)' % COLLECTION_VERSION
API_VERSION = '2025-07-16'
DEFAULT_API_URL = 'https://api.trigger.dev'
DEFAULT_TIMEOUT = 30
DEFAULT_RETRIES = 4

# Auth classes of routes (docs/dev/protocol.md#auth).
AUTH_ANY = 'any'            # secret key, personal or organization access token
AUTH_SECRET_KEY = 'secret_key'
AUTH_ACCESS_TOKEN = 'access_token'
AUTH_PAT = 'pat'            # personal access tokens only (project runs list, branch list)
AUTH_NONE = 'none'

RETRYABLE_STATUSES = frozenset([408, 409, 429])
BACKOFF_MIN = 1.0
BACKOFF_MAX = 30.0
BACKOFF_FACTOR = 1.6
RATE_LIMIT_MAX_WAIT = 60.0

# Slugs the project runs list matches in filter[env] (docs/dev/protocol.md#runs: 'staging' gives a 500).
RUNS_ENV_FILTER_SLUG = {'dev': 'dev', 'staging': 'stg', 'prod': 'prod', 'preview': 'preview'}


class TriggerError(Exception):
    """Base of every error the client raises."""

    def to_failure(self):
        # The same keys as an API failure, so playbooks can read failure.status whatever went wrong.
        return {'method': None, 'path': None, 'status': None, 'message': str(self)}


class TriggerConfigError(TriggerError):
    """Bad connection options; raised before any request is sent."""


class TriggerConnectionError(TriggerError):
    """No HTTP response after every retry."""

    def __init__(self, method, path, reason, attempts):
        self.method = method
        self.path = path
        self.reason = reason
        self.attempts = attempts
        super(TriggerConnectionError, self).__init__(
            '%s %s failed: could not reach the Trigger.dev API after %d attempt(s): %s' % (method, path, attempts, reason))

    def to_failure(self):
        return {'method': self.method, 'path': self.path, 'status': None, 'message': self.reason}


class TriggerAPIError(TriggerError):
    """The API answered with an error status."""

    def __init__(self, method, path, status, message, body=None, attempts=1):
        self.method = method
        self.path = path
        self.status = status
        self.api_message = message
        self.body = body if isinstance(body, dict) else {}
        self.variable_errors = self.body.get('variableErrors') or []
        self.issues = self.body.get('issues') or self.body.get('details') or []
        self.attempts = attempts
        text = '%s %s failed with HTTP %s: %s' % (method, path, status, message)
        if self.variable_errors:
            text += ' (%s)' % '; '.join('%s: %s' % (e.get('key'), e.get('error')) for e in self.variable_errors if isinstance(e, dict))
        super(TriggerAPIError, self).__init__(text)

    def to_failure(self):
        failure = {'method': self.method, 'path': self.path, 'status': self.status, 'message': self.api_message}
        if self.variable_errors:
            failure['variable_errors'] = self.variable_errors
        if self.issues:
            failure['issues'] = self.issues
        return failure


class TriggerAuthError(TriggerAPIError):
    """401 or 403."""


class TriggerNotFound(TriggerAPIError):
    """404."""


class TriggerRateLimited(TriggerAPIError):
    """429 after every retry."""


def _error_class(status):
    if status in (401, 403):
        return TriggerAuthError
    if status == 404:
        return TriggerNotFound
    if status == 429:
        return TriggerRateLimited
    return TriggerAPIError


def encode_path(*segments):
    """Join path segments, percent-encoding each one ('/' included).

    An empty, '.' or '..' segment (or None) is refused with TriggerConfigError: it would address
    another route (requests removes dot segments, and an empty name addresses the collection).
    """
    for segment in segments:
        if segment is None or str(segment) in ('', '.', '..'):
            raise TriggerConfigError('%r cannot be used as a path segment (a name, id or key): it would address another '
                                     'API route.' % (segment,))
    return '/' + '/'.join(quote(str(s), safe='') for s in segments)


class TriggerClient:
    """A Trigger.dev management API client for one project environment (or one branch of preview).

    Every rule that can be checked without the network is checked in the constructor or before a
    request, and raises TriggerConfigError.
    """

    def __init__(self, api_key, api_url=DEFAULT_API_URL, project_ref=None, environment=None, branch=None,
                 validate_certs=True, request_timeout=DEFAULT_TIMEOUT, retries=DEFAULT_RETRIES,
                 session=None, sleep=time.sleep, clock=time.time, on_secret=None):
        if not HAS_REQUESTS:
            raise TriggerConfigError('The Python library requests is required.')
        try:
            self.credential = classify(api_key)
            environment = normalize_environment(environment)
            branch = normalize_branch(branch)
        except CredentialError as exc:
            raise TriggerConfigError(str(exc))
        self._api_key = api_key.strip()
        self.api_url = (api_url or DEFAULT_API_URL).rstrip('/')
        parts = urlsplit(self.api_url)
        if parts.scheme not in ('http', 'https') or not parts.netloc:
            raise TriggerConfigError('api_url must be an http:// or https:// URL with a host, such as %s.' % DEFAULT_API_URL)
        self.project_ref = project_ref or None
        self.validate_certs = validate_certs
        self.request_timeout = request_timeout or DEFAULT_TIMEOUT
        self.retries = DEFAULT_RETRIES if retries is None else max(0, int(retries))
        self._session = session
        self._sleep = sleep
        self._clock = clock
        self._on_secret = on_secret
        self._resolved_key = None
        self.request_count = 0

        if self.credential.token_type == 'uat':
            raise TriggerConfigError('The API key is a user-actor token (tr_uat_...): a short-lived token the server accepts '
                                     'only for reading the current worker, not for env vars, runs, schedules or branches. '
                                     'Use a personal access token (tr_pat_...), an organization access token (tr_oat_...) '
                                     'or a secret key.')
        if self.credential.is_access_token and not self.project_ref:
            raise TriggerConfigError('An access token needs project_ref (proj_...): it is not tied to one project. '
                                     'Set project_ref or TRIGGER_PROJECT_REF.')
        if self.credential.is_secret_key:
            if environment and environment != self.credential.environment:
                raise TriggerConfigError(
                    'The API key is a secret key of the %s environment but environment is %s. A secret key only '
                    'acts on its own environment; use the %s secret key or an access token.'
                    % (self.credential.environment, environment, environment))
            environment = self.credential.environment
        if branch and environment != 'preview':
            raise TriggerConfigError('branch is only valid with the preview environment (environment is %s).'
                                     % (environment or 'not set'))
        self.environment = environment
        self.branch = branch

    # ------------------------------------------------------------------ helpers for callers

    @property
    def secrets(self):
        """The secret values this client holds, for scrubbing output."""
        return [s for s in (self._api_key, self._resolved_key) if s]

    def require_project_ref(self):
        if not self.project_ref:
            raise TriggerConfigError('project_ref (proj_...) is required for this operation. '
                                     'Set project_ref or TRIGGER_PROJECT_REF.')
        return self.project_ref

    def require_environment(self):
        if not self.environment:
            raise TriggerConfigError('environment is required with an access token for this operation: '
                                     'one of dev, staging, prod, preview (or TRIGGER_ENVIRONMENT).')
        return self.environment

    def require_branch(self):
        """For calls that need the branch of a preview key (the server answers 401 without it)."""
        if self.environment == 'preview' and not self.branch and self.credential.is_secret_key:
            raise TriggerConfigError('A preview secret key needs branch (the preview branch to act on); '
                                     'set branch or TRIGGER_PREVIEW_BRANCH.')

    @property
    def runs_env_filter(self):
        return RUNS_ENV_FILTER_SLUG[self.require_environment()]

    def envvars_path(self, *extra):
        """Path of the env-var routes of the target environment."""
        return encode_path('api', 'v1', 'projects', self.require_project_ref(), 'envvars', self.require_environment(), *extra)

    # ------------------------------------------------------------------ auth

    def _get_session(self):
        if self._session is None:
            self._session = requests.Session()
        return self._session

    def resolve_secret_key(self):
        """The secret key of the target environment; for an access token fetched once and cached."""
        if self.credential.is_secret_key:
            self.require_branch()
            return self._api_key
        if self._resolved_key is None:
            if self.environment == 'preview' and not self.branch:
                # The preview environment's secret key is refused by the server without a branch.
                raise TriggerConfigError('This operation needs the preview secret key, which the API accepts only for one '
                                         'preview branch: set branch or TRIGGER_PREVIEW_BRANCH.')
            body = self.request('GET', encode_path('api', 'v1', 'projects', self.require_project_ref(), self.require_environment()),
                                auth=AUTH_ACCESS_TOKEN)
            key = body.get('apiKey') if isinstance(body, dict) else None
            if not key:
                raise TriggerError('The API did not return a secret key for the %s environment.' % self.environment)
            self._resolved_key = key
            if self._on_secret:
                self._on_secret(key)
        return self._resolved_key

    def _token_for(self, auth):
        if auth == AUTH_NONE:
            return None
        if auth == AUTH_SECRET_KEY:
            return self.resolve_secret_key()
        if auth == AUTH_ACCESS_TOKEN and not self.credential.is_access_token:
            raise TriggerConfigError('This operation needs an access token (tr_pat_...); the API refuses secret keys here.')
        if auth == AUTH_PAT and not (self.credential.is_access_token and self.credential.token_type == 'pat'):
            raise TriggerConfigError('This operation needs a personal access token (tr_pat_...); the API refuses %ss here.'
                                     % self.credential.describe())
        if auth == AUTH_ANY and self.credential.is_secret_key:
            self.require_branch()
        return self._api_key

    def _headers(self, token, branch, idempotency_key, content_type):
        headers = {
            'accept': 'application/json',
            'user-agent': USER_AGENT,
            'x-trigger-api-version': API_VERSION,
        }
        if content_type:
            headers['content-type'] = content_type
        if token:
            headers['authorization'] = 'Bearer %s' % token
        if branch and self.branch:
            headers['x-trigger-branch'] = self.branch
        if idempotency_key:
            headers['x-trigger-request-idempotency-key'] = idempotency_key
        return headers

    # ------------------------------------------------------------------ transport

    def backoff_delay(self, attempt, response=None):
        """Seconds to wait before retry number ``attempt`` (1-based), as the SDK computes them."""
        if response is not None and response.status_code == 429:
            reset = response.headers.get('x-ratelimit-reset')
            try:
                wait = float(reset) / 1000.0 - self._clock()
            except (TypeError, ValueError):
                wait = None
            if wait is not None and wait > 0:
                return min(RATE_LIMIT_MAX_WAIT, wait + random.uniform(0, 1))
        return min(BACKOFF_MAX, BACKOFF_MIN * BACKOFF_FACTOR ** (attempt - 1))

    @staticmethod
    def should_retry(response):
        hint = (response.headers.get('x-should-retry') or '').lower()
        if hint == 'true':
            return True
        if hint == 'false':
            return False
        return response.status_code in RETRYABLE_STATUSES or response.status_code >= 500

    def request(self, method, path, auth=AUTH_ANY, params=None, json_body=None, data=None,
                content_type='application/json', branch=True, retry_not_found=True, headers=None):
        """Send one logical request (with retries) and return the decoded JSON body (None if empty).

        ``path`` starts with '/' and is already encoded (see encode_path). ``branch`` says whether
        the route reads ``x-trigger-branch``. Raises TriggerAPIError subclasses or TriggerConnectionError.
        """
        method = method.upper()
        token = self._token_for(auth)
        if json_body is not None:
            data = json.dumps(json_body, separators=(',', ':'))
        idempotency_key = str(uuid.uuid4()) if method == 'POST' else None
        request_headers = self._headers(token, branch, idempotency_key, content_type if data is not None else None)
        if headers:
            request_headers.update(headers)
        if isinstance(data, str):
            data = data.encode('utf-8')
        url = self.api_url + path
        attempt = 0
        while True:
            attempt += 1
            try:
                self.request_count += 1
                response = self._get_session().request(method, url, params=params, data=data, headers=request_headers,
                                                       timeout=self.request_timeout, verify=self.validate_certs)
            except requests.exceptions.SSLError:
                # A certificate problem does not go away by retrying.
                raise TriggerConnectionError(method, path, 'TLS certificate verification failed for %s (check the URL, '
                                             'or set validate_certs: false for a trusted self-signed server)'
                                             % urlsplit(self.api_url).netloc, attempt)
            except (requests.ConnectionError, requests.Timeout, requests.exceptions.ChunkedEncodingError) as exc:
                if attempt > self.retries:
                    raise TriggerConnectionError(method, path, scrub(exc.__class__.__name__, self.secrets), attempt)
                self._sleep(self.backoff_delay(attempt))
                continue
            except requests.RequestException as exc:
                # Not transient (too many redirects, an invalid URL or header...): fail at once, cleanly.
                raise TriggerConnectionError(method, path, scrub(exc.__class__.__name__, self.secrets), attempt)
            if response.status_code < 400:
                return self._decode(response, method, path)
            retry = self.should_retry(response)
            if response.status_code == 404 and not retry_not_found:
                retry = False
            if retry and attempt <= self.retries:
                self._sleep(self.backoff_delay(attempt, response))
                continue
            raise self._api_error(response, method, path, attempt)

    def _decode(self, response, method, path):
        if not response.content:
            return None
        try:
            return response.json()
        except ValueError:
            raise TriggerAPIError(method, path, response.status_code, 'the response is not JSON')

    def _api_error(self, response, method, path, attempts):
        try:
            body = scrub_data(response.json(), self.secrets)
        except ValueError:
            body = None
        message = None
        if isinstance(body, dict):
            message = body.get('error') or body.get('detail') or body.get('title')
            if not isinstance(message, str):
                message = json.dumps(message) if message is not None else None
        if not message:
            message = (response.text or response.reason or 'no message')[:500]
        return _error_class(response.status_code)(method, path, response.status_code, scrub(message, self.secrets),
                                                  body=body, attempts=attempts)

    # ------------------------------------------------------------------ pagination

    def paginate_cursor(self, path, params=None, auth=AUTH_ANY, limit=None, page_size=100, branch=True):
        """Read a cursor-paginated list (``page[after]``, runs). Returns (items, next_cursor).

        Stops once ``limit`` items are read; ``next_cursor`` is the cursor to continue from, or
        None when the list is exhausted.
        """
        params = dict(params or {})
        items = []
        cursor = params.pop('page[after]', None)
        while True:
            size = page_size if limit is None else max(1, min(page_size, limit - len(items)))
            query = dict(params)
            query['page[size]'] = size
            if cursor:
                query['page[after]'] = cursor
            body = self.request('GET', path, auth=auth, params=query, branch=branch) or {}
            page = body.get('data') or []
            items.extend(page)
            cursor = (body.get('pagination') or {}).get('next')
            if not cursor or not page:
                return items, None
            if limit is not None and len(items) >= limit:
                return items[:limit], cursor

    def paginate_pages(self, path, auth=AUTH_ANY, per_page=100, branch=True):
        """Read every page of a page/perPage list (schedules) and return all items."""
        items = []
        page = 1
        while True:
            body = self.request('GET', path, auth=auth, params={'page': page, 'perPage': per_page}, branch=branch) or {}
            items.extend(body.get('data') or [])
            total_pages = (body.get('pagination') or {}).get('totalPages') or 0
            if page >= total_pages or not body.get('data'):
                return items
            page += 1
