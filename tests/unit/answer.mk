# tests/unit/answer.mk -- the query path in process: fixture zones, crafted queries,
# answer_packet(), responses parsed back with ldns.
check_PROGRAMS += tests/unit/test_answer
TESTS += tests/unit/test_answer
tests_unit_test_answer_SOURCES = tests/unit/test_answer.c
tests_unit_test_answer_CFLAGS = $(GS_UNIT_CFLAGS) $(LDNS_CFLAGS)
tests_unit_test_answer_LDADD = server/query/libquery.a zones/libzones.a geoip/libgeoip.a \
	server/base/libbase.a $(LDNS_LIBS) $(MMDB_LIBS) $(CMOCKA_LIBS)
EXTRA_DIST += tests/data/answer

# The fuzz target's replay build: every seed in tests/fuzz/corpus through answer_packet()
# over UDP and TCP, each response re-parsed with ldns (see tests/fuzz/fuzz_query.c for
# the libFuzzer build).
check_PROGRAMS += tests/fuzz/fuzz_query
TESTS += tests/fuzz/fuzz_query
tests_fuzz_fuzz_query_SOURCES = tests/fuzz/fuzz_query.c tests/fuzz/replay.c tests/fuzz/replay.h
tests_fuzz_fuzz_query_CFLAGS = $(AM_CFLAGS) $(LDNS_CFLAGS)
tests_fuzz_fuzz_query_LDADD = server/query/libquery.a zones/libzones.a geoip/libgeoip.a \
	server/base/libbase.a $(LDNS_LIBS) $(MMDB_LIBS)
EXTRA_DIST += tests/fuzz/corpus tests/fuzz/make_corpus.py
