"""``python -m validator``: see :mod:`validator.cli`."""

from .cli import main

raise SystemExit(main())
