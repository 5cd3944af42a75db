#!/usr/bin/env python3
"""Compares our passport Hepburn with pykakasi's, for scripts/conformance.d/50-authority-forms.sh.

    romaji_reference.py OURS.tsv KNOWN_DISAGREEMENTS.tsv

OURS.tsv is the output of `cargo run --example romaji` (NAME<TAB>CANDIDATE,...). For every
name, pykakasi's `passport` reading (upper case) is compared with our first (strict)
candidate. Exit status 1 when a disagreement is not listed in KNOWN (NAME, OURS, PYKAKASI
must all match), when a listed one no longer occurs (the list must stay true), or when a
disagreement of reason ou-long/oo-long is not at least among our candidates.
"""
import sys

import pykakasi


def main(ours_path, known_path):
    known = {}
    for line in open(known_path, encoding="utf-8"):
        if line.startswith("#") or not line.strip():
            continue
        name, ours, theirs, reason = line.rstrip("\n").split("\t")
        known[name] = (ours, theirs, reason)

    kakasi = pykakasi.kakasi()
    failures, seen, agreed = [], set(), 0
    for line in open(ours_path, encoding="utf-8"):
        name, candidates = line.rstrip("\n").split("\t")
        candidates = candidates.split(",")
        ours = candidates[0]
        theirs = "".join(item["passport"] for item in kakasi.convert(name)).upper()
        if ours == theirs:
            agreed += 1
            continue
        listed = known.get(name)
        if listed is None or listed[:2] != (ours, theirs):
            failures.append(f"unlisted disagreement: {name}\tours={ours}\tpykakasi={theirs}")
            continue
        seen.add(name)
        if listed[2] in ("ou-long", "oo-long") and theirs not in candidates:
            failures.append(f"{name}: pykakasi's {theirs} is not among our candidates {candidates}")
    for name in sorted(set(known) - seen):
        failures.append(f"listed but no longer a disagreement: {name} {known[name]}")
    total = agreed + len(seen)
    print(f"romaji: {agreed} of {total} names agree with pykakasi, {len(seen)} known disagreements")
    for failure in failures:
        print(failure, file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
