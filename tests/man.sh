#!/bin/bash
# SPDX-License-Identifier: MIT
# tests/man.sh -- the manual pages in docs/man cannot drift from the programs:
#   - every option, command and exit status that `geosteerd --help` and
#     `geosteerctl --help` print is in geosteerd(8) / geosteerctl(8), and every option,
#     command and exit status those pages describe is in the help; likewise the
#     options of `gdnsd-map-convert --help` and gdnsd-map-convert(1);
#   - every key of the configuration schema (the .name entries of the key tables in
#     server/config/config_schema.c) is an item of geosteer.yaml(5), and every item of
#     its key list is a schema key;
#   - groff renders each page without a warning (when groff is installed).
# Environment: top_srcdir, top_builddir (set by `make check`).
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -u
: "${top_srcdir:=$(cd "$(dirname "$0")/.." && pwd)}"
: "${top_builddir:?run through make check, or export top_builddir}"
MAN="$top_srcdir/docs/man"
SCHEMA="$top_srcdir/server/config/config_schema.c"
# Sections with a file of their own (config_fleet.c: fleet:).
SCHEMA_MORE="$top_srcdir/server/config/config_fleet.c"
N_PASS=0
N_FAIL=0
ok() {
	N_PASS=$((N_PASS + 1))
	echo "ok - $*"
}
fail() {
	N_FAIL=$((N_FAIL + 1))
	echo "FAIL: $*"
}
for f in "$top_builddir/server/geosteerd" "$top_builddir/tools/geosteerctl" "$SCHEMA"; do
	[ -e "$f" ] || {
		echo "FATAL: $f is missing"
		exit 99
	}
done

# plain PAGE: the page's text with roff escapes for '-', fonts and quotes undone, and
# the example blocks (.EX ... .EE) left out.
plain() {
	sed -e '/^\.EX/,/^\.EE/d' -e '/^\.\\"/d' -e 's/\\-/-/g' -e 's/\\f[BIRP]//g' \
		-e 's/\\(dq/"/g' -e 's/\\e/\\/g' "$1"
}
# help_opts PROGRAM: the options its --help names (short and long), examples left out.
help_opts() {
	"$1" --help | sed '/^EXAMPLE/,/^[A-Z]/d' |
		grep -oP '(?<=^|[ \[(|`])(--[a-z][a-z-]+|-[a-zA-Z])(?=[ ,\]|)`.]|$)' | sort -u
}
# page_opts PAGE: the options the page names.
page_opts() {
	plain "$1" | grep -oP '(?<=^|[ \[(|"])(--[a-z][a-z-]+|-[a-zA-Z])(?=[ ,\]|)".:]|$)' | sort -u
}
# section_of TEXT-COMMAND SECTION: the lines of a --help section (up to the next heading).
help_section() {
	"$1" --help | sed -n "/^$2\$/,/^[A-Z]/p" | sed '1d;$d'
}
# page_items PAGE SECTION: the first word of each .TP item's tag in a section of PAGE
# (outer items only, not those indented with .RS).
page_items() {
	awk -v sec="$2" '
		/^\.SH / { insec = ($0 == ".SH " sec || $0 == ".SH \"" sec "\"") ; next }
		/^\.RS/ { depth++ }
		/^\.RE/ { depth-- }
		insec && depth == 0 && /^\.TP/ { tag = 1; next }
		insec && tag { tag = 0; if ($1 ~ /^\.(B|BI|BR)$/) { w = $2; gsub(/"/, "", w); print w } }
	' "$1" | sed 's/\\-/-/g' | sort -u
}
# has_word TEXT WORD
has_word() {
	grep -qE "(^|[^a-zA-Z0-9_-])$(printf '%s' "$2" | sed 's/[.]/\\./g')([^a-zA-Z0-9_-]|$)" <<<"$1"
}

for prog in geosteerd:server geosteerctl:tools; do
	name=${prog%%:*}
	bin="$top_builddir/${prog##*:}/$name"
	page="$MAN/$name.8"
	[ -f "$page" ] || {
		fail "$page is missing"
		continue
	}
	text=$(plain "$page")
	help=$("$bin" --help)
	for o in $(help_opts "$bin"); do
		has_word "$text" "$o" && ok "$name(8) has $o" || fail "$name --help has $o, $name(8) does not"
	done
	for o in $(page_opts "$page"); do
		has_word "$help" "$o" && ok "$name --help has $o" ||
			fail "$name(8) has $o, $name --help does not"
	done
	want=$(help_section "$bin" 'EXIT STATUS' | grep -oP '^    \K[0-9]+' | sort -u)
	got=$(page_items "$page" 'EXIT STATUS')
	[ -n "$want" ] && [ "$want" = "$got" ] && ok "$name(8) has exit statuses $(echo $want)" ||
		fail "$name exit statuses: --help has '$(echo $want)', $name(8) has '$(echo $got)'"
done

# gdnsd-map-convert (Python, in the sources): its options, both ways.
conv="$top_srcdir/tools/gdnsd-map-convert"
page="$MAN/gdnsd-map-convert.1"
if ! command -v python3 >/dev/null 2>&1; then
	echo "python3 not installed: gdnsd-map-convert(1) is not compared with its --help"
elif [ ! -f "$page" ]; then
	fail "$page is missing"
else
	text=$(plain "$page")
	help=$("$conv" --help)
	for o in $(help_opts "$conv"); do
		has_word "$text" "$o" && ok "gdnsd-map-convert(1) has $o" ||
			fail "gdnsd-map-convert --help has $o, gdnsd-map-convert(1) does not"
	done
	for o in $(page_opts "$page"); do
		has_word "$help" "$o" && ok "gdnsd-map-convert --help has $o" ||
			fail "gdnsd-map-convert(1) has $o, gdnsd-map-convert --help does not"
	done
fi

# geosteerctl's commands, both ways.
want=$(help_section "$top_builddir/tools/geosteerctl" COMMANDS | grep -oP '^    \K[a-z]+' | sort -u)
got=$(page_items "$MAN/geosteerctl.8" COMMANDS)
[ -n "$want" ] && [ "$want" = "$got" ] && ok "geosteerctl(8) has the commands $(echo $want)" ||
	fail "geosteerctl commands: --help has '$(echo $want)', geosteerctl(8) has '$(echo $got)'"

# Configuration keys, both ways: every schema key is an item of geosteer.yaml(5) (at any
# depth), and every item there is a schema key.
page="$MAN/geosteer.yaml.5"
keys=$(cat "$SCHEMA" "$SCHEMA_MORE" | grep -oP '\.name = "\K[a-z_0-9]+(?=")' | sort -u)
[ "$(wc -w <<<"$keys")" -ge 40 ] || fail "only $(wc -w <<<"$keys") keys found in $SCHEMA: has its layout changed?"
items=$(awk '/^\.SH / { insec = ($0 == ".SH TOP-LEVEL KEYS") ; next }
	insec && /^\.TP/ { tag = 1; next }
	insec && tag { tag = 0; if ($1 == ".B") print $2 }' "$page" | sort -u)
for k in $keys; do
	grep -qx "$k" <<<"$items" && ok "geosteer.yaml(5) documents $k" ||
		fail "schema key '$k' has no item in geosteer.yaml(5)"
done
for k in $items; do
	grep -qx "$k" <<<"$keys" || fail "geosteer.yaml(5) documents '$k', which the schema does not have"
done

if command -v groff >/dev/null 2>&1; then
	for p in "$MAN"/*.[58]; do
		w=$(groff -man -Tutf8 -ww -z "$p" 2>&1)
		[ -z "$w" ] && ok "groff renders $(basename "$p") without a warning" ||
			fail "groff warns on $(basename "$p"): $w"
	done
else
	echo "groff not installed: the pages are not rendered"
fi

echo "man: $N_PASS passed, $N_FAIL failed"
[ "$N_FAIL" -eq 0 ]
