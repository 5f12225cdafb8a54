# server/load: building what the query path serves from a configuration: the steering
# table and the snapshot, and reloading it (libload.a, on libquery.a and below).
noinst_LIBRARIES += server/load/libload.a
server_load_libload_a_CFLAGS = $(AM_CFLAGS) $(MMDB_CFLAGS) $(URCU_CFLAGS)
server_load_libload_a_SOURCES = \
	server/load/reload.c server/load/reload.h \
	server/load/snapshot_build.c server/load/snapshot_build.h \
	server/load/steer_build.c server/load/steer_build.h \
	server/load/steer_maps.c server/load/steer_maps.h \
	server/load/steer_resign.c server/load/steer_resign.h \
	server/load/steer_sign.c server/load/steer_sign.h \
	server/load/zone_jobs.c server/load/zone_jobs.h
