"""``python -m sim`` is the ``touchpoint`` command."""

from sim.cli import main

raise SystemExit(main())
