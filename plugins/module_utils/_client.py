# -*- coding: utf-8 -*-
# Copyright: triggerdev.management contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""TriggerClient: the one place that speaks HTTP to the Trigger.dev management API.

This is an internal module of the collection, not a public API: it may change in any release.

Transport only: auth (secret key versus access token, resolving an environment's secret key for an access token),
the ``x-trigger-branch`` header, retries as the official SDK does them, typed errors that never contain a token,
path encoding and both pagination styles. The routes of a resource live with that resource. No Ansible imports,
so modules, lookups, the inventory plugin and tests all use it.
"""

import json
import random
import time
import uuid

from urllib.parse import quote, urlsplit

try:
    import requests
    HAS_REQUESTS = True
    REQUESTS_IMPORT_ERROR = None
except ImportError as exc:  # pragma: no cover - exercised through missing_required_lib
    requests = None
    HAS_REQUESTS = False
    REQUESTS_IMPORT_ERROR = exc

from ansible_collections.triggerdev.management.plugins.module_utils._connection import DEFAULT_API_URL, DEFAULT_RETRIES, DEFAULT_TIMEOUT
from ansible_collections.triggerdev.management.plugins.module_utils._errors import (
    TriggerAPIError,
    TriggerConnectionError,
    TriggerInputError,
    TriggerKeyUnavailable,
    api_error_class,
)
from ansible_collections.triggerdev.management.plugins.module_utils._credentials import (
    classify,
    normalize_branch,
    normalize_environment,
    scrub,
    scrub_data,
)

COLLECTION_VERSION = '0.1.0'
USER_AGENT = 'triggerdev.management/%s (Ansible collection)' % COLLECTION_VERSION
API_VERSION = '2025-07-16'

# Auth classes of routes (docs/dev/protocol.md#auth) and the credentials each takes. A route of AUTH_SECRET_KEY also
# works with a personal or organization access token: the environment's secret key is fetched with it first.
AUTH_ANY = 'any'                    # env vars, key bootstrap, branch writes
AUTH_SECRET_KEY = 'secret_key'      # runs, triggering, schedules, queues, deployments
AUTH_ACCESS_TOKEN = 'access_token'  # the current worker
AUTH_PAT = 'pat'                    # environment pause, key regeneration, project runs list, branch list
AUTH_USER = 'user'                  # organisations and projects: a person's token
AUTH_NONE = 'none'
ROUTE_CREDENTIALS = {
    AUTH_ANY: ('secret_key', 'pat', 'oat'),
    AUTH_SECRET_KEY: ('secret_key',),
    AUTH_ACCESS_TOKEN: ('pat', 'oat', 'uat'),
    AUTH_PAT: ('pat',),
    AUTH_USER: ('pat', 'uat'),
}
CREDENTIAL_NEEDS = {
    AUTH_ANY: 'a secret key, a personal access token (tr_pat_...) or an organization access token (tr_oat_...)',
    AUTH_SECRET_KEY: "the environment's secret key, or a personal or organization access token to fetch it with",
    AUTH_ACCESS_TOKEN: 'an access token (tr_pat_..., tr_oat_... or tr_uat_...)',
    AUTH_PAT: 'a personal access token (tr_pat_...)',
    AUTH_USER: 'a personal access token (tr_pat_...) or a user-actor token (tr_uat_...)',
}

RETRYABLE_STATUSES = frozenset([408, 409, 429])
BACKOFF_MIN = 1.0
BACKOFF_MAX = 30.0
BACKOFF_FACTOR = 1.6
RATE_LIMIT_MAX_WAIT = 60.0


def encode_path(*segments):
    """Join path segments, percent-encoding each one ('/' included).

    An empty, '.' or '..' segment (or None) is refused with TriggerInputError: it would address
    another route (requests removes dot segments, and an empty name addresses the collection).
    """
    for segment in segments:
        if segment is None or str(segment) in ('', '.', '..'):
            raise TriggerInputError('%r cannot be used as a path segment (a name, id or key): it would address another '
                                    'API route.' % (segment,))
    return '/' + '/'.join(quote(str(s), safe='') for s in segments)


class TriggerClient:
    """A Trigger.dev management API client for one project environment (or one branch of preview).

    Every rule that can be checked without the network is checked in the constructor or before a
    request, and raises TriggerInputError.
    """

    def __init__(self, api_key, api_url=DEFAULT_API_URL, project_ref=None, environment=None, branch=None,
                 validate_certs=True, request_timeout=DEFAULT_TIMEOUT, retries=DEFAULT_RETRIES,
                 session=None, sleep=time.sleep, clock=time.time, on_secret=None):
        if not HAS_REQUESTS:
            raise TriggerInputError('The Python library requests is required.')
        self.credential = classify(api_key)
        environment = normalize_environment(environment)
        branch = normalize_branch(branch)
        self._api_key = api_key.strip()
        self.api_url = (api_url or DEFAULT_API_URL).rstrip('/')
        parts = urlsplit(self.api_url)
        if parts.scheme not in ('http', 'https') or not parts.netloc:
            raise TriggerInputError('api_url must be an http:// or https:// URL with a host, such as %s.' % DEFAULT_API_URL)
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

        if self.credential.is_secret_key:
            if environment and environment != self.credential.environment:
                raise TriggerInputError(
                    'The API key is a secret key of the %s environment but environment is %s. A secret key only '
                    'acts on its own environment; use the %s secret key or an access token.'
                    % (self.credential.environment, environment, environment))
            environment = self.credential.environment
        if branch and environment != 'preview':
            raise TriggerInputError('branch is only valid with the preview environment (environment is %s).'
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
            if self.credential.is_access_token:
                raise TriggerInputError('An access token needs project_ref (proj_...) for this operation: it is not tied to one '
                                        'project. Set project_ref or TRIGGER_PROJECT_REF.')
            raise TriggerInputError('project_ref (proj_...) is required for this operation. '
                                    'Set project_ref or TRIGGER_PROJECT_REF.')
        return self.project_ref

    def require_environment(self):
        if not self.environment:
            raise TriggerInputError('environment is required with an access token for this operation: '
                                    'one of dev, staging, prod, preview (or TRIGGER_ENVIRONMENT).')
        return self.environment

    def require_branch(self):
        """For calls that need the branch of a preview key (the server answers 401 without it)."""
        if self.environment == 'preview' and not self.branch and self.credential.is_secret_key:
            raise TriggerInputError('A preview secret key needs branch (the preview branch to act on); '
                                    'set branch or TRIGGER_PREVIEW_BRANCH.')

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
                raise TriggerInputError('This operation needs the preview secret key, which the API accepts only for one '
                                        'preview branch: set branch or TRIGGER_PREVIEW_BRANCH.')
            body = self.request('GET', encode_path('api', 'v1', 'projects', self.require_project_ref(), self.require_environment()),
                                auth=AUTH_ANY)
            key = body.get('apiKey') if isinstance(body, dict) else None
            if not key:
                raise TriggerKeyUnavailable('The API did not return a secret key for the %s environment.' % self.environment)
            self._resolved_key = key
            if self._on_secret:
                self._on_secret(key)
        return self._resolved_key

    def _token_for(self, auth):
        """The bearer token for a route of auth class ``auth``; TriggerInputError before the request when the
        credential cannot be used there."""
        if auth == AUTH_NONE:
            return None
        kind = 'secret_key' if self.credential.is_secret_key else self.credential.token_type
        if auth == AUTH_SECRET_KEY and kind != 'uat':
            return self.resolve_secret_key()
        if kind not in ROUTE_CREDENTIALS[auth]:
            raise TriggerInputError('This operation needs %s; the API refuses a %s here.'
                                    % (CREDENTIAL_NEEDS[auth], self.credential.describe()))
        if kind == 'secret_key':
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
                                                       timeout=self.request_timeout, verify=self.validate_certs,
                                                       allow_redirects=False)
            except requests.exceptions.SSLError as exc:
                # A certificate problem does not go away by retrying.
                raise TriggerConnectionError(method, path, self.connection_reason(exc), attempt)
            except (requests.ConnectionError, requests.Timeout, requests.exceptions.ChunkedEncodingError) as exc:
                if attempt > self.retries:
                    raise TriggerConnectionError(method, path, self.connection_reason(exc), attempt)
                self._sleep(self.backoff_delay(attempt))
                continue
            except requests.RequestException as exc:
                # Not transient (too many redirects, an invalid URL or header...): fail at once, cleanly.
                raise TriggerConnectionError(method, path, self.connection_reason(exc), attempt)
            if 300 <= response.status_code < 400:
                raise self._redirect_error(response, method, path, attempt)
            if response.status_code < 400:
                return self._decode(response, method, path)
            retry = self.should_retry(response)
            if response.status_code == 404 and not retry_not_found:
                retry = False
            if retry and attempt <= self.retries:
                self._sleep(self.backoff_delay(attempt, response))
                continue
            raise self._api_error(response, method, path, attempt)

    def connection_reason(self, exc):
        """Why no answer came, naming the host: refused, name not resolved, timed out, TLS, or the exception's class.

        Only the exception's type and chain are read, never its text, which may hold a URL or a header."""
        host = urlsplit(self.api_url).netloc
        chain = []
        while isinstance(exc, BaseException) and len(chain) < 10:
            chain.append(exc)
            nested = [e for e in (exc.args[0] if exc.args else None, getattr(exc, 'reason', None), exc.__cause__, exc.__context__)
                      if isinstance(e, BaseException) and e not in chain]
            exc = nested[0] if nested else None
        names = ' '.join(type(e).__name__ for e in chain)
        errnos = set(getattr(e, 'errno', None) for e in chain)
        if 'SSLError' in names or 'CertificateError' in names:
            reason = ('TLS failed (certificate verification or handshake); check the URL, or set validate_certs: false '
                      'for a trusted self-signed server')
        elif 'Timeout' in names:
            reason = 'timed out after %s s (request_timeout)' % self.request_timeout
        elif 'NameResolutionError' in names or 'gaierror' in names:
            reason = 'the host name could not be resolved'
        elif 'ConnectionRefusedError' in names or 111 in errnos or 61 in errnos:
            reason = 'the connection was refused (nothing listens there?)'
        elif 'ConnectionResetError' in names or 'RemoteDisconnected' in names or 'ProtocolError' in names:
            reason = 'the connection was closed before an answer came'
        else:
            reason = type(chain[0]).__name__
        return scrub('%s: %s' % (host, reason), self.secrets)

    def _decode(self, response, method, path):
        if not response.content:
            return None
        try:
            return response.json()
        except ValueError:
            raise TriggerAPIError(method, path, response.status_code, 'the response is not JSON')

    def _redirect_error(self, response, method, path, attempts):
        """Redirects are not followed: requests would turn a redirected POST into a GET and drop its body, so the
        write would be lost or misread. The usual cause is an api_url with http:// or without its path prefix."""
        location = urlsplit(response.headers.get('Location') or '')
        target = '%s://%s%s' % (location.scheme, location.netloc, location.path) if location.netloc else location.path
        message = ('the API URL redirects (HTTP %s) to %s; redirects are not followed, set api_url to the address the API '
                   'answers at' % (response.status_code, scrub(target, self.secrets) or 'an address the response does not give'))
        return TriggerAPIError(method, path, response.status_code, message, attempts=attempts)

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
        return api_error_class(response.status_code)(method, path, response.status_code, scrub(message, self.secrets),
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
