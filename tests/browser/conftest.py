"""Browser journeys: a real Oqu server on a free loopback port, driven through Playwright in
Debian's Chromium. The ``live_server``, ``browser`` and ``page`` fixtures live in tests/conftest.py,
shared with the hub's journeys in tests/hub."""
