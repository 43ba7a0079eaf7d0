"""Start-up times on a warm numba cache: ``python -m app`` to its first
answered request, and the image's boot to healthy.

    python benchmarks/bench_startup.py [--runs 5] [--no-image]

* ``python -m app``: the interpreter running this script (run it from the
  project's venv), a free loopback port, ``NUMBA_CACHE_DIR`` warmed once
  before the timed runs; time from ``Popen`` to the first 200 from
  ``/healthz`` (which is served only once the app is built and its kernels
  are loaded).
* image: ``localhost/sharpness-lab:test`` (``bash .ci/build-image``), its CMD
  run as its user by ``buildah run`` with its baked-in cache; time from the
  start of ``buildah run`` to the first 200 from ``/healthz``.

Prints each run and the median, p95 (nearest rank) and max against the
targets (≤ 3 s and ≤ 10 s on a 2-core machine).
"""

from __future__ import annotations

import argparse
import math
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.deploy.container import IMAGE, run_container  # noqa: E402
from tests.deploy.image import free_port, stop, wait_healthy  # noqa: E402

TARGET_APP_S = 3.0
TARGET_IMAGE_S = 10.0


def time_python_m_app(cache: str) -> float:
    port = free_port()
    env = {**os.environ, "HOST": "127.0.0.1", "PORT": str(port), "NUMBA_CACHE_DIR": cache}
    t0 = time.monotonic()
    proc = subprocess.Popen([sys.executable, "-m", "app"], cwd=ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)
    try:
        wait_healthy(f"http://127.0.0.1:{port}", proc, poll_s=0.02)
        return time.monotonic() - t0
    finally:
        stop(proc)


def summary(name: str, times: list, target: float) -> str:
    s = sorted(times)
    p95 = s[min(len(s) - 1, math.ceil(0.95 * len(s)) - 1)]
    return (f"{name}: median {s[len(s) // 2]:.2f} s, p95 {p95:.2f} s, max {s[-1]:.2f} s "
            f"over {len(s)} runs (target ≤ {target:g} s: {'met' if p95 <= target else 'NOT met'})")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--no-image", action="store_true", help="skip the image (no buildah)")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        cache = str(Path(tmp) / "numba")
        subprocess.run([sys.executable, "-c", "import uvcore; uvcore.warmup()"], cwd=ROOT,
                       env={**os.environ, "NUMBA_CACHE_DIR": cache}, check=True)
        app_times = []
        for i in range(args.runs):
            app_times.append(time_python_m_app(cache))
            print(f"python -m app run {i + 1}: {app_times[-1]:.2f} s", flush=True)
        lines = [summary("python -m app → first answer", app_times, TARGET_APP_S)]
        if not args.no_image:
            boot = []
            for i in range(args.runs):
                with run_container(Path(tmp)) as ctr:
                    boot.append(ctr.boot_s)
                print(f"image run {i + 1}: {boot[-1]:.2f} s", flush=True)
            lines.append(summary(f"image {IMAGE} boot → healthy", boot, TARGET_IMAGE_S))
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
