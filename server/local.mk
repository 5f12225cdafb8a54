# server: the process skeleton: the daemon's life cycle, listening sockets, worker
# threads with their UDP and TCP engines, sd_notify (libdaemon.a), and geosteerd.
noinst_LIBRARIES += server/libdaemon.a
server_libdaemon_a_CFLAGS = $(AM_CFLAGS) $(URCU_CFLAGS) $(MMDB_CFLAGS) $(LDNS_CFLAGS) \
	$(FSTRM_CFLAGS)
server_libdaemon_a_SOURCES = \
	server/daemon.c server/daemon.h \
	server/listen.c server/listen.h \
	server/worker.c server/worker.h \
	server/udp.c server/udp.h \
	server/tcp.c server/tcp.h server/tcp_room.h server/tcp_room.c \
	server/sdnotify.c server/sdnotify.h \
	server/signer.c server/signer.h

# Everything a program that runs the server code links, outermost first; GS_DAEMON_DEPS
# is all of it but libdaemon.a.
GS_SERVER_LIBS = server/libdaemon.a $(GS_DAEMON_DEPS)
GS_DAEMON_DEPS = server/dnstap/libdnstap.a server/ctl/libctl.a server/load/libload.a \
	server/query/libquery.a zones/libzones.a geoip/libgeoip.a server/fleet/libfleet.a \
	server/health/libhealth.a \
	server/config/libconfig.a server/base/libbase.a $(YAML_LIBS) $(URCU_LIBS) \
	$(LDNS_LIBS) $(MMDB_LIBS) $(CURL_LIBS) $(JSONC_LIBS) $(FSTRM_LIBS) $(EV_LIBS) \
	$(PTHREAD_LIBS)

sbin_PROGRAMS += server/geosteerd
server_geosteerd_SOURCES = server/main.c
server_geosteerd_CFLAGS = $(AM_CFLAGS) $(URCU_CFLAGS)
server_geosteerd_LDADD = $(GS_SERVER_LIBS)
