"""``python -m helpers``: the same program as the ``scaling-book`` console script."""

import sys

from helpers.cli import main

sys.exit(main())
