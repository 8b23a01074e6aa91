#!/bin/sh
# Run the unit tests of one build folder through CTest and close with the
# plain line "N passed, N failed" counted from every test case (cmocka TAP;
# a case cmocka skipped, "not ok N # SKIP", is counted apart).
#   scripts/run-tests.sh BUILD_DIR
set -u
build=${1:?usage: run-tests.sh BUILD_DIR}
# CTest keeps every test's full output in LastTest.log.
log="$build/Testing/Temporary/LastTest.log"
rm -f "$log"
ctest --test-dir "$build" --output-on-failure -j "$(nproc)"
rc=$?
[ -f "$log" ] || { echo "0 passed, 1 failed"; exit 1; }
passed=$(grep -cE '^ok [0-9]+' "$log")
skipped=$(grep -cE '^not ok [0-9]+ # SKIP' "$log")
failed=$(($(grep -cE '^not ok [0-9]+' "$log") - skipped))
# A binary that crashed reports no case lines: count it as a failure.
crashed=$(grep -cE '\*\*\*(Failed|Exception|Timeout)' "$log")
[ "$rc" -eq 0 ] || [ "$failed" -gt 0 ] || failed=$((failed + crashed))
[ "$rc" -eq 0 ] || [ "$failed" -gt 0 ] || failed=1
note=""
[ "$skipped" -eq 0 ] || note=", $skipped skipped"
echo "$passed passed, $failed failed$note"
[ "$rc" -eq 0 ] && [ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
