# tests/unit/health.mk -- health table, state machine, forces, state file, and the
# monitor thread with exec checks (the probes against real servers are in
# tests/system/probes.sh).
check_PROGRAMS += tests/unit/test_health
TESTS += tests/unit/test_health
tests_unit_test_health_SOURCES = tests/unit/test_health.c
tests_unit_test_health_CFLAGS = $(GS_UNIT_CFLAGS)
# state_file_save is wrapped so that a test can hold a state file write (test_health.c).
tests_unit_test_health_LDFLAGS = $(AM_LDFLAGS) -Wl,--wrap=state_file_save
tests_unit_test_health_LDADD = tests/unit/libtestlib.a server/health/libhealth.a \
	server/base/libbase.a $(CURL_LIBS) $(EV_LIBS) $(PTHREAD_LIBS) $(LDNS_LIBS) $(CMOCKA_LIBS)
