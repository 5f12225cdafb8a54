# tests/unit/base.mk -- names, addresses, diagnostics, arena, source sets.
check_PROGRAMS += tests/unit/test_base
TESTS += tests/unit/test_base
tests_unit_test_base_SOURCES = tests/unit/test_base.c
tests_unit_test_base_CFLAGS = $(GS_UNIT_CFLAGS)
tests_unit_test_base_LDADD = server/base/libbase.a $(CMOCKA_LIBS)
