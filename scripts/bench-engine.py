#!/usr/bin/env python3
"""Engine benchmark: rcompose vs docker compose v2 vs the engine floor, same engine, same run.

Cases (each timed as wall seconds, median of N runs):
  up -d, 50 services        50 independent services
  down, 50 services         removing the 50-service project
  up -d, 10-deep chain      s0 <- s1 <- ... <- s9 (`depends_on`)
  no-op up -d, 50 services  a second `up -d` with nothing changed

Contenders:
  rcompose  target/release/rcompose (built with `cargo build --release` unless --rcompose)
  v2        docker compose v2 (standalone `docker-compose` binary, or --v2)
  floor     raw Docker API calls over /var/run/docker.sock (API /v1.41), in-process:
              up:    create the project network, then create+start every container, 8 at a time
                     (the chain is sequential by nature: each link is created+started in order)
              down:  force-remove every container (DELETE ?force=1), 8 at a time, then the network
              no-op: the one list call (containers by project label) any no-op up needs

Targets: rcompose/floor <= 1.1 (engine-work cases), rcompose/v2 <= 1.0 (no-op up: <= 0.3).

rcompose runs with RCOMPOSE_TIMINGS=1: after the table, its phase timings (own work, engine
calls per phase) are printed for the median run of each case. The load average is printed
before and after: the machine may be shared, so compare ratios measured in the same run.

Containers run `rcompose-test/busybox:latest` (`sleep 100000`, `init: true`, so stop is fast);
the image is made first by scripts/test-image.sh. Every contender runs on its own uniquely named
projects, and every project is cleaned up in a `finally:`, by the tool's own `down -v -t 0` and by
label (com.docker.compose.project=NAME) through the API. No other container is touched.

Usage: scripts/bench-engine.py [--runs N] [--v2 PATH] [--rcompose PATH]
Exits non-zero if any command fails.
"""
import argparse
import concurrent.futures
import http.client
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEFAULT_V2 = [
    os.path.join(ROOT, ".ci/venv/lib/python3.11/site-packages/compose/docker-compose"),
    "/opt/composev2/lib/python3.11/site-packages/compose/docker-compose",
]
SOCKET = "/var/run/docker.sock"
API = "/v1.41"
IMAGE = "rcompose-test/busybox:latest"
COMMAND = ["sleep", "100000"]
WIDE = 50
CHAIN = 10
POOL = 8
PROJECT_LABEL = "com.docker.compose.project"


class BenchError(Exception):
    pass


# ---------------------------------------------------------------------------------------------
# Docker API over the unix socket


class UnixHTTPConnection(http.client.HTTPConnection):
    def __init__(self, path, timeout=300):
        super().__init__("localhost", timeout=timeout)
        self.unix_path = path

    def connect(self):
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.settimeout(self.timeout)
        sock.connect(self.unix_path)
        self.sock = sock


_local = threading.local()


def api(method, path, body=None, ok=(200, 201, 204)):
    """One API call on this thread's keep-alive connection; the decoded JSON body (or None)."""
    conn = getattr(_local, "conn", None)
    if conn is None:
        conn = _local.conn = UnixHTTPConnection(SOCKET)
    headers = {}
    data = None
    if body is not None:
        data = json.dumps(body).encode()
        headers["Content-Type"] = "application/json"
    try:
        conn.request(method, API + path, body=data, headers=headers)
        resp = conn.getresponse()
        raw = resp.read()
    except (OSError, http.client.HTTPException):
        conn.close()
        _local.conn = None
        raise
    if resp.status not in ok:
        raise BenchError(f"{method} {path}: HTTP {resp.status}: {raw[:500].decode(errors='replace')}")
    if raw and resp.getheader("Content-Type", "").startswith("application/json"):
        return json.loads(raw)
    return None


def label_filter(project):
    return urllib.parse.quote(json.dumps({"label": [f"{PROJECT_LABEL}={project}"]}))


def list_project(project):
    return api("GET", f"/containers/json?all=1&filters={label_filter(project)}")


def network_name(project):
    return f"{project}_default"


def floor_network_create(project):
    api("POST", "/networks/create", {
        "Name": network_name(project),
        "CheckDuplicate": True,
        "Driver": "bridge",
        "Labels": {PROJECT_LABEL: project, "com.docker.compose.network": "default"},
    })


def floor_create_start(project, service):
    net = network_name(project)
    name = f"{project}-{service}-1"
    created = api("POST", f"/containers/create?name={urllib.parse.quote(name)}", {
        "Image": IMAGE,
        "Cmd": COMMAND,
        "Labels": {
            PROJECT_LABEL: project,
            "com.docker.compose.service": service,
            "com.docker.compose.container-number": "1",
            "com.docker.compose.oneoff": "False",
        },
        "HostConfig": {"Init": True, "NetworkMode": net},
        "NetworkingConfig": {"EndpointsConfig": {net: {"Aliases": [service, name]}}},
    })
    api("POST", f"/containers/{created['Id']}/start")


def floor_remove(cid):
    api("DELETE", f"/containers/{cid}?force=1&v=1", ok=(200, 204, 404))


def floor_up_wide(pool, project, services):
    floor_network_create(project)
    for f in [pool.submit(floor_create_start, project, s) for s in services]:
        f.result()


def floor_up_chain(project, services):
    floor_network_create(project)
    for s in services:  # each link waits for its dependency to be started
        floor_create_start(project, s)


def floor_down(pool, project):
    ids = [c["Id"] for c in list_project(project)]
    for f in [pool.submit(floor_remove, cid) for cid in ids]:
        f.result()
    api("DELETE", f"/networks/{network_name(project)}", ok=(200, 204, 404))


def floor_noop(project):
    list_project(project)


def api_cleanup(project):
    """Removal by label: the project's containers, then its networks and volumes."""
    for c in list_project(project) or []:
        floor_remove(c["Id"])
    for n in api("GET", f"/networks?filters={label_filter(project)}") or []:
        api("DELETE", f"/networks/{n['Id']}", ok=(200, 204, 404, 403, 409))
    vols = api("GET", f"/volumes?filters={label_filter(project)}") or {}
    for v in vols.get("Volumes") or []:
        api("DELETE", f"/volumes/{urllib.parse.quote(v['Name'])}", ok=(200, 204, 404, 409))


# ---------------------------------------------------------------------------------------------
# Compose files and CLI contenders


def service_names(n):
    return [f"s{i}" for i in range(n)]


def write_compose(path, n, chain):
    lines = ["services:"]
    for i, s in enumerate(service_names(n)):
        lines += [
            f"  {s}:",
            f"    image: {IMAGE}",
            f"    command: {json.dumps(COMMAND)}",
            "    init: true",
        ]
        if chain and i > 0:
            lines += ["    depends_on:", f"      - s{i - 1}"]
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")


def run_cli(argv, cwd, env=None):
    """Wall seconds of one CLI run and its `timings:` line (or None); raises BenchError if it
    fails."""
    with tempfile.TemporaryFile() as errors:
        start = time.perf_counter()
        proc = subprocess.run(argv, cwd=cwd, stdin=subprocess.DEVNULL,
                              stdout=subprocess.DEVNULL, stderr=errors, env=env)
        elapsed = time.perf_counter() - start
        errors.seek(0)
        err = errors.read().decode(errors="replace")
        if proc.returncode != 0:
            raise BenchError(f"command failed ({proc.returncode}): {' '.join(argv)}\n{err[-2000:]}")
    timings = next((line[len("timings: "):] for line in err.splitlines()
                    if line.startswith("timings: ")), None)
    return elapsed, timings


def timed(fn, *args):
    start = time.perf_counter()
    fn(*args)
    return time.perf_counter() - start


class Cli:
    def __init__(self, name, exe, workdir, wide_file, chain_file, tag, env=None):
        self.name = name
        self.exe = exe
        self.cwd = workdir
        self.wide = (f"{tag}w", wide_file)
        self.chain = (f"{tag}c", chain_file)
        self.env = None if env is None else {**os.environ, **env}
        self.timings = {}  # case -> [timings line per run]

    def run(self, case, argv):
        elapsed, timings = run_cli(argv, self.cwd, self.env)
        if case is not None:
            self.timings.setdefault(case, []).append(timings)
        return elapsed

    def projects(self):
        return [self.wide, self.chain]

    def cmd(self, proj, *args):
        project, file = proj
        return [self.exe, "-p", project, "-f", file, *args]

    def up_wide(self):
        return self.run("up_wide", self.cmd(self.wide, "up", "-d"))

    def noop_wide(self):
        return self.run("noop_wide", self.cmd(self.wide, "up", "-d"))

    def down_wide(self):
        return self.run("down_wide", self.cmd(self.wide, "down", "-v", "-t", "0"))

    def up_chain(self):
        return self.run("up_chain", self.cmd(self.chain, "up", "-d"))

    def down_chain(self):
        return self.run(None, self.cmd(self.chain, "down", "-v", "-t", "0"))

    def cleanup(self):
        errors = []
        for proj in self.projects():
            try:
                self.run(None, self.cmd(proj, "down", "-v", "-t", "0"))
            except BenchError as e:
                errors.append(str(e))
            api_cleanup(proj[0])
        return errors


class Floor:
    name = "floor"

    def __init__(self, tag, pool):
        self.wide = f"{tag}w"
        self.chain = f"{tag}c"
        self.pool = pool

    def projects(self):
        return [self.wide, self.chain]

    def up_wide(self):
        return timed(floor_up_wide, self.pool, self.wide, service_names(WIDE))

    def noop_wide(self):
        return timed(floor_noop, self.wide)

    def down_wide(self):
        return timed(floor_down, self.pool, self.wide)

    def up_chain(self):
        return timed(floor_up_chain, self.chain, service_names(CHAIN))

    def down_chain(self):
        return timed(floor_down, self.pool, self.chain)

    def cleanup(self):
        for p in self.projects():
            api_cleanup(p)
        return []


# ---------------------------------------------------------------------------------------------


def find_v2(given):
    if given:
        return given
    for path in DEFAULT_V2:
        if os.access(path, os.X_OK):
            return path
    sys.exit("docker compose v2 not found; pass --v2 PATH")


def build_rcompose(given):
    if given:
        return os.path.abspath(given)
    print("building rcompose (cargo build --release)...", file=sys.stderr, flush=True)
    if subprocess.run(["cargo", "build", "--release", "--quiet"], cwd=ROOT).returncode != 0:
        sys.exit("cargo build --release failed")
    target = os.environ.get("CARGO_TARGET_DIR") or os.path.join(ROOT, "target")
    return os.path.join(os.path.abspath(target), "release", "rcompose")


CASES = [
    ("up -d, 50 services", "up_wide", 1.1, 1.0),
    ("down, 50 services", "down_wide", 1.1, 1.0),
    ("up -d, 10-deep chain", "up_chain", 1.1, 1.0),
    ("no-op up -d, 50 services", "noop_wide", None, 0.3),
]


def one_run(contenders, results):
    for c in contenders:
        # Up, no-op up, down of the wide project; then up (timed) and down (untimed) of the chain.
        results[c.name]["up_wide"].append(c.up_wide())
        results[c.name]["noop_wide"].append(c.noop_wide())
        results[c.name]["down_wide"].append(c.down_wide())
        results[c.name]["up_chain"].append(c.up_chain())
        c.down_chain()
        leftover = [p for p in c.projects() if list_project(p)]
        if leftover:
            raise BenchError(f"{c.name}: containers left after down: {leftover}")


def median_index(values):
    """The index of the (lower) median of `values`."""
    order = sorted(range(len(values)), key=lambda i: values[i])
    return order[(len(order) - 1) // 2]


def print_timings(results, cli):
    """rcompose's own account of the median run of each case (RCOMPOSE_TIMINGS)."""
    print()
    print(f"{cli.name} phase timings (RCOMPOSE_TIMINGS=1), median run of each case:")
    for label, key, _, _ in CASES:
        lines = cli.timings.get(key) or []
        times = results[cli.name][key]
        if not lines or len(lines) != len(times):
            continue
        line = lines[median_index(times)]
        print(f"  {label:<26} {line or '(no timings line)'}")


def print_table(results):
    med = {name: {k: statistics.median(v) for k, v in cases.items()} for name, cases in results.items()}
    head = f"{'case':<26} {'rcompose':>9} {'v2':>9} {'floor':>9} {'rc/floor':>9} {'target':>7} {'rc/v2':>7} {'target':>7}"
    print(head)
    print("-" * len(head))
    for label, key, t_floor, t_v2 in CASES:
        rc, v2, fl = med["rcompose"][key], med["v2"][key], med["floor"][key]
        r_fl, r_v2 = rc / fl, rc / v2
        mark_fl = "-" if t_floor is None else ("ok" if r_fl <= t_floor else "MISS")
        mark_v2 = "ok" if r_v2 <= t_v2 else "MISS"
        tf = "-" if t_floor is None else f"<={t_floor}"
        print(f"{label:<26} {rc:>8.3f}s {v2:>8.3f}s {fl:>8.3f}s {r_fl:>9.2f} {tf:>7} {r_v2:>7.2f} {'<=' + str(t_v2):>7}"
              f"  {mark_fl} {mark_v2}".rstrip())


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=3, help="runs per case (median reported; default 3)")
    ap.add_argument("--v2", help="path of the docker compose v2 binary")
    ap.add_argument("--rcompose", help="path of the rcompose binary (skips the cargo build)")
    args = ap.parse_args()
    if args.runs < 1:
        sys.exit("--runs must be at least 1")

    v2 = find_v2(args.v2)
    rc = build_rcompose(args.rcompose)
    if subprocess.run([os.path.join(ROOT, "scripts", "test-image.sh")]).returncode != 0:
        sys.exit("scripts/test-image.sh failed")
    api("GET", f"/images/{urllib.parse.quote(IMAGE, safe='')}/json")

    tmp = tempfile.mkdtemp(prefix="rcbench-")
    wide_file = os.path.join(tmp, "wide.yaml")
    chain_file = os.path.join(tmp, "chain.yaml")
    write_compose(wide_file, WIDE, chain=False)
    write_compose(chain_file, CHAIN, chain=True)

    base = f"rcbench{os.getpid()}x"
    pool = concurrent.futures.ThreadPoolExecutor(max_workers=POOL)
    contenders = [
        Cli("rcompose", rc, tmp, wide_file, chain_file, base + "rc", env={"RCOMPOSE_TIMINGS": "1"}),
        Cli("v2", v2, tmp, wide_file, chain_file, base + "v2"),
        Floor(base + "fl", pool),
    ]
    results = {c.name: {key: [] for _, key, _, _ in CASES} for c in contenders}
    failed = False
    try:
        load = os.getloadavg()
        print(f"engine benchmark: {args.runs} run(s), load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}, "
              f"{os.cpu_count()} CPUs", file=sys.stderr, flush=True)
        for i in range(args.runs):
            print(f"run {i + 1}/{args.runs}...", file=sys.stderr, flush=True)
            one_run(contenders, results)
    except (BenchError, OSError, http.client.HTTPException) as e:
        print(f"error: {e}", file=sys.stderr)
        failed = True
    finally:
        for c in contenders:
            try:
                for err in c.cleanup():
                    print(f"cleanup: {err}", file=sys.stderr)
            except Exception as e:  # keep cleaning the others
                print(f"cleanup of {c.name} failed: {e}", file=sys.stderr)
                failed = True
        pool.shutdown()
        shutil.rmtree(tmp, ignore_errors=True)
    if failed:
        sys.exit(1)
    load = os.getloadavg()
    print(f"load average at the end: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}", file=sys.stderr, flush=True)
    print_table(results)
    print()
    print("every run (seconds):")
    for label, key, _, _ in CASES:
        runs = "  ".join(f"{c.name} " + " ".join(f"{t:.3f}" for t in results[c.name][key]) for c in contenders)
        print(f"  {label:<26} {runs}")
    print_timings(results, contenders[0])


if __name__ == "__main__":
    main()
