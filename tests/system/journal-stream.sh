#!/bin/bash
# SPDX-License-Identifier: MIT
# journal-stream.sh -- the daemon writes journald's "<N>" priority prefixes only when its
# stderr is the stream JOURNAL_STREAM names (DEV:INODE, systemd.exec(5)); with the
# variable set but stderr elsewhere (inherited by a process whose output was
# redirected) it writes plain "geosteerd: LEVEL:" lines.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
. "$(dirname "$0")/lib.sh"

: >"$T/gs.log" # gs_start truncates it in place: the same inode
export JOURNAL_STREAM
JOURNAL_STREAM=$(stat -c '%d:%i' "$T/gs.log")
gs_start < <(zones_yaml)
gs_stop
grep -q '^<6>.*ready: ' "$T/gs.log" && ok "stderr is the journal stream: '<6>' prefixes" ||
	fail "no '<6>...ready' line: $(head -3 "$T/gs.log")"
grep -q '^geosteerd: ' "$T/gs.log" && fail "plain lines although stderr is the journal stream" ||
	ok "no plain lines"

JOURNAL_STREAM=1:2
gs_start < <(zones_yaml)
gs_stop
grep -q '^geosteerd: info: .*ready: ' "$T/gs.log" && ok "stderr is another file: plain lines" ||
	fail "no plain 'ready' line: $(head -3 "$T/gs.log")"
grep -q '^<[0-9]>' "$T/gs.log" && fail "'<N>' prefixes although stderr is not the journal stream" ||
	ok "no '<N>' prefixes"
unset JOURNAL_STREAM
finish
