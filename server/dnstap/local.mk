# server/dnstap: every answer as a dnstap message to a collector (libdnstap.a, on
# libquery.a for the answer context and the steering decision). The protobuf code is
# generated from dnstap.proto by protoc-c at build time.
noinst_LIBRARIES += server/dnstap/libdnstap.a
server_dnstap_libdnstap_a_CFLAGS = $(AM_CFLAGS) $(FSTRM_CFLAGS) $(PROTOBUFC_CFLAGS) \
	$(MMDB_CFLAGS) $(URCU_CFLAGS)
server_dnstap_libdnstap_a_SOURCES = server/dnstap/dnstap.c server/dnstap/dnstap.h
nodist_server_dnstap_libdnstap_a_SOURCES = server/dnstap/dnstap.pb-c.c \
	server/dnstap/dnstap.pb-c.h
EXTRA_DIST += server/dnstap/dnstap.proto
BUILT_SOURCES += server/dnstap/dnstap.pb-c.c server/dnstap/dnstap.pb-c.h
CLEANFILES += server/dnstap/dnstap.pb-c.c server/dnstap/dnstap.pb-c.h

server/dnstap/dnstap.pb-c.h: server/dnstap/dnstap.pb-c.c
server/dnstap/dnstap.pb-c.c: $(top_srcdir)/server/dnstap/dnstap.proto
	$(AM_V_GEN)$(MKDIR_P) server/dnstap && \
	$(PROTOC_C) --c_out=server/dnstap --proto_path=$(top_srcdir)/server/dnstap \
		$(top_srcdir)/server/dnstap/dnstap.proto
