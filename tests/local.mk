# tests: cmocka unit tests (one binary per module) and system tests against the daemon.
TEST_EXTENSIONS = .sh
SH_LOG_COMPILER = $(SHELL)
AM_TESTS_ENVIRONMENT = \
	top_srcdir='$(abs_top_srcdir)'; export top_srcdir; \
	top_builddir='$(abs_top_builddir)'; export top_builddir; \
	GS_MMDB_WRITER='$(HAVE_MMDB_WRITER)'; export GS_MMDB_WRITER; \
	GS_SANITIZERS='$(GS_SANITIZERS)'; export GS_SANITIZERS;

# The unit tests find their fixtures through the two trees compiled in here
# (tests/unit/testlib.h: TL_SRC, TL_BUILD); testlib.h includes ldns.
GS_UNIT_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS) $(LDNS_CFLAGS) \
	-DGS_TEST_SRCDIR='"$(abs_top_srcdir)"' -DGS_TEST_BUILDDIR='"$(abs_top_builddir)"'

if HAVE_CMOCKA
include tests/unit/testlib.mk
include tests/unit/base.mk
include tests/unit/zones.mk
include tests/unit/zone_text.mk
include tests/unit/denial.mk
include tests/unit/config.mk
include tests/unit/answer.mk
include tests/unit/health.mk
include tests/unit/fleet.mk
include tests/unit/geoip.mk
include tests/unit/steer.mk
include tests/unit/golden.mk
include tests/unit/fast.mk
include tests/unit/daemon.mk
include tests/unit/rrl.mk
include tests/unit/dnstap.mk
else
# No cmocka: this test fails, naming the package, so that `make check` cannot pass
# without the unit tests.
TESTS += tests/unit/no-cmocka.sh
endif
EXTRA_DIST += tests/unit/no-cmocka.sh
include tests/unit/fuzz.mk
include tests/system/local.mk

# The monitoring examples: alert rules (promtool, when installed) and the dashboard.
TESTS += tests/examples.sh
EXTRA_DIST += tests/examples.sh

# The include graph of the C sources has no cycle between folders or modules.
TESTS += tests/layers.sh
EXTRA_DIST += tests/layers.sh scripts/check-layers.py
