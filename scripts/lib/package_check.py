#!/usr/bin/env python3
"""The publishing checks of scripts/package-check that read `cargo metadata`.

  deps  licences against deny.toml's allow-list, crates in two versions (deny.toml's
        [bans] skip list names the accepted ones, with the reason), [workspace.dependencies]
        entries nothing uses, and every dependency's `rust-version` at most the MSRV.
  meta  every publishable package (no `publish = false`) carries what crates.io and
        docs.rs need, and depends on no unpublished package.

Offline once the dependencies' sources are in Cargo's cache (after a build or
`cargo fetch`). Exits non-zero with one line per finding.
"""

import json
import os
import re
import subprocess
import sys
import tomllib

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
LICENCE = "MIT OR Apache-2.0"
# crates.io category slugs this workspace may use (the full list:
# https://crates.io/category_slugs). A slug not here fails: check it there, then add it.
CATEGORIES = {
    "api-bindings", "authentication", "command-line-utilities", "cryptography",
    "data-structures", "date-and-time", "development-tools", "development-tools::testing",
    "embedded", "encoding", "filesystem", "hardware-support", "internationalization",
    "network-programming", "no-std", "parser-implementations", "text-processing",
    "value-formatting", "web-programming", "web-programming::http-client",
    "web-programming::http-server",
}
KEYWORD = re.compile(r"^[A-Za-z][A-Za-z0-9_+-]{0,19}$")

findings = []


def finding(msg):
    findings.append(msg)


def load_toml(path):
    with open(path, "rb") as f:
        return tomllib.load(f)


def metadata():
    out = subprocess.run(
        ["cargo", "metadata", "--format-version", "1", "--all-features", "--locked"],
        cwd=ROOT, check=True, capture_output=True, text=True,
    ).stdout
    return json.loads(out)


def version_tuple(v):
    parts = [int(x) for x in re.findall(r"\d+", v)[:3]]
    return tuple(parts + [0] * (3 - len(parts)))


# ---- licences ---------------------------------------------------------------------------

def spdx_tokens(expr):
    expr = expr.replace("/", " OR ")
    return re.findall(r"\(|\)|[A-Za-z0-9.+-]+", expr)


def spdx_allowed(expr, allowed):
    """Whether the SPDX expression can be satisfied with the allowed licences only."""
    toks = spdx_tokens(expr)
    pos = 0

    def peek():
        return toks[pos] if pos < len(toks) else None

    def take():
        nonlocal pos
        pos += 1
        return toks[pos - 1]

    def primary():
        t = take()
        if t == "(":
            v = disjunction()
            if take() != ")":
                raise ValueError("unbalanced parentheses")
            return v
        lic = t
        if peek() == "WITH":
            take()
            lic = f"{lic} WITH {take()}"
        return lic in allowed

    def conjunction():
        v = primary()
        while peek() == "AND":
            take()
            v = primary() and v
        return v

    def disjunction():
        v = conjunction()
        while peek() == "OR":
            take()
            v = conjunction() or v
        return v

    result = disjunction()
    if pos != len(toks):
        raise ValueError(f"unexpected {toks[pos]!r}")
    return result


def skip_matches(spec, name, version):
    crate, _, req = spec.partition("@")
    if crate != name:
        return False
    if not req:
        return True
    want = req.split(".")
    return version.split(".")[: len(want)] == want


def check_deps(meta, deny, msrv):
    members = set(meta["workspace_members"])
    by_id = {p["id"]: p for p in meta["packages"]}
    resolved = [by_id[n["id"]] for n in meta["resolve"]["nodes"]]
    externals = [p for p in resolved if p["id"] not in members]

    lic = deny.get("licenses", {})
    allowed = set(lic.get("allow", []))
    exceptions = {}
    for e in lic.get("exceptions", []):
        exceptions.setdefault(e.get("crate") or e.get("name"), set()).update(e["allow"])
    seen_licences = set()
    for p in resolved:
        expr = p.get("license")
        if not expr:
            finding(f"licence: {p['name']} {p['version']} declares no SPDX licence "
                    f"(license-file {p.get('license_file')!r}): review it and clarify")
            continue
        seen_licences.update(t for t in spdx_tokens(expr) if t not in ("(", ")", "AND", "OR", "WITH"))
        try:
            ok = spdx_allowed(expr, allowed | exceptions.get(p["name"], set()))
        except (ValueError, IndexError) as e:
            finding(f"licence: {p['name']} {p['version']}: unreadable expression {expr!r} ({e})")
            continue
        if not ok:
            finding(f"licence: {p['name']} {p['version']} is {expr!r}, not within deny.toml's allow-list")
    for p in (by_id[m] for m in members):
        if p.get("publish") != [] and p.get("license") != LICENCE:
            finding(f"licence: workspace package {p['name']} is {p.get('license')!r}, not {LICENCE!r}")

    skips = [s["crate"] if isinstance(s, dict) else s for s in deny.get("bans", {}).get("skip", [])]
    versions = {}
    for p in externals:
        versions.setdefault(p["name"], set()).add(p["version"])
    used_skips = set()
    for name, vs in sorted(versions.items()):
        if len(vs) < 2:
            continue
        unexplained = []
        for v in sorted(vs, key=version_tuple):
            hit = [s for s in skips if skip_matches(s, name, v)]
            used_skips.update(hit)
            if not hit:
                unexplained.append(v)
        # One version may stand alone; every other one needs a skip entry with its reason.
        if len(unexplained) > 1:
            finding(f"duplicate: {name} in versions {', '.join(sorted(vs, key=version_tuple))} "
                    f"(unify them, or add a [bans] skip with the reason to deny.toml)")
    for s in skips:
        if s not in used_skips:
            finding(f"duplicate: deny.toml skips {s!r}, which is no longer a duplicate: remove it")

    root = load_toml(os.path.join(ROOT, "Cargo.toml"))
    declared = set(root.get("workspace", {}).get("dependencies", {}))
    used = set()
    for m in members:
        manifest = load_toml(by_id[m]["manifest_path"])
        tables = [manifest]
        tables += list(manifest.get("target", {}).values())
        for t in tables:
            for kind in ("dependencies", "dev-dependencies", "build-dependencies"):
                for key, dep in t.get(kind, {}).items():
                    if isinstance(dep, dict) and dep.get("workspace"):
                        used.add(key)
    for d in sorted(declared - used):
        finding(f"unused: [workspace.dependencies] {d} is used by no package: remove it")

    for p in externals:
        rv = p.get("rust_version")
        if rv and version_tuple(rv) > version_tuple(msrv):
            finding(f"msrv: {p['name']} {p['version']} needs Rust {rv}, above the MSRV {msrv}")
    for p in (by_id[m] for m in members):
        if p.get("rust_version") != msrv:
            finding(f"msrv: {p['name']} has rust-version {p.get('rust_version')!r}, not the workspace's {msrv}")

    print(f"deps: {len(resolved)} packages, licences seen: {', '.join(sorted(seen_licences))}")


# ---- publishable packages -----------------------------------------------------------------

def package_list(name):
    out = subprocess.run(
        ["cargo", "package", "--list", "--allow-dirty", "--locked", "-p", name],
        cwd=ROOT, check=True, capture_output=True, text=True,
    ).stdout
    return set(out.split())


def check_meta(meta):
    members = set(meta["workspace_members"])
    pkgs = [p for p in meta["packages"] if p["id"] in members]
    unpublished = {p["name"] for p in pkgs if p.get("publish") == []}
    publishable = [p for p in pkgs if p.get("publish") != []]
    repos = set()
    for p in publishable:
        n = p["name"]
        for field in ("description", "repository", "homepage", "readme", "rust_version"):
            if not p.get(field):
                finding(f"meta: {n} has no {field.replace('_', '-')}")
        repos.add(p.get("repository"))
        repos.add(p.get("homepage"))
        kws = p.get("keywords") or []
        if not 1 <= len(kws) <= 5:
            finding(f"meta: {n} has {len(kws)} keywords (crates.io takes 1 to 5)")
        for k in kws:
            if not KEYWORD.match(k):
                finding(f"meta: {n} keyword {k!r} is not a valid crates.io keyword")
        cats = p.get("categories") or []
        if not 1 <= len(cats) <= 5:
            finding(f"meta: {n} has {len(cats)} categories (crates.io takes 1 to 5)")
        for c in cats:
            if c not in CATEGORIES:
                finding(f"meta: {n} category {c!r} is not a known crates.io slug")
        docsrs = (p.get("metadata") or {}).get("docs", {}).get("rs", {})
        if docsrs.get("all-features") is not True:
            finding(f"meta: {n} lacks [package.metadata.docs.rs] all-features = true")
        lib = os.path.join(os.path.dirname(p["manifest_path"]), "src", "lib.rs")
        uses_doc_cfg = os.path.exists(lib) and "feature(doc_cfg)" in open(lib, encoding="utf-8").read()
        has_cfg = "docsrs" in " ".join(docsrs.get("rustdoc-args", []))
        if uses_doc_cfg != has_cfg:
            finding(f"meta: {n}: `#![cfg_attr(docsrs, feature(doc_cfg))]` in src/lib.rs and "
                    f"rustdoc-args = [\"--cfg\", \"docsrs\"] go together")
        for d in p["dependencies"]:
            if d["kind"] in (None, "build") and d["name"] in unpublished:
                finding(f"meta: {n} depends on {d['name']}, which is not published")
        files = package_list(n)
        for f in ("LICENSE-MIT", "LICENSE-APACHE", p.get("readme") or "README.md"):
            if f not in files:
                finding(f"meta: {n}'s package lacks {f}")
    for p in pkgs:
        if p["name"].endswith("-sim") and p["name"] not in unpublished:
            finding(f"meta: {p['name']} is a simulator: it needs publish = false")
    if len(repos) != 1:
        finding(f"meta: repository/homepage differ between packages: {sorted(map(str, repos))}")
    print(f"meta: {len(publishable)} publishable ({', '.join(p['name'] for p in publishable)}), "
          f"{len(unpublished)} not published ({', '.join(sorted(unpublished))})")


def main(parts):
    meta = metadata()
    root = load_toml(os.path.join(ROOT, "Cargo.toml"))
    msrv = root["workspace"]["package"]["rust-version"]
    deny = load_toml(os.path.join(ROOT, "deny.toml"))
    for part in parts:
        if part == "deps":
            check_deps(meta, deny, msrv)
        elif part == "meta":
            check_meta(meta)
        elif part == "publishable":
            members = set(meta["workspace_members"])
            print(" ".join(p["name"] for p in meta["packages"]
                           if p["id"] in members and p.get("publish") != []))
        else:
            sys.exit(f"unknown part {part!r}")
    for f in findings:
        print(f"  {f}", file=sys.stderr)
    if findings:
        sys.exit(f"{len(findings)} finding(s)")


if __name__ == "__main__":
    main(sys.argv[1:] or ["deps", "meta"])
