#!/usr/bin/env python3
"""The benchmark harness: one run, side by side, written to BENCHMARKS.md with PNG plots.

  tests/bench/run [--scale small] [--queries 200] [--out BENCHMARKS.md]

What it measures, all in the same run on the same machine and the same data (see the README
of each peer in tests/bench/peers/ for its design and tuning):

  1. ingest: events/s from publish to projected (the projector running while `annals gen`
     publishes), beside the raw limits on the same topics: librdkafka consuming without
     projecting (tests/bench/ingest_limits.cpp --mode consume), and the same records written
     to a plain RocksDB store in the same batches (--mode rocksdb);
  2. the same projection as a Kafka Streams application (peers/kafka-streams), on the same
     topics;
  3. history questions on both clocks (QUESTIONS: state, indicators, a diff over a school
     year, the indicators series; each as of now and as recorded at a time) p50/p99 at random
     points against PostgreSQL answering the same from bitemporal history tables
     (peers/postgres), both asked from this one Python client, interleaved; the answers are
     checked equal first on both clocks (peers/postgres/check.py); then eight concurrent
     clients, alone and beside a heavy one;
  4. growth: the questions with 1, 3 and 10 years of history (and, with --county-schools N,
     for one district of N schools at 1, 3 and 10 years); ingest rate at 1x and 10x the data
     (a tenth of the schools, then main); the projector's memory (RSS) across each run;
  5. the time to rebuild every view from the full history (and, with --baseline-bins, the
     same rebuild and questions with the binaries of an earlier commit: before and after);
  6. publishing: the main dataset imported through the four publishing services (`annals
     import --batch 5000`, every event checked against the rules), against `annals gen
     --kafka` producing the same events straight into topics of their own with librdkafka.

Issue 14's run, one Beijing-scale district and a 300-school county:
  tests/bench/run --scale beijing --districts 1 --county-schools 300 --baseline-bins DIR

Nothing here asserts a time: the figures are written down, as ratios where they compare.

The processes it starts read a token file of the run's own (WORK/tokens, made with `annals
tokens add`): the questions are asked with its reader's token, the projector's progress with
its metrics token.
"""
import argparse
import datetime
import gc
import http.client
import json
import os
import platform
import random
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
import urllib.request

here = os.path.dirname(os.path.abspath(__file__))
source = os.path.dirname(os.path.dirname(here))
sys.path.insert(0, os.path.join(source, "tests", "support"))
from stack import free_port, get_json, make_tokens, ready, stop_processes  # noqa: E402
started_at = time.time()


def source_commit():
    """The source tree's commit as the run starts, marked when tracked files differ from it (the
    binaries measured are built from that tree, or from --bins, which the report names)."""
    head = subprocess.run(["git", "-C", source, "rev-parse", "--short", "HEAD"], stdout=subprocess.PIPE,
                          text=True).stdout.strip()
    dirty = subprocess.run(["git", "-C", source, "status", "--porcelain", "--untracked-files=no"],
                           stdout=subprocess.PIPE, text=True).stdout.strip()
    return head + (" with uncommitted changes" if dirty else "")


started_commit = source_commit()
SYSTEMS = ("registry", "personnel", "enrollment", "finance")  # the publishing services
SCHOOLS_PER_DISTRICT = {"demo": 10, "small": 30, "medium": 60, "beijing": 88}  # services/gen/synthetic_city.cpp


def log(*args):
    print(f"[{time.time() - started_at:6.0f}s]", *args, file=sys.stderr, flush=True)


def run(*args, capture=False, env=None, cwd=None):
    log("$", " ".join(str(a) for a in args))
    r = subprocess.run([str(a) for a in args], check=True, env=env, cwd=cwd,
                       stdout=subprocess.PIPE if capture else sys.stderr, stderr=sys.stderr, text=True)
    return r.stdout if capture else None


def ensure_python_modules():
    missing = []
    for module, package in (("matplotlib", "matplotlib"), ("psycopg", "psycopg[binary]")):
        try:
            __import__(module)
        except ImportError:
            missing.append(package)
    if missing:
        run(sys.executable, "-m", "pip", "install", "-q", *missing)


def timed_get(conn, path, token, received=None):
    """GET `path` on a keep-alive connection as `token`: (status, the answer's JSON, seconds), the
    JSON decoded within the time (a client reads the answer, not only its bytes). The seconds to
    the answer's last byte, before the decoding, are appended to the list `received` if given."""
    t0 = time.perf_counter()
    conn.request("GET", path, headers={"Authorization": f"Bearer {token}"})
    r = conn.getresponse()
    body = r.read()
    if received is not None:
        received.append(time.perf_counter() - t0)
    try:
        body = json.loads(body)
    except ValueError:
        pass
    return r.status, body, time.perf_counter() - t0


def histograms(port, token, name):
    """The histogram `name` of the process on `port`'s /metrics: {label text: {le: count}}, with
    the "+Inf" bucket, "sum" and "count" (Prometheus's text format)."""
    request = urllib.request.Request(f"http://127.0.0.1:{port}/metrics", headers={"Authorization": f"Bearer {token}"})
    with urllib.request.urlopen(request, timeout=10) as r:
        text = r.read().decode()
    out = {}
    for line in text.splitlines():
        if not line.startswith(name + "_"):
            continue
        series, value = line.rsplit(" ", 1)
        kind, _, labels = series[len(name) + 1:].partition("{")
        pairs = dict(p.split("=", 1) for p in labels.rstrip("}").split(",") if p)
        le = pairs.pop("le", None)
        h = out.setdefault(",".join(f"{k}={v.strip(chr(34))}" for k, v in sorted(pairs.items())), {})
        h[le.strip('"') if kind == "bucket" else kind] = float(value)
    return out


def histogram_delta(after, before, over):
    """What a histogram counted between two scrapes: n, mean in ms, and how many above `over` s."""
    out = {}
    for labels, h in after.items():
        b = before.get(labels, {})
        n = h.get("count", 0) - b.get("count", 0)
        if n <= 0:
            continue
        below = h.get(str(over), 0) - b.get(str(over), 0)
        out[labels] = {"n": int(n), "mean_ms": (h["sum"] - b.get("sum", 0)) / n * 1000, f"over_{over * 1000:g}ms": int(n - below)}
    return out


def percentile(values, p):
    v = sorted(values)
    return v[min(len(v) - 1, int(len(v) * p / 100))]


def du(path):
    total = 0
    for root, _, files in os.walk(path):
        for f in files:
            try:
                total += os.path.getsize(os.path.join(root, f))
            except OSError:
                pass
    return total


class RssSampler:
    """The resident set of a process, sampled every 0.25 s from /proc."""

    def __init__(self, pid):
        self.pid, self.samples, self.stop = pid, [], threading.Event()
        self.t0 = time.time()
        self.thread = threading.Thread(target=self.loop, daemon=True)
        self.thread.start()

    def loop(self):
        while not self.stop.is_set():
            try:
                with open(f"/proc/{self.pid}/status") as f:
                    for line in f:
                        if line.startswith("VmRSS:"):
                            self.samples.append((time.time() - self.t0, int(line.split()[1]) / 1024))
            except OSError:
                return
            self.stop.wait(0.25)

    def finish(self):
        self.stop.set()
        self.thread.join()
        return self.samples

    def peak(self):
        return max((mb for _, mb in self.samples), default=0.0)


class History:
    """The dates of a generated history (annals gen: school years from 2012-09-01) and the
    random points questions are asked at: an effective date D in it, and a recorded time T
    from a month before D to the end (a date: the end of that day in Beijing)."""

    def __init__(self, years):
        self.first = datetime.date(2012, 9, 1)
        self.last = datetime.date(2012 + years, 7, 31)

    def date(self, rng, since=None):
        since = since or self.first
        return since + datetime.timedelta(days=rng.randrange((self.last - since).days + 1))

    def point(self, rng):
        at = self.date(rng)
        return at.isoformat(), self.date(rng, max(self.first, at - datetime.timedelta(days=30))).isoformat()

    def school_year(self, rng):
        """A diff over one school year, from a 1 September to the next (or to the end)."""
        year = rng.randrange(self.first.year, max(self.first.year + 1, self.last.year))
        return f"{year}-09-01", min(datetime.date(year + 1, 9, 1), self.last).isoformat()

    def years(self):
        """The points of indicators/series?step=year from the first date to the last."""
        out, d = [], self.first
        while d <= self.last:
            out.append(d.isoformat())
            d = d.replace(year=d.year + 1)
        return out


def _state(h, rng, district, recorded=False):
    at, t = h.point(rng)
    rec = f"&recorded_at={t}" if recorded else ""
    return (f"/v1/districts/{district}/state?at={at}{rec}",
            lambda peer, c: peer.state_at(c, district, at, t if recorded else None))


def _indicators(h, rng, district, recorded=False):
    at, t = h.point(rng)
    rec = f"&recorded_at={t}" if recorded else ""
    return (f"/v1/districts/{district}/indicators?at={at}{rec}",
            lambda peer, c: peer.indicators_at(c, district, at, t if recorded else None))


def _diff(h, rng, district):
    """Question 8: what changed over a school year, and which events caused it."""
    d1, d2 = h.school_year(rng)
    return (f"/v1/districts/{district}/diff?from={d1}&to={d2}", lambda peer, c: peer.diff(c, district, d1, d2))


def _diff_recorded(h, rng, district):
    """Question 7: what the record said on T about D, and what changed since (D as known now)."""
    at, t = h.point(rng)
    return (f"/v1/districts/{district}/diff?from={at}&from_recorded_at={t}&to={at}",
            lambda peer, c: peer.diff(c, district, at, at, t, None))


def _series(h, rng, district, recorded=False):
    _, t = h.point(rng)
    rec = f"&recorded_at={t}" if recorded else ""
    return (f"/v1/districts/{district}/indicators/series?from={h.first}&to={h.last}&step=year{rec}",
            lambda peer, c: peer.series(c, district, h.years(), t if recorded else None))


# Every question the harness times, on both clocks: name -> (History, Random, district) ->
# (the audit service's path, the PostgreSQL peer's call). `_rec`: as recorded at a time.
QUESTIONS = {
    "state": _state,
    "state_rec": lambda h, rng, d: _state(h, rng, d, True),
    "indicators": _indicators,
    "indicators_rec": lambda h, rng, d: _indicators(h, rng, d, True),
    "diff": _diff,
    "diff_rec": _diff_recorded,
    "series": _series,
    "series_rec": lambda h, rng, d: _series(h, rng, d, True),
}


class Bench:
    def __init__(self, args):
        self.args = args
        self.work = os.path.abspath(args.work)
        self.bins = os.path.abspath(args.bins)
        self.tests = os.path.abspath(args.tests_bins)
        self.port = args.kafka_port
        self.brokers = f"127.0.0.1:{self.port}"
        self.broker_env = dict(os.environ, ANNALS_KAFKA_PORT=str(self.port), ANNALS_KAFKA_DIR=f"{self.work}/broker",
                               ANNALS_KAFKA_SECURITY="plaintext")
        self.tokens_file = f"{self.work}/tokens"
        self.tokens = {}
        self.results = {"datasets": {}, "ingest": {}, "queries": {}, "rss": {}, "notes": []}

    # ---- the data ---------------------------------------------------------------------------
    def dataset(self, name, **gen):
        """Generates a dataset to NDJSON (for PostgreSQL), creates its topics. Returns its facts."""
        prefix = f"{name}."
        path = f"{self.work}/{name}.ndjson"
        if self.args.districts:
            gen = {"districts": self.args.districts, **gen}
        flags = ["--scale", self.args.scale] + [x for k, v in gen.items() for x in (f"--{k}", str(v))]
        run(f"{self.bins}/annals", "gen", *flags, "--out", path, "--quiet")
        with open(path, "rb") as f:
            events = sum(1 for _ in f)
        run(f"{self.bins}/annals", "topics", "create", "--brokers", self.brokers, "--topic-prefix", prefix,
            "--partitions", self.args.partitions)
        years = int(gen.get("years", 10))
        facts = {"name": name, "prefix": prefix, "ndjson": path, "events": events, "bytes": os.path.getsize(path),
                 "flags": flags, "years": years}
        self.results["datasets"][name] = facts
        log(f"dataset {name}: {events} events, {facts['bytes'] / 1e6:.0f} MB")
        return facts

    def publish(self, ds):
        t0 = time.time()
        run(f"{self.bins}/annals", "gen", *ds["flags"], "--kafka", "--brokers", self.brokers, "--topic-prefix",
            ds["prefix"], "--quiet")
        return time.time() - t0

    # ---- Annals ---------------------------------------------------------------------------
    def rebuild(self, ds, label, bins=None, extra=()):
        """The projector (of `bins`, default --bins) from an empty store over the whole log
        (--exit-when-caught-up), with `extra` arguments."""
        return self.rebuilds(ds, {label: extra}, bins)[label]

    def rebuilds(self, ds, runs, bins=None):
        """Projectors (of `bins`, default --bins) started at once, each from an empty store of
        its own over the log (--exit-when-caught-up): `runs` maps a label to one's extra
        arguments. Each result's seconds: from the start until that one ended."""
        started = {}
        t0 = time.time()
        for label, extra in runs.items():
            store = f"{self.work}/views-{label}"
            shutil.rmtree(store, ignore_errors=True)
            p = subprocess.Popen([f"{bins or self.bins}/annals-projector", "--brokers", self.brokers,
                                  "--topic-prefix", ds["prefix"], "--group", f"rebuild-{label}", "--store", store,
                                  "--listen", "127.0.0.1:0", "--tokens", self.tokens_file, "--exit-when-caught-up",
                                  *extra],
                                 stdout=subprocess.DEVNULL, stderr=open(f"{store}.log", "w"))
            started[label] = (p, RssSampler(p.pid), store)
        ended = {}
        while len(ended) < len(started):
            for label, (p, _, store) in started.items():
                if label not in ended and p.poll() is not None:
                    if p.returncode != 0:
                        sys.exit(f"the projector failed; see {store}.log")
                    ended[label] = time.time() - t0
            time.sleep(0.05)
        out = {}
        for label, (p, rss, store) in started.items():
            seconds = ended[label]
            self.results["rss"][label] = rss.finish()
            out[label] = {"events": ds["events"], "seconds": seconds, "events_per_second": ds["events"] / seconds,
                          "rss_peak_mb": rss.peak(), "store_bytes": du(store), "store": store}
            log(f"rebuild {label}: {out[label]['events_per_second']:.0f} events/s, peak RSS {out[label]['rss_peak_mb']:.0f} MB")
        return out

    def scale_out(self):
        """Issue 16, item 4: a dataset of two districts (which land on partitions in different
        halves at 8 partitions) rebuilt by one projector, then by two at once, each rebuilding
        half of the partitions into a store of its own (--partitions: how a group of two
        instances' stores are rebuilt). Each store's records are counted from its offsets."""
        ds = self.dataset("s2", districts=2, **{"first-district": 2}, years=3)
        self.publish(ds)
        one = self.rebuild(ds, "s2-one")
        shutil.rmtree(one["store"], ignore_errors=True)
        half = self.args.partitions // 2
        shares = {"s2-low": f"0-{half - 1}", "s2-high": f"{half}-{self.args.partitions - 1}"}
        two = self.rebuilds(ds, {label: ("--partitions", parts) for label, parts in shares.items()})
        for label, r in two.items():
            offsets = json.loads(run(f"{self.bins}/annals", "views", "offsets", "--store", r["store"], capture=True))
            r["records"] = sum(o["next_offset"] for o in offsets)
            r["partitions"] = shares[label]
            shutil.rmtree(r["store"], ignore_errors=True)
        if sum(r["records"] for r in two.values()) != ds["events"]:
            sys.exit(f"the two instances' stores hold {[r['records'] for r in two.values()]} records, "
                     f"not the {ds['events']} published")
        seconds = max(r["seconds"] for r in two.values())
        r = {"events": ds["events"], "one": one, "two": two, "seconds": seconds,
             "speedup": one["seconds"] / seconds}
        log(f"scale-out: one instance {one['seconds']:.1f} s, two {seconds:.1f} s ({r['speedup']:.2f}x)")
        return r

    def live(self, ds):
        """Publish to projected: the projector runs while the generator publishes."""
        store = f"{self.work}/views-live"
        shutil.rmtree(store, ignore_errors=True)
        port = free_port()
        p = subprocess.Popen([f"{self.bins}/annals-projector", "--brokers", self.brokers, "--topic-prefix", ds["prefix"],
                              "--group", "live", "--store", store, "--listen", f"127.0.0.1:{port}",
                              "--tokens", self.tokens_file], stdout=subprocess.DEVNULL, stderr=open(f"{store}.log", "w"))
        try:
            self.wait_http(port, "/v1/progress", self.tokens["bench-metrics"])
            rss = RssSampler(p.pid)
            t0 = time.time()
            publish_seconds = self.publish(ds)
            while True:
                parts = get_json(port, "/v1/progress", token=self.tokens["bench-metrics"])["partitions"]
                if sum(max(0, x["next_offset"]) for x in parts) >= ds["events"]:
                    break
                if time.time() - t0 > 3600:
                    sys.exit("the live projector did not catch up")
                time.sleep(0.05)
            seconds = time.time() - t0
            rss.finish()
        finally:
            p.send_signal(signal.SIGTERM)
            p.wait(timeout=60)
        self.results["rss"]["live"] = rss.samples
        r = {"events": ds["events"], "seconds": seconds, "events_per_second": ds["events"] / seconds,
             "publish_seconds": publish_seconds, "rss_peak_mb": rss.peak(),
             "store": store, "store_bytes": du(store)}
        log(f"live: {r['events_per_second']:.0f} events/s publish to projected (publishing alone took {publish_seconds:.1f} s)")
        return r

    def import_through_services(self, ds):
        """The dataset through the four publishing services (`annals import`, as a system with
        its own history would send it: its recorded_at as source_recorded_at), into topics of
        its own, against `annals gen --kafka` producing the same events into topics of their
        own, alone on the machine. Every event must be accepted: the generated city keeps the
        rules (tests/gen/synthetic_city_rules_test.cpp)."""
        prefix = f"import-{ds['name']}."
        for p in (prefix, f"raw-{ds['name']}."):
            run(f"{self.bins}/annals", "topics", "create", "--brokers", self.brokers, "--topic-prefix", p,
                "--partitions", self.args.partitions)
        t0 = time.time()
        run(f"{self.bins}/annals", "gen", *ds["flags"], "--kafka", "--brokers", self.brokers, "--topic-prefix",
            f"raw-{ds['name']}.", "--quiet")
        raw_seconds = time.time() - t0
        tokens = make_tokens(f"{self.bins}/annals", self.tokens_file, {
            f"bench-{s}-{ds['name']}": ["--role", "source", "--system", s, "--any-source", "--all-districts"]
            for s in SYSTEMS})
        path = f"{self.work}/{ds['name']}-import.ndjson"
        with open(ds["ndjson"]) as f, open(path, "w") as out:
            for line in f:
                out.write(line.replace('"recorded_at":', '"source_recorded_at":', 1))
        env = dict(os.environ, **{f"ANNALS_TOKEN_{s.upper()}": tokens[f"bench-{s}-{ds['name']}"] for s in SYSTEMS})
        ports = {s: free_port() for s in SYSTEMS}
        procs = [subprocess.Popen([f"{self.bins}/annals-{s}", "--brokers", self.brokers, "--topic-prefix", prefix,
                                   "--listen", f"127.0.0.1:{ports[s]}", "--tokens", self.tokens_file,
                                   "--store", f"{self.work}/publisher-{s}"],
                                  stdout=subprocess.DEVNULL, stderr=open(f"{self.work}/publisher-{s}.log", "w"))
                 for s in SYSTEMS]
        try:
            deadline = time.time() + 120
            while not all(ready(p) for p in ports.values()):
                if time.time() > deadline:
                    sys.exit(f"the publishing services did not start; see {self.work}/publisher-*.log")
                time.sleep(0.25)
            t0 = time.time()
            out = run(f"{self.bins}/annals", "import", "--batch", "5000", "--quiet", "--restart",
                      *[x for s in SYSTEMS for x in (f"--{s}", f"http://127.0.0.1:{ports[s]}")], path,
                      capture=True, env=env)
            seconds = time.time() - t0
        finally:
            stop_processes(procs)
            for s in SYSTEMS:
                shutil.rmtree(f"{self.work}/publisher-{s}", ignore_errors=True)
        summary = out.strip().splitlines()[-1]
        accepted = int(re.search(r": (\d+) accepted", summary).group(1))
        if accepted != ds["events"]:
            sys.exit(f"annals import accepted {accepted} of {ds['events']} events: {summary}")
        r = {"events": ds["events"], "seconds": seconds, "events_per_second": ds["events"] / seconds,
             "raw_seconds": raw_seconds, "raw_events_per_second": ds["events"] / raw_seconds}
        log(f"import through the services: {r['events_per_second']:.0f} events/s, "
            f"{r['events_per_second'] / r['raw_events_per_second']:.2f}x annals gen --kafka")
        return r

    def limits(self, ds):
        out = {}
        for mode in ("consume", "rocksdb"):
            store = f"{self.work}/raw-{mode}"
            shutil.rmtree(store, ignore_errors=True)
            line = run(f"{self.tests}/ingest_limits", "--brokers", self.brokers, "--topic-prefix", ds["prefix"],
                       "--expect", ds["events"], "--mode", mode, "--store", store, capture=True)
            out[mode] = json.loads(line.strip().splitlines()[-1])
            if mode == "rocksdb":
                out[mode]["store_bytes"] = du(store)
            shutil.rmtree(store, ignore_errors=True)
            log(f"raw {mode}: {out[mode]['events_per_second']:.0f} events/s")
        return out

    # ---- the verifiable log (issue 15) -------------------------------------------------------
    def verifiable_log(self, ds, rebuilt):
        """What the verifiable log costs the rebuild (the same rebuild without it, the
        projector's --without-log), how fast its proofs are answered, and how fast
        `annals verify audit` replays and compares the whole log."""
        out = {"with_log": rebuilt, "without_log": self.rebuild(ds, "nolog", extra=["--without-log"])}
        shutil.rmtree(out["without_log"]["store"], ignore_errors=True)
        out["rate_ratio"] = rebuilt["events_per_second"] / out["without_log"]["events_per_second"]
        key, pub = f"{self.work}/signing-key.pem", f"{self.work}/signing-key.pub.pem"
        for f in (key, pub):
            if os.path.exists(f):
                os.remove(f)
        run(f"{self.bins}/annals", "keys", "generate", "--private", key, "--public", pub)
        store, port, reader = rebuilt["store"], free_port(), self.tokens["bench-reader"]
        audit = subprocess.Popen([f"{self.bins}/annals-audit", "--brokers", self.brokers, "--topic-prefix", ds["prefix"],
                                  "--store", store, "--secondary", f"{store}-log-audit", "--listen", f"127.0.0.1:{port}",
                                  "--tokens", self.tokens_file, "--signing-key", key, "--digest-interval", "0"],
                                 stdout=subprocess.DEVNULL, stderr=open(f"{store}-log-audit.log", "w"))
        heads = []
        try:
            districts = [d["id"] for d in self.wait_http(port, "/v1/districts", reader)["districts"]]
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=600)

            def ask(path):
                status, body, seconds = timed_get(conn, path, reader)
                if status != 200:
                    sys.exit(f"{path}: {status} {body!r:.300}")
                return body, seconds * 1000
            rng = random.Random(15)
            times = {"head": [], "head_rec": [], "inclusion": [], "consistency": []}
            n = max(20, self.args.queries)
            for i in range(n):
                d = districts[i % len(districts)]
                head, ms = ask(f"/v1/districts/{d}/log/head")
                times["head"].append(ms)
                heads.append(head)
                year = rng.randint(2012, 2021)
                times["head_rec"].append(ask(f"/v1/districts/{d}/log/head?recorded_at={year}-06-15T00:00:00Z")[1])
                sizes = [int(line.split()[1]) for line in head["text"].splitlines()[3:7]]
                first = ",".join(str(rng.randint(0, s)) for s in sizes)
                times["consistency"].append(ask(f"/v1/districts/{d}/log/consistency?first={first}")[1])
                events, _ = ask(f"/v1/districts/{d}/events?from={year}-01-01&limit=20")
                for e in events.get("events", [])[:1]:
                    times["inclusion"].append(ask(f"/v1/districts/{d}/log/inclusion?event={e['id']}")[1])
            out["proofs"] = {k: {"n": len(v), "p50": percentile(v, 50), "p99": percentile(v, 99)}
                             for k, v in times.items() if v}
        finally:
            audit.send_signal(signal.SIGTERM)
            audit.wait(timeout=60)
        kept = f"{self.work}/kept-heads.ndjson"
        with open(kept, "w") as f:
            for h in heads:
                f.write(json.dumps(h) + "\n")
        t0 = time.time()
        r = subprocess.run([f"{self.bins}/annals", "verify", "audit", "--brokers", self.brokers, "--topic-prefix",
                            ds["prefix"], "--store", store, "--heads", kept, "--key", pub],
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        seconds = time.time() - t0
        out["audit"] = {"seconds": seconds, "records_per_second": ds["events"] / seconds, "agreed": r.returncode == 0,
                        "output": r.stdout[-3000:]}
        log(f"verifiable log: rebuild rate {out['rate_ratio']:.2f}x without it; full audit "
            f"{out['audit']['records_per_second']:.0f} records/s, agreed: {out['audit']['agreed']}")
        if r.returncode != 0:
            self.results["notes"].append(f"`annals verify audit` did not agree:\n\n```\n{r.stdout[-2000:]}\n```")
        return out

    # ---- Kafka Streams ----------------------------------------------------------------------
    def streams(self, ds, guarantee):
        jar = f"{source}/tests/bench/peers/kafka-streams/target/annals-streams-peer.jar"
        if not os.path.exists(jar) or self.args.rebuild_peer:
            run("mvn", "-q", "-B", "-f", f"{source}/tests/bench/peers/kafka-streams/pom.xml", "package", "-DskipTests")
        state = f"{self.work}/streams-{guarantee}"
        shutil.rmtree(state, ignore_errors=True)
        p = subprocess.Popen(["java", "-Xmx1g", "-jar", jar, "--brokers", self.brokers, "--topic-prefix", ds["prefix"],
                              "--application-id", f"streams-peer-{guarantee}-{int(time.time())}", "--state-dir", state,
                              "--expect", str(ds["events"]), "--threads", "2", "--guarantee", guarantee],
                             stdout=subprocess.PIPE, stderr=open(f"{state}.log", "w"), text=True)
        rss = RssSampler(p.pid)
        out, _ = p.communicate()
        rss.finish()
        if p.returncode != 0:
            sys.exit(f"the Kafka Streams peer failed; see {state}.log")
        r = json.loads(out.strip().splitlines()[-1])
        r["rss_peak_mb"] = rss.peak()
        self.results["rss"][f"streams-{guarantee}"] = rss.samples
        log(f"Kafka Streams ({guarantee}): {r['events_per_second']:.0f} events/s")
        return r

    # ---- questions --------------------------------------------------------------------------
    def wait_http(self, port, path, token, timeout=120):
        deadline = time.time() + timeout
        while True:
            try:
                return get_json(port, path, token=token)
            except OSError:
                if time.time() > deadline:
                    raise
                time.sleep(0.1)

    def start_postgres(self):
        sys.path.insert(0, f"{source}/tests/bench/peers/postgres")
        import peer  # noqa: E402 (the peer's module, from its directory)
        self.pg_peer = peer
        self.pg_port = free_port()
        self.pg_dir = f"{self.work}/postgres"
        shutil.rmtree(self.pg_dir, ignore_errors=True)
        run(sys.executable, f"{source}/tests/bench/peers/postgres/server.py", "start", self.pg_dir, self.pg_port)

    def stop_postgres(self):
        if getattr(self, "pg_dir", None):
            subprocess.run([sys.executable, f"{source}/tests/bench/peers/postgres/server.py", "stop", self.pg_dir])

    def pg_dsn(self, database):
        return f"host=127.0.0.1 port={self.pg_port} user=postgres dbname={database}"

    def pg_load(self, ds):
        import psycopg
        with psycopg.connect(self.pg_dsn("postgres"), autocommit=True) as c:
            c.execute(f"DROP DATABASE IF EXISTS bench_{ds['name']}")
            c.execute(f"CREATE DATABASE bench_{ds['name']}")
        line = run(sys.executable, f"{source}/tests/bench/peers/postgres/load.py", ds["ndjson"], self.pg_dsn(f"bench_{ds['name']}"),
                   capture=True)
        r = json.loads(line.strip().splitlines()[-1])
        log(f"PostgreSQL load {ds['name']}: {r['seconds']:.1f} s")
        return r

    def before(self, ds):
        """The same data and questions with the projector and audit service of --baseline-bins
        (an earlier build): the rebuild's cost, and a few answers per question, Annals only."""
        rebuilt = self.rebuild(ds, "baseline", bins=self.args.baseline_bins)
        port = free_port()
        reader = self.tokens["bench-reader"]
        store = rebuilt["store"]
        audit = subprocess.Popen([f"{self.args.baseline_bins}/annals-audit", "--brokers", self.brokers,
                                  "--topic-prefix", ds["prefix"], "--store", store, "--secondary", f"{store}-audit",
                                  "--listen", f"127.0.0.1:{port}", "--tokens", self.tokens_file],
                                 stdout=subprocess.DEVNULL, stderr=open(f"{store}-audit.log", "w"))
        out = {"rebuild": rebuilt}
        try:
            districts = [d["id"] for d in self.wait_http(port, "/v1/districts", reader)["districts"]]
            history = History(ds["years"])
            c = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
            rng = random.Random(ds["years"])
            for name, ask in QUESTIONS.items():
                times = []
                for _ in range(self.args.baseline_queries):
                    path, _ = ask(history, rng, rng.choice(districts))
                    t0 = time.perf_counter()
                    c.request("GET", path, headers={"Authorization": f"Bearer {reader}"})
                    r = c.getresponse()
                    r.read()
                    if r.status != 200:
                        raise RuntimeError(f"baseline {path}: {r.status}")
                    times.append((time.perf_counter() - t0) * 1000)
                out[name] = {"p50": percentile(times, 50), "p99": percentile(times, 99), "n": len(times)}
                log(f"baseline {name}: p50 {out[name]['p50']:.1f} ms")
            c.close()
        finally:
            audit.send_signal(signal.SIGTERM)
            audit.wait(timeout=30)
            shutil.rmtree(store, ignore_errors=True)
        return out

    def pg_drop(self, ds):
        import psycopg
        with psycopg.connect(self.pg_dsn("postgres"), autocommit=True) as c:
            c.execute(f"DROP DATABASE IF EXISTS bench_{ds['name']}")

    def questions(self, ds, store):
        """Every question on both clocks at random points, Annals over HTTP and PostgreSQL,
        interleaved (QUESTIONS); the answers are checked equal first (peers/postgres/check.py)."""
        port = free_port()
        reader = self.tokens["bench-reader"]
        audit = subprocess.Popen([f"{self.bins}/annals-audit", "--brokers", self.brokers, "--topic-prefix", ds["prefix"],
                                  "--store", store, "--secondary", f"{store}-audit", "--listen", f"127.0.0.1:{port}",
                                  "--tokens", self.tokens_file], stdout=subprocess.DEVNULL,
                                 stderr=open(f"{store}-audit.log", "w"))
        try:
            districts = [d["id"] for d in self.wait_http(port, "/v1/districts", reader)["districts"]]
            dsn = self.pg_dsn(f"bench_{ds['name']}")
            check = subprocess.run([sys.executable, f"{source}/tests/bench/peers/postgres/check.py",
                                    f"http://127.0.0.1:{port}", dsn], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                   text=True, env=dict(os.environ, ANNALS_TOKEN=reader))
            agreed = check.returncode == 0
            log(f"answers checked equal ({ds['name']}): {agreed}: {check.stdout.strip().splitlines()[-1:]}")
            if not agreed:
                self.results["notes"].append(f"{ds['name']}: check.py found differences:\n\n```\n{check.stdout[-2000:]}\n```")
            history = History(ds["years"])
            conn = self.pg_peer.connect(dsn)
            http_conn = http.client.HTTPConnection("127.0.0.1", port, timeout=600)

            received = []  # seconds to each answer's last byte, before Python decodes it

            def annals(path):
                try:
                    status, body, seconds = timed_get(http_conn, path, reader, received)
                except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                    # The service closed the connection kept alive over 5 s idle (httplib's
                    # keep-alive timeout; two slow PostgreSQL answers in a row take that long):
                    # a client opens a new one, and the question is timed on it.
                    http_conn.close()
                    status, body, seconds = timed_get(http_conn, path, reader, received)
                if status != 200:
                    raise RuntimeError(f"{path}: {status} {body!r:.200}")
                return seconds

            def postgres(call):
                t0 = time.perf_counter()
                call(self.pg_peer, conn)
                return time.perf_counter() - t0

            out = {"agreed": agreed, "districts": len(districts), "check": check.stdout.strip().splitlines()[-1:]}
            # What the service itself measured over the timed questions: its answer time by
            # endpoint, and the broker's confirmation of each personal read's access record.
            metrics = self.tokens["bench-metrics"]
            watched = ("annals_audit_request_duration_seconds", "annals_audit_access_log_seconds")
            before = {name: histograms(port, metrics, name) for name in watched}
            rng = random.Random(ds["years"])
            for name, ask in QUESTIONS.items():
                n = max(5, self.args.queries // (10 if name.startswith("series") else 2 if name.startswith("diff") else 1))
                points = [ask(history, rng, rng.choice(districts)) for _ in range(n)]
                for path, call in points[:3]:  # warm both: the first question pays for opening files and plans
                    annals(path)
                    postgres(call)
                times = {"annals": [], "postgres": []}
                received.clear()
                for i, (path, call) in enumerate(points):
                    order = [("annals", lambda: annals(path)), ("postgres", lambda: postgres(call))]
                    for system, timed in (order if i % 2 else order[::-1]):
                        # Python's cycle collector runs between questions, never inside one (a
                        # full collection while a 250 KB answer is decoded took 20-30 ms).
                        gc.collect()
                        gc.disable()
                        try:
                            times[system].append(timed() * 1000)
                        finally:
                            gc.enable()
                for system, v in times.items():
                    out[f"{system}_{name}"] = {"p50": percentile(v, 50), "p99": percentile(v, 99),
                                               "mean": sum(v) / len(v), "n": len(v)}
                    if name.startswith("series"):  # a point a year: growth compares the cost per point
                        out[f"{system}_{name}"]["points"] = len(history.years())
                # The answer's last byte: the service's time as a client sees it, whatever the
                # client's JSON decoder (Python's takes ~3 ms for a county's 250 KB state).
                out[f"annals_{name}"]["received"] = {"p50": percentile(received, 50) * 1000,
                                                     "p99": percentile(received, 99) * 1000}
                log(f"{ds['name']} {name}: Annals p50 {out['annals_' + name]['p50']:.1f} / p99 "
                    f"{out['annals_' + name]['p99']:.1f} ms, PostgreSQL p50 {out['postgres_' + name]['p50']:.1f} ms")
            out["service"] = histogram_delta(histograms(port, metrics, watched[0]), before[watched[0]], 0.05)
            out["access_log"] = histogram_delta(histograms(port, metrics, watched[1]), before[watched[1]], 0.025)
            conn.close()
            http_conn.close()
            out["queries"] = self.args.queries
            out["concurrency"] = self.concurrency(port, districts, history.first,
                                                  (history.last - history.first).days, ds)
        finally:
            audit.send_signal(signal.SIGTERM)
            audit.wait(timeout=30)
        return out

    def concurrency(self, port, districts, first, span, ds, clients=8, seconds=None):
        """Throughput and p99 of `clients` keep-alive clients asking state/indicators at random
        dates, alone and then beside one heavy client that loops indicators/series as recorded
        at a time: a heavy question must not stall the others (services/audit/followed_store.h)."""
        seconds = seconds or self.args.concurrency_seconds
        reader = self.tokens["bench-reader"]
        last_year = first.year + ds["years"]

        def run_clients(heavy):
            stop = threading.Event()
            latencies = [[] for _ in range(clients)]
            heavy_answers = []

            def light(i):
                rng = random.Random(i)
                c = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
                while not stop.is_set():
                    at = (first + datetime.timedelta(days=rng.randrange(span + 1))).isoformat()
                    q = rng.choice(("state", "indicators"))
                    t0 = time.perf_counter()
                    c.request("GET", f"/v1/districts/{rng.choice(districts)}/{q}?at={at}",
                              headers={"Authorization": f"Bearer {reader}"})
                    r = c.getresponse()
                    r.read()
                    if r.status != 200:
                        raise RuntimeError(f"{q}: {r.status}")
                    latencies[i].append((time.perf_counter() - t0) * 1000)
                c.close()

            def slow():
                c = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
                while not stop.is_set():
                    t0 = time.perf_counter()
                    c.request("GET", f"/v1/districts/{districts[0]}/indicators/series?from={first.isoformat()}"
                              f"&to={last_year}-07-31&step=year&recorded_at={last_year - 1}-12-31",
                              headers={"Authorization": f"Bearer {reader}"})
                    r = c.getresponse()
                    r.read()
                    heavy_answers.append((time.perf_counter() - t0) * 1000)
                c.close()

            threads = [threading.Thread(target=light, args=(i,)) for i in range(clients)]
            if heavy:
                threads.append(threading.Thread(target=slow))
            for t in threads:
                t.start()
            time.sleep(seconds)
            stop.set()
            for t in threads:
                t.join()
            all_light = [v for per in latencies for v in per]
            r = {"answers_per_second": len(all_light) / seconds, "latencies": all_light}
            if heavy:
                r["heavy_answers"] = len(heavy_answers)
                r["heavy_latencies"] = heavy_answers
            return r

        # Alone, beside, beside, alone (ABBA): this VM's speed drifts by tens of percent over
        # seconds, and a steady drift cancels out of the sums of both orders.
        runs = {False: [], True: []}
        for heavy in (False, True, True, False):
            runs[heavy].append(run_clients(heavy))

        def merged(rs):
            r = {"answers_per_second": sum(x["answers_per_second"] for x in rs) / len(rs),
                 "p50": percentile([v for x in rs for v in x["latencies"]], 50),
                 "p99": percentile([v for x in rs for v in x["latencies"]], 99)}
            if "heavy_answers" in rs[0]:
                r["heavy_answers"] = sum(x["heavy_answers"] for x in rs)
                heavy = [v for x in rs for v in x["heavy_latencies"]]
                r["heavy_p50"] = percentile(heavy, 50) if heavy else None
            return r

        out = {"clients": clients, "seconds": 2 * seconds, "alone": merged(runs[False]),
               "with_heavy": merged(runs[True])}
        out["throughput_ratio"] = out["with_heavy"]["answers_per_second"] / out["alone"]["answers_per_second"]
        out["p99_ratio"] = out["with_heavy"]["p99"] / out["alone"]["p99"]
        log(f"concurrency {ds['name']}: {out['alone']['answers_per_second']:.0f} answers/s alone (p99 "
            f"{out['alone']['p99']:.1f} ms), {out['with_heavy']['answers_per_second']:.0f} beside a heavy client "
            f"(p99 {out['with_heavy']['p99']:.1f} ms)")
        return out

    # ---- the run ----------------------------------------------------------------------------
    def go(self):
        os.makedirs(self.work, exist_ok=True)
        ensure_python_modules()
        # The identities the harness calls its processes with: a token file of this run's own.
        if os.path.exists(self.tokens_file):
            os.remove(self.tokens_file)
        self.tokens = make_tokens(f"{self.bins}/annals", self.tokens_file, {
            "bench-reader": ["--role", "reader", "--all-districts"],
            "bench-metrics": ["--role", "metrics", "--all-districts"]})
        run(f"{source}/deploy/local/broker", "fresh", env=self.broker_env)
        R = self.results
        try:
            main = self.dataset("main")
            # 1 and 5: publish to projected, the raw limits, a rebuild from the whole log
            R["ingest"]["live"] = self.live(main)
            R["ingest"]["limits"] = self.limits(main)
            R["ingest"]["rebuild"] = self.rebuild(main, "main")
            # 6: the city through the publishing services, against producing it straight
            R["ingest"]["import"] = self.import_through_services(main)
            # 4: the rebuild by two instances, each of half the partitions, against one
            R["ingest"]["scale_out"] = self.scale_out()
            # 6: the verifiable log's cost, its proofs, the full audit
            R["log"] = self.verifiable_log(main, R["ingest"]["rebuild"])
            # 5: the same rebuild and questions with an earlier build, when asked for
            if self.args.baseline_bins:
                R["baseline"] = self.before(main)
            # 2: Kafka Streams on the same topics
            if not self.args.skip_streams:
                R["ingest"]["streams"] = {g: self.streams(main, g) for g in ("exactly_once_v2", "at_least_once")}
            # 4: ingest at 1x and 10x the data: main has ten times the schools of x1
            ds = self.dataset("x1", schools=max(1, SCHOOLS_PER_DISTRICT.get(self.args.scale, 10) // 10))
            self.publish(ds)
            R["ingest"]["1x"] = self.rebuild(ds, "1x")
            R["ingest"]["10x"] = R["ingest"]["rebuild"]
            shutil.rmtree(R["ingest"]["1x"]["store"], ignore_errors=True)
            # 3 and 4: the questions, against PostgreSQL, over 1, 3 and 10 years of history
            self.start_postgres()
            for years in (1, 3):
                ds = self.dataset(f"y{years}", years=years)
                self.publish(ds)
                rebuilt = self.rebuild(ds, f"y{years}")
                R["queries"][f"y{years}"] = {"load": self.pg_load(ds), **self.questions(ds, rebuilt["store"]),
                                             "projected": rebuilt}
            R["queries"]["y10"] = {"load": self.pg_load(main), **self.questions(main, R["ingest"]["rebuild"]["store"]),
                                   "projected": R["ingest"]["rebuild"]}
            # 3 and 4 again for one larger district (a county of --county-schools schools)
            if self.args.county_schools:
                for years in (1, 3, 10):
                    ds = self.dataset(f"c{years}", districts=1, schools=self.args.county_schools, years=years)
                    self.publish(ds)
                    rebuilt = self.rebuild(ds, f"c{years}")
                    R["queries"][f"c{years}"] = {"load": self.pg_load(ds), **self.questions(ds, rebuilt["store"]),
                                                 "projected": rebuilt}
                    shutil.rmtree(rebuilt["store"], ignore_errors=True)
                    self.pg_drop(ds)
        finally:
            self.stop_postgres()
            run(f"{source}/deploy/local/broker", "stop", env=self.broker_env)
        R["elapsed_seconds"] = time.time() - started_at
        R["machine"] = self.machine()
        R["command"] = "tests/bench/run " + " ".join(sys.argv[1:])
        R["scale"] = self.args.scale
        with open(f"{self.work}/results.json", "w") as f:
            json.dump(R, f, indent=1)
        import report  # tests/bench/report.py: BENCHMARKS.md and the plots from results.json
        report.write(R, self.args)
        # Timings of systems that disagree compare nothing: the run fails (the report says where).
        disagree = [k for k, q in R["queries"].items() if not q["agreed"]]
        if disagree:
            sys.exit(f"PostgreSQL and Annals gave different answers on {', '.join(disagree)}; see {self.args.out}")

    def machine(self):
        cpu = "unknown"
        try:
            with open("/proc/cpuinfo") as f:
                cpu = next(l.split(":", 1)[1].strip() for l in f if l.startswith("model name"))
        except (OSError, StopIteration):
            pass
        mem = 0
        with open("/proc/meminfo") as f:
            mem = int(next(l for l in f if l.startswith("MemTotal")).split()[1]) / 1024 / 1024
        versions = {}
        for name, cmd in (("java", ["java", "-version"]), ("postgres", ["/usr/lib/postgresql/15/bin/postgres", "--version"])):
            try:
                r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
                versions[name] = r.stdout.strip().splitlines()[0]
            except OSError:
                versions[name] = "not found"
        return {"cpu": cpu, "cores": os.cpu_count(), "memory_gib": round(mem, 1), "kernel": platform.release(),
                "date": datetime.date.today().isoformat(), "commit": started_commit,
                **versions}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--scale", default="small", help="annals gen's scale: demo, small, medium, beijing")
    ap.add_argument("--queries", type=int, default=200, help="random (date, district) points per question")
    ap.add_argument("--districts", type=int, help="annals gen --districts for every dataset (default: the scale's)")
    ap.add_argument("--county-schools", type=int, default=0,
                    help="also ask every question of one district of this many schools at 1, 3 and 10 years "
                         "(datasets c1, c3, c10); 0: not")
    ap.add_argument("--baseline-bins", help="the build/services of an earlier commit: its rebuild and its answers "
                                            "on the main dataset are reported beside this build's")
    ap.add_argument("--baseline-queries", type=int, default=5, help="points per question for --baseline-bins")
    ap.add_argument("--partitions", type=int, default=8)
    ap.add_argument("--concurrency-seconds", type=float, default=5,
                    help="how long each concurrent-clients run lasts (alone, then beside a heavy client)")
    ap.add_argument("--kafka-port", type=int, default=19492)
    ap.add_argument("--work", default=f"{source}/build/bench")
    ap.add_argument("--bins", default=f"{source}/build/services")
    ap.add_argument("--tests-bins", default=f"{source}/build/tests")
    ap.add_argument("--out", default=f"{source}/BENCHMARKS.md")
    ap.add_argument("--plots", default=f"{source}/tests/bench/results")
    ap.add_argument("--skip-streams", action="store_true", help="leave out the Kafka Streams peer")
    ap.add_argument("--rebuild-peer", action="store_true", help="rebuild the Kafka Streams jar even if present")
    ap.add_argument("--report-only", action="store_true", help="rewrite BENCHMARKS.md from WORK/results.json")
    args = ap.parse_args()
    sys.path.insert(0, here)
    if args.report_only:
        import report
        with open(f"{args.work}/results.json") as f:
            R = json.load(f)
        report.write(R, args)
        return
    Bench(args).go()


if __name__ == "__main__":
    main()
