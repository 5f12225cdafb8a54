# server/fleet: one view of health and forces across nameservers, on etcd: the etcd v3
# JSON gateway client (libcurl, json-c), the quorum rule, and the fleet thread that
# publishes this node's observations and feeds the fleet's verdicts and forces into the
# health table (libfleet.a, on libhealth.a, libconfig.a and libbase.a).
noinst_LIBRARIES += server/fleet/libfleet.a
server_fleet_libfleet_a_CFLAGS = $(AM_CFLAGS) $(CURL_CFLAGS) $(JSONC_CFLAGS)
server_fleet_libfleet_a_SOURCES = \
	server/fleet/etcd.c server/fleet/etcd.h \
	server/fleet/verdict.c server/fleet/verdict.h \
	server/fleet/fleet.c server/fleet/fleet.h
