"""`python -m studio` is the `swarm-studio` command."""
import sys

from studio.cli import main

sys.exit(main())
