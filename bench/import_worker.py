"""``python -m bench.import_worker --rows N``: one import of N person rows, in this process, on the
database of ``DATABASE_URL`` (migrated, empty): the file written as an officer's spreadsheet, checked
(``import_upload``), registered (``import_run``), and the same rows loaded with PostgreSQL's COPY
into a table of text columns, for the ratio. Prints one line of figures (``bench.imports`` reads it).
"""

import argparse
import csv
import io
import os
import resource
import time

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django.setup()

from django.db import connection  # noqa: E402 - after django.setup()

from agencies.models import Agency, Office, User  # noqa: E402
from returns.models import Household, ImportBatch, Referral  # noqa: E402
from returns.services.imports import COLUMNS, import_run, import_upload  # noqa: E402

GIVEN = ["Naveed", "Gul", "Ahmad", "Zarmina", "Farid", "Shabnam", "Wali", "Nazia", "Omar", "Laila"]
FATHERS = ["Rahim", "Aziz", "Karim", "Hamid", "Jawad", "Sami"]


def file_written(rows: int) -> bytes:
    """An officer's file of ``rows`` people, in households of five (the first row the head's, with a
    card of their own when the family returned with cards). One household in ten was deported with its
    PoR cards: routing flags it for protection follow-up, and its case refers it to NRC (a referral and
    its event written with the household's rows)."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS)
    writer.writeheader()
    for index in range(rows):
        household, position = divmod(index, 5)
        carded = household % 2 == 0
        deported = household % 10 == 4
        writer.writerow(
            {
                "household": f"H{household}",
                "arrival_date": "2025-11-01",
                "office": "TKM",
                "country_of_departure": "PK",
                "return_type": "deportation" if deported else ("voluntary_repatriation" if carded else "spontaneous"),
                "destination_province": "AF06",
                "given_name": GIVEN[index % len(GIVEN)],
                "fathers_name": FATHERS[household % len(FATHERS)],
                "sex": "male" if index % 2 == 0 else "female",
                "relationship": "head" if position == 0 else ("son" if index % 2 == 0 else "daughter"),
                "estimated_age": "40" if position == 0 else str(2 + position * 3),
                "document_type": "por_card" if carded else "",
                "document_number": f"PK-B{index:07d}" if carded else "",
                "document_country": "PK" if carded else "",
                "document_expiry": "2030-12-31" if carded else "",
            }
        )
    return out.getvalue().encode("utf-8")


def copy_seconds(content: bytes) -> float:
    """PostgreSQL's COPY of the same file into a table of text columns: the floor any import stands on."""
    columns = ", ".join(f"{name} text" for name in COLUMNS)
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE TEMP TABLE import_copy ({columns})")
        began = time.perf_counter()
        cursor.copy_expert("COPY import_copy FROM STDIN WITH (FORMAT csv, HEADER true)", io.BytesIO(content))
        seconds = time.perf_counter() - began
        cursor.execute("DROP TABLE import_copy")
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    rows = parser.parse_args().rows
    officer, _created = User.objects.get_or_create(
        username="bench.importer",
        defaults={
            "agency": Agency.objects.get(code="UNHCR"),
            "office": Office.objects.get(code="TKM"),
            "role": User.Role.FIELD_OFFICER,
        },
    )
    content = file_written(rows)
    began = time.perf_counter()
    batch = import_upload(uploaded_by=officer, file_name="bench.csv", content=content, mode="all_or_nothing")
    checked = time.perf_counter() - began
    ImportBatch.objects.filter(pk=batch.pk).update(status=ImportBatch.Status.QUEUED)
    began = time.perf_counter()
    done = import_run(batch.pk)
    registered = time.perf_counter() - began
    copied = copy_seconds(content)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    referred = Referral.objects.filter(follow_up__isnull=False).count()
    print(
        f"rows={rows} households={done.households_done} status={done.status} problems={len(batch.problems)} "
        f"check_s={checked:.2f} register_s={registered:.2f} copy_s={copied:.3f} peak_mb={peak_mb:.0f} "
        f"registry={Household.objects.count()} referred={referred} bytes={len(content)}"
    )


if __name__ == "__main__":
    main()
