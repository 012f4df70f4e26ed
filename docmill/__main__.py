"""python -m docmill: the `docmill` command."""

from docmill.cli import main

if __name__ == "__main__":
    raise SystemExit(main())
