# tests/unit/daemon.mk -- snapshot build and RCU publication, listening sockets,
# sd_notify, thread count.
check_PROGRAMS += tests/unit/test_daemon
TESTS += tests/unit/test_daemon
tests_unit_test_daemon_SOURCES = tests/unit/test_daemon.c
tests_unit_test_daemon_CFLAGS = $(GS_UNIT_CFLAGS) $(URCU_CFLAGS)
tests_unit_test_daemon_LDADD = tests/unit/libtestlib.a $(GS_SERVER_LIBS) $(CMOCKA_LIBS)
