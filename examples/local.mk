# examples: what `make install` puts beside the programs: the systemd unit, made from
# examples/geosteerd.service.in with this build's paths, the example configurations and
# zones under $(docdir)/examples (system/ is the one the Debian package installs as
# /etc/geosteer), and the documentation under $(docdir).
GS_UNIT_SUBST = sed -e 's|@sbindir[@]|$(sbindir)|g' -e 's|@bindir[@]|$(bindir)|g' \
	-e 's|@sysconfdir[@]|$(sysconfdir)|g'
examples/geosteerd.service: $(top_srcdir)/examples/geosteerd.service.in Makefile
	$(AM_V_GEN)$(MKDIR_P) examples && \
	$(GS_UNIT_SUBST) $(top_srcdir)/examples/geosteerd.service.in >$@.tmp && mv $@.tmp $@
if HAVE_SYSTEMDUNITDIR
systemdsystemunit_DATA = examples/geosteerd.service
else
noinst_DATA += examples/geosteerd.service
endif
CLEANFILES += examples/geosteerd.service examples/geosteerd.service.tmp
EXTRA_DIST += examples/geosteerd.service.in

gsexamplesdir = $(docdir)/examples
dist_gsexamples_DATA = examples/geosteer.yaml examples/demo-geoip.txt
if HAVE_MMDB_WRITER
gsexamples_DATA = examples/demo.mmdb
endif
gsexampleszonesdir = $(gsexamplesdir)/zones
dist_gsexampleszones_DATA = examples/zones/geo.example.zone
gsexamplessysdir = $(gsexamplesdir)/system
dist_gsexamplessys_DATA = examples/system/geosteer.yaml
gsexamplessyszonesdir = $(gsexamplessysdir)/zones
dist_gsexamplessyszones_DATA = examples/system/zones/example.test.zone
# Monitoring: Prometheus alert rules and a Grafana dashboard.
gsexamplespromdir = $(gsexamplesdir)/prometheus
dist_gsexamplesprom_DATA = examples/prometheus/geosteer-alerts.yml
gsexamplesgrafanadir = $(gsexamplesdir)/grafana
dist_gsexamplesgrafana_DATA = examples/grafana/geosteer.json
# GeoIP updates: a geoipupdate timer, and a path unit that reloads geosteerd.
gsexamplessystemddir = $(gsexamplesdir)/systemd
dist_gsexamplessystemd_DATA = examples/systemd/geoipupdate-geosteer.timer \
	examples/systemd/geoipupdate-geosteer.service examples/systemd/geosteerd-geoip.path \
	examples/systemd/geosteerd-reload.service

# The operator's documentation (docs/ is in the tarball whole).
doc_DATA = README.md docs/configuration.md docs/control.md docs/design.md docs/diff.md \
	docs/dnssec.md docs/dnstap.md docs/explain.md docs/fleet.md docs/geoip.md \
	docs/health-checks.md docs/metrics.md docs/migrating-from-gdnsd.md \
	docs/migrating-from-knot-and-powerdns.md docs/performance.md docs/security.md \
	docs/wikimedia.md

# After `make install` (distcheck runs this): the programs start, and the unit passes
# `systemd-analyze verify` and keeps its `systemd-analyze security` exposure at or
# below 3.0 (Debian 12's knot.service: 7.0), where systemd-analyze exists.
installcheck-local:
	$(DESTDIR)$(sbindir)/geosteerd --version
	$(DESTDIR)$(bindir)/geosteerctl --version
	$(DESTDIR)$(bindir)/gdnsd-map-convert --help >/dev/null
if HAVE_SYSTEMDUNITDIR
	@unit='$(DESTDIR)$(systemdsystemunitdir)/geosteerd.service'; \
	if command -v systemd-analyze >/dev/null 2>&1; then \
		echo "systemd-analyze verify --man=no $$unit" && \
		systemd-analyze verify --man=no "$$unit" && \
		systemd-analyze security --offline=true --threshold=30 "$$unit" | tail -n 1; \
	else \
		echo "systemd-analyze not found: $$unit not verified"; \
	fi
endif
