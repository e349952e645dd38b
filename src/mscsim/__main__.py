import sys

from mscsim.cli import main

sys.exit(main())
