#!/bin/sh
# scripts/build.sh -- (re)generates the build system when needed, configures once, and
# builds. Extra arguments go to ./configure on the first run.
# Usage: scripts/build.sh [CONFIGURE-ARGS...]
set -eu
cd "$(dirname "$0")/.."
if [ ! -x configure ] || [ configure.ac -nt configure ] || [ Makefile.am -nt configure ]; then
	autoreconf -fi >/dev/null
fi
if [ ! -f Makefile ] || [ configure -nt config.status ]; then
	./configure --enable-developer "$@" >/dev/null
fi
make -j"$(nproc)" >/dev/null
