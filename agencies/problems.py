"""Refusals that people can act on: every problem found, keyed by the path of the field it concerns.

Services raise ``Refused`` (or a subclass) and change nothing; pages put each message beside its
field, the API answers 400 with the same paths, codes and messages.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    code: str  # stable, for programs: born_after_arrival, no_head...
    message: str  # for people, translated


class Refused(Exception):
    """The action was refused for these problems; nothing has been saved."""

    def __init__(self, problems: dict[str, list[Problem]]):
        super().__init__(problems)
        self.problems = problems

    @classmethod
    def one(cls, path: str, code: str, message: str) -> "Refused":
        return cls({path: [Problem(code, message)]})
