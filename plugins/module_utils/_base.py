# -*- coding: utf-8 -*-
# Copyright: triggerdev.management contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The one shape of every operation: an Operation reads and plans, writes only through write(), and fills an Outcome.

This is an internal module of the collection, not a public API: it may change in any release.

Check mode lives here and nowhere else: write() records what would be sent and sends it only outside check mode,
so a check run and a real run take the same path and the same validation. No Ansible imports.
"""


class Outcome:
    """What an operation did or would do.

    ``key`` is the documented return key of the resource (``schedule``, ``branch``, ``run``...) and ``resource`` its
    value; ``actions`` the writes in order; ``before``/``after`` what diff mode shows (None: no diff); ``values`` the
    other return values; ``failure`` a message that makes the module fail with everything else still returned.
    """

    def __init__(self, key, resource=None):
        self.key = key
        self.resource = resource
        self.changed = False
        self.actions = []
        self.before = None
        self.after = None
        self.warnings = []
        self.values = {}
        self.failure = None

    def result(self):
        """The module result without ``diff`` (the module adds it in diff mode)."""
        result = dict(self.values)
        if self.key is not None:
            result[self.key] = self.resource
        result['changed'] = self.changed
        return result


class Operation:
    """Base of every operation on one resource, on a TriggerClient.

    A subclass validates its input in ``__init__`` (raising TriggerInputError before any request) and implements
    ``run()``, which reads, plans, calls write() for each change and returns ``self.outcome``.
    """

    #: The return key of the resource; subclasses set it.
    resource_key = None
    #: Whether the module returns ``actions`` (state modules do).
    reports_actions = True

    def __init__(self, client, check_mode=False):
        self.client = client
        self.check_mode = check_mode
        self.outcome = Outcome(self.resource_key)
        self.applied = []
        self.secrets = []   # values the module must never show (secret variable values)

    def write(self, action, send, *args, **kwargs):
        """Record ``action`` (a short text such as ``create nightly``) and, unless in check mode, call
        ``send(*args, **kwargs)``. Returns its answer; in check mode ``predicted`` (a keyword, default None)."""
        predicted = kwargs.pop('predicted', None)
        if not self.outcome.actions:
            self.before_first_write()
        self.outcome.changed = True
        self.outcome.actions.append(action)
        if self.check_mode:
            return predicted
        answer = send(*args, **kwargs)
        self.applied.append(action)
        return answer

    def before_first_write(self):
        """Called once, before the first write is sent or recorded: checks that only matter when something would be
        written (and may raise to stop before it)."""

    def warn(self, message):
        if message not in self.outcome.warnings:
            self.outcome.warnings.append(message)

    def finish(self, resource=None, before=None, after=None, **values):
        """Set the resource, the diff and extra return values; returns the outcome."""
        outcome = self.outcome
        outcome.resource = resource
        outcome.before = before
        outcome.after = after
        outcome.values.update(values)
        if self.reports_actions:
            outcome.values['actions'] = list(outcome.actions)
        return outcome

    def progress(self):
        """What was already sent, for the message of an error that stopped the operation half-way, or None."""
        if not self.applied:
            return None
        return 'Partly applied before the error: %s.' % '; '.join(self.applied)

    def run(self):
        raise NotImplementedError
