# tests/unit/zone_text.mk -- the loader's own master-file reader against ldns.
check_PROGRAMS += tests/unit/test_zone_text
TESTS += tests/unit/test_zone_text
tests_unit_test_zone_text_SOURCES = tests/unit/test_zone_text.c tests/fuzz/zone_same.h
tests_unit_test_zone_text_CFLAGS = $(GS_UNIT_CFLAGS)
tests_unit_test_zone_text_LDADD = tests/unit/libtestlib.a zones/libzones.a server/base/libbase.a \
	$(LDNS_LIBS) $(CMOCKA_LIBS)
