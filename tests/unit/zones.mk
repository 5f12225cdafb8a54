# tests/unit/zones.mk
