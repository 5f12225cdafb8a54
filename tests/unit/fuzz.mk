# tests/unit/fuzz.mk -- replay builds of the fuzz targets, which need no cmocka: every
# seed in tests/fuzz/corpus_zone through zone_load() and every seed in
# tests/fuzz/corpus_config through cfg_load() (tests/fuzz/libfuzzer.sh builds and runs
# the libFuzzer versions). The corpora hold the inputs that once
# crashed or hung the loaders.
check_PROGRAMS += tests/fuzz/fuzz_zone tests/fuzz/fuzz_config
TESTS += tests/fuzz/fuzz_zone tests/fuzz/fuzz_config
tests_fuzz_fuzz_zone_SOURCES = tests/fuzz/fuzz_zone.c tests/fuzz/replay.c tests/fuzz/replay.h \
	tests/fuzz/zone_same.h
tests_fuzz_fuzz_zone_CFLAGS = $(AM_CFLAGS) $(LDNS_CFLAGS)
tests_fuzz_fuzz_zone_LDADD = zones/libzones.a server/base/libbase.a $(LDNS_LIBS)
tests_fuzz_fuzz_config_SOURCES = tests/fuzz/fuzz_config.c tests/fuzz/replay.c tests/fuzz/replay.h
tests_fuzz_fuzz_config_CFLAGS = $(AM_CFLAGS) $(YAML_CFLAGS)
tests_fuzz_fuzz_config_LDADD = server/config/libconfig.a server/base/libbase.a $(YAML_LIBS)
EXTRA_DIST += tests/fuzz/corpus_zone tests/fuzz/corpus_config

# The fuzz target's replay build: every seed in tests/fuzz/corpus through answer_packet()
# over UDP and TCP, each response re-parsed with ldns (tests/fuzz/libfuzzer.sh builds
# the libFuzzer version).
check_PROGRAMS += tests/fuzz/fuzz_query
TESTS += tests/fuzz/fuzz_query
tests_fuzz_fuzz_query_SOURCES = tests/fuzz/fuzz_query.c tests/fuzz/replay.c tests/fuzz/replay.h
tests_fuzz_fuzz_query_CFLAGS = $(AM_CFLAGS) $(LDNS_CFLAGS)
tests_fuzz_fuzz_query_LDADD = server/query/libquery.a zones/libzones.a geoip/libgeoip.a \
	server/base/libbase.a $(LDNS_LIBS) $(MMDB_LIBS)
EXTRA_DIST += tests/fuzz/corpus tests/fuzz/make_corpus.py
