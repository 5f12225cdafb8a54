# docs/man: the manual pages, written in roff (no tool needed to build them), and the
# test that keeps them in step with --help and the configuration schema.
dist_man_MANS = docs/man/geosteerd.8 docs/man/geosteerctl.8 docs/man/geosteer.yaml.5 \
	docs/man/gdnsd-map-convert.1 docs/man/knot-geo-convert.1 docs/man/pdns-geo-convert.1
TESTS += tests/man.sh
EXTRA_DIST += tests/man.sh
