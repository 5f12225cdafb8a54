#!/bin/sh
# scripts/quickstart.sh -- installs what is missing, builds, and runs geosteerd in the
# foreground on 127.0.0.1:5353 with examples/geosteer.yaml. Ctrl-C stops it.
set -eu
cd "$(dirname "$0")/.."
sh scripts/deps.sh
sh scripts/build.sh
cat <<TXT

geosteerd is starting on 127.0.0.1:5353 (UDP and TCP) with examples/geosteer.yaml.
In another terminal, try:

    dig @127.0.0.1 -p 5353 geo.example SOA
    dig @127.0.0.1 -p 5353 www.geo.example A

Press Ctrl-C to stop.
TXT
exec ./build/server/geosteerd -c examples/geosteer.yaml
