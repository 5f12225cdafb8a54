#!/bin/sh
# SPDX-License-Identifier: MIT
# no-cmocka.sh -- run by `make check` in place of the unit tests when configure found no
# cmocka: fails (99, a hard error) so that the suite cannot pass without them.
echo "ERROR: the unit tests were not built: configure found no cmocka." >&2
echo "Install the Debian package libcmocka-dev, re-run configure, then make check." >&2
exit 99
