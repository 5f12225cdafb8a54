#!/bin/sh
# SPDX-License-Identifier: MIT
# layers.sh -- the C sources include each other in one direction only: no cycle between
# folders, none between modules outside the groups scripts/check-layers.py allows.
exec python3 "${top_srcdir:-$(dirname "$0")/..}/scripts/check-layers.py" "${top_srcdir:-$(dirname "$0")/..}"
