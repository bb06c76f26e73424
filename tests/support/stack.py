"""What the Python drivers of the real stack share (tests/browser, tests/integration, tests/bench):
their command line, free ports, commands that must succeed, the identities they call the stack
with, and JSON over HTTP.

The identities: ctest's `tokens` fixture (tests/support/make_test_tokens) writes a token file,
which every process a test starts reads (ANNALS_TOKENS, inherited), and a credentials file of
`<name> <token>` lines that ANNALS_TEST_CREDENTIALS names: registry, personnel, enrollment,
finance (the source of that system), city-reader (reader of every district), metrics, auditor."""
import json
import os
import random
import shutil
import socket
import subprocess
import sys
import time
import urllib.request


def arguments(tag):
    """SOURCE_DIR BIN_DIR WORK_DIR from the command line (WORK_DIR emptied), the broker from
    ANNALS_TEST_BROKERS, and a topic prefix of this run's own."""
    source, bins, work = sys.argv[1:4]
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    return source, bins, work, os.environ.get("ANNALS_TEST_BROKERS", "127.0.0.1:19292"), f"{tag}{random.randrange(10**9)}."


def wait_until(what, check, seconds=120, logs="the work directory", on_timeout=None):
    """Returns once check() is true, asked every 0.25 s; an OSError, ValueError or KeyError it
    raises counts as not yet (a process still starting, an answer not yet whole). Exits the test
    after `seconds`, naming `what` and `logs` (where to look), once on_timeout() has run."""
    deadline = time.time() + seconds
    while True:
        try:
            if check():
                return
        except (OSError, ValueError, KeyError):
            pass
        if time.time() > deadline:
            if on_timeout:
                on_timeout()
            sys.exit(f"timed out waiting until {what}; logs in {logs}")
        time.sleep(0.25)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run(*args, **kwargs):
    """Runs a command that must succeed, its output with this process's."""
    kwargs.setdefault("stdout", sys.stdout)
    return subprocess.run([str(a) for a in args], check=True, stderr=sys.stderr, text=True, **kwargs)


def read_credentials(path):
    """{name: token} of a credentials file: `<name> <token>` lines ('#' starts a comment)."""
    out = {}
    with open(path) as f:
        for line in f:
            fields = line.split()
            if len(fields) >= 2 and not fields[0].startswith("#"):
                out[fields[0]] = fields[1]
    return out


def token(name):
    """The token of the identity `name` of the credentials file ANNALS_TEST_CREDENTIALS names."""
    path = os.environ.get("ANNALS_TEST_CREDENTIALS")
    if not path:
        sys.exit("ANNALS_TEST_CREDENTIALS is not set: run the test through ctest (its `tokens` fixture), "
                 "or set it to the credentials file tests/support/make_test_tokens DIR wrote")
    tokens = read_credentials(path)
    if name not in tokens:
        sys.exit(f"no line named {name!r} in {path}")
    return tokens[name]


def make_tokens(annals, tokens_file, identities):
    """Adds each identity to `tokens_file` with `annals tokens add`: {name: [grant arguments]}
    (--role ... --all-districts ...); returns {name: its token}, printed once by the command."""
    out = {}
    for name, grant in identities.items():
        r = subprocess.run([str(annals), "tokens", "add", "--file", str(tokens_file), "--name", name,
                            *[str(a) for a in grant]], check=True, stdout=subprocess.PIPE, stderr=sys.stderr,
                           text=True)
        out[name] = r.stdout.strip()
    return out


def bearer(token_text):
    """The request headers that carry `token_text` ({} for None)."""
    return {"Authorization": f"Bearer {token_text}"} if token_text else {}


def get_json(port, path, timeout=10, token=None):
    """The JSON answer of GET `path` on 127.0.0.1:`port`, sending the bearer `token` (a token, not
    a name: token("city-reader")) when given. Raises OSError (urllib's HTTPError) unless 2xx."""
    request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", headers=bearer(token))
    with urllib.request.urlopen(request, timeout=timeout) as r:
        return json.load(r)


def ready(port):
    """True when the process on 127.0.0.1:`port` answers /ready with 200."""
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/ready", timeout=5) as r:
            return r.status == 200
    except OSError:
        return False


def stop_processes(procs, timeout=60):
    """SIGTERM to every process of `procs` (a list or a dict's values) still running, then waits
    for each up to `timeout` seconds and kills (and reaps) what is left."""
    procs = list(procs.values()) if isinstance(procs, dict) else list(procs)
    for p in procs:
        if p.poll() is None:
            p.terminate()
    for p in procs:
        try:
            p.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()


class Checks:
    """A test's checks that go on after a failure, so that one run reports every one:
    check(ok, what) records `what` when not ok; check.failures lists them; check.exit(name)
    prints the count and exits 1 when any failed."""

    def __init__(self):
        self.failures = []

    def __call__(self, ok, what):
        if not ok:
            self.failures.append(what)
            print(f"FAIL: {what}", flush=True)

    def exit(self, summary):
        print(f"{summary}; {len(self.failures)} failure(s)", flush=True)
        sys.exit(1 if self.failures else 0)
