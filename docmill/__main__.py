"""python -m docmill: the `docmill` command."""

from docmill.cli import main

raise SystemExit(main())
