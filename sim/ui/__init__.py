"""The pygame front end (``touchpoint play``): scenes over the same stepping API headless runs use.

Only this package and :mod:`sim.cli.play_cmd` import pygame; the engine never does. The front end
holds no game rules: it shows decision points, ``session.observe()`` signals and the trace, and
every choice goes through ``session.choose()``. Modules without pygame (:mod:`sim.ui.game`,
:mod:`sim.ui.report`, :mod:`sim.ui.content`, :mod:`sim.ui.strings`, :mod:`sim.ui.layout`) can be
used and tested headless.

What is here: the scenes (:mod:`sim.ui.scenes`: one class per screen), the widgets, layout, theme
and typesetting they draw with, the localised strings, and the game controller (:mod:`sim.ui.game`:
a session, its log, and what changed after each choice).

May import: every wing below it (:mod:`sim.authoring`, :mod:`scoring`, :mod:`sim.runs`,
:mod:`sim.engine`, :mod:`sim.lang`), never :mod:`sim.cli`: the command line starts the front end,
not the other way round.
"""

__all__: list[str] = []
