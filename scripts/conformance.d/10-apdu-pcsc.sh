#!/usr/bin/env bash
# The real PC/SC path: a minimal virtual card served to pcscd through vpcd is reached
# with apdu's PcscTransport and answers SELECT.
set -euo pipefail
bin=$CARGO_TARGET_DIR/debug
"$bin/card-sim" vpcd --card minimal >"$CONFORMANCE_TMP/card-sim-minimal.log" 2>&1 &
sim=$!
trap 'kill $sim 2>/dev/null || true; wait $sim 2>/dev/null || true' EXIT

# pcscd notices the card once vpcd has the connection.
for _ in $(seq 1 50); do
  if "$bin/examples/pcsc_select" "Virtual PCD 00 00" >"$CONFORMANCE_TMP/pcsc_select.out" 2>&1; then
    cat "$CONFORMANCE_TMP/pcsc_select.out"
    exit 0
  fi
  sleep 0.2
done
cat "$CONFORMANCE_TMP/pcsc_select.out" >&2
cat "$CONFORMANCE_TMP/card-sim-minimal.log" >&2
exit 1
