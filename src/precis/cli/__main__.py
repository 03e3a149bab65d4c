"""`python -m precis.cli`: the same as the `precis` console script."""

import sys

from precis.cli.main import main

sys.exit(main())
