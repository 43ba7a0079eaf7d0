"""The image, built from the Dockerfile with buildah and run with its own CMD
as its own user on the host's loopback (there is no Docker engine here; see
``.ci/build-image``).  Used by ``test_image.py`` and ``benchmarks/bench_startup.py``."""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from .image import REPO, free_port, stop

#: The tag the tests build and run.
IMAGE = "localhost/sharpness-lab:test"
#: Seconds the build may take (stand-in base ~70 s once, pip + numba warm-up ~100 s).
BUILD_S = 1800
#: Seconds a booting container may take to answer /healthz before it is a failure.
BOOT_S = 120
SECRET = "image-test-secret-key-0123456789abcdef"


def buildah(*args: str, timeout: float = 120, check: bool = True) -> str:
    env = {**os.environ, "STORAGE_DRIVER": os.environ.get("STORAGE_DRIVER", "vfs")}
    proc = subprocess.run(["buildah", *args], capture_output=True, text=True, env=env,
                          timeout=timeout)
    if check and proc.returncode != 0:
        raise RuntimeError(f"buildah {' '.join(args)}: {proc.stderr.strip()[-2000:]}")
    return proc.stdout


def build_image(log_path: Path, tag: str = IMAGE) -> None:
    """``bash .ci/build-image TAG``; raises with the log's tail when it fails."""
    with open(log_path, "wb") as log:
        proc = subprocess.run(["bash", str(REPO / ".ci" / "build-image"), tag], cwd=REPO,
                              stdout=log, stderr=subprocess.STDOUT, timeout=BUILD_S)
    if proc.returncode != 0:
        raise RuntimeError("image build failed:\n" + log_path.read_text()[-4000:])


def image_config(tag: str = IMAGE) -> dict:
    """The image's Docker-format config (Cmd, Env, User, Healthcheck, WorkingDir)."""
    return json.loads(buildah("inspect", "--type", "image", tag))["Docker"]["config"]


@dataclass(frozen=True)
class Container:
    name: str          # buildah working container
    base: str          # http://127.0.0.1:PORT
    log: Path          # everything the CMD printed
    boot_s: float      # start of `buildah run` to the first 200 from /healthz
    root: Path         # the container's filesystem, mounted on the host
    cache_before: dict  # cache_snapshot of the image's NUMBA_CACHE_DIR before the start


def _healthy(base: str) -> bool:
    try:
        with urllib.request.urlopen(base + "/healthz", timeout=2) as r:
            return r.status == 200
    except OSError:
        return False


@contextlib.contextmanager
def run_container(tmp: Path, env: dict | None = None, tag: str = IMAGE):
    """Run the image's CMD as the image's user; yields a :class:`Container`."""
    cfg = image_config(tag)
    name = buildah("from", tag).strip()
    port = free_port()
    env = {"SECRET_KEY": SECRET, "PORT": str(port), **(env or {})}
    args = ["buildah", "run", "--isolation", "chroot", "--network", "host"]
    for k, v in env.items():
        args += ["--env", f"{k}={v}"]
    args += [name, "--", *cfg["Cmd"]]
    log = tmp / "container.log"
    root = Path(buildah("mount", name).strip())
    numba_cache = dict(e.split("=", 1) for e in cfg["Env"]).get("NUMBA_CACHE_DIR", "")
    before = cache_snapshot(root, numba_cache) if numba_cache else {}
    base = f"http://127.0.0.1:{port}"
    out = open(log, "wb")  # noqa: SIM115
    t0 = time.monotonic()
    proc = subprocess.Popen(args, stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
                            env={**os.environ, "STORAGE_DRIVER": "vfs"})
    try:
        while not _healthy(base):
            if proc.poll() is not None:
                raise RuntimeError(f"container exited ({proc.returncode}):\n"
                                   + log.read_text(errors="replace")[-3000:])
            if time.monotonic() - t0 > BOOT_S:
                raise TimeoutError(f"no /healthz within {BOOT_S} s:\n"
                                   + log.read_text(errors="replace")[-3000:])
            time.sleep(0.05)
        yield Container(name, base, log, time.monotonic() - t0, root, before)
    finally:
        stop(proc)
        out.close()
        buildah("umount", name, check=False)
        buildah("rm", name, check=False)


def run_in_image(code: str, tag: str = IMAGE) -> subprocess.CompletedProcess:
    """``python -c code`` in a new container of the image, as the image's user."""
    name = buildah("from", tag).strip()
    try:
        return subprocess.run(["buildah", "run", "--isolation", "chroot", "--network", "host",
                               name, "--", "python", "-c", code],
                              capture_output=True, text=True, timeout=300,
                              env={**os.environ, "STORAGE_DRIVER": "vfs"})
    finally:
        buildah("rm", name, check=False)


def cache_snapshot(root: Path, cache_dir: str) -> dict:
    """{relative path: (size, mtime)} of every file under the image's numba cache."""
    top = root / cache_dir.lstrip("/")
    return {str(p.relative_to(top)): (p.stat().st_size, p.stat().st_mtime_ns)
            for p in top.rglob("*") if p.is_file()}
