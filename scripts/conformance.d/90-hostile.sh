#!/usr/bin/env bash
# Hostile inputs (issue 16): scripts/hostile runs the generated attack documents of
# crates/xades-sign/tests/hostile.rs in release, each alone under /usr/bin/time -v, and
# fails unless each answers in under 2 s with a peak resident size under 256 MB.
set -euo pipefail
: "${ROOT:?}"
bash "$ROOT/scripts/hostile"
