#!/usr/bin/env python3
"""abi_symbols: the exported symbols of libcorral.so must be exactly the CORRAL_API functions.

Compares `nm -D --defined-only <lib>` with the functions declared CORRAL_API in the public
headers and fails if either side has extras (xkbcommon's symbols-leak test). Also checks that
no internal symbol (corral__*) is exported, and that every export carries a version node of
corral.map (the tags really apply; jansson's dead SYMVER_WORKS branch is the cautionary tale).

usage: check_symbols.py --lib libcorral.so --include core/include --map core/corral.map [--nm nm]
"""
import argparse
import pathlib
import re
import subprocess
import sys


def declared_functions(include_dir):
    """Names of the functions declared CORRAL_API in every public header."""
    names = {}
    headers = sorted(pathlib.Path(include_dir).rglob("*.h"))
    if not headers:
        sys.exit(f"abi_symbols: no headers under {include_dir}")
    for path in headers:
        text = path.read_text()
        text = re.sub(r"/\*.*?\*/", " ", text, flags=re.S)      # block comments
        text = re.sub(r"//[^\n]*", " ", text)                    # line comments
        text = re.sub(r"\\\n", " ", text)                        # macro continuations
        text = re.sub(r"^[ \t]*#[^\n]*", " ", text, flags=re.M)  # preprocessor lines
        for decl in re.finditer(r"\bCORRAL_API\b([^;{]*)", text):
            m = re.search(r"([A-Za-z_]\w*)\s*\(", decl.group(1))
            if not m:
                sys.exit(f"abi_symbols: cannot parse declaration in {path}: {decl.group(0)!r}")
            names.setdefault(m.group(1), path.relative_to(include_dir).as_posix())
    return names


def exported_symbols(nm, lib):
    """{name: version} for the defined dynamic symbols (version nodes themselves excluded)."""
    out = subprocess.run([nm, "-D", "--defined-only", lib], check=True,
                         capture_output=True, text=True).stdout
    syms = {}
    for line in out.splitlines():
        parts = line.split()
        if len(parts) < 3:
            continue
        kind, full = parts[1], parts[2]
        if kind == "A":  # the version node's own absolute symbol (CORRAL_0)
            continue
        name, _, version = full.partition("@")
        syms[name] = version.lstrip("@")
    return syms


def map_nodes(map_file):
    text = re.sub(r"/\*.*?\*/", " ", pathlib.Path(map_file).read_text(), flags=re.S)
    text = re.sub(r"#[^\n]*", "", text)
    return re.findall(r"([A-Za-z_][\w.]*)\s*\{", text)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--lib", required=True)
    ap.add_argument("--include", required=True)
    ap.add_argument("--map", required=True)
    ap.add_argument("--nm", default="nm")
    args = ap.parse_args()

    declared = declared_functions(args.include)
    exported = exported_symbols(args.nm, args.lib)
    nodes = map_nodes(args.map)
    problems = []

    for name in sorted(set(exported) - set(declared)):
        problems.append(f"exported but not declared CORRAL_API: {name}")
    for name in sorted(set(declared) - set(exported)):
        problems.append(f"declared CORRAL_API in {declared[name]} but not exported: {name}")
    for name in sorted(declared):
        if not name.startswith("corral_") or name.startswith("corral__"):
            problems.append(f"public function outside the corral_ namespace: {name}")
    for name in sorted(exported):
        if name.startswith("corral__"):
            problems.append(f"internal symbol exported: {name}")
    if not nodes:
        problems.append(f"no version node found in {args.map}")
    for name, version in sorted(exported.items()):
        if version not in nodes:
            problems.append(f"{name}: version '{version or '(none)'}' is not a node of "
                            f"{pathlib.Path(args.map).name} ({', '.join(nodes)})")

    if problems:
        print(f"abi_symbols: {len(problems)} problem(s) in {args.lib}:")
        for p in problems:
            print("  " + p)
        return 1
    print(f"abi_symbols: {len(exported)} exported symbols == {len(declared)} CORRAL_API "
          f"functions, all versioned ({', '.join(nodes)}), no corral__* internals")
    return 0


if __name__ == "__main__":
    sys.exit(main())
