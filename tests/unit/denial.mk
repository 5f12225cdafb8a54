# tests/unit/denial.mk -- DNSSEC denial searches: NSEC3 hashes (against RFC 5155's
# examples and ldns), canonical name keys, the NSEC and NSEC3 binary searches.
check_PROGRAMS += tests/unit/test_denial
TESTS += tests/unit/test_denial
tests_unit_test_denial_SOURCES = tests/unit/test_denial.c
tests_unit_test_denial_CFLAGS = $(GS_UNIT_CFLAGS) $(LDNS_CFLAGS)
tests_unit_test_denial_LDADD = zones/libzones.a server/base/libbase.a $(LDNS_LIBS) $(CMOCKA_LIBS)
