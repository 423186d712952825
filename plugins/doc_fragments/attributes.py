# -*- coding: utf-8 -*-
# Copyright: triggerdev.management contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)


class ModuleDocFragment:

    # Every module: usable with module_defaults through the action group.
    DOCUMENTATION = r'''
attributes:
  action_group:
    description: Use C(group/triggerdev.management.all) in C(module_defaults) to set the connection options once.
    support: full
    membership:
      - triggerdev.management.all
'''

    # State modules.
    STATE = r'''
attributes:
  check_mode:
    description: Can run in C(check_mode) and return changed status prediction without modifying anything.
    support: full
  diff_mode:
    description: Will return details on what has changed (or possibly needs changing in C(check_mode)), when in diff mode.
    support: full
'''

    # Info modules.
    INFO = r'''
attributes:
  check_mode:
    description: This module never changes anything and runs the same in check mode.
    support: full
    details:
      - This action does not modify state.
  diff_mode:
    description: This module never changes anything, so there is no diff.
    support: N/A
    details:
      - This action does not modify state.
'''
