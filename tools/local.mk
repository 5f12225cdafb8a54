# tools: geosteerctl (control-socket client and `explain --offline`), and the quick
# start's generated files: the demo GeoIP database and, in an out-of-tree build, a
# copy of the example configuration and zone next to it.
bin_PROGRAMS += tools/geosteerctl
# The converters from gdnsd, Knot DNS and PowerDNS (Python 3), shipped in the tarball
# by tests/system/local.mk.
bin_SCRIPTS = tools/gdnsd-map-convert tools/knot-geo-convert tools/pdns-geo-convert
tools_geosteerctl_SOURCES = tools/geosteerctl.c \
	tools/ctl_client.c tools/ctl_client.h \
	tools/cfgdiff.c tools/cfgdiff_print.c tools/cfgdiff.h \
	tools/cfgdiff_weight.c tools/cfgdiff_weight.h
tools_geosteerctl_CFLAGS = $(AM_CFLAGS) $(LDNS_CFLAGS) $(MMDB_CFLAGS) $(URCU_CFLAGS)
# What explain --offline runs: the daemon's own snapshot build and query path, with the
# health table (not the monitor: no libcurl, no libev) and nothing of the daemon.
tools_geosteerctl_LDADD = server/ctl/libctl.a server/load/libload.a server/query/libquery.a \
	zones/libzones.a geoip/libgeoip.a server/health/libhealth.a server/config/libconfig.a \
	server/base/libbase.a $(YAML_LIBS) $(URCU_LIBS) $(LDNS_LIBS) $(MMDB_LIBS) $(PTHREAD_LIBS)

# The quick start's demo database (examples/demo-geoip.txt), built by `make` with the
# same writer script as the unit tests' databases when configure found its Perl module.
# Generated, never committed.
GS_DEMO_MKMMDB = $(top_srcdir)/tests/data/geo/mkmmdb.pl
examples/demo.mmdb: $(top_srcdir)/examples/demo-geoip.txt $(GS_DEMO_MKMMDB)
	$(AM_V_GEN)$(MKDIR_P) examples && \
	$(PERL) $(GS_DEMO_MKMMDB) $(top_srcdir)/examples/demo-geoip.txt $@

# Out of tree, examples/geosteer.yaml names demo.mmdb relative to itself: copy the
# configuration and its zone into the build folder's examples/ (an in-tree build uses
# the originals). The stamp records that the copies are current.
GS_QUICKSTART_FILES = examples/geosteer.yaml examples/zones/geo.example.zone
examples/quickstart.stamp: $(GS_QUICKSTART_FILES:%=$(top_srcdir)/%)
	$(AM_V_GEN)$(MKDIR_P) examples/zones && \
	if test "$(abs_top_srcdir)" != "$(abs_top_builddir)"; then \
		for f in $(GS_QUICKSTART_FILES); do cp $(top_srcdir)/$$f $$f || exit 1; done; \
	fi && touch $@

noinst_DATA += examples/quickstart.stamp
if HAVE_MMDB_WRITER
noinst_DATA += examples/demo.mmdb
endif
CLEANFILES += examples/demo.mmdb examples/quickstart.stamp
# The copies, only out of tree (in tree they are the originals).
clean-local: clean-quickstart
clean-quickstart:
	if test "$(abs_top_srcdir)" != "$(abs_top_builddir)"; then \
		rm -f $(GS_QUICKSTART_FILES); \
	fi
.PHONY: clean-quickstart
