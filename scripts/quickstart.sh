#!/bin/sh
# scripts/quickstart.sh -- installs what is missing, builds, and runs geosteerd in the
# foreground on 127.0.0.1:5353 with the example configuration: examples/geosteer.yaml as
# copied into the build folder (build/, or $GS_BUILD_DIR), next to the demo GeoIP
# database that `make` builds from examples/demo-geoip.txt. Ctrl-C stops it.
set -eu
cd "$(dirname "$0")/.."
sh scripts/deps.sh
sh scripts/build.sh
dir=${GS_BUILD_DIR:-build}
cat <<TXT

geosteerd is starting on 127.0.0.1:5353 (UDP and TCP) with $dir/examples/geosteer.yaml.
In another terminal, try:

    dig @127.0.0.1 -p 5353 geo.example SOA
    dig @127.0.0.1 -p 5353 www.geo.example A +subnet=8.8.8.0/24       # US client: us-east
    dig @127.0.0.1 -p 5353 www.geo.example A +subnet=81.169.145.0/24  # German client: eu-central
    dig @127.0.0.1 -p 5353 www.geo.example AAAA +subnet=2001:4860::/32

and ask why an answer is what it is (no daemon needed):

    $dir/tools/geosteerctl -c $dir/examples/geosteer.yaml explain --offline \\
        www.geo.example A --client 127.0.0.1 --subnet 8.8.8.0/24

Press Ctrl-C to stop.
TXT
exec "$dir/server/geosteerd" -c "$dir/examples/geosteer.yaml"
