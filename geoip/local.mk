# geoip: GeoIP databases (libmaxminddb), geo maps and their compiled prefix tables
# (libgeoip.a, on libbase.a; reads server/config.h structs only, links no config code).
noinst_LIBRARIES += geoip/libgeoip.a
geoip_libgeoip_a_CFLAGS = $(AM_CFLAGS) $(MMDB_CFLAGS)
geoip_libgeoip_a_SOURCES = \
	geoip/geo.c geoip/geo.h \
	geoip/geo_compile.c geoip/geo_compile.h \
	geoip/geodb.c geoip/geodb.h \
	geoip/geopart.c geoip/geopart.h \
	geoip/dclist.c geoip/dclist.h \
	geoip/nettree.c geoip/nettree.h

# What a program using geo maps links, outermost first.
GS_GEOIP_LIBS = geoip/libgeoip.a server/base/libbase.a $(MMDB_LIBS)

# Benchmark (not a test): compile time, memory and lookup speed on a real database.
# Built by `make check` so that it keeps compiling; run by hand, see docs/performance.md.
check_PROGRAMS += geoip/geo_bench
geoip_geo_bench_SOURCES = geoip/geo_bench.c
geoip_geo_bench_CFLAGS = $(AM_CFLAGS) $(MMDB_CFLAGS)
geoip_geo_bench_LDADD = $(GS_GEOIP_LIBS)
