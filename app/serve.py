"""``python -m app.serve``: the lab server, nginx in front of gunicorn (the
image's CMD; see :mod:`app.shell.front`)."""

from .shell.front import main

if __name__ == "__main__":
    main()
