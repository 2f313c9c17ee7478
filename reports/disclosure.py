"""Statistical disclosure control: no published figure may reveal a count of fewer than five.

A cell counting fewer than ``THRESHOLD`` units (households, or people for a table of people) is
suppressed (primary suppression). A suppressed cell alone in a line whose total is published
could be recovered by subtraction, so the next-smallest cell of that line is suppressed too
(secondary suppression), until no line has exactly one suppressed cell.
"""

from dataclasses import dataclass, field

THRESHOLD = 5


class Reason:
    PRIMARY = "primary"
    SECONDARY = "secondary"


@dataclass
class Cell:
    breakdown: str
    key: str
    units: int  # what the threshold is about
    counts: dict = field(default_factory=dict)  # what is published (units included)
    suppressed: str = ""

    def published(self) -> dict:
        return {name: (None if self.suppressed else value) for name, value in self.counts.items()}


def suppress(lines: list[list[Cell]]) -> None:
    """Mark the cells to suppress. ``lines``: every group of cells whose total is published or derivable."""
    for line in lines:
        for cell in line:
            if cell.units < THRESHOLD:
                cell.suppressed = Reason.PRIMARY
    changed = True
    while changed:
        changed = False
        for line in lines:
            if sum(1 for cell in line if cell.suppressed) != 1:
                continue
            shown = [cell for cell in line if not cell.suppressed]
            if shown:
                min(shown, key=lambda cell: (cell.units, cell.key)).suppressed = Reason.SECONDARY
                changed = True
