# server/dnstap: every answer as a dnstap message to a collector (libdnstap.a, on
# libquery.a for the answer context and the steering decision). Frames are encoded by
# hand (dnstap_enc.c); dnstap.proto is the schema they follow, compiled by protoc-c only
# for tests/unit/test_dnstap.c, which decodes them with protobuf-c.
noinst_LIBRARIES += server/dnstap/libdnstap.a
server_dnstap_libdnstap_a_CFLAGS = $(AM_CFLAGS) $(FSTRM_CFLAGS) $(MMDB_CFLAGS) $(URCU_CFLAGS)
server_dnstap_libdnstap_a_SOURCES = server/dnstap/dnstap.c server/dnstap/dnstap.h \
	server/dnstap/dnstap_enc.c server/dnstap/dnstap_enc.h \
	server/dnstap/dnstap_extra.c server/dnstap/dnstap_extra.h
EXTRA_DIST += server/dnstap/dnstap.proto
