"""Fresh operating-system roots in which to build and run the Gradescope zip as Gradescope does.

Gradescope builds an autograder image from a bare base image (Ubuntu 22.04 by default, 24.04 on
request): the zip is unpacked into ``/autograder/source``, ``run_autograder`` is copied to
``/autograder/run_autograder``, ``setup.sh`` runs once as root with internet, and then each
submission gets a fresh container in which ``run_autograder`` must leave
``/autograder/results/results.json``. This module reproduces that on this machine without Docker:

* :func:`os_tarball` bootstraps a minimal root of a suite (apt and python3, as Gradescope's base
  images have) with ``mmdebstrap`` once, and keeps it as a tarball in :data:`CACHE`;
* :class:`FreshRoot` unpacks that tarball into a temporary folder and runs commands in it as
  root under ``chroot``, in a private mount and PID namespace (its own /proc, a read-only /sys, a
  minimal /dev, all gone when the command ends), optionally with Docker's default capability
  set (no CAP_SYS_ADMIN: no namespaces, so bubblewrap cannot start there) and a memory cgroup.

The host's CA certificates, apt ``Acquire`` options and pip certificate setting are carried into
the root so that apt and pip reach the same archives and PyPI as the host does; nothing else of
the host is visible inside, except the sandbox uid lock folder (bound in, so that a grading in the
root never leases the uid of a grading running on the host at the same time).
"""

from __future__ import annotations

import hashlib
import os
import shutil
import signal
import subprocess
import tempfile
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from autograder.engine.sandbox import UID_LOCKS

CACHE = Path(os.environ.get("AUTOGRADER_IMAGE_CACHE", "/var/cache/autograder-images"))
ROOT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
UBUNTU = "http://archive.ubuntu.com/ubuntu"
DEBIAN = "http://deb.debian.org/debian"
# Ubuntu's archive key, from the ubuntu-keyring package of 24.04 (it also signs 22.04's archive);
# the digest is the one in noble's Packages index, pinned here so a changed file is refused.
UBUNTU_KEYRING_DEB = (
    f"{UBUNTU}/pool/main/u/ubuntu-keyring/ubuntu-keyring_2023.11.28.1_all.deb",
    "36de43b15853ccae0028e9a767613770c704833f82586f28eb262f0311adb8a8",
)
# Docker's default capability set (what a Gradescope container most likely gets): no
# CAP_SYS_ADMIN, so no new namespaces and no bubblewrap.
DOCKER_CAPS = (
    "chown", "dac_override", "fsetid", "fowner", "mknod", "net_raw", "setgid", "setuid", "setfcap",
    "setpcap", "net_bind_service", "sys_chroot", "kill", "audit_write",
)


@dataclass(frozen=True)
class Suite:
    name: str
    label: str
    distro: str

    def sources(self) -> list[str]:
        if self.distro == "ubuntu":
            parts = "main universe"
            return [f"deb {UBUNTU} {self.name}{pocket} {parts}" for pocket in ("", "-updates", "-security")]
        return [
            f"deb {DEBIAN} {self.name} main",
            f"deb {DEBIAN} {self.name}-updates main",
            f"deb http://deb.debian.org/debian-security {self.name}-security main",
        ]


SUITES = {
    suite.name: suite
    for suite in (
        Suite("noble", "Ubuntu 24.04", "ubuntu"),
        Suite("jammy", "Ubuntu 22.04", "ubuntu"),
        Suite("bookworm", "Debian 12", "debian"),
    )
}


def missing_prerequisites() -> str | None:
    """Why fresh roots cannot be made here, or None."""
    if os.geteuid() != 0:
        return "fresh roots need root (chroot, mounts, cgroups)"
    for tool in ("unshare", "chroot", "setpriv", "tar"):
        if shutil.which(tool) is None:
            return f"{tool} is missing"
    if shutil.which("mmdebstrap") is None and not any(CACHE.glob("*.tar")):
        return "mmdebstrap is missing (apt-get install mmdebstrap)"
    return None


def _host_apt_options() -> list[str]:
    """The host's apt Acquire options (proxies, snapshot validity), so the root reaches the same archives."""
    folder = Path("/etc/apt/apt.conf.d")
    if not folder.is_dir():
        return []
    return [str(p) for p in sorted(folder.iterdir()) if p.is_file() and "Acquire::" in p.read_text(errors="replace")]


def _ubuntu_keyring() -> Path:
    target = CACHE / "ubuntu-archive-keyring.gpg"
    if target.exists():
        return target
    url, digest = UBUNTU_KEYRING_DEB
    with urllib.request.urlopen(url, timeout=120) as response:
        deb = response.read()
    if hashlib.sha256(deb).hexdigest() != digest:
        raise RuntimeError(f"{url} does not have the pinned SHA-256")
    with tempfile.TemporaryDirectory() as tmp:
        (Path(tmp) / "keyring.deb").write_bytes(deb)
        subprocess.run(["dpkg-deb", "-x", f"{tmp}/keyring.deb", f"{tmp}/x"], check=True)
        shutil.copy(Path(tmp) / "x/usr/share/keyrings/ubuntu-archive-keyring.gpg", target)
    return target


def os_tarball(suite: Suite) -> Path:
    """A minimal root of `suite` with apt and python3, bootstrapped once and cached as a tarball."""
    tarball = CACHE / f"{suite.distro}-{suite.name}-minbase.tar"
    if tarball.exists():
        return tarball
    CACHE.mkdir(parents=True, exist_ok=True)
    command = ["mmdebstrap", "--variant=minbase", "--format=tar", "--include=apt,python3"]
    command += [f"--aptopt={option}" for option in _host_apt_options()]
    if suite.distro == "ubuntu":
        command.append(f"--keyring={_ubuntu_keyring()}")
    partial = tarball.with_name(f".{tarball.name}.{os.getpid()}")
    done = subprocess.run([*command, suite.name, str(partial), *suite.sources()], capture_output=True, text=True, timeout=1800)
    if done.returncode != 0:
        partial.unlink(missing_ok=True)
        raise RuntimeError(f"mmdebstrap {suite.name} failed: {done.stderr[-2000:]}")
    os.replace(partial, tarball)
    return tarball


# Runs on the host in a private mount and PID namespace: $1 is the root, $2 the uid lock folder.
_ENTER = r"""
set -eu
root=$1; locks=$2; shift 2
mount --bind "$root" "$root"                      # bubblewrap's pivot_root needs a mount point
mount -t proc -o nosuid,nodev,noexec proc "$root/proc"
mount -t sysfs -o ro,nosuid,nodev,noexec sysfs "$root/sys"
mount -t tmpfs -o mode=0755,size=1m,nosuid tmpfs "$root/dev"
for name in null zero full random urandom tty; do
  touch "$root/dev/$name"; mount --bind "/dev/$name" "$root/dev/$name"
done
mkdir "$root/dev/pts" "$root/dev/shm"
mount -t devpts -o newinstance,ptmxmode=0666,mode=0620 devpts "$root/dev/pts"
mount -t tmpfs -o mode=1777,nosuid,nodev tmpfs "$root/dev/shm"
ln -s pts/ptmx "$root/dev/ptmx"; ln -s /proc/self/fd "$root/dev/fd"
ln -s /proc/self/fd/0 "$root/dev/stdin"; ln -s /proc/self/fd/1 "$root/dev/stdout"; ln -s /proc/self/fd/2 "$root/dev/stderr"
mkdir -p "$root$locks"; mount --bind "$locks" "$root$locks"
exec chroot "$root" "$@"
"""


@dataclass
class Run:
    returncode: int
    seconds: float
    output: str
    peak_memory: int | None  # of the cgroup, when one was used


class MemoryCgroup:
    """A memory cgroup (v1 or v2) with a limit, for one command; None path where the host has none."""

    def __init__(self, limit: int) -> None:
        self.path: Path | None = None
        v1, v2 = Path("/sys/fs/cgroup/memory"), Path("/sys/fs/cgroup")
        name = f"autograder-fresh-root-{os.getpid()}-{time.monotonic_ns()}"
        try:
            if (v1 / "memory.limit_in_bytes").exists():
                self.path, limit_file = v1 / name, "memory.limit_in_bytes"
            elif "memory" in (v2 / "cgroup.controllers").read_text().split():
                self.path, limit_file = v2 / name, "memory.max"
            else:
                return
            self.path.mkdir()
            (self.path / limit_file).write_text(str(limit))
        except OSError:
            self.remove()
            self.path = None

    def join(self) -> None:
        """Move the calling process into this cgroup (run in the child before it execs)."""
        (self.path / "cgroup.procs").write_text(str(os.getpid()))

    def peak(self) -> int | None:
        for name in ("memory.max_usage_in_bytes", "memory.peak"):
            try:
                return int((self.path / name).read_text())
            except (OSError, TypeError, ValueError):
                continue
        return None

    def remove(self) -> None:
        for _ in range(100):  # the last process may take a moment to leave
            try:
                if self.path is not None:
                    self.path.rmdir()
                return
            except FileNotFoundError:
                return
            except OSError:
                time.sleep(0.1)


class FreshRoot:
    """One bootstrapped root, unpacked into `folder` (removed by :meth:`remove`)."""

    def __init__(self, suite: Suite, folder: Path) -> None:
        self.suite, self.folder = suite, folder
        self.path = folder / "root"
        self.path.mkdir(mode=0o755, parents=True)
        subprocess.run(["tar", "--numeric-owner", "-xpf", str(os_tarball(suite)), "-C", str(self.path)], check=True)
        for name in ("resolv.conf", "hosts"):
            if Path("/etc", name).is_file():
                shutil.copy(Path("/etc", name), self.path / "etc" / name)
        cas = self.path / "usr/local/share/ca-certificates"
        cas.mkdir(parents=True, exist_ok=True)
        for certificate in Path("/usr/local/share/ca-certificates").glob("**/*.crt"):
            shutil.copy(certificate, cas / certificate.name)
        UID_LOCKS.mkdir(mode=0o700, parents=True, exist_ok=True)

    def environment(self) -> dict[str, str]:
        """What a root shell gets: a plain PATH and HOME, and the host's way out (proxy, pip's CA file)."""
        env = {"PATH": ROOT_PATH, "HOME": "/root", "LANG": "C.UTF-8"}
        for key, value in os.environ.items():
            if key.lower() in ("http_proxy", "https_proxy", "no_proxy") or key == "PIP_CERT":
                env[key] = value
        return env

    def run(
        self, script: str, log: Path, timeout: float, *, docker_caps: bool = False, memory: int | None = None
    ) -> Run:
        """Run a bash script in the root as root; its output is appended to `log` and returned."""
        cgroup = MemoryCgroup(memory) if memory else None
        inner = ["/usr/bin/env", "-i", *(f"{k}={v}" for k, v in self.environment().items()), "/bin/bash", "-c", script]
        if docker_caps:
            bounding = "-all," + ",".join(f"+{cap}" for cap in DOCKER_CAPS)
            inner = ["/usr/bin/setpriv", f"--bounding-set={bounding}", "--", *inner]
        argv = ["unshare", "--mount", "--pid", "--fork", "--propagation", "private", "bash", "-c", _ENTER, "enter"]
        argv += [str(self.path), str(UID_LOCKS), *inner]
        join = cgroup.join if cgroup and cgroup.path else None
        started = time.monotonic()
        mark = log.stat().st_size if log.exists() else 0
        with open(log, "ab") as out:
            process = subprocess.Popen(
                argv, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT, start_new_session=True, preexec_fn=join
            )
        try:
            returncode = process.wait(timeout)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            returncode = process.wait()
        peak = cgroup.peak() if cgroup and cgroup.path else None
        if cgroup:
            cgroup.remove()
        with open(log, "rb") as read:
            read.seek(mark)
            output = read.read().decode(errors="replace")
        return Run(returncode, time.monotonic() - started, output, peak)

    def size_bytes(self) -> int:
        done = subprocess.run(["du", "-sx", "--block-size=1", str(self.path)], capture_output=True, text=True, check=True)
        return int(done.stdout.split()[0])

    def mounts(self) -> list[str]:
        """Mount points left under the root on the host (none, if the namespaces did their job)."""
        points = (line.split()[4] for line in Path("/proc/self/mountinfo").read_text().splitlines())
        return [p for p in points if p == str(self.path) or p.startswith(f"{self.path}/")]

    def remove(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)
