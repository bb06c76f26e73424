"""What the Python drivers of the real stack share (tests/browser, tests/integration, tests/bench):
their command line, free ports, commands that must succeed, and JSON over HTTP."""
import json
import os
import random
import shutil
import socket
import subprocess
import sys
import urllib.request


def arguments(tag):
    """SOURCE_DIR BIN_DIR WORK_DIR from the command line (WORK_DIR emptied), the broker from
    ANNALS_TEST_BROKERS, and a topic prefix of this run's own."""
    source, bins, work = sys.argv[1:4]
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    return source, bins, work, os.environ.get("ANNALS_TEST_BROKERS", "127.0.0.1:19292"), f"{tag}{random.randrange(10**9)}."


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run(*args, **kwargs):
    """Runs a command that must succeed, its output with this process's."""
    kwargs.setdefault("stdout", sys.stdout)
    return subprocess.run([str(a) for a in args], check=True, stderr=sys.stderr, text=True, **kwargs)


def get_json(port, path, timeout=10):
    with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=timeout) as r:
        return json.load(r)
