"""The pygame front end (``touchpoint play``): scenes over the same stepping API headless runs use.

Only this package and :mod:`sim.cli.play_cmd` import pygame; the engine never does. The front end
holds no game rules: it shows decision points, ``session.observe()`` signals and the trace, and
every choice goes through ``session.choose()``. Modules without pygame (:mod:`sim.ui.game`,
:mod:`sim.ui.report`, :mod:`sim.ui.content`, :mod:`sim.ui.strings`, :mod:`sim.ui.layout`) can be
used and tested headless.
"""
