# tests/unit/geoip.mk -- geo maps: rule precedence, scopes, embedded IPv4, databases.
# The tiny .mmdb files are built here from tests/data/geo/*.txt (never committed).
GEO_TEST_DBS = tests/data/geo/city.mmdb tests/data/geo/country4.mmdb tests/data/geo/asn.mmdb \
	tests/data/geo/nearest.mmdb tests/data/geo/weights.mmdb
GEO_MKMMDB = $(top_srcdir)/tests/data/geo/mkmmdb.pl
EXTRA_DIST += tests/data/geo/mkmmdb.pl tests/data/geo/city.txt tests/data/geo/country4.txt \
	tests/data/geo/asn.txt tests/data/geo/nearest.txt tests/data/geo/weights.txt
CLEANFILES += $(GEO_TEST_DBS)

tests/data/geo/city.mmdb: $(top_srcdir)/tests/data/geo/city.txt $(GEO_MKMMDB)
	$(AM_V_GEN)$(MKDIR_P) tests/data/geo && $(PERL) $(GEO_MKMMDB) $(top_srcdir)/tests/data/geo/city.txt $@
tests/data/geo/country4.mmdb: $(top_srcdir)/tests/data/geo/country4.txt $(GEO_MKMMDB)
	$(AM_V_GEN)$(MKDIR_P) tests/data/geo && $(PERL) $(GEO_MKMMDB) $(top_srcdir)/tests/data/geo/country4.txt $@
tests/data/geo/asn.mmdb: $(top_srcdir)/tests/data/geo/asn.txt $(GEO_MKMMDB)
	$(AM_V_GEN)$(MKDIR_P) tests/data/geo && $(PERL) $(GEO_MKMMDB) $(top_srcdir)/tests/data/geo/asn.txt $@
tests/data/geo/nearest.mmdb: $(top_srcdir)/tests/data/geo/nearest.txt $(GEO_MKMMDB)
	$(AM_V_GEN)$(MKDIR_P) tests/data/geo && $(PERL) $(GEO_MKMMDB) $(top_srcdir)/tests/data/geo/nearest.txt $@
tests/data/geo/weights.mmdb: $(top_srcdir)/tests/data/geo/weights.txt $(GEO_MKMMDB)
	$(AM_V_GEN)$(MKDIR_P) tests/data/geo && $(PERL) $(GEO_MKMMDB) $(top_srcdir)/tests/data/geo/weights.txt $@

check_PROGRAMS += tests/unit/test_geo
TESTS += tests/unit/test_geo
tests_unit_test_geo_SOURCES = tests/unit/test_geo.c
tests_unit_test_geo_CFLAGS = $(GS_UNIT_CFLAGS) $(MMDB_CFLAGS)
tests_unit_test_geo_LDADD = $(GS_GEOIP_LIBS) $(CMOCKA_LIBS)
# Without the Perl writer (configure says so) the databases are missing and test_geo
# and test_steer skip.
if HAVE_MMDB_WRITER
EXTRA_tests_unit_test_geo_DEPENDENCIES = $(GEO_TEST_DBS)
endif

# Nearest-first lists (geoip/nearest.c) on the City-shaped nearest.mmdb.
check_PROGRAMS += tests/unit/test_nearest
TESTS += tests/unit/test_nearest
tests_unit_test_nearest_SOURCES = tests/unit/test_nearest.c
tests_unit_test_nearest_CFLAGS = $(GS_UNIT_CFLAGS) $(MMDB_CFLAGS)
tests_unit_test_nearest_LDADD = $(GS_GEOIP_LIBS) $(CMOCKA_LIBS)
if HAVE_MMDB_WRITER
EXTRA_tests_unit_test_nearest_DEPENDENCIES = $(GEO_TEST_DBS)
endif
