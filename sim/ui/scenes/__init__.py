"""One class per screen: picker, briefing, play, feedback, debrief, the Esc menu and the error screen."""

__all__: list[str] = []
