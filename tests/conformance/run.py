#!/usr/bin/env python3
"""Conformance runner for corral (semantics.md section 3).

Discovers the scenario directories next to this file (``<id>_<slug>/`` holding
``expected.trace``), runs each language's program for every scenario, truncates the
trace as semantics.md section 3.0 says, compares it byte for byte with
``expected.trace`` and prints a unified diff on mismatch. Python 3.11 stdlib only.

See README.md for the layout, the comparison rule and the options.
"""

from __future__ import annotations

import argparse
import dataclasses
import difflib
import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent

# language -> (program file in the scenario directory, default command template).
# Templates are split with shlex, then each word is formatted with:
#   {prog}       absolute path of the program file (c.c, py.py, lua.lua, rs.rs)
#   {dir}        absolute path of the scenario directory
#   {id}         scenario run id (S01, S27a, ...)
#   {build_dir}  the --build-dir value (absolute)
# The first word is the executable: if it cannot be found the program is "not built".
LANGS = {
    "c": ("c.c", "{build_dir}/conformance_{id}"),
    "py": ("py.py", "python3 {prog}"),
    "lua": ("lua.lua", "lua5.4 {prog}"),
    "rs": ("rs.rs", "{build_dir}/conformance_rs_{id}"),
}

SCENARIO_DIR_RE = re.compile(r"^(S\d+[a-z]?)_[A-Za-z0-9_]+$")
# main's own terminal line (R77 core events): "<t> main done[ <v>]", "... fail <err>",
# "... cancelled".
MAIN_TERMINAL_RE = re.compile(rb"^\d+ main (?:done|fail|cancelled)(?: |$)")
RT_RUN_RE = re.compile(rb"^\d+ rt run(?: |$)")


@dataclasses.dataclass
class Scenario:
    id: str
    dir: Path
    expected: bytes

    @property
    def through_run(self) -> bool:
        """Shutdown scenarios (S45, S46) show everything through the final "rt run" line;
        they are recognised by their expected trace ending with that line."""
        lines = self.expected.splitlines()
        return bool(lines) and RT_RUN_RE.match(lines[-1]) is not None


@dataclasses.dataclass
class Result:
    scenario: Scenario
    lang: str
    status: str  # "pass", "fail", "missing"
    detail: str = ""


def discover(root: Path) -> list[Scenario]:
    scenarios = []
    for d in sorted(root.iterdir()):
        m = SCENARIO_DIR_RE.match(d.name)
        if not d.is_dir() or not m:
            continue
        exp = d / "expected.trace"
        if not exp.is_file():
            continue
        scenarios.append(Scenario(m.group(1), d, exp.read_bytes()))
    scenarios.sort(key=lambda s: (int(re.match(r"S(\d+)", s.id).group(1)), s.id))
    return scenarios


def truncate(output: bytes, through_run: bool) -> bytes:
    """Cut the program's trace as semantics.md section 3.0 says: up to, excluding, main's
    own terminal line; for shutdown scenarios, up to and including the final "rt run"
    line. Without the cut line the whole output is kept (and will not match)."""
    lines = output.splitlines(keepends=True)
    if through_run:
        last = None
        for i, line in enumerate(lines):
            if RT_RUN_RE.match(line):
                last = i
        return output if last is None else b"".join(lines[: last + 1])
    for i, line in enumerate(lines):
        if MAIN_TERMINAL_RE.match(line):
            return b"".join(lines[:i])
    return output


def command_for(lang: str, template: str, sc: Scenario, build_dir: Path,
                wrap: list[str]) -> tuple[list[str] | None, str]:
    prog_name = LANGS[lang][0]
    fields = {
        "prog": str(sc.dir / prog_name),
        "dir": str(sc.dir),
        "id": sc.id,
        "build_dir": str(build_dir),
    }
    try:
        argv = [w.format(**fields) for w in shlex.split(template)]
    except (KeyError, ValueError) as e:
        raise SystemExit(f"run.py: bad --{lang}-cmd template {template!r}: {e}")
    if not argv:
        raise SystemExit(f"run.py: empty --{lang}-cmd template")
    exe = argv[0]
    if os.sep in exe:
        if not (os.path.isfile(exe) and os.access(exe, os.X_OK)):
            return None, f"{exe} not found (not built?)"
    elif shutil.which(exe) is None:
        return None, f"{exe} not found on PATH"
    return wrap + argv, ""


def decode(b: bytes) -> str:
    return b.decode("utf-8", errors="replace")


def tail(text: str, n: int = 20) -> str:
    lines = text.rstrip("\n").splitlines()
    if len(lines) > n:
        lines = [f"... ({len(lines) - n} more lines)"] + lines[-n:]
    return "\n".join(lines)


def run_one(sc: Scenario, lang: str, template: str, args) -> Result:
    if not (sc.dir / LANGS[lang][0]).is_file():
        return Result(sc, lang, "missing", f"no {LANGS[lang][0]}")
    argv, why = command_for(lang, template, sc, args.build_dir, args.wrap)
    if argv is None:
        if lang in args.require:
            return Result(sc, lang, "fail", why)
        return Result(sc, lang, "missing", why)
    try:
        proc = subprocess.run(argv, cwd=sc.dir, stdin=subprocess.DEVNULL,
                              capture_output=True, timeout=args.timeout)
    except subprocess.TimeoutExpired as e:
        out = decode(e.stdout or b"")
        return Result(sc, lang, "fail",
                      f"timed out after {args.timeout}s: {shlex.join(argv)}\n"
                      f"--- stdout so far:\n{tail(out)}")
    except OSError as e:
        return Result(sc, lang, "fail", f"cannot run {shlex.join(argv)}: {e}")

    actual = truncate(proc.stdout, sc.through_run)
    problems = []
    if actual != sc.expected:
        diff = difflib.unified_diff(
            decode(sc.expected).splitlines(keepends=True),
            decode(actual).splitlines(keepends=True),
            fromfile=f"{sc.dir.name}/expected.trace",
            tofile=f"{sc.dir.name} ({lang}, truncated)")
        text = "".join(d if d.endswith("\n") else d + "\n\\ No newline at end of file\n"
                       for d in diff)
        if not text:  # differs only in bytes that decode identically
            text = f"expected {sc.expected!r}\nactual   {actual!r}\n"
        problems.append(text.rstrip("\n"))
    rc = proc.returncode
    if rc < 0:
        problems.append(f"killed by signal {-rc}")
    elif rc != 0 and args.wrap:
        problems.append(f"exit status {rc} under --wrap")
    stderr = decode(proc.stderr)
    if problems:
        if stderr.strip():
            problems.append("--- stderr:\n" + tail(stderr))
        return Result(sc, lang, "fail", "\n".join(problems))
    note = ""
    if rc != 0:
        note = f"exit status {rc} (trace matches)"
        if stderr.strip():
            note += ": " + tail(stderr, 3).replace("\n", " | ")
    return Result(sc, lang, "pass", note)


def check_spec(spec: Path, scenarios: list[Scenario]) -> int:
    """Compare every expected.trace with the trace blocks of semantics.md section 3
    (a scenario with several trace blocks has runs a, b, ...). Returns the exit status."""
    text = spec.read_text(encoding="utf-8")
    start = text.find("## 3. Conformance scenarios")
    end = text.find("\n## 4.", start)
    if start < 0:
        raise SystemExit(f"run.py: no section 3 in {spec}")
    section = text[start:end if end > 0 else None]
    parts = re.split(r"^### (S\d+) ", section, flags=re.M)
    spec_traces = {}
    for sid, body in zip(parts[1::2], parts[2::2]):
        blocks = re.findall(r"^```\n(.*?)^```", body, flags=re.M | re.S)
        traces = [b for b in blocks
                  if b and all(re.match(r"^\d+ \S", ln) for ln in b.splitlines())]
        if len(traces) == 1:
            spec_traces[sid] = traces[0]
        else:
            for letter, b in zip("abcdefgh", traces):
                spec_traces[sid + letter] = b
    have = {s.id: s for s in scenarios}
    good = bad = 0
    for sid, trace in spec_traces.items():
        sc = have.get(sid)
        if sc is None:
            print(f"SPEC    {sid}: no scenario directory")
            bad += 1
        elif sc.expected != trace.encode():
            print(f"SPEC    {sid}: {sc.dir.name}/expected.trace differs from {spec.name}")
            bad += 1
        else:
            good += 1
    for sid in sorted(have.keys() - spec_traces.keys()):
        print(f"SPEC    {sid}: not in {spec.name}")
        bad += 1
    print(f"spec check: {good} matching, {bad} differing")
    return 1 if bad else 0


def select(scenarios: list[Scenario], only: list[str]) -> list[Scenario]:
    if not only:
        return scenarios
    known = {s.id for s in scenarios}
    picked = []
    for want in only:
        # "S27" selects S27a and S27b; "S27a" selects only that run.
        match = [s for s in scenarios
                 if s.id == want or re.sub(r"[a-z]$", "", s.id) == want]
        if not match:
            raise SystemExit(f"run.py: unknown scenario {want!r} "
                             f"(known: {', '.join(sorted(known))})")
        picked.extend(m for m in match if m not in picked)
    return [s for s in scenarios if s in picked]


def split_list(value: str) -> list[str]:
    return [v.strip() for v in value.split(",") if v.strip()]


def parse_args(argv: list[str]):
    p = argparse.ArgumentParser(
        description="Run the corral conformance corpus and compare traces.")
    p.add_argument("--build-dir", type=Path, default=Path("build/tests/conformance"),
                   help="directory holding the built programs (C: conformance_<id>); "
                        "default: %(default)s")
    p.add_argument("--lang", default="c,py,lua,rs",
                   help="comma-separated languages to run (default: %(default)s)")
    p.add_argument("--only", default="",
                   help="comma-separated scenario ids, e.g. S01,S03 (S27 = S27a and S27b)")
    p.add_argument("--require", action="append", default=[], metavar="LANG",
                   help="a LANG program that exists but cannot be run (C executable not "
                        "built, interpreter absent) is a failure instead of 'missing'; "
                        "repeatable or comma-separated")
    p.add_argument("--require-all", action="append", default=[], metavar="LANG",
                   help="like --require, and every selected scenario must have a LANG "
                        "program (for a language whose corpus is complete)")
    p.add_argument("--wrap", default="",
                   help='command prefix for every program, e.g. '
                        '"valgrind --error-exitcode=99 -q"; with it a non-zero exit '
                        'status is a failure')
    p.add_argument("--timeout", type=float, default=60.0,
                   help="seconds per program (default: %(default)s)")
    p.add_argument("--check-spec", type=Path, metavar="SEMANTICS_MD",
                   help="only check that every expected.trace equals its trace block in "
                        "semantics.md section 3, then exit")
    p.add_argument("-v", "--verbose", action="store_true",
                   help="also list passing and missing programs")
    for lang, (_, default) in LANGS.items():
        p.add_argument(f"--{lang}-cmd", default=default, metavar="TEMPLATE",
                       help=f"how to run a {lang} program (default: %(default)r)")
    args = p.parse_args(argv)
    args.langs = split_list(args.lang)
    for lang in args.langs:
        if lang not in LANGS:
            p.error(f"unknown language {lang!r} (known: {', '.join(LANGS)})")
    args.require_all = {r for item in args.require_all for r in split_list(item)}
    args.require = {r for item in args.require for r in split_list(item)} | args.require_all
    for lang in args.require:
        if lang not in LANGS:
            p.error(f"unknown language {lang!r} in --require/--require-all")
    args.build_dir = args.build_dir.resolve()
    args.wrap = shlex.split(args.wrap)
    args.only = split_list(args.only)
    return args


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    if args.check_spec:
        return check_spec(args.check_spec, discover(HERE))
    scenarios = select(discover(HERE), args.only)
    passed = failed = skipped = 0
    for sc in scenarios:
        for lang in args.langs:
            template = getattr(args, f"{lang}_cmd")
            res = run_one(sc, lang, template, args)
            if res.status == "missing" and lang in args.require_all:
                res = Result(sc, lang, "fail", f"{lang} program required: {res.detail}")
            if res.status == "pass":
                passed += 1
                if args.verbose or res.detail:
                    print(f"PASS    {sc.id} {lang}" + (f"  ({res.detail})" if res.detail else ""))
            elif res.status == "missing":
                skipped += 1
                if args.verbose:
                    print(f"MISSING {sc.id} {lang}  ({res.detail})")
            else:
                failed += 1
                print(f"FAIL    {sc.id} {lang}  [{sc.dir.name}]")
                for line in res.detail.splitlines():
                    print("    " + line)
            sys.stdout.flush()
    summary = f"conformance: {passed} passed, {failed} failed"
    if skipped:
        summary += f", {skipped} skipped"
    print(summary)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
