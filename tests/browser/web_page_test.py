#!/usr/bin/env python3
"""The web page in headless Chromium against the real stack: a generated city produced into
the real broker, the projector, the audit service (both asking for tokens from a token file
made with `annals tokens add`); then visit.cjs drives the page: the sign-in form, a reader of
one district, refused tokens, the exports.

  web_page_test.py SOURCE_DIR BIN_DIR WORK_DIR     (ANNALS_TEST_BROKERS names the broker)
"""
import json
import os
import subprocess
import sys
import time
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))
from stack import arguments, free_port, run  # noqa: E402

source, bins, work, brokers, prefix = arguments("web")
tokens_file = os.path.join(work, "tokens")


def get(port, path, token):
    request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", headers={"Authorization": f"Bearer {token}"})
    with urllib.request.urlopen(request, timeout=10) as r:
        return json.load(r)


def add_token(name, role, *grant):
    """A new identity in the token file; its token (printed once by `annals tokens add`)."""
    out = run(f"{bins}/annals", "tokens", "add", "--file", tokens_file, "--name", name, "--role", role, *grant,
              stdout=subprocess.PIPE)
    return out.stdout.strip()


# playwright-core from the npm registry, once per build tree.
modules = os.path.join(os.path.dirname(work), "browser-node")
if not os.path.isdir(os.path.join(modules, "node_modules", "playwright-core")):
    run("npm", "install", "--prefix", modules, "--no-audit", "--no-fund", "--silent", "playwright-core@1.49.1")

tokens = {
    "city": add_token("city-reader", "reader", "--all-districts"),
    "xicheng": add_token("xicheng-reader", "reader", "--district", "xicheng"),
    "revoked": add_token("former-reader", "reader", "--district", "xicheng"),
    "later": add_token("later-revoked", "reader", "--district", "xicheng"),  # revoked during the visit
    "metrics": add_token("scraper", "metrics", "--all-districts"),
}
run(f"{bins}/annals", "tokens", "revoke", "--file", tokens_file, "former-reader")
# A token of the right shape that the file does not know.
tokens["wrong"] = tokens["revoked"][:7] + "0123456789abcdef" + tokens["revoked"][23:]

run(f"{bins}/annals", "topics", "create", "--brokers", brokers, "--topic-prefix", prefix, "--partitions", "2")
run(f"{bins}/annals", "gen", "--scale", "demo", "--kafka", "--brokers", brokers, "--topic-prefix", prefix, "--quiet")
projector_port, audit_port = free_port(), free_port()
logs = [open(os.path.join(work, n), "w") for n in ("projector.log", "audit.log")]
procs = [
    subprocess.Popen([f"{bins}/annals-projector", "--brokers", brokers, "--topic-prefix", prefix, "--group", prefix + "p",
                      "--store", f"{work}/views", "--listen", f"127.0.0.1:{projector_port}", "--tokens", tokens_file],
                     stdout=logs[0], stderr=logs[0]),
    subprocess.Popen([f"{bins}/annals-audit", "--store", f"{work}/views", "--secondary", f"{work}/audit",
                      "--listen", f"127.0.0.1:{audit_port}", "--brokers", brokers, "--topic-prefix", prefix],
                     stdout=logs[1], stderr=logs[1], env=dict(os.environ, ANNALS_TOKENS=tokens_file)),
]
try:
    deadline = time.time() + 180
    while True:
        try:
            parts = get(projector_port, "/v1/progress", tokens["city"])["partitions"]
            if parts and all(p["lag"] == 0 and p["high_watermark"] >= 0 for p in parts) and \
                    len(get(audit_port, "/v1/districts", tokens["city"])["districts"]) == 2:
                break
        except OSError:
            pass
        if time.time() > deadline:
            sys.exit("the projector did not catch up; see " + work)
        time.sleep(0.3)
    env = dict(os.environ, NODE_PATH=os.path.join(modules, "node_modules"), ANNALS_VISIT_TOKENS=json.dumps(tokens),
               ANNALS_VISIT_REVOKE=json.dumps([f"{bins}/annals", "tokens", "revoke", "--file", tokens_file]))
    screenshot = os.path.join(os.path.dirname(work), "web-page.png")
    result = subprocess.run(["node", os.path.join(source, "tests/browser/visit.cjs"), f"http://127.0.0.1:{audit_port}", screenshot],
                            env=env)
    sys.exit(result.returncode)
finally:
    for p in procs:
        p.terminate()
    for p in procs:
        p.wait(timeout=30)
