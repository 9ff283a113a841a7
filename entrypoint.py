"""Container entry point: run the fabric-action CLI and exit with its code."""

import sys

from fabric_action.cli import main

if __name__ == "__main__":
    sys.exit(main())
