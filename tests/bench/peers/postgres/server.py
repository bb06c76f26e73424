#!/usr/bin/env python3
"""A throwaway PostgreSQL cluster for the benchmark.

    python3 server.py start DIR PORT   # initdb (first time) + start on 127.0.0.1:PORT; prints the DSN
    python3 server.py stop DIR         # fast shutdown
    python3 server.py dsn DIR          # the DSN of a cluster started in DIR

Debian's PostgreSQL (apt-get install -y postgresql). PostgreSQL refuses to run as root:
when run as root this runs initdb and pg_ctl as the `postgres` system user (runuser) and
hands DIR to it. Listens on 127.0.0.1 only; the socket lives in DIR. Tuning: README.md.
"""
import glob
import os
import pwd
import subprocess
import sys

# The tuning, for a 2-core, 24 GiB machine shared with other jobs (see README.md).
SETTINGS = {
    "listen_addresses": "'127.0.0.1'",
    "max_connections": "20",
    "shared_buffers": "'1GB'",
    "work_mem": "'64MB'",
    "maintenance_work_mem": "'1GB'",
    "effective_cache_size": "'8GB'",
    "random_page_cost": "1.1",
    # Durability as the Annals projector's: a WAL, not flushed at every commit. fsync stays on
    # (fsync=off risks a corrupt cluster on a crash, which RocksDB does not).
    "fsync": "on",
    "full_page_writes": "on",
    "synchronous_commit": "off",
    # The documented bulk-load recipe: tables created and filled in one transaction skip the
    # WAL and are synced at commit; few checkpoints during the load.
    "wal_level": "minimal",
    "max_wal_senders": "0",
    "max_wal_size": "'8GB'",
    "checkpoint_timeout": "'30min'",
    # Short analytical queries: JIT compilation costs more than it saves here.
    "jit": "off",
    "max_parallel_workers_per_gather": "2",
    "logging_collector": "off",
    "log_min_messages": "warning",
}


def pg_bin(name):
    for d in sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True):
        if os.path.exists(os.path.join(d, name)):
            return os.path.join(d, name)
    sys.exit(f"server.py: no PostgreSQL found (apt-get install -y postgresql): {name}")


def as_postgres(cmd, **kw):
    if os.geteuid() == 0:
        cmd = ["runuser", "-u", "postgres", "--"] + cmd
    return subprocess.run(cmd, check=True, **kw)


def data_dir(d):
    return os.path.join(os.path.abspath(d), "data")


def dsn(d, port=None):
    if port is None:
        with open(os.path.join(data_dir(d), "postmaster.pid")) as f:
            port = f.read().splitlines()[3]
    return f"host=127.0.0.1 port={port} user=postgres dbname=annals"


def start(d, port):
    d = os.path.abspath(d)
    os.makedirs(d, exist_ok=True)
    if os.geteuid() == 0:
        pw = pwd.getpwnam("postgres")
        for root, dirs, files in os.walk(d):
            for name in [root] + [os.path.join(root, x) for x in dirs + files]:
                os.lchown(name, pw.pw_uid, pw.pw_gid)
    data = data_dir(d)
    if not os.path.exists(os.path.join(data, "PG_VERSION")):
        as_postgres([pg_bin("initdb"), "-D", data, "-U", "postgres", "--auth=trust", "--encoding=UTF8",
                     "--no-locale", "--no-sync"], stdout=subprocess.DEVNULL)
    conf = dict(SETTINGS, port=str(port), unix_socket_directories=f"'{d}'")
    with open(os.path.join(data, "postgresql.auto.conf"), "w") as f:
        f.write("# written by tests/bench/peers/postgres/server.py\n")
        for k, v in conf.items():
            f.write(f"{k} = {v}\n")
    as_postgres([pg_bin("pg_ctl"), "-D", data, "-l", os.path.join(d, "postgres.log"), "-w", "-t", "60", "start"],
                stdout=subprocess.DEVNULL)
    exists = subprocess.run([pg_bin("psql"), "-h", "127.0.0.1", "-p", str(port), "-U", "postgres", "-d", "postgres",
                             "-tAc", "SELECT 1 FROM pg_database WHERE datname = 'annals'"],
                            check=True, capture_output=True, text=True).stdout.strip()
    if exists != "1":
        subprocess.run([pg_bin("psql"), "-h", "127.0.0.1", "-p", str(port), "-U", "postgres", "-d", "postgres",
                        "-qc", "CREATE DATABASE annals"], check=True)
    print(dsn(d, port))


def stop(d):
    data = data_dir(d)
    if not os.path.exists(os.path.join(data, "postmaster.pid")):
        return
    as_postgres([pg_bin("pg_ctl"), "-D", data, "-m", "fast", "-w", "-t", "120", "stop"], stdout=subprocess.DEVNULL)


def main():
    args = sys.argv[1:]
    if len(args) == 3 and args[0] == "start":
        start(args[1], int(args[2]))
    elif len(args) == 2 and args[0] == "stop":
        stop(args[1])
    elif len(args) == 2 and args[0] == "dsn":
        print(dsn(args[1]))
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
