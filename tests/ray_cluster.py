"""A Ray cluster on this machine, started the documented way (docs/scale.md): `ray start --head`
and `ray start --address=...` for one more worker node, with token authentication, as Ray
2.59+ does by default. Stopped by killing exactly the processes it started (never `ray stop`,
which would stop every Ray on the machine).
"""

from __future__ import annotations

import os
import secrets
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def processes() -> dict[int, tuple[int, str]]:
    """pid -> (parent pid, command line) of every process (Linux /proc)."""
    found = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        found[int(entry.name)] = (ppid, cmdline)
    return found


def descendants(roots: set[int], table: dict[int, tuple[int, str]]) -> set[int]:
    out, frontier = set(roots), set(roots)
    while frontier:
        frontier = {pid for pid, (ppid, _) in table.items() if ppid in frontier} - out
        out |= frontier
    return out


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@dataclass
class RayCluster:
    root: Path
    address: str
    env: dict[str, str]
    node_manager_ports: list[int] = field(default_factory=list)

    def worker_raylet(self) -> int:
        """pid of the raylet of the node started with `ray start --address`."""
        port = f"--node_manager_port={self.node_manager_ports[1]}"
        return next(pid for pid, (_, cmd) in processes().items() if "raylet" in cmd and port in cmd)

    def stop(self) -> None:
        """Kill every process under this cluster's temp dir (gcs, raylets, agents) and their
        children (Ray workers, their task processes), then remove the temp dir."""
        table = processes()
        me, ancestors = os.getpid(), set()
        while me in table and me not in ancestors:
            ancestors.add(me)
            me = table[me][0]
        roots = {pid for pid, (_, cmd) in table.items() if str(self.root) in cmd} - ancestors
        for pid in sorted(descendants(roots, table), reverse=True):
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        shutil.rmtree(self.root, ignore_errors=True)


def start_cluster(worker_env: dict[str, str] | None = None) -> RayCluster:
    """Head (1 CPU) and one worker node (1 CPU); `worker_env` is added to the worker node's
    environment only (and so to its Ray workers'). The temp dir is short: Ray's Unix sockets
    live under it, and a socket path may not pass 107 bytes."""
    root = Path(tempfile.mkdtemp(prefix="jray", dir="/tmp"))
    token = root / "auth_token"
    token.write_text(secrets.token_hex(32))
    env = {**os.environ, "RAY_AUTH_MODE": "token", "RAY_AUTH_TOKEN_PATH": str(token),
           "RAY_USAGE_STATS_ENABLED": "0"}
    env.pop("RAY_ADDRESS", None)
    port, ports = free_port(), [free_port(), free_port()]
    address = f"127.0.0.1:{port}"
    common = ["--num-cpus=1", "--node-ip-address=127.0.0.1", "--object-store-memory=150000000",
              "--disable-usage-stats"]
    cluster = RayCluster(root, address, {**env, "RAY_ADDRESS": address}, ports)
    try:
        _ray_start(["--head", f"--port={port}", f"--temp-dir={root / 'ray'}", "--include-dashboard=false",
                    f"--node-manager-port={ports[0]}", *common], env)
        _ray_start([f"--address={address}", f"--node-manager-port={ports[1]}", *common],
                   {**env, **(worker_env or {})})
        deadline = time.time() + 120
        while _nodes(cluster) < 2:
            assert time.time() < deadline, "the worker node never joined"
            time.sleep(1)
    except BaseException:
        cluster.stop()
        raise
    return cluster


def _ray_start(args: list[str], env: dict[str, str]) -> None:
    done = subprocess.run(["ray", "start", *args], env=env, capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, f"ray start {' '.join(args)}: {done.stderr[-2000:]}"


def _nodes(cluster: RayCluster) -> int:
    done = subprocess.run(["ray", "status", f"--address={cluster.address}"], env=cluster.env,
                          capture_output=True, text=True, timeout=60)
    return done.stdout.count(" node_")
