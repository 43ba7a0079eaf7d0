"""``python -m app`` (console script ``sharpness-lab``): serve the dashboard
on $HOST:$PORT (default 127.0.0.1:8050) with Flask's threaded server.

For a lab server use gunicorn (``docs/deployment.md``)."""

import sys

from .shell.config import ConfigError, env_int, env_str


def main() -> None:
    try:
        host = env_str("HOST", "127.0.0.1")
        port = env_int("PORT", 8050, lo=1, hi=65535)
        from . import debug_enabled  # noqa: PLC0415
        from .wsgi import app  # noqa: PLC0415  (builds the app: kernels, callbacks)
    except ConfigError as err:
        sys.exit(f"sharpness-lab: {err}")
    app.run(host=host, port=port, debug=debug_enabled())


if __name__ == "__main__":
    main()
