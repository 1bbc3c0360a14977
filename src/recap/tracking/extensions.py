"""What other apps add to a measure's page, without this app naming them: an app that makes
measures (a resident vote makes the measures residents chose) registers a template here from its
`AppConfig.ready`, and the measure's page includes each with `measure` in its context. So the
floors hold for templates too: tracking never refers to an app above it."""

from __future__ import annotations

#: Template names, in the order they were registered.
MEASURE_NOTES: list[str] = []


def measure_note(template: str) -> None:
    """Show `template` on every measure's page, under its description (once, however often
    it is registered)."""
    if template not in MEASURE_NOTES:
        MEASURE_NOTES.append(template)
