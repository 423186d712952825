# -*- coding: utf-8 -*-
# Copyright: triggerdev.management contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Offline stand-in for the get-pip.py bootstrap script that ansible-test downloads.

ansible-test runs it as ``python get_pip.py [pip options] pip==X ...`` inside a new virtual
environment. Here pip comes from the interpreter's own ensurepip, then the requested versions
come from the configured package index (the machine's registry or mirror).
"""

from __future__ import annotations

import os
import subprocess
import sys


def main() -> None:
    subprocess.check_call([sys.executable, '-m', 'ensurepip', '--default-pip'])
    env = dict(os.environ)
    # ensurepip points pip at /dev/null for its own run; never hide the machine's pip configuration.
    env.pop('PIP_CONFIG_FILE', None)
    args = [arg for arg in sys.argv[1:] if arg not in ('--no-setuptools', '--no-wheel')]
    subprocess.check_call([sys.executable, '-m', 'pip', 'install'] + args, env=env)


if __name__ == '__main__':
    main()
