# tests/unit/testlib.mk -- the helpers the unit tests share (tests/unit/testlib.h):
# fixture paths, temporary folders, the DNS message builder, responses read with ldns.
# A test that uses it links tests/unit/libtestlib.a before the server libraries, and
# ldns and cmocka after them.
check_LIBRARIES = tests/unit/libtestlib.a
tests_unit_libtestlib_a_SOURCES = tests/unit/testlib.c tests/unit/testlib.h
tests_unit_libtestlib_a_CFLAGS = $(GS_UNIT_CFLAGS)
