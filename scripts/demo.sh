#!/bin/sh
# The main job on the embedded default. Until the server and the backup
# engine exist (issues 3 and 4) it shows what each program is and runs the
# library's own self-check: seal, open, tamper, through the real binaries.
set -eu
build=${1:?usage: demo.sh BUILD_DIR}
for p in coffer cofferd coffer-escrowd; do
	"$build/$p" --version
done
echo
"$build/coffer" help
echo
"$build/coffer" categories
"$build/coffer" selftest
