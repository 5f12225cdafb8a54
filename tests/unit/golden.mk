# tests/unit/golden.mk -- the golden answer files tests/golden/*.case replayed in process
# (configuration -> snapshot_build -> answer_packet(), responses read with ldns). The
# steering cases need the tiny GeoIP databases of tests/unit/geoip.mk; without them
# those files are skipped. tests/system/golden.sh replays the same files over sockets.
check_PROGRAMS += tests/unit/test_golden
TESTS += tests/unit/test_golden
tests_unit_test_golden_SOURCES = tests/unit/test_golden.c
tests_unit_test_golden_CFLAGS = $(GS_UNIT_CFLAGS) $(URCU_CFLAGS) $(MMDB_CFLAGS) $(LDNS_CFLAGS)
tests_unit_test_golden_LDADD = tests/unit/libtestlib.a $(GS_SERVER_LIBS) $(CMOCKA_LIBS)
if HAVE_MMDB_WRITER
EXTRA_tests_unit_test_golden_DEPENDENCIES = $(GEO_TEST_DBS)
endif
