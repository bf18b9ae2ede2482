#!/usr/bin/env python3
"""The reference run for docs/performance.md "IDS (issue 5)": ifctester 0.9.0
(ifcopenshell 0.9.0) on the same IDS/IFC pairs the `ids` pack's benchmark
uses (rulepacks/ids/benches/ids.rs), end to end per case: open the IFC,
open the IDS, validate.

  python3 tests/benches/ids_ifctester.py SUITE_DIR BIG_IFC BIG_IDS [REPEATS]

Prints one line per workload: `name seconds_per_iteration` (the best of
REPEATS runs, default 5), and the suite's pass/fail/invalid agreement count
(with the IDS validated against ids.xsd, as for the published 291).
"""
import os
import sys
import time

import ifcopenshell
from ifctester import ids as ids_mod


def cases(root):
    out = []
    for d in sorted(os.listdir(root)):
        p = os.path.join(root, d)
        if not os.path.isdir(p):
            continue
        for f in sorted(os.listdir(p)):
            if f.endswith(".ids"):
                ifc = os.path.join(p, f[:-4] + ".ifc")
                if os.path.exists(ifc):
                    out.append((os.path.join(p, f), ifc))
    return out


def run_case(ids_path, ifc_path, validate=False):
    """pass / fail / invalid, as the suite's file names say. Timed runs use
    ifctester's default (no XSD validation of the IDS, as its command line
    does), which is the faster, conservative baseline."""
    try:
        spec = ids_mod.open(ids_path, validate=validate)
    except Exception:
        return "invalid"
    model = ifcopenshell.open(ifc_path)
    spec.validate(model)
    ok = all(s.status for s in spec.specifications)
    return "pass" if ok else "fail"


def best(fn, repeats):
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)


def main():
    root, big_ifc, big_ids = sys.argv[1:4]
    repeats = int(sys.argv[4]) if len(sys.argv) > 4 else 5
    all_cases = cases(root)
    agree = 0
    for ids_path, ifc_path in all_cases:
        want = os.path.basename(ids_path).split("-")[0]
        got = run_case(ids_path, ifc_path, validate=True)
        if got == want or (want == "invalid" and got == "fail"):
            agree += 1
    print(f"ifctester-agreement {agree} of {len(all_cases)}")
    suite = best(lambda: [run_case(a, b) for a, b in all_cases], repeats)
    print(f"suite-314 {suite:.6f}")
    big = best(lambda: run_case(big_ids, big_ifc), max(1, repeats // 2))
    print(f"bench-10k {big:.6f}")


if __name__ == "__main__":
    main()
