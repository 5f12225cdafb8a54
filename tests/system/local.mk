# tests/system: shell tests that start the real daemon on loopback.
