# tests/unit/fast.mk -- the pre-rendered responses: snapshot_build's fast table against
# answer_packet's general path, byte for byte, over the fixture zones and the steering
# fixture (with the test GeoIP database of tests/unit/geoip.mk when it is built).
check_PROGRAMS += tests/unit/test_fast
TESTS += tests/unit/test_fast
tests_unit_test_fast_SOURCES = tests/unit/test_fast.c
tests_unit_test_fast_CFLAGS = $(GS_UNIT_CFLAGS) $(URCU_CFLAGS) $(MMDB_CFLAGS) $(LDNS_CFLAGS)
tests_unit_test_fast_LDADD = tests/unit/libtestlib.a $(GS_SERVER_LIBS) $(CMOCKA_LIBS)
if HAVE_MMDB_WRITER
EXTRA_tests_unit_test_fast_DEPENDENCIES = $(GEO_TEST_DBS)
endif
