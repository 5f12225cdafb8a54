# tests/unit/rrl.mk -- SipHash-2-4, RFC 9018 server cookies, response rate limiting.
check_PROGRAMS += tests/unit/test_rrl
TESTS += tests/unit/test_rrl
tests_unit_test_rrl_SOURCES = tests/unit/test_rrl.c
tests_unit_test_rrl_CFLAGS = $(GS_UNIT_CFLAGS)
tests_unit_test_rrl_LDADD = server/query/libquery.a server/base/libbase.a $(CMOCKA_LIBS)
