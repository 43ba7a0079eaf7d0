"""``python -m app``: serve the dashboard on $HOST:$PORT (default 127.0.0.1:8050)."""

import os

from . import app, debug_enabled


def main() -> None:
    host = os.environ.get("HOST", "127.0.0.1")
    port = int(os.environ.get("PORT", "8050"))
    app.run(host=host, port=port, debug=debug_enabled())


if __name__ == "__main__":
    main()
