"""``python -m dialstats.cli``: the same as the ``dialstats`` command."""

import sys

from dialstats.cli import main

sys.exit(main())
