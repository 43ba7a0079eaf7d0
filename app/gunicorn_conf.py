"""gunicorn settings of the dashboard, from the environment.

Used by the Docker image's command and by the tests and benchmark, which run
the very same command line::

    gunicorn --config app/gunicorn_conf.py app:server

This file is loaded by path (not imported through the ``app`` package), so
reading it does not build the app in the gunicorn master.  Every worker
imports ``app`` and builds its own Dash app (kernels load from the numba
cache).

=================  ===========  ==============================================
variable           default      meaning
=================  ===========  ==============================================
HOST               127.0.0.1    address to bind (the image sets 0.0.0.0)
PORT               8050         port
WEB_CONCURRENCY    CPU count    worker processes
THREADS            1            threads per worker; only 1 is accepted (below)
TIMEOUT            60           seconds a worker may spend on one request
GRACEFUL_TIMEOUT   30           seconds to finish requests on restart
KEEPALIVE          5            seconds to keep an idle connection
MAX_REQUESTS       1000         restart a worker after that many requests
                                (0: never), with 10 % jitter
FORWARDED_ALLOW_IPS 127.0.0.1   proxies trusted for X-Forwarded-*
LOG_LEVEL          info         gunicorn's own log level
=================  ===========  ==============================================

It also marks the process as production (``SHARPNESS_LAB_PRODUCTION=1``:
debug off whatever ``DASH_DEBUG`` says; ``SECRET_KEY`` required) and exports
``WEB_CONCURRENCY`` so the app picks a cache shared by the workers.
"""

import html
import os
import sys

import gunicorn.util


def _int(name, default, lo=1):
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        sys.exit(f"gunicorn_conf: {name}={raw!r} is not an integer")
    if value < lo:
        sys.exit(f"gunicorn_conf: {name}={value} must be >= {lo}")
    return value


def _cpus():
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count() or 1


if not os.environ.get("SECRET_KEY", "").strip():
    sys.exit("gunicorn_conf: SECRET_KEY is not set; every worker (and every machine behind "
             "one address) must share it: "
             "python -c 'import secrets; print(secrets.token_hex(32))'")

host = os.environ.get("HOST", "").strip() or "127.0.0.1"
port = _int("PORT", 8050)
bind = [f"[{host}]:{port}" if ":" in host else f"{host}:{port}"]
workers = _int("WEB_CONCURRENCY", _cpus())
threads = _int("THREADS", 1)
if threads > 1:
    # A background job forks its worker; forked from a request thread, the
    # child can inherit a lock another thread held (diskcache's SQLite, the
    # allocator) and hang: 2 of 64 jobs were lost that way with THREADS=4.
    sys.exit(f"gunicorn_conf: THREADS={threads} is refused: background jobs fork the worker, "
             "which is only safe from its one thread; scale with WEB_CONCURRENCY instead")
timeout = _int("TIMEOUT", 60)
graceful_timeout = _int("GRACEFUL_TIMEOUT", 30)
keepalive = _int("KEEPALIVE", 5)
max_requests = _int("MAX_REQUESTS", 1000, lo=0)
max_requests_jitter = max_requests // 10
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
loglevel = os.environ.get("LOG_LEVEL", "info").lower()
accesslog = None            # the app writes one JSON line per request (app/shell/server.py)
errorlog = "-"
preload_app = False


def post_fork(_server, worker):
    """In each worker: whatever it forks (a background job) closes the
    listening sockets at once, so a job that outlives its server (a restart
    during a long job) does not keep the port, and the next server can bind.
    Such a job runs on to its end and stores its result in the shared job
    store, where the next server finds it."""
    listeners = list(worker.sockets)

    def _close_listeners():
        for sock in listeners:
            try:
                sock.close()
            except OSError:
                pass

    os.register_at_fork(after_in_child=_close_listeners)

worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None
proc_name = "sharpness-lab"
# gunicorn's control socket (gunicornc) would be created under $HOME, which the
# image's user does not have ("Permission denied: '/nonexistent'"); nothing here
# uses it, and one socket fewer is one way in fewer.
control_socket_disable = True

os.environ["SHARPNESS_LAB_PRODUCTION"] = "1"
os.environ["WEB_CONCURRENCY"] = str(workers)


# gunicorn answers some requests itself, before the app sees them (400 bad
# request line, 414 URI too long, 431 header fields too large); its page has
# none of the app's security headers.  This is gunicorn's own writer with them
# added: workers fork from this process and inherit it.
ERROR_PAGE_HEADERS = ("Content-Security-Policy: default-src 'none'; frame-ancestors 'none'\r\n"
                      "X-Content-Type-Options: nosniff\r\n"
                      "Referrer-Policy: no-referrer\r\n"
                      "Cache-Control: no-store\r\n")


def _write_error(sock, status_int, reason, mesg):
    body = (f"<html><head><title>{reason}</title></head>"
            f"<body><h1>{reason}</h1>{html.escape(mesg)}</body></html>")
    head = (f"HTTP/1.1 {status_int} {reason}\r\nConnection: close\r\n"
            f"Content-Type: text/html\r\nContent-Length: {len(body)}\r\n"
            f"{ERROR_PAGE_HEADERS}\r\n")
    gunicorn.util.write_nonblock(sock, (head + body).encode("latin1", "replace"))


gunicorn.util.write_error = _write_error
