# -*- coding: utf-8 -*-
# Copyright: triggerdev.management contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""credentials.py: what a token is, environment names, branch names, scrubbing."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ansible_collections.triggerdev.management.plugins.module_utils._errors import TriggerInputError
from ansible_collections.triggerdev.management.plugins.module_utils._credentials import (
    ACCESS_TOKEN,
    SECRET_KEY,
    classify,
    normalize_branch,
    normalize_environment,
    scrub,
    scrub_data,
)

BODY = 'a1B2c3D4e5F6g7H8i9J0k1L2'  # 24 alphanumerics, the shape of a real key


@pytest.mark.parametrize('prefix, environment', [
    ('tr_dev_', 'dev'),
    ('tr_stg_', 'staging'),
    ('tr_prod_', 'prod'),
    ('tr_preview_', 'preview'),
])
def test_secret_key_of_each_environment(prefix, environment):
    cred = classify(prefix + BODY)
    assert cred.kind == SECRET_KEY
    assert cred.is_secret_key and not cred.is_access_token
    assert cred.environment == environment
    assert cred.restricted is False
    assert cred.describe() == 'secret key of the %s environment' % environment


@pytest.mark.parametrize('env_slug, environment', [('dev', 'dev'), ('stg', 'staging'), ('prod', 'prod'), ('preview', 'preview')])
def test_additional_secret_key_tr_env_sk(env_slug, environment):
    token = 'tr_%s_sk_%s' % (env_slug, BODY)
    cred = classify(token)
    assert cred.is_secret_key
    assert cred.environment == environment
    assert cred.restricted is True
    assert token not in cred.describe()


@pytest.mark.parametrize('prefix, token_type, label', [
    ('tr_pat_', 'pat', 'personal access token'),
    ('tr_oat_', 'oat', 'organization access token'),
    ('tr_uat_', 'uat', 'user-actor token'),
])
def test_access_tokens(prefix, token_type, label):
    cred = classify(prefix + BODY)
    assert cred.kind == ACCESS_TOKEN
    assert cred.is_access_token and not cred.is_secret_key
    assert cred.token_type == token_type
    assert cred.environment is None
    assert cred.describe() == label


def test_surrounding_whitespace_is_ignored():
    assert classify('  tr_prod_%s\n' % BODY).environment == 'prod'


@pytest.mark.parametrize('token', [
    'pk_dev_' + BODY,                 # legacy public key
    'tr_live_' + BODY,                # unknown environment
    'tr_development_' + BODY,
    'tr_sk_' + BODY,
    'sk_live_' + BODY,                # another vendor's key
    'TR_DEV_' + BODY,                 # prefixes are lower case
    'tr_dev_short',                   # too short to be a key
    'tr_dev_' + BODY + '!',           # not alphanumeric
    'tr_dev_' + BODY + ' tail',       # two words
    'Bearer tr_dev_' + BODY,          # a header value pasted in
    'tr_pat_abc',                     # too short
    'eyJhbGciOiJIUzI1NiJ9.e30.sig',   # a public JWT
])
def test_other_tokens_are_refused_with_a_hint_and_without_echo(token):
    with pytest.raises(TriggerInputError) as err:
        classify(token)
    message = str(err.value)
    assert 'tr_dev_...' in message and 'tr_pat_...' in message and 'tr_oat_...' in message and 'tr_<env>_sk_...' in message
    assert token not in message
    assert BODY not in message


@pytest.mark.parametrize('token', [None, '', '   ', 12345678])
def test_missing_token_names_the_options_and_env_vars(token):
    with pytest.raises(TriggerInputError) as err:
        classify(token)
    message = str(err.value)
    if token is None or token == '':
        assert 'TRIGGER_SECRET_KEY' in message and 'TRIGGER_ACCESS_TOKEN' in message


@pytest.mark.parametrize('given_name, expected', [
    ('dev', 'dev'), ('staging', 'staging'), ('stg', 'staging'), ('prod', 'prod'), ('preview', 'preview'),
    (None, None), ('', None),
])
def test_normalize_environment(given_name, expected):
    assert normalize_environment(given_name) == expected


@pytest.mark.parametrize('given_name', ['production', 'development', 'Prod', 'test'])
def test_unknown_environment_is_refused(given_name):
    with pytest.raises(TriggerInputError, match='Unknown environment'):
        normalize_environment(given_name)


@pytest.mark.parametrize('given_name, expected', [
    ('feature-x', 'feature-x'),
    ('  feature-x  ', 'feature-x'),
    ('refs/heads/feature-x', 'feature-x'),
    ('refs/remotes/feature/x', 'feature/x'),
    ('refs/tags/v1.2.3', 'v1.2.3'),
    ('refs/pull/42', '42'),
    ('refs/merge/main', 'main'),
    ('refs/release/2025.1', '2025.1'),
    ('user/feature_1', 'user/feature_1'),
    ('Ünïcode-branch', 'Ünïcode-branch'),
    (None, None),
    ('', None),
    ('   ', None),
])
def test_branch_cleaning(given_name, expected):
    assert normalize_branch(given_name) == expected


def test_only_one_ref_prefix_is_removed():
    assert normalize_branch('refs/heads/refs/heads/x') == 'refs/heads/x'


@pytest.mark.parametrize('given_name', [
    'refs/other/x',          # a ref the server treats as "no branch"
    'refs/heads/',           # nothing left
    'has space',
    'tab\there',
    'a~b', 'a^b', 'a:b', 'a?b', 'a*b', 'a[b', 'a\\b',
    'a..b', 'a@{b', 'a//b',
    '/lead', '-lead', '.lead', 'trail/', 'trail.', 'x.lock', '@',
    'dir/.hidden', 'dir/x.lock/y',
    'del\x7f',
])
def test_invalid_branch_names_are_refused(given_name):
    with pytest.raises(TriggerInputError, match='[Bb]ranch'):
        normalize_branch(given_name)


def test_scrub_removes_known_secrets_and_token_shapes():
    resolved = 'opaque-resolved-secret'
    text = 'key tr_dev_%s, pat tr_pat_%s, sk tr_prod_sk_%s, other %s.' % (BODY, BODY, BODY, resolved)
    cleaned = scrub(text, [resolved])
    assert BODY not in cleaned
    assert resolved not in cleaned
    assert cleaned.count('tr_********') == 3
    assert scrub(None) is None
    assert scrub(42) == '42'
    assert scrub('nothing here', [None, '']) == 'nothing here'


def test_scrub_data_walks_nested_structures():
    data = {
        'error': 'bad key tr_dev_%s' % BODY,
        'variableErrors': [{'key': 'A', 'error': 'echo secret-value'}],
        'issues': [{'path': ['x'], 'received': 'tr_pat_%s' % BODY, 'n': 3, 'ok': True, 'none': None}],
        'tuple': ('secret-value',),
    }
    cleaned = scrub_data(data, ['secret-value'])
    flat = repr(cleaned)
    assert BODY not in flat and 'secret-value' not in flat
    assert cleaned['issues'][0]['n'] == 3 and cleaned['issues'][0]['ok'] is True and cleaned['issues'][0]['none'] is None
    assert cleaned['variableErrors'][0]['key'] == 'A'
    assert data['error'].endswith(BODY), 'the input is not modified'


@given(prefix=st.sampled_from(['tr_dev_', 'tr_stg_', 'tr_prod_', 'tr_preview_', 'tr_dev_sk_', 'tr_pat_', 'tr_oat_', 'tr_uat_']),
       body=st.text(alphabet='abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789', min_size=8, max_size=40),
       before=st.text(max_size=20), after=st.text(alphabet=' .,:;"\'}]\n', max_size=5))
def test_scrub_never_leaves_a_token(prefix, body, before, after):
    token = prefix + body
    assert classify(token).kind in (SECRET_KEY, ACCESS_TOKEN)
    assert token not in scrub(before + token + after)


def test_user_actor_tokens_are_scrubbed():
    token = 'tr_uat_' + 'u' * 40
    assert classify(token).token_type == 'uat' and classify(token).describe() == 'user-actor token'
    assert token not in scrub('Bearer %s failed' % token)
    assert scrub_data({'a': ['x ' + token]}) == {'a': ['x tr_********']}


def test_scrub_keeps_placeholders_of_token_shapes_in_messages():
    """Messages name token shapes such as tr_uat_... and tr_pat_...: those are not tokens."""
    text = 'use a personal access token (tr_pat_...) or a user-actor token (tr_uat_...)'
    assert scrub(text) == text
    assert scrub('token tr_uat_eyJhbGciOiJIUzI1NiJ9.eyJraW5kIjoi.sig-_x end') == 'token tr_******** end'
