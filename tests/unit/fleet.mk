# tests/unit/fleet.mk -- the fleet's quorum rule, the etcd client's base64, and the
# `fleet:` configuration (the cluster end to end: tests/system/fleet.sh).
check_PROGRAMS += tests/unit/test_fleet
TESTS += tests/unit/test_fleet
tests_unit_test_fleet_SOURCES = tests/unit/test_fleet.c
tests_unit_test_fleet_CFLAGS = $(GS_UNIT_CFLAGS) $(YAML_CFLAGS)
tests_unit_test_fleet_LDADD = tests/unit/libtestlib.a server/fleet/libfleet.a \
	server/health/libhealth.a server/config/libconfig.a server/base/libbase.a \
	$(JSONC_LIBS) $(CURL_LIBS) $(YAML_LIBS) $(EV_LIBS) $(PTHREAD_LIBS) $(LDNS_LIBS) \
	$(CMOCKA_LIBS)
