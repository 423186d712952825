# -*- coding: utf-8 -*-
# Copyright: triggerdev.management contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The errors of the collection. Every failure a module reports comes from one of these, with the same keys.

This is an internal module of the collection, not a public API: it may change in any release. No Ansible imports.
"""


class TriggerError(Exception):
    """Base of every error of the collection."""

    def to_failure(self):
        # The same keys as an API failure, so playbooks can read failure.status whatever went wrong.
        return {'method': None, 'path': None, 'status': None, 'message': str(self)}


class TriggerInputError(TriggerError):
    """Bad input, refused before any request (or before the request that would be wrong)."""


class TriggerKeyUnavailable(TriggerError):
    """The environment's secret key could not be obtained for an access token."""


class TriggerConnectionError(TriggerError):
    """No HTTP response after every retry."""

    def __init__(self, method, path, reason, attempts):
        self.method = method
        self.path = path
        self.reason = reason
        self.attempts = attempts
        super().__init__(
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
        super().__init__(text)

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


def api_error_class(status):
    if status in (401, 403):
        return TriggerAuthError
    if status == 404:
        return TriggerNotFound
    if status == 429:
        return TriggerRateLimited
    return TriggerAPIError
