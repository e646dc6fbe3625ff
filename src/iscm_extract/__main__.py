"""`python -m iscm_extract ...`: the same command line as `iscm-extract ...`."""

import sys

from iscm_extract.cli import main

sys.exit(main())
