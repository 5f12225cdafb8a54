# tests/unit/zones.mk -- zone loading and diagnostics, the compiled form, lookup, zoneset.
check_PROGRAMS += tests/unit/test_zones
TESTS += tests/unit/test_zones
tests_unit_test_zones_SOURCES = tests/unit/test_zones.c
tests_unit_test_zones_CFLAGS = $(GS_UNIT_CFLAGS)
tests_unit_test_zones_LDADD = zones/libzones.a server/base/libbase.a $(LDNS_LIBS) $(CMOCKA_LIBS)
EXTRA_DIST += tests/data/zones
