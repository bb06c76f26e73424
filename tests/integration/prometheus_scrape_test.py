#!/usr/bin/env python3
"""A real Prometheus (Debian's) scrapes a running projector and audit service with the
project's alert rules loaded: every target is up, the rules are healthy, and the Annals
metrics are in its database. /metrics answers only the metrics role: Prometheus scrapes with
the metrics token of ctest's `tokens` fixture (`authorization: {type: Bearer,
credentials_file: ...}`), the processes read its token file (ANNALS_TOKENS).

  prometheus_scrape_test.py SOURCE_DIR BIN_DIR WORK_DIR     (ANNALS_TEST_BROKERS names the broker)
"""
import os
import shutil
import subprocess
import sys
import time
import urllib.parse

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))
from stack import arguments, free_port, get_json, run, token  # noqa: E402

source, bins, work, brokers, prefix = arguments("prom")
rules = os.path.join(source, "deploy/prometheus/rules.yml")


def query(port, promql):
    return get_json(port, "/api/v1/query?" + urllib.parse.urlencode({"query": promql}), timeout=5)["data"]["result"]


# The metrics token alone in a file, as Prometheus's credentials_file wants it.
metrics_token = os.path.join(work, "metrics.token")
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
run(f"{bins}/annals", "topics", "create", "--brokers", brokers, "--topic-prefix", prefix, "--partitions", "1")
projector_port, audit_port, prometheus_port = free_port(), free_port(), free_port()
with open(os.path.join(work, "prometheus.yml"), "w") as f:
    f.write(f"""global: {{scrape_interval: 1s, evaluation_interval: 1s}}
rule_files: ["{rules}"]
scrape_configs:
  - job_name: annals-projector
    authorization: {{type: Bearer, credentials_file: "{metrics_token}"}}
    static_configs: [{{targets: ["127.0.0.1:{projector_port}"]}}]
  - job_name: annals-audit
    authorization: {{type: Bearer, credentials_file: "{metrics_token}"}}
    static_configs: [{{targets: ["127.0.0.1:{audit_port}"]}}]
""")
log = open(os.path.join(work, "processes.log"), "w")
procs = [
    subprocess.Popen([f"{bins}/annals-projector", "--brokers", brokers, "--topic-prefix", prefix, "--group", prefix + "p",
                      "--store", f"{work}/views", "--listen", f"127.0.0.1:{projector_port}"], stdout=log, stderr=log),
    subprocess.Popen([f"{bins}/annals-audit", "--brokers", brokers, "--topic-prefix", prefix, "--store", f"{work}/views",
                      "--secondary", f"{work}/audit", "--listen", f"127.0.0.1:{audit_port}"], stdout=log, stderr=log),
    subprocess.Popen(["prometheus", f"--config.file={work}/prometheus.yml", f"--storage.tsdb.path={work}/tsdb",
                      f"--web.listen-address=127.0.0.1:{prometheus_port}"], stdout=log, stderr=log),
]
try:
    deadline = time.time() + 120
    while True:
        try:
            up = {r["metric"]["job"]: r["value"][1] for r in query(prometheus_port, 'up{job=~"annals.*"}')}
            info = query(prometheus_port, "annals_build_info")
            lag = query(prometheus_port, "annals_projector_consumer_lag")
            groups = get_json(prometheus_port, "/api/v1/rules", timeout=5)["data"]["groups"]
            if up == {"annals-projector": "1", "annals-audit": "1"} and len(info) >= 2 and lag and groups:
                break
        except OSError:
            pass
        if time.time() > deadline:
            sys.exit(f"Prometheus did not see both processes up with their metrics; see {work}")
        time.sleep(0.5)
    health = [r["health"] for g in groups for r in g["rules"]]
    import yaml
    with open(rules, encoding="utf-8") as f:
        in_file = sum(len(g["rules"]) for g in yaml.safe_load(f)["groups"])
    assert len(health) == in_file and all(h in ("ok", "unknown") for h in health), (health, in_file)
    processes = sorted(m["metric"].get("process", "") for m in info)
    assert processes == ["annals-audit", "annals-projector"], processes
    print(f"Prometheus scraped both processes: up, {len(lag)} lag series, {len(health)} rules loaded")
finally:
    for p in procs:
        p.terminate()
    for p in procs:
        p.wait(timeout=30)
