import sys

from tncc.cli import main

sys.exit(main())
