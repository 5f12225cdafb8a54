# tests/unit/health.mk -- health table, state machine, forces, state file, and the
# http/https/tcp/exec probes against servers the test starts on 127.0.0.1.
check_PROGRAMS += tests/unit/test_health
TESTS += tests/unit/test_health
tests_unit_test_health_SOURCES = tests/unit/test_health.c
tests_unit_test_health_CFLAGS = $(GS_UNIT_CFLAGS) \
	-DGS_HEALTH_TEST_DATA='"$(abs_top_srcdir)/tests/data/health"'
tests_unit_test_health_LDADD = server/health/libhealth.a server/base/libbase.a $(CURL_LIBS) \
	$(EV_LIBS) $(PTHREAD_LIBS) $(CMOCKA_LIBS)
EXTRA_DIST += tests/data/health
