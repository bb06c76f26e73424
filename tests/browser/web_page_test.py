#!/usr/bin/env python3
"""The web page in headless Chromium against the real stack: a generated city produced into
the real broker, the projector, the audit service; then visit.cjs drives the page.

  web_page_test.py SOURCE_DIR BIN_DIR WORK_DIR     (ANNALS_TEST_BROKERS names the broker)
"""
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))
from stack import arguments, free_port, get_json as get, run  # noqa: E402

source, bins, work, brokers, prefix = arguments("web")


# playwright-core from the npm registry, once per build tree.
modules = os.path.join(os.path.dirname(work), "browser-node")
if not os.path.isdir(os.path.join(modules, "node_modules", "playwright-core")):
    run("npm", "install", "--prefix", modules, "--no-audit", "--no-fund", "--silent", "playwright-core@1.49.1")

run(f"{bins}/annals", "topics", "create", "--brokers", brokers, "--topic-prefix", prefix, "--partitions", "2")
run(f"{bins}/annals", "gen", "--scale", "demo", "--kafka", "--brokers", brokers, "--topic-prefix", prefix, "--quiet")
projector_port, audit_port = free_port(), free_port()
logs = [open(os.path.join(work, n), "w") for n in ("projector.log", "audit.log")]
procs = [
    subprocess.Popen([f"{bins}/annals-projector", "--brokers", brokers, "--topic-prefix", prefix, "--group", prefix + "p",
                      "--store", f"{work}/views", "--listen", f"127.0.0.1:{projector_port}"], stdout=logs[0], stderr=logs[0]),
    subprocess.Popen([f"{bins}/annals-audit", "--store", f"{work}/views", "--secondary", f"{work}/audit",
                      "--listen", f"127.0.0.1:{audit_port}"], stdout=logs[1], stderr=logs[1]),
]
try:
    deadline = time.time() + 180
    while True:
        try:
            parts = get(projector_port, "/v1/progress")["partitions"]
            if parts and all(p["lag"] == 0 and p["high_watermark"] >= 0 for p in parts) and \
                    len(get(audit_port, "/v1/districts")["districts"]) == 2:
                break
        except OSError:
            pass
        if time.time() > deadline:
            sys.exit("the projector did not catch up; see " + work)
        time.sleep(0.3)
    env = dict(os.environ, NODE_PATH=os.path.join(modules, "node_modules"))
    screenshot = os.path.join(os.path.dirname(work), "web-page.png")
    result = subprocess.run(["node", os.path.join(source, "tests/browser/visit.cjs"), f"http://127.0.0.1:{audit_port}", screenshot],
                            env=env)
    sys.exit(result.returncode)
finally:
    for p in procs:
        p.terminate()
    for p in procs:
        p.wait(timeout=30)
