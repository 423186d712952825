# -*- coding: utf-8 -*-
# Copyright: triggerdev.management contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Make ``ansible_collections.triggerdev.management`` importable for a plain pytest run (conftest.py files call it).

In the build tree (``make units``, ansible-test) the collection already sits at
``.../ansible_collections/triggerdev/management``: its base goes on sys.path. From a plain checkout, a scratch
``ansible_collections/triggerdev/management`` symlink to the checkout is used (Python imports follow symlinks;
only ansible-test needs a real copy).
"""

import atexit
import os
import shutil
import sys
import tempfile

COLLECTION_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def _collections_base():
    parts = COLLECTION_ROOT.split(os.sep)
    if parts[-3:] == ['ansible_collections', 'triggerdev', 'management']:
        return os.sep.join(parts[:-3])
    base = tempfile.mkdtemp(prefix='tdm-units-')
    namespace = os.path.join(base, 'ansible_collections', 'triggerdev')
    os.makedirs(namespace)
    link = os.path.join(namespace, 'management')
    os.symlink(COLLECTION_ROOT, link)

    def cleanup():
        os.unlink(link)  # the link first, so nothing below it is ever touched
        shutil.rmtree(base, ignore_errors=True)

    atexit.register(cleanup)
    return base


def make_importable():
    base = _collections_base()
    if base not in sys.path:
        sys.path.insert(0, base)
