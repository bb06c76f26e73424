#!/usr/bin/env python3
"""The systemd units of deploy/systemd pass `systemd-analyze verify` with no complaint at all
(it exits 0 on unknown keys, so any output fails the test), for the projector, the audit
service and the four instances of annals-publisher@.service; and every ANNALS_* variable of
the example environment files (deploy/systemd/env) and of the units is one the process reads.

verify checks that ExecStart's binary exists, and the units name /opt/annals/bin where a
host has them: the test verifies copies whose ExecStart names BIN_DIR instead, nothing else
changed. Without systemd-analyze (Debian's systemd, deploy/local/install-deps) it says so
and passes.

  systemd_units_test.py SOURCE_DIR BIN_DIR WORK_DIR
"""
import os
import re
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))
from stack import arguments  # noqa: E402

source, bins, work, _, _ = arguments("systemd")
if not shutil.which("systemd-analyze"):
    print("SKIPPED: systemd-analyze is not installed (Debian's systemd; deploy/local/install-deps)")
    sys.exit(0)
units = os.path.join(source, "deploy/systemd")
publishers = ["registry", "personnel", "enrollment", "finance"]
process_of = {"annals-projector.service": ["projector"], "annals-audit.service": ["audit"],
              "annals-publisher@.service": publishers}

for unit in process_of:
    with open(os.path.join(units, unit)) as f:
        text = f.read()
    assert "ExecStart=/opt/annals/bin/" in text, unit
    with open(os.path.join(work, unit), "w") as f:
        f.write(text.replace("ExecStart=/opt/annals/bin/", f"ExecStart={bins}/"))
names = ["annals-projector.service", "annals-audit.service"]
names += [f"annals-publisher@{p}.service" for p in publishers]
command = ["systemd-analyze", "verify"] + [os.path.join(work, n) for n in names]
print(" ".join(command))
result = subprocess.run(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
print(result.stdout, end="")
if result.returncode != 0 or result.stdout.strip():
    sys.exit(f"systemd-analyze verify: exit {result.returncode}, output above")
print(f"verified {len(names)} units")


def variables_read(process):
    """The ANNALS_* variables a process reads (its --help names them: `(Env:ANNALS_X)`)."""
    help_text = subprocess.run([f"{bins}/annals-{process}", "--help"], stdout=subprocess.PIPE,
                               text=True, check=True).stdout
    return set(re.findall(r"Env:(ANNALS_\w+)", help_text))


for unit, processes in process_of.items():
    with open(os.path.join(units, unit)) as f:
        set_by_unit = set(re.findall(r"\b(ANNALS_\w+)=", f.read()))
    for process in processes:
        with open(os.path.join(units, "env", f"{process}.env")) as f:
            in_file = set(re.findall(r"^#?(ANNALS_\w+)=", f.read(), re.M))
        unknown = (set_by_unit | in_file) - variables_read(process)
        assert not unknown, f"{process} does not read {sorted(unknown)}"
print("every ANNALS_* variable of the units and env files is read by its process")
