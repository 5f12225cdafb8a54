# tests/unit/steer.mk -- steering in the query path: configuration -> snapshot_build
# (with the tiny GeoIP databases of tests/unit/geoip.mk) -> answer_packet(), ECS scopes,
# failover through the health API, and the zone cross-checks.
check_PROGRAMS += tests/unit/test_steer
TESTS += tests/unit/test_steer
tests_unit_test_steer_SOURCES = tests/unit/test_steer.c
tests_unit_test_steer_CFLAGS = $(GS_UNIT_CFLAGS) $(URCU_CFLAGS) $(MMDB_CFLAGS) $(LDNS_CFLAGS)
tests_unit_test_steer_LDADD = tests/unit/libtestlib.a $(GS_SERVER_LIBS) $(CMOCKA_LIBS)
if HAVE_MMDB_WRITER
EXTRA_tests_unit_test_steer_DEPENDENCIES = $(GEO_TEST_DBS)
endif
EXTRA_DIST += tests/data/steer

# Weighted groups: the pick, the walk, scopes and the key (no GeoIP database needed).
check_PROGRAMS += tests/unit/test_weight
TESTS += tests/unit/test_weight
tests_unit_test_weight_SOURCES = tests/unit/test_weight.c
tests_unit_test_weight_CFLAGS = $(GS_UNIT_CFLAGS) $(URCU_CFLAGS) $(MMDB_CFLAGS) $(LDNS_CFLAGS)
tests_unit_test_weight_LDADD = tests/unit/libtestlib.a $(GS_SERVER_LIBS) $(CMOCKA_LIBS)
