# zones: RFC 1035 zone files loaded with ldns into the immutable compiled form.
noinst_LIBRARIES += zones/libzones.a
zones_libzones_a_CFLAGS = $(AM_CFLAGS) $(LDNS_CFLAGS)
zones_libzones_a_SOURCES = \
	zones/zone.h zones/zone_hash.h \
	zones/zone_load.c zones/zone_load.h \
	zones/zone_compile.c zones/zone_compile.h \
	zones/zone_lookup.c \
	zones/zoneset.c zones/zoneset.h

# zone-bench: zone_load()/zone_lookup() timing and --dump (docs/performance.md). Built by
# `make check` (not run as a test) or on its own with `make zones/zone-bench`.
check_PROGRAMS += zones/zone-bench
zones_zone_bench_SOURCES = zones/zone_bench.c
zones_zone_bench_LDADD = zones/libzones.a server/base/libbase.a $(LDNS_LIBS)
