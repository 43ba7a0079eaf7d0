"""``python -m app.serve``: the lab server, nginx in front of gunicorn.

gunicorn's sync workers read a request themselves: three clients that send
their headers one line every few seconds held every worker, and ``/healthz``
stopped answering.  nginx reads whole requests (headers and body, with
timeouts) before it hands them on, and holds thousands of idle or slow
connections in one event loop, so the workers only ever see complete
requests.  This module

1. picks a free loopback port for gunicorn (never exposed);
2. writes ``nginx.conf`` for ``$HOST:$PORT`` into ``$XDG_CACHE_HOME/sharpness-lab/front``
   (with its temporary directories and pid file);
3. starts gunicorn (``app/gunicorn_conf.py``, ``app:server``) bound to that
   port, then nginx in the foreground;
4. forwards SIGTERM/SIGINT/SIGHUP to both, and exits as soon as either exits
   (its exit code), stopping the other: whatever runs the container restarts
   the pair as one.

Every other setting is gunicorn's (``app/gunicorn_conf.py``) or the app's;
``MAX_CONTENT_LENGTH``, ``TIMEOUT`` and ``KEEPALIVE`` size nginx's limits too.
``FRONT_HEADER_TIMEOUT`` / ``FRONT_BODY_TIMEOUT`` (seconds, default 10) bound
how long a client may take to send its headers and its body.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

from .config import ConfigError, cache_root, env_int, env_str, private_dir

__all__ = ["main", "nginx_conf", "NGINX"]

#: The nginx binary (Debian: package nginx-light or nginx).
NGINX = "nginx"
#: Extra body bytes nginx accepts beyond MAX_CONTENT_LENGTH, so that the app
#: itself answers 413 (as JSON) for bodies a little too large.
BODY_SLACK = 65536
#: Seconds to wait for the inner gunicorn to listen before nginx starts.
UPSTREAM_START_S = 120.0


def nginx_conf(host: str, port: int, upstream: int, front_dir: Path, *, max_body: int,
               timeout: int, keepalive: int, header_timeout: int, body_timeout: int) -> str:
    """nginx.conf of the front: pure function of its settings."""
    listen = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
    temp = "\n".join(f"    {kind}_temp_path {front_dir / kind};"
                     for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
    return f"""# written by app/serve.py at start; edits are overwritten
worker_processes 1;
pid {front_dir / 'nginx.pid'};
error_log stderr warn;
events {{ worker_connections 4096; }}
http {{
    access_log off;
    server_tokens off;
{temp}
    client_header_timeout {header_timeout}s;
    client_body_timeout {body_timeout}s;
    send_timeout {timeout}s;
    keepalive_timeout {keepalive}s;
    client_max_body_size {max_body + BODY_SLACK};
    # larger than the limit: a body is refused (413) before it would spill to disk
    client_body_buffer_size {max_body + 2 * BODY_SLACK};
    large_client_header_buffers 4 8k;
    proxy_http_version 1.1;
    proxy_request_buffering on;
    proxy_buffering on;
    proxy_max_temp_file_size 0;
    proxy_read_timeout {timeout + 5}s;
    # nginx's own pages (400, 408, 413, 414, 502 ...) get the app's two
    # headers; the app's answers carry their own, which are not doubled
    map $upstream_http_x_content_type_options $front_nosniff {{ "" "nosniff"; default ""; }}
    map $upstream_http_content_security_policy $front_csp {{
        "" "default-src 'none'; frame-ancestors 'none'"; default ""; }}
    server {{
        listen {listen} backlog=4096;
        add_header X-Content-Type-Options $front_nosniff always;
        add_header Content-Security-Policy $front_csp always;
        location / {{
            proxy_pass http://127.0.0.1:{upstream};
            proxy_set_header Host $host;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            proxy_set_header X-Forwarded-Proto $scheme;
            proxy_set_header Connection "";
            add_header X-Content-Type-Options $front_nosniff always;
            add_header Content-Security-Policy $front_csp always;
        }}
    }}
}}
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_listening(port: int, proc: subprocess.Popen) -> None:
    deadline = time.monotonic() + UPSTREAM_START_S
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            sys.exit(proc.returncode or 1)
        with socket.socket() as s:
            s.settimeout(0.5)
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    sys.exit(f"sharpness-lab: gunicorn did not listen on 127.0.0.1:{port} "
             f"within {UPSTREAM_START_S:.0f} s")


def _settings() -> dict:
    from .server import max_content_length  # noqa: PLC0415
    return {"host": env_str("HOST", "127.0.0.1"), "port": env_int("PORT", 8050, lo=1, hi=65535),
            "max_body": max_content_length(), "timeout": env_int("TIMEOUT", 60, lo=1),
            "keepalive": env_int("KEEPALIVE", 5, lo=1),
            "header_timeout": env_int("FRONT_HEADER_TIMEOUT", 10, lo=1, hi=3600),
            "body_timeout": env_int("FRONT_BODY_TIMEOUT", 10, lo=1, hi=3600)}


def main() -> None:
    try:
        cfg = _settings()
        front = private_dir(env_str("FRONT_DIR") or cache_root() / "front", "FRONT_DIR")
    except ConfigError as err:
        sys.exit(f"sharpness-lab: {err}")
    nginx = shutil.which(NGINX) or shutil.which("/usr/sbin/nginx")
    if nginx is None:
        sys.exit("sharpness-lab: nginx is not installed (Debian: apt-get install nginx-light); "
                 "it buffers slow clients in front of gunicorn")
    upstream = _free_port()
    conf = front / "nginx.conf"
    host, port = cfg.pop("host"), cfg.pop("port")
    conf.write_text(nginx_conf(host, port, upstream, front, **cfg))
    here = Path(__file__).resolve().parent.parent      # app/: gunicorn_conf.py
    env = {**os.environ, "HOST": "127.0.0.1", "PORT": str(upstream)}
    procs = [subprocess.Popen([sys.executable, "-m", "gunicorn", "--config",
                               str(here / "gunicorn_conf.py"), "app:server"], env=env)]
    _wait_listening(upstream, procs[0])
    procs.append(subprocess.Popen([nginx, "-c", str(conf), "-p", str(front), "-e", "stderr",
                                   "-g", "daemon off;"]))

    def forward(signum, _frame):
        for p in procs:
            if p.poll() is None:
                p.send_signal(signal.SIGQUIT if p is procs[1] and signum == signal.SIGTERM
                              else signum)

    for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(sig, forward)
    while all(p.poll() is None for p in procs):
        time.sleep(0.2)
    code = next(p.returncode for p in procs if p.poll() is not None)
    for p in procs:
        if p.poll() is None:
            p.terminate()
    for p in procs:
        try:
            p.wait(timeout=60)
        except subprocess.TimeoutExpired:
            p.kill()
    sys.exit(code)


if __name__ == "__main__":
    main()
