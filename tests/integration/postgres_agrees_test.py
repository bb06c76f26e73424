#!/usr/bin/env python3
"""A second, independent implementation of the standards agrees with the audit service.

The benchmark's PostgreSQL peer (tests/bench/peers/postgres) derives valid_from/valid_to
history tables from the same generated events with its own ETL, and computes each school's
figures and each indicator's student-weighted CV in SQL. This test runs the real stack on
the demo city (broker, projector, audit service) and a real PostgreSQL, and asks both at
dates across both standards (check.py): the same open schools, every figure of every
school and section, every CV to 1e-6, the same verdicts. The processes read the token file of
ctest's `tokens` fixture (ANNALS_TOKENS); the audit service is asked with its city reader's token.

  postgres_agrees_test.py SOURCE_DIR BIN_DIR WORK_DIR     (ANNALS_TEST_BROKERS names the broker)
"""
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))
from stack import arguments, free_port, get_json, run, token  # noqa: E402

source, bins, work, brokers, prefix = arguments("pg")
peer_dir = os.path.join(source, "tests/bench/peers/postgres")

try:
    import psycopg  # noqa: F401
except ImportError:
    run(sys.executable, "-m", "pip", "install", "-q", "-r", os.path.join(peer_dir, "requirements.txt"))

ndjson = os.path.join(work, "demo.ndjson")
run(f"{bins}/annals", "gen", "--scale", "demo", "--out", ndjson, "--quiet")
run(f"{bins}/annals", "topics", "create", "--brokers", brokers, "--topic-prefix", prefix, "--partitions", "2")
run(f"{bins}/annals", "gen", "--scale", "demo", "--kafka", "--brokers", brokers, "--topic-prefix", prefix, "--quiet")
pg_port, audit_port = free_port(), free_port()
pg_dir = os.path.join(work, "postgres")
run(sys.executable, f"{peer_dir}/server.py", "start", pg_dir, pg_port)
audit = None
try:
    dsn = f"host=127.0.0.1 port={pg_port} user=postgres dbname=annals"  # server.py creates it
    run(sys.executable, f"{peer_dir}/load.py", ndjson, dsn)
    run(f"{bins}/annals-projector", "--brokers", brokers, "--topic-prefix", prefix, "--group", prefix + "p",
        "--store", f"{work}/views", "--listen", "127.0.0.1:0", "--exit-when-caught-up")
    audit = subprocess.Popen([f"{bins}/annals-audit", "--brokers", brokers, "--topic-prefix", prefix,
                              "--store", f"{work}/views", "--secondary", f"{work}/audit",
                              "--listen", f"127.0.0.1:{audit_port}"])
    reader = token("city-reader")
    deadline = time.time() + 60
    while True:
        try:
            if len(get_json(audit_port, "/v1/districts", timeout=5, token=reader)["districts"]) == 2:
                break
        except OSError:
            pass
        if time.time() > deadline:
            sys.exit("the audit service did not answer")
        time.sleep(0.2)
    result = subprocess.run([sys.executable, f"{peer_dir}/check.py", f"http://127.0.0.1:{audit_port}", dsn],
                            env=dict(os.environ, ANNALS_TOKEN=reader))
    sys.exit(result.returncode)
finally:
    if audit:
        audit.terminate()
        audit.wait(timeout=30)
    subprocess.run([sys.executable, f"{peer_dir}/server.py", "stop", pg_dir])
