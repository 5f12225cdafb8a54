# geoip: GeoIP databases (libmaxminddb), geo maps and their compiled prefix tables
# (libgeoip.a, on libbase.a; reads server/config/config.h structs only, links no config code).
noinst_LIBRARIES += geoip/libgeoip.a
geoip_libgeoip_a_CFLAGS = $(AM_CFLAGS) $(MMDB_CFLAGS)
geoip_libgeoip_a_SOURCES = \
	geoip/geo.c geoip/geo.h \
	geoip/geo_compile.c geoip/geo_compile.h \
	geoip/geo_diff.c geoip/geo_diff.h \
	geoip/geo_embed.c geoip/geo_embed.h \
	geoip/geo_weight.c geoip/geo_weight.h \
	geoip/mmdb_walk.c geoip/mmdb_walk.h \
	geoip/geodb.c geoip/geodb.h \
	geoip/geopart.c geoip/geopart.h \
	geoip/dclist.c geoip/dclist.h \
	geoip/nearest.c geoip/nearest.h \
	geoip/nettree.c geoip/nettree.h

# What a program using geo maps links, outermost first.
GS_GEOIP_LIBS = geoip/libgeoip.a server/base/libbase.a $(MMDB_LIBS)
