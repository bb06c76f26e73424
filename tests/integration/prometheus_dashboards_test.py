#!/usr/bin/env python3
"""A real Prometheus (Debian's) scrapes a real stack, with the project's alert rules loaded:
the four publishing services, the projector, the audit service and the Kafka broker (its JMX
exporter, deploy/kafka/jmx-exporter.yml). Every target is up, the rules are healthy, and then,
once the stack has accepted, refused and dead-lettered events and answered questions, every
query of every panel of the Grafana dashboards (deploy/grafana/dashboards/) returns data: a
series with a number. The districts' verdict gauges agree with the audit API's indicators.

/metrics answers only the metrics role: Prometheus scrapes with the metrics token of ctest's
`tokens` fixture (`authorization: {type: Bearer, credentials_file: ...}`); the processes read
its token file (ANNALS_TOKENS), `annals import` the sources' credentials (ANNALS_CREDENTIALS).

  prometheus_dashboards_test.py SOURCE_DIR BIN_DIR WORK_DIR
      (ANNALS_TEST_BROKERS names the broker, ANNALS_TEST_BROKER_METRICS its exporter host:port)
"""
import glob
import json
import math
import os
import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request

import yaml

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))
from stack import arguments, free_port, get_json, run, token, wait_until  # noqa: E402

source, bins, work, brokers, prefix = arguments("prom")
broker_metrics = os.environ.get("ANNALS_TEST_BROKER_METRICS", "127.0.0.1:19295")
rules = os.path.join(source, "deploy/prometheus/rules.yml")
SYSTEMS = ("registry", "personnel", "enrollment", "finance")


def query(port, promql):
    return get_json(port, "/api/v1/query?" + urllib.parse.urlencode({"query": promql}), timeout=5)["data"]["result"]


def call(port, path, as_=None, method="GET", body=None):
    """(status, body) of a call to a process of the stack."""
    headers = {"Authorization": f"Bearer {token(as_)}"} if as_ else {}
    if body is not None:
        headers["Content-Type"] = "application/json"
    req = urllib.request.Request(f"http://127.0.0.1:{port}{path}", data=body, headers=headers, method=method)
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


# ------------------------------------------------------------------------------------------
# The committed files: the rules, Prometheus's config, Grafana's provisioning and dashboards.

metrics_token = os.path.join(work, "metrics.token")  # alone in a file, as credentials_file wants it
with open(os.open(metrics_token, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "w") as f:
    f.write(token("metrics") + "\n")
run("promtool", "check", "rules", rules)
# The committed config, whole (its rule file and the token file it names, var/metrics.token,
# which deploy/local/up writes): checked in a copy of the tree where that file exists.
tree = os.path.join(work, "checkout")
os.makedirs(os.path.join(tree, "deploy/prometheus"))
os.makedirs(os.path.join(tree, "var"))
for name in ("prometheus.yml", "rules.yml"):
    shutil.copy(os.path.join(source, "deploy/prometheus", name), os.path.join(tree, "deploy/prometheus", name))
shutil.copy(metrics_token, os.path.join(tree, "var/metrics.token"))
run("promtool", "check", "config", os.path.join(tree, "deploy/prometheus/prometheus.yml"))

with open(os.path.join(source, "deploy/grafana/provisioning/datasources/annals.yml")) as f:
    uid = yaml.safe_load(f)["datasources"][0]["uid"]
with open(os.path.join(source, "deploy/grafana/provisioning/dashboards/annals.yml")) as f:
    assert yaml.safe_load(f)["providers"][0]["type"] == "file"
panels = []  # (dashboard, panel title, [expr])
for path in sorted(glob.glob(os.path.join(source, "deploy/grafana/dashboards/*.json"))):
    with open(path, encoding="utf-8") as f:
        board = json.load(f)
    ids = [p["id"] for p in board["panels"]]
    assert len(ids) == len(set(ids)), f"{path}: panel ids repeat"
    for p in board["panels"]:
        if p["type"] == "row":
            continue
        assert p["datasource"]["uid"] == uid, f"{path}: {p['title']!r} is not on the provisioned data source {uid}"
        exprs = [t["expr"] for t in p["targets"]]
        assert exprs, f"{path}: {p['title']!r} has no query"
        panels.append((board["uid"], p["title"], exprs))
assert panels, "no dashboard panels"

# ------------------------------------------------------------------------------------------
# The stack, and Prometheus scraping it before anything happens (so that rates see it happen).

run(f"{bins}/annals", "topics", "create", "--brokers", brokers, "--topic-prefix", prefix, "--partitions", "1")
ports = {name: free_port() for name in SYSTEMS + ("projector", "audit", "prometheus")}
with open(os.path.join(work, "prometheus.yml"), "w") as f:
    auth = f'authorization: {{type: Bearer, credentials_file: "{metrics_token}"}}'
    publishing = ", ".join(f'"127.0.0.1:{ports[s]}"' for s in SYSTEMS)
    f.write(f"""global: {{scrape_interval: 1s, evaluation_interval: 1s}}
rule_files: ["{rules}"]
scrape_configs:
  - job_name: annals-publishing
    {auth}
    static_configs: [{{targets: [{publishing}]}}]
  - job_name: annals-projector
    {auth}
    static_configs: [{{targets: ["127.0.0.1:{ports['projector']}"]}}]
  - job_name: annals-audit
    {auth}
    static_configs: [{{targets: ["127.0.0.1:{ports['audit']}"]}}]
  - job_name: kafka
    static_configs: [{{targets: ["{broker_metrics}"]}}]
""")
log = open(os.path.join(work, "processes.log"), "w")
common = ["--brokers", brokers, "--topic-prefix", prefix]
commands = [[f"{bins}/annals-{s}", *common, "--listen", f"127.0.0.1:{ports[s]}", "--store", f"{work}/{s}"]
            for s in SYSTEMS]
commands += [
    [f"{bins}/annals-projector", *common, "--group", prefix + "p", "--store", f"{work}/views",
     "--listen", f"127.0.0.1:{ports['projector']}"],
    [f"{bins}/annals-audit", *common, "--store", f"{work}/views", "--secondary", f"{work}/audit",
     "--listen", f"127.0.0.1:{ports['audit']}", "--verdicts-interval", "1"],
    ["prometheus", f"--config.file={work}/prometheus.yml", f"--storage.tsdb.path={work}/tsdb",
     f"--web.listen-address=127.0.0.1:{ports['prometheus']}"],
]
procs = [subprocess.Popen(c, stdout=log, stderr=log) for c in commands]
prom = ports["prometheus"]
try:
    jobs = {"annals-publishing": 4, "annals-projector": 1, "annals-audit": 1, "kafka": 1}

    def all_up():
        up = {}
        for r in query(prom, "up"):
            if r["value"][1] == "1":
                up[r["metric"]["job"]] = up.get(r["metric"]["job"], 0) + 1
        return up == jobs
    wait_until("Prometheus sees every process and the broker up", all_up, logs=work)
    groups = get_json(prom, "/api/v1/rules", timeout=5)["data"]["groups"]
    health = [r["health"] for g in groups for r in g["rules"]]
    with open(rules, encoding="utf-8") as f:
        in_file = sum(len(g["rules"]) for g in yaml.safe_load(f)["groups"])
    assert len(health) == in_file and all(h in ("ok", "unknown") for h in health), (health, in_file)
    time.sleep(3)  # a few scrapes before anything happens

    # -------------------------------------------------------------------- what happens
    # The demo district's narrative (deploy/local/up adds the populations annals gen writes
    # around it; the narrative is enough to move every panel).
    demo = os.path.join(work, "dongcheng.ndjson")  # a copy: the import writes beside it
    shutil.copy(os.path.join(source, "deploy/local/demo/dongcheng-narrative.ndjson"), demo)
    urls = [a for s in SYSTEMS for a in (f"--{s}", f"http://127.0.0.1:{ports[s]}")]
    wait_until("the publishing services are ready",
               lambda: all(call(ports[s], "/ready")[0] == 200 for s in SYSTEMS), logs=work)
    run(f"{bins}/annals", "import", demo, *urls, "--quiet")
    status, _ = call(ports["registry"], "/v1/events", "registry", "POST", b'{"type": "school.opened"}')
    assert status == 422, f"an invalid event was answered {status}"
    status, _ = call(ports["registry"], "/v1/events", None, "POST", b"{}")
    assert status == 401, f"a call without a token was answered {status}"
    # A record no publishing service would write, straight into a domain topic: dead-lettered.
    subprocess.run(["kcat", "-b", brokers, "-P", "-t", prefix + "registry", "-k", "dongcheng"],
                   input=b"not an event\n", check=True)

    def projected():
        progress = json.loads(call(ports["projector"], "/v1/progress", "metrics")[1])
        return progress["partitions"] and all(p["lag"] == 0 for p in progress["partitions"])
    wait_until("the projector has applied every record", projected, logs=work)
    wait_until("the audit service shows dongcheng",
               lambda: b"dongcheng" in call(ports["audit"], "/v1/districts", "city-reader")[1], logs=work)
    # Each question a few times, seconds apart: a histogram series appears with its first
    # observation, and its rate (so its quantile) is a number once it has grown after that.
    for _ in range(3):
        for path in ("/v1/districts/dongcheng/state", "/v1/districts/dongcheng/indicators",
                     "/v1/districts/dongcheng/events?from=2014-01-01&to=2014-12-31"):
            status, body = call(ports["audit"], path, "city-reader")
            assert status == 200, f"{path}: {status} {body[:300]!r}"
        time.sleep(1.5)

    # -------------------------------------------------------------------- every panel
    def has_number(results):
        return any(not math.isnan(float(v[1])) for r in results for v in ([r["value"]] if "value" in r else r["values"]))

    missing = {}
    deadline = time.time() + 90
    pending = [(board, title, expr) for board, title, exprs in panels for expr in exprs]
    while pending and time.time() < deadline:
        still = []
        for board, title, expr in pending:
            results = query(prom, expr)
            if not has_number(results):
                still.append((board, title, expr))
                missing[(board, title, expr)] = results
        pending = still
        if pending:
            time.sleep(1)
    if pending:
        sys.exit("panels whose query returned no number:\n" + "\n".join(
            f"  {board}: {title!r}: {expr}  -> {missing[(board, title, expr)]!r:.200}" for board, title, expr in pending))

    # The verdict gauge says what the indicators route says, today, under the same standard.
    answer = json.loads(call(ports["audit"], "/v1/districts/dongcheng/indicators", "city-reader")[1])
    gauge = query(prom, 'annals_district_complies{district="dongcheng"}')
    if answer["complies"] is None:
        assert gauge == [], gauge
    else:
        assert len(gauge) == 1 and gauge[0]["metric"]["standard"] == answer["standard"]["id"], (gauge, answer["standard"])
        assert float(gauge[0]["value"][1]) == (1.0 if answer["complies"] else 0.0), (gauge, answer["complies"])
    info = query(prom, "annals_build_info")
    processes = sorted({m["metric"].get("process", "") for m in info})
    assert processes == ["annals-audit", "annals-enrollment", "annals-finance", "annals-personnel",
                         "annals-projector", "annals-registry"], processes
    queries = sum(len(e) for _, _, e in panels)
    print(f"Prometheus scraped 6 processes and the broker; {len(health)} rules loaded; "
          f"{len(panels)} dashboard panels, their {queries} queries all returned data; "
          f"dongcheng's verdict gauge agrees with its indicators ({answer['complies']})")
finally:
    for p in procs:
        p.terminate()
    for p in procs:
        p.wait(timeout=30)
