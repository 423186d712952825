"""A local stand-in for the Trigger.dev management API (standard library only).

Start it with ``python3 tests/emulator --host 127.0.0.1 --port 0``; see README.md.
"""
