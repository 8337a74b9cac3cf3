#!/usr/bin/env python
"""Run Django management commands for aidface (the same as the `aidface` console script)."""
import sys

from aidface.cli import main

if __name__ == "__main__":
    sys.exit(main())
