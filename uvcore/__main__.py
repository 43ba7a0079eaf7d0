"""``python -m uvcore``: the command line (see :mod:`uvcore.cli`)."""

import sys

from .cli import main

if __name__ == "__main__":
    sys.exit(main())
