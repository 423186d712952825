# -*- coding: utf-8 -*-
# Copyright: triggerdev.management contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)


class ModuleDocFragment:

    # The connection options of every module (module_utils/_connection.py defines them in code).
    DOCUMENTATION = r'''
options:
  api_key:
    description:
      - The credential used to call the Trigger.dev API, sent as a bearer token.
      - A secret key (V(tr_dev_...), V(tr_stg_...), V(tr_prod_...), V(tr_preview_...), or an additional key
        V(tr_<env>_sk_...)) acts on its own environment only.
      - A personal access token (V(tr_pat_...)) or organization access token (V(tr_oat_...)) reaches every
        environment of the projects it can see; it needs O(project_ref) and O(environment). For operations
        the API accepts only with a secret key (schedules, triggering, run retrieve/cancel/replay), the
        environment's secret key is fetched once through the API with the access token and never returned or logged.
      - If not set, the value of the E(TRIGGER_SECRET_KEY) environment variable is used, then E(TRIGGER_ACCESS_TOKEN).
    type: str
    required: true
    aliases: [secret_key, access_token]
  api_url:
    description:
      - Base URL of the Trigger.dev API. Set it for a self-hosted instance or the local emulator.
      - If not set, the value of the E(TRIGGER_API_URL) environment variable is used, then V(https://api.trigger.dev).
      - Redirects are not followed (a redirected write would lose its body); use the address the API answers at,
        with V(https://) where the server redirects V(http://).
    type: str
    default: https://api.trigger.dev
  project_ref:
    description:
      - The project reference, V(proj_...), as shown in the project settings.
      - Required with an access token and for environment variable operations.
      - If not set, the value of the E(TRIGGER_PROJECT_REF) environment variable is used.
    type: str
  environment:
    description:
      - The environment to act on. V(stg) is accepted as another name for V(staging).
      - Implied by a secret key; if given with a secret key it must be the key's own environment, and a
        mismatch is refused before any request (the API may otherwise act on the key's environment).
      - Required with an access token for environment-scoped operations.
      - If not set, the value of the E(TRIGGER_ENVIRONMENT) environment variable is used.
    type: str
    choices: [dev, staging, stg, prod, preview]
  branch:
    description:
      - The preview branch to act on; only valid with the V(preview) environment. Sent as the
        C(x-trigger-branch) header. Prefixes such as C(refs/heads/) are removed as the server does.
      - Without it, an access token acts on the preview parent environment; a preview secret key needs it.
      - If not set, the value of the E(TRIGGER_PREVIEW_BRANCH) environment variable is used.
    type: str
  validate_certs:
    description:
      - Whether to verify the TLS certificate of O(api_url).
    type: bool
    default: true
  request_timeout:
    description:
      - Timeout in seconds of each HTTP request.
    type: float
    default: 30
  retries:
    description:
      - How many times a failed request is retried, as the official SDK does it. Retried are HTTP 408, 409,
        429 and 5xx answers, connection errors and timeouts, and whatever the server marks with
        C(x-should-retry). The wait grows from 1 second by a factor 1.6 up to 30 seconds; a rate-limited
        request (429) waits until the time given in C(x-ratelimit-reset), at most 60 seconds.
      - A retried trigger never starts a second run (see M(triggerdev.management.trigger_task)); a retried replay
        can, as with the official SDK (the API offers no handle to prevent it).
    type: int
    default: 4
notes:
  - Credentials and secret values are never shown in results, diffs, warnings or error messages.
seealso:
  - name: Trigger.dev management API
    description: The API these modules call.
    link: https://trigger.dev/docs/management/overview
  - name: Trigger.dev API keys
    description: Secret keys and access tokens.
    link: https://trigger.dev/docs/apikeys
requirements:
  - requests
'''

    # Lookups and the inventory plugin: the same options, resolved by module_utils/_connection.py (environment
    # variables, then defaults), so api_key is not required here and api_url has no default of its own. List this
    # fragment before triggerdev.management.connection: Ansible merges an option's keys and the first fragment's win,
    # so only what differs is here and the descriptions come from DOCUMENTATION.
    PLUGINS = r'''
options:
  api_key:
    required: false
    aliases: [secret_key, access_token]
  api_url:
    default: null
'''
