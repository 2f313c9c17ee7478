"""What an import of one kind is: its template, how its rows become records, how they are checked and saved.

``returns.services.imports`` runs every kind the same way (read, check, confirm, save resumably); each
kind's module (households, VRF manifests, border counts) describes itself with one ``ImportKind``.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class ImportKind:
    kind: str  # ``ImportBatch.Kind``
    columns: list[str]  # the template's, in its order
    required: list[str]  # the columns a file must have
    example: dict[str, str]  # the template's example row
    # The column whose value groups rows into one record (a household, a VRF); None: a record per row.
    group_by: str | None
    file_name: Any  # the template's file name (lazy text)
    title: Any  # its sheet's title (lazy text)
    # (record, its rows) → fills ``record.value`` and the problems of cells that cannot be read.
    build: Callable
    # (records, *, user, registry) → adds each record's problems; ``registry``: also against what is saved.
    check: Callable
    # (record, a refusal's problems by path) → the problems at their rows and columns.
    place: Callable
    # (batch, position, record) → saves one record (raises ``Refused`` when it can no longer be saved).
    save: Callable
    # (batch) → the positions already saved (a job run again continues after them).
    saved: Callable
    # (batch, [(position, record)]) → saves them all in bulk, or raises ``Refused`` with the ``position``
    # (in the list) of the one refused; None: ``save`` one at a time.
    save_many: Callable | None = None
