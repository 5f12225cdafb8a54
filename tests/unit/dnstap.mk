# tests/unit/dnstap.mk -- the hand-written dnstap encoder against protobuf-c's decoder
# generated from server/dnstap/dnstap.proto (the schema the frames follow).
check_PROGRAMS += tests/unit/test_dnstap
TESTS += tests/unit/test_dnstap
tests_unit_test_dnstap_SOURCES = tests/unit/test_dnstap.c
nodist_tests_unit_test_dnstap_SOURCES = tests/unit/dnstap.pb-c.c tests/unit/dnstap.pb-c.h
tests_unit_test_dnstap_CFLAGS = $(GS_UNIT_CFLAGS) $(PROTOBUFC_CFLAGS)
tests_unit_test_dnstap_LDADD = server/dnstap/libdnstap.a server/base/libbase.a \
	$(PROTOBUFC_LIBS) $(CMOCKA_LIBS)
CLEANFILES += tests/unit/dnstap.pb-c.c tests/unit/dnstap.pb-c.h

tests/unit/test_dnstap-test_dnstap.$(OBJEXT): tests/unit/dnstap.pb-c.h
tests/unit/dnstap.pb-c.h: tests/unit/dnstap.pb-c.c
tests/unit/dnstap.pb-c.c: $(top_srcdir)/server/dnstap/dnstap.proto
	$(AM_V_GEN)$(MKDIR_P) tests/unit && \
	$(PROTOC_C) --c_out=tests/unit --proto_path=$(top_srcdir)/server/dnstap \
		$(top_srcdir)/server/dnstap/dnstap.proto
