# server/daemon and friends: snapshot, sockets, workers, UDP and TCP (libdaemon.a), and
# the geosteerd program.
noinst_LIBRARIES += server/libdaemon.a
server_libdaemon_a_CFLAGS = $(AM_CFLAGS) $(URCU_CFLAGS) $(MMDB_CFLAGS) $(LDNS_CFLAGS)
server_libdaemon_a_SOURCES = \
	server/snapshot.c server/snapshot.h \
	server/daemon.c server/daemon.h \
	server/listen.c server/listen.h \
	server/worker.c server/worker.h \
	server/udp.c server/udp.h \
	server/tcp.c server/tcp.h \
	server/sdnotify.c server/sdnotify.h \
	server/control.c server/control.h \
	server/ctl_proto.c server/ctl_proto.h \
	server/explain.c server/explain.h \
	server/metrics.c server/metrics.h \
	server/watch.c server/watch.h

# Everything a program that runs the server code links, outermost first.
GS_SERVER_LIBS = server/libdaemon.a server/libanswer.a server/libconfig.a zones/libzones.a \
	geoip/libgeoip.a server/libhealth.a server/base/libbase.a $(YAML_LIBS) $(URCU_LIBS) \
	$(LDNS_LIBS) $(MMDB_LIBS) $(CURL_LIBS) $(EV_LIBS) $(PTHREAD_LIBS)

sbin_PROGRAMS += server/geosteerd
server_geosteerd_SOURCES = server/main.c
server_geosteerd_CFLAGS = $(AM_CFLAGS) $(URCU_CFLAGS)
server_geosteerd_LDADD = $(GS_SERVER_LIBS)
