"""``python -m bertopic_saetm`` and the ``saetm`` console script (see :mod:`.cli`)."""

import sys

from .cli import main

if __name__ == "__main__":
    sys.exit(main())
