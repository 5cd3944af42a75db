#!/usr/bin/env bash
# The Mynaportal procedure through the real PC/SC stack: portal-sim runs as its own
# process on a SQLite file; the example serves the virtual My Number Card to pcscd
# through vpcd and reads it with apdu's PcscTransport; then portal-sim is restarted on
# the same database and the status inquiry still finds the application.
set -euo pipefail
bin=$CARGO_TARGET_DIR/debug
db=$CONFORMANCE_TMP/portal.sqlite
token=conformance-operator-token
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()')
url=http://127.0.0.1:$port

# shellcheck source=../lib/conformance.sh
. "$ROOT/scripts/lib/conformance.sh"

start_sim() {
  "$bin/portal-sim" --listen "127.0.0.1:$port" --db "$db" --operator-token "$token" \
    >>"$CONFORMANCE_TMP/portal-sim.log" 2>&1 &
  sim=$!
  for _ in $(seq 1 100); do
    if python3 -c "import socket,sys; s=socket.socket(); s.settimeout(0.2); sys.exit(s.connect_ex(('127.0.0.1',$port)))"; then return 0; fi
    sleep 0.1
  done
  cat "$CONFORMANCE_TMP/portal-sim.log" >&2
  return 1
}

start_sim
out=$CONFORMANCE_TMP/apply.jsonl
if ! "$bin/examples/apply_via_mynaportal" --portal "$url" --operator-token "$token" --pcsc >"$out"; then
  cat "$out" >&2; cat "$CONFORMANCE_TMP/portal-sim.log" >&2; exit 1
fi
cat "$out"
grep -q '"step":"reader"' "$out"
grep -q '"step":"binding_url"' "$out"
id=$(python3 -c 'import json,sys; print(next(json.loads(l)["detail"]["application_id"] for l in open(sys.argv[1]) if json.loads(l)["step"]=="submitted"))' "$out")

# Restart on the same database: the status is still there.
stop_sim
start_sim
status=$CONFORMANCE_TMP/status.jsonl
rc=0
"$bin/examples/apply_via_mynaportal" --portal "$url" --operator-token "$token" --pcsc \
  --status "$id" >"$status" || rc=$?
if [ $rc != 0 ]; then
  echo "70-mynaportal: the status run exited $rc" >&2
  cat "$status" >&2; exit 1
fi
cat "$status"
grep -q '"state":"approved"' "$status"

# No personal data in the portal's log.
if grep -E '山田|花子|hanako|19800401|架空市' "$CONFORMANCE_TMP/portal-sim.log"; then
  echo "70-mynaportal: personal data in the portal log" >&2; exit 1
fi

# The test `cargo test` ignores because it needs xmlsec1.
(cd "$ROOT" && cargo test --quiet -p mynaportal-client --test package -- --ignored) \
  || { echo "70-mynaportal: the xmlsec1 package test failed" >&2; exit 1; }
echo "70-mynaportal: ok"
