# tests/unit/zones.mk -- zone loading and diagnostics, the compiled form, lookup, zoneset.
check_PROGRAMS += tests/unit/test_zones
TESTS += tests/unit/test_zones
tests_unit_test_zones_SOURCES = tests/unit/test_zones.c
tests_unit_test_zones_CFLAGS = $(GS_UNIT_CFLAGS)
# Fixtures are found under $top_srcdir (exported by make check) or, when the binary is
# run by hand, under the source tree it was configured from.
tests_unit_test_zones_CPPFLAGS = $(AM_CPPFLAGS) -DGS_TEST_SRCDIR='"$(abs_top_srcdir)"'
tests_unit_test_zones_LDADD = zones/libzones.a server/base/libbase.a $(LDNS_LIBS) $(CMOCKA_LIBS)
EXTRA_DIST += tests/data/zones
