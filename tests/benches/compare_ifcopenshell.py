#!/usr/bin/env python3
"""`plancheck check` vs IfcOpenShell 0.9.0 opening the same file, in one run.

Both sides are timed as whole processes started fresh (what a user or a CI
job pays): plancheck parses the IFC file, loads the compiled pack from its
disk cache and checks every rule; IfcOpenShell only opens (parses) the file.

    pip install ifcopenshell==0.9.0
    cargo build --release -p plancheck && scripts/build-packs.sh
    python3 tests/benches/compare_ifcopenshell.py [model.ifc ...]
"""
import os
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
PLANCHECK = os.path.join(ROOT, "target", "release", "plancheck")
PACKS = os.path.join(ROOT, ".plancheck", "packs")
RUNS = int(os.environ.get("RUNS", "10"))


def timed(cmd, env=None):
    samples = []
    for _ in range(RUNS):
        t = time.perf_counter()
        r = subprocess.run(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        samples.append(time.perf_counter() - t)
        if r.returncode not in (0, 1):
            sys.exit(f"{cmd} failed ({r.returncode}): {r.stderr.decode()}")
    return statistics.median(samples), min(samples)


def main():
    import ifcopenshell  # noqa: F401  (fail early if missing)

    models = sys.argv[1:] or [
        os.path.join(ROOT, "tests", "fixtures", "models", "bench-10k-ifc4-mm.ifc"),
        os.path.join(ROOT, "tests", "fixtures", "models", "bench-1k-ifc4-mm.ifc"),
    ]
    data = tempfile.mkdtemp()
    env = dict(os.environ, PLANCHECK_PACKS_DIR=PACKS, PLANCHECK_DATA_DIR=data)
    # Warm the compile cache once, as a deployed host has it.
    subprocess.run([PLANCHECK, "packs"], env=env, stdout=subprocess.DEVNULL, check=True)
    print(f"runs per measurement: {RUNS} (median, min)")
    print("| model | size | plancheck check --pack us-ibc-2021 | ifcopenshell.open | ratio (ifcopenshell / plancheck) |")
    print("|---|---|---|---|---|")
    for m in models:
        pc = timed([PLANCHECK, "check", "--pack", "us-ibc-2021", "--format", "json", m], env)
        io = timed([sys.executable, "-c", f"import ifcopenshell; ifcopenshell.open({m!r})"])
        size = os.path.getsize(m) / 1e6
        print(f"| {os.path.basename(m)} | {size:.1f} MB | {pc[0]*1000:.0f} ms (min {pc[1]*1000:.0f}) "
              f"| {io[0]*1000:.0f} ms (min {io[1]*1000:.0f}) | {io[0]/pc[0]:.2f}× |")
    imp = timed([sys.executable, "-c", "import ifcopenshell"])
    print(f"\n(python + `import ifcopenshell` alone: {imp[0]*1000:.0f} ms median)")


if __name__ == "__main__":
    main()
