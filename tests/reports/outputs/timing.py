"""How long the outputs of a full-size report take: not a test (the tests keep their work small).

    DATABASE_URL=postgres://... DJANGO_SETTINGS_MODULE=config.settings \\
        python -m tests.reports.outputs.timing

A full report: every province, sixteen years of the cumulative table, four crossings by twelve
months of reconciliation, every monitoring answer, every vulnerability code and referral service,
rendered as PDF, XLSX and CSV in English, Dari and Pashto; the times are printed.
"""

import os
import resource
import time


def full_figures() -> dict:
    from tests.reports.outputs.sample import (
        MONTHS,
        PCODES,
        STATUSES,
        _column,
        _counts_table,
        _measure,
        _measures_table,
        sample_public_figures,
    )

    figures = sample_public_figures()
    tables = {table["code"]: index for index, table in enumerate(figures["tables"])}
    crossings = ["TKM", "SBD", "IQL", "MLK"]

    def replace(table):
        figures["tables"][tables[table["code"]]] = {**figures["tables"][tables[table["code"]]], **table}

    replace(
        _counts_table(
            "by_province",
            title="Returns by province of return and status",
            source="UNHCR and IOM registrations",
            definition="Registered returnees by the province they returned to.",
            row_kinds=["province"],
            rows=[((pcode,), [(n * 37 + s * 11) % 900 + 3 for s in range(5)]) for n, pcode in enumerate(PCODES)],
            columns=[_column(["status"], [status]) for status in STATUSES],
            chart="province_tiles",
        )
    )
    replace(
        _measures_table(
            "cumulative",
            title="Registered refugees returned since 2002",
            source="UNHCR",
            definition="Registered refugees who returned each year.",
            row_kinds=["year"],
            columns=[_measure("published", "people"), _measure("registry", "people"), _measure("cumulative", "people")],
            rows=[((str(year),), [100000 + year, None, 100000 * (year - 2001)]) for year in range(2002, 2018)],
            total=[1600000, 5442, 1605442],
        )
    )
    replace(
        _measures_table(
            "reconciliation",
            title="Counted and registered, by crossing and month",
            source="DoRR/IOM, UNHCR, IOM",
            definition="Counted minus registered at each crossing and month.",
            row_kinds=["crossing", "month"],
            columns=[
                _measure("counted", "people"),
                _measure("registered", "people"),
                _measure("difference", "people"),
                _measure("explanation", "text"),
            ],
            rows=[
                ((crossing, month), [9000 + index, 600 + index, 8400, "counted_not_registered"])
                for crossing in crossings
                for index, month in enumerate(MONTHS)
            ],
            total=[440000, 29000, 411000, None],
        )
    )
    questions = {
        "shelter": ["own_house", "rented", "with_relatives", "tent_makeshift", "informal_settlement", "no_shelter"],
        "work": ["regular", "daily_labour", "agriculture", "none"],
        "intends_to_stay": ["yes", "no", "undecided"],
        "needs": ["food", "shelter", "health", "education", "livelihood", "documentation", "protection", "none"],
    }
    rows, groups = [], []
    for question, answers in questions.items():
        groups.append(list(range(len(rows), len(rows) + len(answers))))
        rows += [((question, f"{question}:{answer}"), [40 + index]) for index, answer in enumerate(answers)]
    replace(
        _counts_table(
            "monitoring",
            title="Return monitoring: interviews and their answers",
            source="UNHCR, IOM",
            definition="Completed interviews by the cut-off, each answer counted.",
            row_kinds=["question", "answer"],
            rows=rows,
            columns=[_measure("interviews", "households")],
            row_groups=groups,
        )
    )
    codes = ["UMC", "MC", "SP", "SF", "PD", "MI", "CI", "UE", "DA", "PF", "DF", "SC"]
    replace(
        _counts_table(
            "iom_vulnerability",
            title="People assisted by IOM, by vulnerability",
            source="IOM",
            definition="People IOM assisted, by vulnerability code.",
            row_kinds=["need_code"],
            rows=[((f"iom_vulnerability:{code}",), [100 + index * 13]) for index, code in enumerate(codes)],
            columns=[_measure("people", "people")],
        )
    )
    services = ["assistance", "screening", "legal_aid", "health", "shelter", "protection", "verification", "other"]
    replace(
        _counts_table(
            "referrals",
            title="Referrals by outcome",
            source="UNHCR, IOM",
            definition="Referrals made by the cut-off, by outcome then.",
            row_kinds=["referral_direction", "referral_service"],
            rows=[
                ((direction, service), [5 + index, 30 + index, 3 + index, 20 + index])
                for direction in ("between_agencies", "to_partners")
                for index, service in enumerate(services)
            ],
            columns=[
                _column(["referral_status"], [status]) for status in ("pending", "accepted", "declined", "completed")
            ],
        )
    )
    return figures


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from reports.outputs import report_csv_zip, report_pdf, report_xlsx

    figures = full_figures()
    for language in ("en", "fa", "ps"):
        for name, render in (("pdf", report_pdf), ("xlsx", report_xlsx), ("csv", report_csv_zip)):
            start = time.perf_counter()
            output = render(figures, language=language)
            print(f"{language} {name}: {time.perf_counter() - start:.2f} s, {len(output) // 1024} KiB")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
    print(f"peak memory of the process: {peak} MiB")


if __name__ == "__main__":
    main()
