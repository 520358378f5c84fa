"""``python -m loaders.cli`` is ``cx``."""

import sys

from loaders.cli import main

sys.exit(main())
