#!/usr/bin/env python3
"""Per-suite counts from ctest's JUnit output (scripts/test.sh writes
ctest-junit.xml in the build) or gtest's XML per shard (the sanitizer
build's, in BUILD/gtest/): tests run, skipped, disabled and failed, one
line per suite (a test executable, or a script test by its name).

Usage: .ci/summary.py LABEL=BUILD_DIR ...

Exits 1 when a test failed, when a build has no results, or when a test was
skipped that is not listed in .ci/allowed-skips (one regular expression a
line, matched against "LABEL/SUITE/TEST"; '#' starts a comment). In CI every
server, corpus and browser is present, so a skip means a test did not run
that should have. Disabled tests (DISABLED_ in the source) are counted and
named, not failed: they are switched off on purpose, in the code.
"""
import collections
import json
import os
import re
import subprocess
import sys
import xml.etree.ElementTree as ET


def suites_of(build):
    """Test name -> suite (the executable's name, or the test's own name)."""
    try:
        out = subprocess.run(["ctest", "--show-only=json-v1"], cwd=build,
                             capture_output=True, text=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError):
        return {}
    suites = {}
    for t in json.loads(out).get("tests", []):
        cmd = t.get("command") or []
        exe = os.path.basename(cmd[0]) if cmd else ""
        suites[t["name"]] = exe if exe.endswith("_tests") else t["name"]
    return suites


def cases_of(label, build, bad):
    """(suite, test name, testcase element) of a build's results: ctest's
    JUnit file, or else gtest's XML per shard in BUILD/gtest
    (scripts/gtest-shards.sh: BINARY-SHARD.xml beside BINARY-SHARD.log; a
    log without its XML is a shard that crashed or was stopped)."""
    junit = os.path.join(build, "ctest-junit.xml")
    shards = os.path.join(build, "gtest")
    if os.path.exists(junit):
        suites = suites_of(build)
        for case in ET.parse(junit).getroot().iter("testcase"):
            name = case.get("name")
            suite = suites.get(name, name.split(".")[0])
            yield suite, name.split("  #")[0], case  # without "# GetParam() = …"
        return
    logs = sorted(f for f in os.listdir(shards)) if os.path.isdir(shards) else []
    if not logs:
        bad.append(f"{label}: no results ({junit} and {shards}/ are missing)")
        return
    for log in logs:
        if not log.endswith(".log"):
            continue
        stem = log[:-4]
        suite = stem.rsplit("-", 1)[0]
        xml = os.path.join(shards, stem + ".xml")
        if not os.path.exists(xml):
            bad.append(f"{label}: {stem} left no results (crashed or stopped: "
                       f"{os.path.join(shards, log)})")
            continue
        for case in ET.parse(xml).getroot().iter("testcase"):
            if case.get("result") == "skipped" and case.find("skipped") is None:
                ET.SubElement(case, "skipped")
            case.set("status", "disabled" if case.get("status") == "notrun"
                     else "run")
            yield suite, f"{case.get('classname')}.{case.get('name')}", case


def main(args):
    here = os.path.dirname(os.path.abspath(__file__))
    allowed = []
    path = os.path.join(here, "allowed-skips")
    if os.path.exists(path):
        for line in open(path):
            line = line.split("#", 1)[0].strip()
            if line:
                allowed.append(re.compile(line))
    bad = []
    rows = []
    totals = collections.Counter()
    for arg in args:
        label, build = arg.split("=", 1)
        cases = list(cases_of(label, build, bad))
        if not cases:
            continue
        counts = collections.defaultdict(collections.Counter)
        for suite, name, case in cases:
            status = case.get("status", "run")
            c = counts[suite]
            where = f"{label}/{suite}/{name}"
            if status == "disabled":
                c["disabled"] += 1
                print(f"disabled: {where}")
            elif case.find("skipped") is not None or status == "notrun":
                c["skipped"] += 1
                why = case.find("skipped")
                msg = (why.get("message") if why is not None else "") or ""
                if not any(a.search(where) for a in allowed):
                    bad.append(f"unexpected skip: {where} {msg}".rstrip())
            elif case.find("failure") is not None or case.find("error") is not None \
                    or status == "fail":
                c["failed"] += 1
                c["run"] += 1
                bad.append(f"failed: {where}")
            else:
                c["run"] += 1
        for suite in sorted(counts):
            c = counts[suite]
            rows.append((label, suite, c["run"], c["skipped"], c["disabled"], c["failed"]))
            totals.update(c)
    print()
    print(f"{'build':<8} {'suite':<26} {'run':>6} {'skipped':>8} {'disabled':>9} {'failed':>7}")
    for label, suite, run, skipped, disabled, failed in rows:
        print(f"{label:<8} {suite:<26} {run:>6} {skipped:>8} {disabled:>9} {failed:>7}")
    print(f"{'total':<8} {'':<26} {totals['run']:>6} {totals['skipped']:>8} "
          f"{totals['disabled']:>9} {totals['failed']:>7}")
    for b in bad:
        print(b)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
