# tests/unit/config.mk -- the YAML configuration loader against the fixtures in
# tests/data/config (good/: parsed field by field; bad/: exact diagnostics).
check_PROGRAMS += tests/unit/test_config
TESTS += tests/unit/test_config
tests_unit_test_config_SOURCES = tests/unit/test_config.c
tests_unit_test_config_CFLAGS = $(GS_UNIT_CFLAGS) $(YAML_CFLAGS)
tests_unit_test_config_LDADD = server/config/libconfig.a server/base/libbase.a $(YAML_LIBS) \
	$(CMOCKA_LIBS)
EXTRA_DIST += tests/data/config
