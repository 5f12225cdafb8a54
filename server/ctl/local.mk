# server/ctl: the control plane: the connection server, the control socket and its
# commands, the line protocol, the metrics endpoint, the file watcher and explain
# (libctl.a).
noinst_LIBRARIES += server/ctl/libctl.a
server_ctl_libctl_a_CFLAGS = $(AM_CFLAGS) $(URCU_CFLAGS) $(MMDB_CFLAGS) $(LDNS_CFLAGS)
server_ctl_libctl_a_SOURCES = \
	server/ctl/connsrv.c server/ctl/connsrv.h \
	server/ctl/control.c server/ctl/control.h \
	server/ctl/ctl_proto.c server/ctl/ctl_proto.h \
	server/ctl/ctl_health_json.c server/ctl/ctl_health_json.h \
	server/ctl/explain.c server/ctl/explain.h \
	server/ctl/explain_weight.c server/ctl/explain_weight.h \
	server/ctl/metrics.c server/ctl/metrics.h \
	server/ctl/procstat.c server/ctl/procstat.h \
	server/ctl/watch.c server/ctl/watch.h
