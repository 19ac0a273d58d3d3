"""A real one-node Slurm cluster on 127.0.0.1 (munged, slurmctld, slurmd), for datatrove's
``SlurmPipelineExecutor``.

Debian's packages (``slurmctld``, ``slurmd``, ``slurm-client``, ``munge``; installed by
``.ci/system-deps.sh``) run as child processes with everything in one folder: a fresh MUNGE key
and socket (``AuthInfo=socket=``), the controller's state, the node's spool, the logs, free
ports. No cgroups (``ProctrackType=proctrack/linuxproc``, ``TaskPlugin=task/none``), no
accounting database: what a container offers. The node is this machine under its short host
name (slurmctld accepts only a ``SlurmctldHost`` naming the host it runs on), with its CPUs
and 1 GB of schedulable memory per CPU. Commands (``sbatch``, ``squeue``, ``srun`` in the jobs)
find the cluster by ``SLURM_CONF``. slurmd starts each job as the submitting user, so it runs
as root, as it does on a real cluster.
"""

from __future__ import annotations

import os
import secrets
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Callable
from pathlib import Path
from typing import Self

from tests.support.redisserver import free_port

PROGRAMS = ("munged", "slurmctld", "slurmd", "sbatch", "squeue", "sinfo", "srun", "scancel")


def missing_programs() -> list[str]:
    """The Slurm and MUNGE programs not found (Debian puts the daemons in /usr/sbin)."""
    path = os.pathsep.join([os.environ.get("PATH", ""), "/usr/sbin", "/sbin"])
    return [p for p in PROGRAMS if shutil.which(p, path=path) is None]


def _which(program: str) -> str:
    path = os.pathsep.join([os.environ.get("PATH", ""), "/usr/sbin", "/sbin"])
    found = shutil.which(program, path=path)
    if found is None:
        raise FileNotFoundError(f"{program} not found (apt-get install slurmctld slurmd munge)")
    return found


class SlurmCluster:
    """munged + slurmctld + slurmd in child processes, configured in ``directory``."""

    partition = "clearcrawl"

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.host = socket.gethostname().split(".")[0]
        self.cpus = len(os.sched_getaffinity(0))
        self.procs: dict[str, subprocess.Popen[bytes]] = {}
        self.conf = directory / "slurm.conf"

    @property
    def env(self) -> dict[str, str]:
        """The environment a Slurm command needs to talk to this cluster."""
        return {**os.environ, "SLURM_CONF": str(self.conf)}

    def write_conf(self) -> None:
        d = self.directory
        for sub in ("state", "spool"):
            (d / sub).mkdir(parents=True, exist_ok=True)
        user = "root" if os.geteuid() == 0 else os.environ.get("USER", "root")
        self.conf.write_text(
            "\n".join(
                [
                    "ClusterName=clearcrawl-test",
                    f"SlurmctldHost={self.host}(127.0.0.1)",
                    f"SlurmctldPort={free_port()}",
                    f"SlurmdPort={free_port()}",
                    f"SlurmUser={user}",
                    "SlurmdUser=root",
                    "AuthType=auth/munge",
                    "CredType=cred/munge",
                    f"AuthInfo=socket={d / 'munge.sock'}",
                    f"StateSaveLocation={d / 'state'}",
                    f"SlurmdSpoolDir={d / 'spool'}",
                    f"SlurmctldPidFile={d / 'slurmctld.pid'}",
                    f"SlurmdPidFile={d / 'slurmd.pid'}",
                    f"SlurmctldLogFile={d / 'slurmctld.log'}",
                    f"SlurmdLogFile={d / 'slurmd.log'}",
                    "ProctrackType=proctrack/linuxproc",
                    "TaskPlugin=task/none",
                    "JobAcctGatherType=jobacct_gather/none",
                    "AccountingStorageType=accounting_storage/none",
                    "SwitchType=switch/none",
                    "MpiDefault=none",
                    "MailProg=/bin/true",
                    "SelectType=select/cons_tres",
                    "SelectTypeParameters=CR_Core_Memory",
                    # the node as configured here, whatever the hardware's socket/core layout
                    "SlurmdParameters=config_overrides",
                    "ReturnToService=2",
                    # a job whose dependency failed is cancelled, not left pending for ever
                    "DependencyParameters=kill_invalid_depend",
                    (
                        f"NodeName={self.host} NodeAddr=127.0.0.1 CPUs={self.cpus} "
                        f"RealMemory={1024 * self.cpus} State=UNKNOWN"
                    ),
                    (
                        f"PartitionName={self.partition} Nodes={self.host} Default=YES "
                        "MaxTime=INFINITE State=UP"
                    ),
                    "",
                ]
            )
        )

    def start(self) -> Self:
        d = self.directory
        d.mkdir(parents=True, exist_ok=True)
        d.chmod(0o755)  # munged wants its socket's folder searchable by all
        self.write_conf()
        key = d / "munge.key"
        key.write_bytes(secrets.token_bytes(1024))
        key.chmod(0o400)
        self._spawn(
            "munged",
            [
                _which("munged"),
                "--foreground",
                "--force",
                f"--socket={d / 'munge.sock'}",
                f"--key-file={key}",
                f"--log-file={d / 'munged.log'}",
                f"--pid-file={d / 'munged.pid'}",
                f"--seed-file={d / 'munged.seed'}",
            ],
        )
        self._wait(lambda: (d / "munge.sock").exists(), "munged did not create its socket")
        self._spawn("slurmctld", [_which("slurmctld"), "-D", "-i", "-f", str(self.conf)])
        self._spawn("slurmd", [_which("slurmd"), "-D", "-N", self.host, "-f", str(self.conf)])
        self._wait(self._node_idle, "the node did not become idle in sinfo")
        return self

    def _spawn(self, name: str, argv: list[str]) -> None:
        log = (self.directory / f"{name}.out").open("wb")
        self.procs[name] = subprocess.Popen(
            argv, env=self.env, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL
        )
        log.close()

    def _node_idle(self) -> bool:
        out = self.run("sinfo", "-h", "-N", "-o", "%N %t", check=False)
        return out.strip() == f"{self.host} idle"

    def _wait(self, ready: Callable[[], bool], message: str, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for name, proc in self.procs.items():
                if proc.poll() is not None:
                    raise RuntimeError(f"{name} exited ({proc.returncode}): {self.logs()}")
            if ready():
                return
            time.sleep(0.2)
        raise RuntimeError(f"{message} within {timeout:.0f} s: {self.logs()}")

    def run(self, *argv: str, check: bool = True) -> str:
        done = subprocess.run(
            [_which(argv[0]), *argv[1:]], env=self.env, capture_output=True, text=True, check=False
        )
        if check and done.returncode != 0:
            raise RuntimeError(f"{' '.join(argv)} failed ({done.returncode}): {done.stderr}")
        return done.stdout

    def wait_idle(self, timeout: float = 600) -> None:
        """Wait until no job is pending or running (finished jobs leave ``squeue``)."""
        self._wait(
            lambda: not self.run("squeue", "-h", "-o", "%i", check=False).strip(),
            "jobs still queued",
            timeout,
        )

    def logs(self) -> str:
        """The tail of each daemon's output, for a failure message."""
        parts = []
        for name in ("munged", "slurmctld", "slurmd"):
            path = self.directory / f"{name}.out"
            if path.exists():
                parts.append(f"--- {name}\n" + path.read_text(errors="replace")[-1500:])
        return "\n".join(parts)

    def stop(self) -> None:
        if "slurmctld" in self.procs and self.procs["slurmctld"].poll() is None:
            self.run("scancel", "--full", f"--partition={self.partition}", check=False)
        for name in ("slurmd", "slurmctld", "munged"):
            proc = self.procs.pop(name, None)
            if proc is None or proc.poll() is not None:
                continue
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()

    def __enter__(self) -> Self:
        try:
            return self.start()
        except BaseException:
            self.stop()
            raise

    def __exit__(self, *exc: object) -> None:
        self.stop()
