# bench: benchmark programs (not tests). Built by `make check` so that they keep
# compiling; run by hand as docs/performance.md says.
# answer-bench: answer_packet() timing over a query mix (callgrind-friendly).
check_PROGRAMS += bench/answer-bench
bench_answer_bench_SOURCES = bench/answer_bench.c
bench_answer_bench_CFLAGS = $(AM_CFLAGS) $(URCU_CFLAGS) $(LDNS_CFLAGS)
bench_answer_bench_LDADD = $(GS_SERVER_LIBS)

# zone-bench: zone_load()/zone_lookup() timing and --dump.
check_PROGRAMS += bench/zone-bench
bench_zone_bench_SOURCES = bench/zone_bench.c
bench_zone_bench_CFLAGS = $(AM_CFLAGS) $(LDNS_CFLAGS)
bench_zone_bench_LDADD = zones/libzones.a server/base/libbase.a $(LDNS_LIBS)

# geo_bench: compile time, memory and lookup speed on a real database.
check_PROGRAMS += bench/geo_bench
bench_geo_bench_SOURCES = bench/geo_bench.c
bench_geo_bench_CFLAGS = $(AM_CFLAGS) $(MMDB_CFLAGS)
bench_geo_bench_LDADD = $(GS_GEOIP_LIBS)
EXTRA_DIST += bench/same-answers.sh bench/same_answers.py bench/compare.sh bench/gdnsd-agreement.sh \
	bench/zone-compare.sh \
	bench/bench.sh bench/bench_tools.py bench/reload-load.sh bench/dnstap-cost.sh \
	bench/dnstap-flood.sh bench/tcp_conns.py

# reflector: the floor of bench/bench.sh, a UDP echo with recvmmsg and sendmmsg.
check_PROGRAMS += bench/reflector
bench_reflector_SOURCES = bench/reflector.c

# zone-dump: a configured zone as loaded (and signed), in zone file form.
check_PROGRAMS += bench/zone-dump
bench_zone_dump_SOURCES = bench/zone_dump.c
bench_zone_dump_CFLAGS = $(AM_CFLAGS) $(URCU_CFLAGS)
bench_zone_dump_LDADD = $(GS_SERVER_LIBS)
