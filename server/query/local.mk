# server/query: the query path: parse a query, pick the answer from the current snapshot
# (zones, steering, CHAOS), render it from pre-rendered wire data, EDNS, cookies and
# rate limiting (libquery.a, on libzones.a, libgeoip.a, libhealth.a and libbase.a).
noinst_LIBRARIES += server/query/libquery.a
server_query_libquery_a_CFLAGS = $(AM_CFLAGS) $(URCU_CFLAGS)
server_query_libquery_a_SOURCES = \
	server/query/answer.c server/query/answer.h \
	server/query/chaos.c server/query/chaos.h \
	server/query/cookie.c server/query/cookie.h \
	server/query/dnssec.c server/query/dnssec.h \
	server/query/edns.c server/query/edns.h \
	server/query/fast.h \
	server/query/query.c server/query/query.h \
	server/query/render.c server/query/render.h \
	server/query/rrl.c server/query/rrl.h \
	server/query/siphash.c server/query/siphash.h \
	server/query/snapshot.c server/query/snapshot.h \
	server/query/steer.c server/query/steer.h \
	server/query/steer_count.c server/query/steer_count.h \
	server/query/steer_weight.c server/query/steer_weight.h \
	server/query/wire.h
