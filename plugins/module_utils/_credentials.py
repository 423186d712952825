# -*- coding: utf-8 -*-
# Copyright: triggerdev.management contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""What a Trigger.dev credential is and what it may reach.

This is an internal module of the collection, not a public API: it may change in any release.
No Ansible imports: used by the client, modules, lookups and tests alike.
"""

import re

from ansible_collections.triggerdev.management.plugins.module_utils._errors import TriggerInputError

# Environment names users give, and the slug each has in the key prefix.
ENVIRONMENTS = ('dev', 'staging', 'prod', 'preview')
ENVIRONMENT_ALIASES = {'stg': 'staging'}
KEY_PREFIX_ENVIRONMENT = {'dev': 'dev', 'stg': 'staging', 'prod': 'prod', 'preview': 'preview'}

SECRET_KEY = 'secret_key'
ACCESS_TOKEN = 'access_token'
# Access token kinds (docs/dev/protocol.md#auth): personal, organization, and short-lived user-actor tokens
# minted from a PAT, which only the current-worker route accepts.
TOKEN_TYPE_NAMES = {'pat': 'personal access token', 'oat': 'organization access token', 'uat': 'user-actor token'}

_SECRET_KEY_RE = re.compile(r'^tr_(dev|stg|prod|preview)_(sk_)?[A-Za-z0-9]{8,}$')
# A user-actor token is a signed JWT after its prefix (dots, dashes and underscores included).
_ACCESS_TOKEN_RE = re.compile(r'^tr_(pat|oat)_[A-Za-z0-9]{8,}$|^tr_(uat)_[A-Za-z0-9._-]{8,}$')
# Anything shaped like a Trigger.dev token, for scrubbing text before it is shown.
TOKEN_PATTERN = re.compile(r'tr_uat_[A-Za-z0-9][A-Za-z0-9._-]*|tr_(?:dev|stg|prod|preview|pat|oat)_[A-Za-z0-9_]+')

KEY_FORMAT_HINT = (
    'a secret key looks like tr_dev_..., tr_stg_..., tr_prod_... or tr_preview_... '
    '(also tr_<env>_sk_...), and an access token like tr_pat_... or tr_oat_...'
)

# Branch-name prefixes the server strips (docs/dev/protocol.md#auth).
_BRANCH_REF_PREFIXES = ('refs/heads/', 'refs/remotes/', 'refs/tags/', 'refs/pull/', 'refs/merge/', 'refs/release/')
_BAD_REF_CHARS = re.compile(r'[\x00-\x20\x7f~^:?*\[\\]')


class Credential:
    """A classified token. ``kind`` is SECRET_KEY or ACCESS_TOKEN."""

    def __init__(self, kind, environment=None, token_type=None, restricted=False):
        self.kind = kind
        self.environment = environment
        self.token_type = token_type
        self.restricted = restricted

    @property
    def is_secret_key(self):
        return self.kind == SECRET_KEY

    @property
    def is_access_token(self):
        return self.kind == ACCESS_TOKEN

    def describe(self):
        """A label safe to show: never contains the token."""
        if self.is_secret_key:
            return 'secret key of the %s environment' % self.environment
        return TOKEN_TYPE_NAMES.get(self.token_type, 'personal access token')


def classify(token):
    """Return the Credential for ``token`` or raise TriggerInputError (the token is never echoed)."""
    if not token or not isinstance(token, str):
        raise TriggerInputError('No Trigger.dev API key was given: set api_key, or the TRIGGER_SECRET_KEY or '
                                'TRIGGER_ACCESS_TOKEN environment variable; %s.' % KEY_FORMAT_HINT)
    token = token.strip()
    match = _SECRET_KEY_RE.match(token)
    if match:
        return Credential(SECRET_KEY, environment=KEY_PREFIX_ENVIRONMENT[match.group(1)], restricted=bool(match.group(2)))
    match = _ACCESS_TOKEN_RE.match(token)
    if match:
        return Credential(ACCESS_TOKEN, token_type=match.group(1) or match.group(2))
    raise TriggerInputError('The API key is not a Trigger.dev secret key or access token: %s.' % KEY_FORMAT_HINT)


def normalize_environment(environment):
    """Map a user-given environment name to one of ENVIRONMENTS, or None."""
    if environment is None or environment == '':
        return None
    name = ENVIRONMENT_ALIASES.get(environment, environment)
    if name not in ENVIRONMENTS:
        raise TriggerInputError('Unknown environment %r: use one of %s.' % (environment, ', '.join(ENVIRONMENTS)))
    return name


def normalize_branch(branch):
    """Clean a branch name as the server does and refuse names git would refuse.

    Returns None for no branch.
    """
    if branch is None:
        return None
    name = branch.strip()
    if not name:
        return None
    for prefix in _BRANCH_REF_PREFIXES:
        if name.startswith(prefix):
            name = name[len(prefix):]
            break
    else:
        if name.startswith('refs/'):
            raise TriggerInputError('Branch %r is a git ref the server treats as no branch; give the branch name.' % branch)
    problems = []
    if not name:
        problems.append('it is empty')
    if _BAD_REF_CHARS.search(name):
        problems.append('it contains a space, a control character or one of ~ ^ : ? * [ \\')
    if '..' in name or '@{' in name or '//' in name:
        problems.append("it contains '..', '@{' or '//'")
    if name.startswith(('/', '-', '.')) or name.endswith(('/', '.', '.lock')) or name == '@':
        problems.append("it starts with '/', '-' or '.', ends with '/', '.' or '.lock', or is '@'")
    if any(part.startswith('.') or part.endswith('.lock') for part in name.split('/')):
        problems.append("a path component starts with '.' or ends with '.lock'")
    if problems:
        raise TriggerInputError('Branch %r is not a valid git branch name: %s.' % (branch, '; '.join(problems)))
    return name


def scrub(text, secrets=()):
    """Remove every known secret and anything shaped like a Trigger.dev token from ``text``."""
    if text is None:
        return text
    text = str(text)
    for secret in secrets:
        if secret:
            text = text.replace(secret, '********')
    return TOKEN_PATTERN.sub('tr_********', text)


def scrub_data(data, secrets=()):
    """Return a copy of ``data`` (dicts, lists, tuples, strings, scalars) with every string scrubbed."""
    if isinstance(data, dict):
        return dict((key, scrub_data(value, secrets)) for key, value in data.items())
    if isinstance(data, (list, tuple)):
        return [scrub_data(value, secrets) for value in data]
    if isinstance(data, str):
        return scrub(data, secrets)
    return data
