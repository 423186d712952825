"""Entry point: ``python3 tests/emulator [--host H] [--port P] ...`` (also ``python3 -m tests.emulator``)."""

import os
import sys

if __package__ in (None, ""):
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    from emulator.cli import main  # pylint: disable=import-error
else:
    from .cli import main

if __name__ == "__main__":
    sys.exit(main())
