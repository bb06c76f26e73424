#!/usr/bin/env python3
"""A real Prometheus (Debian's) scrapes a running projector and audit service with the
project's alert rules loaded: every target is up, the rules are healthy, and the Annals
metrics are in its database.

  prometheus_scrape_test.py SOURCE_DIR BIN_DIR WORK_DIR     (ANNALS_TEST_BROKERS names the broker)
"""
import os
import subprocess
import sys
import time
import urllib.parse

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))
from stack import arguments, free_port, get_json, run  # noqa: E402

source, bins, work, brokers, prefix = arguments("prom")
rules = os.path.join(source, "deploy/prometheus/rules.yml")


def query(port, promql):
    return get_json(port, "/api/v1/query?" + urllib.parse.urlencode({"query": promql}), timeout=5)["data"]["result"]


run("promtool", "check", "rules", rules)
run("promtool", "check", "config", os.path.join(source, "deploy/prometheus/prometheus.yml"))
run(f"{bins}/annals", "topics", "create", "--brokers", brokers, "--topic-prefix", prefix, "--partitions", "1")
projector_port, audit_port, prometheus_port = free_port(), free_port(), free_port()
with open(os.path.join(work, "prometheus.yml"), "w") as f:
    f.write(f"""global: {{scrape_interval: 1s, evaluation_interval: 1s}}
rule_files: ["{rules}"]
scrape_configs:
  - job_name: annals-projector
    static_configs: [{{targets: ["127.0.0.1:{projector_port}"]}}]
  - job_name: annals-audit
    static_configs: [{{targets: ["127.0.0.1:{audit_port}"]}}]
""")
log = open(os.path.join(work, "processes.log"), "w")
procs = [
    subprocess.Popen([f"{bins}/annals-projector", "--brokers", brokers, "--topic-prefix", prefix, "--group", prefix + "p",
                      "--store", f"{work}/views", "--listen", f"127.0.0.1:{projector_port}"], stdout=log, stderr=log),
    subprocess.Popen([f"{bins}/annals-audit", "--store", f"{work}/views", "--secondary", f"{work}/audit",
                      "--listen", f"127.0.0.1:{audit_port}"], stdout=log, stderr=log),
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
