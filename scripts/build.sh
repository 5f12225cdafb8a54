#!/bin/sh
# scripts/build.sh -- generates the build system when needed and builds out of tree in
# build/ (or $GS_BUILD_DIR), configuring on the first run. Extra arguments go to
# ./configure on that first run. Usage: scripts/build.sh [CONFIGURE-ARGS...]
set -eu
cd "$(dirname "$0")/.."
top=$(pwd)
if [ ! -x configure ] || [ configure.ac -nt configure ]; then
	autoreconf -fi >/dev/null 2>&1 || autoreconf -fi
fi
dir=${GS_BUILD_DIR:-build}
mkdir -p "$dir"
cd "$dir"
if [ ! -f Makefile ] || [ "$top/configure" -nt config.status ]; then
	"$top/configure" --enable-developer "$@" >configure.out 2>&1 || {
		cat configure.out >&2
		exit 1
	}
fi
make -j"$(nproc)" >/dev/null
