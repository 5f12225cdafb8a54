# tests/unit/answer.mk -- the query path in process: fixture zones, crafted queries,
# answer_packet(), responses parsed back with ldns.
check_PROGRAMS += tests/unit/test_answer
TESTS += tests/unit/test_answer
tests_unit_test_answer_SOURCES = tests/unit/test_answer.c
tests_unit_test_answer_CFLAGS = $(GS_UNIT_CFLAGS) $(LDNS_CFLAGS)
tests_unit_test_answer_LDADD = tests/unit/libtestlib.a server/query/libquery.a zones/libzones.a \
	geoip/libgeoip.a server/base/libbase.a $(LDNS_LIBS) $(MMDB_LIBS) $(CMOCKA_LIBS)
EXTRA_DIST += tests/data/answer

