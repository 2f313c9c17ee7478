"""A small, realistic report in the figures format of docs/joint-report.md: every table of the
contract, made-up values that add up, and a public variant with suppressed cells.

The renderers are tested against these figures, not against the counting code, so that the
outputs can be built and checked while the counting is built alongside.
"""

import copy

STATUSES = ["registered_refugee", "refugee_card", "acc_holder", "passport_visa", "undocumented"]
GROUPS = ["PK", "IR", "other"]
BANDS = ["0-4", "5-11", "12-17", "18-59", "60+"]
MONTHS = [f"2017-{month:02d}" for month in range(1, 13)]
PCODES = [f"AF{number:02d}" for number in range(1, 35)]


def _counts_table(code, *, title, source, definition, row_kinds, rows, columns, column_groups=None, **more):
    """A counts table from ``rows`` (key, cells), with the row and column totals worked out."""
    groups = column_groups or [list(range(len(columns)))]
    table_rows = []
    for key, cells in rows:
        table_rows.append(
            {"key": list(key), "cells": list(cells), "total": sum(cells[j] for j in groups[0]), "sensitive": False}
        )
    column_totals = [sum(row["cells"][j] for row in table_rows) for j in range(len(columns))]
    table = {
        "code": code,
        "title": title,
        "source": source,
        "definition": definition,
        "unit": "people",
        "shape": "counts",
        "row_kinds": row_kinds,
        "columns": columns,
        "column_groups": groups,
        "rows": table_rows,
        "total": {"cells": column_totals, "total": sum(column_totals[j] for j in groups[0])},
        "threshold_class": "default",
        "chart": None,
        "extra": {},
        "suppressed": [],
    }
    table.update(more)
    return table


def _column(kinds, parts, **more):
    return {"key": "/".join(parts), "kinds": kinds, "parts": parts, **more}


def _measure(code, unit):
    return _column(["measure"], [code], unit=unit)


def _measures_table(code, *, title, source, definition, row_kinds, columns, rows, total, **more):
    table = {
        "code": code,
        "title": title,
        "source": source,
        "definition": definition,
        "unit": "people",
        "shape": "measures",
        "row_kinds": row_kinds,
        "columns": columns,
        "units_columns": [0],
        "column_groups": [list(range(len(columns)))],
        "rows": [{"key": list(key), "cells": list(cells), "sensitive": False} for key, cells in rows],
        "total": {"cells": total},
        "threshold_class": "default",
        "chart": None,
        "extra": {},
        "suppressed": [],
    }
    table.update(more)
    return table


def headline_rows():
    # status -> (PK, IR, other)
    return {
        "registered_refugee": [5120, 310, 12],
        "refugee_card": [840, 95, 6],
        "acc_holder": [1210, 0, 0],
        "passport_visa": [230, 410, 17],
        "undocumented": [98000, 142000, 350],
    }


def by_month_cells(month_index):
    """Each month: a twelfth of the year's headline, give or take, so that the months add up."""
    cells = []
    for status in STATUSES:
        for group_index in range(3):
            year = headline_rows()[status][group_index]
            share = year // 12
            cells.append(share + (year - share * 12 if month_index == 11 else 0))
    return cells


def sample_figures() -> dict:
    """The internal edition of a 2017 report."""
    headline = headline_rows()
    status_group_columns = [_column(["status", "country_group"], [s, g]) for s in STATUSES for g in GROUPS]
    total_2017 = sum(sum(cells) for cells in headline.values())
    previous = {
        "registered_refugee": 380000,
        "refugee_card": 2100,
        "acc_holder": 900,
        "passport_visa": 600,
        "undocumented": 250000,
    }
    previous_total = sum(previous.values())
    province_people = {pcode: [0, 0, 0, 0, 0] for pcode in PCODES}
    province_people["AF01"] = [1800, 300, 400, 350, 900]  # Kabul
    province_people["AF06"] = [2100, 280, 500, 90, 1500]  # Nangarhar
    province_people["AF30"] = [300, 60, 100, 150, 1400]  # Herat
    province_people["AF33"] = [600, 110, 120, 40, 300]  # Kandahar
    province_people["AF18"] = [400, 50, 60, 20, 100]  # Balkh
    province_people["AF13"] = [200, 20, 20, 3, 50]  # Kunar
    province_people["AF34"] = [12, 4, 3, 2, 30]  # Nimroz
    province_people["AF26"] = [30, 10, 7, 4, 20]  # Khost
    province_rows = [((pcode,), cells) for pcode, cells in province_people.items()]
    province_totals = sorted(((sum(cells), pcode) for pcode, cells in province_people.items()), reverse=True)
    all_province = sum(total for total, _pcode in province_totals)
    top = [
        {"key": [pcode], "people": total, "share": f"{100 * total / all_province:.1f}"}
        for total, pcode in province_totals[:5]
    ]
    sex_age_rows = []
    for band_index, band in enumerate(BANDS):
        cells = []
        for status_index, _status in enumerate(STATUSES):
            base = (5 - band_index) * 100 + status_index * 7 + 13
            cells.extend([base, base + 11])  # female, male
        sex_age_rows.append(((band,), cells))

    tables = [
        _counts_table(
            "headline",
            title="Returns by status and country of departure",
            source="UNHCR (registrations); DoRR/IOM (border counts)",
            definition="People who returned to Afghanistan in the period, by status and country of departure.",
            row_kinds=["status"],
            rows=[((status,), headline[status]) for status in STATUSES],
            columns=[_column(["country_group"], [group]) for group in GROUPS],
        ),
        _measures_table(
            "headline_change",
            title="Returns compared with the previous period",
            source="UNHCR (registrations); DoRR/IOM (border counts)",
            definition="Returns in the period and in the same days one year earlier.",
            row_kinds=["status"],
            columns=[
                _measure("this_period", "people"),
                _measure("previous_period", "people"),
                _measure("change", "people"),
                _measure("change_percent", "percent"),
            ],
            rows=[
                (
                    (status,),
                    [
                        sum(headline[status]),
                        previous[status],
                        sum(headline[status]) - previous[status],
                        f"{100 * (sum(headline[status]) - previous[status]) / previous[status]:.1f}",
                    ],
                )
                for status in STATUSES
            ]
            + [
                (
                    ("all",),
                    [
                        total_2017,
                        previous_total,
                        total_2017 - previous_total,
                        f"{100 * (total_2017 - previous_total) / previous_total:.1f}",
                    ],
                )
            ],
            total=[
                total_2017,
                previous_total,
                total_2017 - previous_total,
                f"{100 * (total_2017 - previous_total) / previous_total:.1f}",
            ],
        ),
        _measures_table(
            "cumulative",
            title="Registered refugees returned since 2002",
            source="UNHCR",
            definition="Registered refugees who returned each year: published figures before the registry's own data.",
            row_kinds=["year"],
            columns=[_measure("published", "people"), _measure("registry", "people"), _measure("cumulative", "people")],
            rows=[
                (("2002",), [1958958, None, 1958958]),
                (("2016",), [380000, None, 2338958]),
                (("2017",), [None, 5442, 2344400]),
            ],
            total=[2338958, 5442, 2344400],
            threshold_class="none",
            extra={
                "sources": {"2002": "UNHCR Global Report 2002", "2016": "UNHCR VolRep update, December 2016"},
                "approximate": ["2002"],
                "first_registry_year": 2017,
            },
        ),
        _counts_table(
            "by_month",
            title="Returns by month, status and country of departure",
            source="UNHCR (registered refugees); DoRR/IOM border counts (undocumented)",
            definition="People who returned in each month, by status and country of departure.",
            row_kinds=["month"],
            rows=[((month,), by_month_cells(index)) for index, month in enumerate(MONTHS)],
            columns=status_group_columns,
            chart="monthly_stacked_bars",
        ),
        _counts_table(
            "by_crossing",
            title="Returns by crossing point, deported or spontaneous, in families or alone",
            source="DoRR/IOM border counts",
            definition="People counted at each crossing point.",
            row_kinds=["crossing"],
            rows=[(("TKM",), [61000, 37000, 70000, 28000]), (("IQL",), [90000, 52000, 100000, 42000])],
            columns=[
                _column(["return_type"], ["deported"]),
                _column(["return_type"], ["spontaneous"]),
                _column(["travelling"], ["in_families"]),
                _column(["travelling"], ["individuals"]),
            ],
            column_groups=[[0, 1], [2, 3]],
        ),
        _counts_table(
            "by_province",
            title="Returns by province of return and status",
            source="UNHCR and IOM registrations",
            definition="Registered returnees by the province they returned to; undocumented: registered "
            "undocumented returnees.",
            row_kinds=["province"],
            rows=province_rows,
            columns=[_column(["status"], [status]) for status in STATUSES],
            chart="province_tiles",
            extra={"top": top},
        ),
        _counts_table(
            "sex_age",
            title="Returns by sex, age and status",
            source="Registry (documented), border counts (undocumented)",
            definition="Age on arrival; children are 0-17.",
            row_kinds=["age_band"],
            rows=sex_age_rows,
            columns=[_column(["status", "sex"], [s, sex]) for s in STATUSES for sex in ("female", "male")],
            chart="age_sex_pyramid",
            extra={"children_percent": {"all": "52.1", "registered_refugee": "55.0"}},
        ),
        _counts_table(
            "volrep_centres",
            title="Registered refugees paid a grant, by country of asylum and encashment centre",
            source="UNHCR",
            definition="People paid a repatriation grant.",
            row_kinds=["country"],
            rows=[(("PK",), [3100, 1900, 120, 0]), (("IR",), [0, 0, 40, 270])],
            columns=[_column(["office"], [code]) for code in ("EKB", "ENG", "EKD", "EHR")],
        ),
        _measures_table(
            "volrep_assistance",
            title="VolRep grants, refusals, no-shows and supplements",
            source="UNHCR",
            definition="Grants paid by the cut-off; refused as already assisted; no-shows; supplements.",
            row_kinds=["item"],
            columns=[
                _measure("people", "people"),
                _measure("households", "households"),
                _measure("value", "USD"),
                _measure("average_per_person", "USD"),
            ],
            rows=[
                (("grants_paid",), [5430, 1012, "2036250.00", "375.00"]),
                (("refused_already_assisted",), [41, 9, None, None]),
                (("no_shows",), [12, 3, None, None]),
                (("supplements",), [870, 160, "32000.00", "36.78"]),
            ],
            total=[6353, 1184, "2068250.00", "325.55"],
        ),
        _measures_table(
            "iom_crossing",
            title="Arrivals counted, screened and assisted by IOM, by crossing",
            source="DoRR/IOM, IOM",
            definition="Counted at the border; screened by IOM; assisted with approved assistance.",
            row_kinds=["crossing"],
            columns=[
                _measure("counted", "people"),
                _measure("screened", "people"),
                _measure("assisted", "people"),
                _measure("assisted_percent", "percent"),
            ],
            rows=[(("TKM",), [98000, 21000, 15400, "15.7"]), (("IQL",), [142000, 30100, 22150, "15.6"])],
            total=[240000, 51100, 37550, "15.6"],
        ),
        _counts_table(
            "iom_vulnerability",
            title="People assisted by IOM, by vulnerability",
            source="IOM",
            definition="People IOM assisted, by vulnerability code; sensitive codes need more people per cell.",
            row_kinds=["need_code"],
            rows=[
                (("iom_vulnerability:UMC",), [420]),
                (("iom_vulnerability:SF",), [310]),
                (("iom_vulnerability:MI",), [12]),
                (("iom_vulnerability:CI",), [150]),
                (("iom_vulnerability:PF",), [2900]),
            ],
            columns=[_measure("people", "people")],
        ),
        _measures_table(
            "assistance_by_type",
            title="Assistance by type",
            source="UNHCR, IOM",
            definition="People assisted and the value of approved assistance, by agency and type.",
            row_kinds=["agency", "assistance_type"],
            columns=[_measure("people", "people"), _measure("value", "USD")],
            rows=[
                (("UNHCR", "UNHCR:cash_grant"), [5430, "2036250.00"]),
                (("IOM", "IOM:cash_for_protection"), [8200, "820000.00"]),
                (("IOM", "IOM:nfi_kit"), [12100, "363000.00"]),
                (("IOM", "IOM:transport_cash"), [17250, "172500.00"]),
            ],
            total=[42980, "3391750.00"],
            chart="assistance_bars",
        ),
        _counts_table(
            "referrals",
            title="Referrals by outcome",
            source="UNHCR, IOM",
            definition="Referrals made by the cut-off, by outcome then.",
            row_kinds=["referral_direction", "referral_service"],
            rows=[
                (("between_agencies", "screening"), [30, 210, 12, 180]),
                (("between_agencies", "verification"), [8, 40, 3, 35]),
                (("to_partners", "legal_aid"), [11, 60, 9, 44]),
                (("to_partners", "protection"), [6, 25, 2, 20]),
            ],
            columns=[
                _column(["referral_status"], [status]) for status in ("pending", "accepted", "declined", "completed")
            ],
        ),
        _counts_table(
            "monitoring",
            title="Return monitoring: interviews and their answers",
            source="UNHCR, IOM",
            definition="Completed interviews by the cut-off, each answer counted.",
            row_kinds=["question", "answer"],
            rows=[
                (("shelter", "shelter:own_house"), [120]),
                (("shelter", "shelter:rented"), [80]),
                (("shelter", "shelter:tent_makeshift"), [40]),
                (("intends_to_stay", "intends_to_stay:yes"), [200]),
                (("intends_to_stay", "intends_to_stay:no"), [15]),
                (("intends_to_stay", "intends_to_stay:undecided"), [25]),
            ],
            columns=[_measure("interviews", "households")],
            row_groups=[[0, 1, 2], [3, 4, 5]],
        ),
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
                (("TKM", "2017-01"), [8100, 650, 7450, "counted_not_registered"]),
                (("TKM", "2017-02"), [0, 40, -40, "registered_not_counted"]),
                (("IQL", "2017-01"), [11800, 300, 11500, "counted_not_registered"]),
            ],
            total=[19900, 990, 18910, None],
        ),
    ]
    # Monitoring's rows are parts of per-question wholes: the row groups add up, no single total.
    monitoring = tables[-2]
    monitoring["total"] = {"cells": [240], "total": 240}
    return {
        "format": 1,
        "edition": "internal",
        "period": {
            "start": "2017-01-01",
            "end": "2017-12-31",
            "previous_start": "2016-01-01",
            "previous_end": "2016-12-31",
        },
        "reference_date": "arrival",
        "cut_off": "2018-02-01T00:00:00+00:00",
        "highlights": {
            "total_returns": total_2017,
            "registered_refugee": sum(headline["registered_refugee"]),
            "undocumented": sum(headline["undocumented"]),
            "previous_total_returns": previous_total,
            "change_percent": f"{100 * (total_2017 - previous_total) / previous_total:.1f}",
            "children_percent": "52.1",
            "top_provinces_percent": "68.0",
        },
        "tables": tables,
    }


def sample_public_figures() -> dict:
    """The public edition: Nimroz's 2 passport/visa returnees suppressed (primary), and the cells that
    would give them away by subtraction (secondary); the highlights rounded."""
    figures = copy.deepcopy(sample_figures())
    figures["edition"] = "public"
    province = next(table for table in figures["tables"] if table["code"] == "by_province")
    nimroz = PCODES.index("AF34")
    khost = PCODES.index("AF26")
    # Nimroz's passport/visa (2) is below 5; Nimroz's ACC (3) too; Khost's passport/visa (4) too.
    for row, column, reason in [
        (nimroz, 3, "primary"),
        (nimroz, 2, "primary"),
        (khost, 3, "primary"),
        (khost, 2, "secondary"),
    ]:
        province["rows"][row]["cells"][column] = None
        province["suppressed"].append([row, column, reason])
    province["disclosure"] = {"threshold": 5, "sensitive_threshold": 10}
    vulnerability = next(table for table in figures["tables"] if table["code"] == "iom_vulnerability")
    mentally_ill = 2
    vulnerability["rows"][mentally_ill]["sensitive"] = True
    vulnerability["rows"][mentally_ill]["cells"][0] = None
    vulnerability["rows"][mentally_ill]["total"] = None
    vulnerability["suppressed"] += [[mentally_ill, 0, "primary"], [mentally_ill, "total", "primary"]]
    vulnerability["disclosure"] = {"threshold": 5, "sensitive_threshold": 10}
    month = next(table for table in figures["tables"] if table["code"] == "by_month")
    # Passport/visa from other countries in March: 1 person.
    march, other_passport = 2, STATUSES.index("passport_visa") * 3 + 2
    month["rows"][march]["cells"][other_passport] = None
    month["suppressed"].append([march, other_passport, "primary"])
    assistance = next(table for table in figures["tables"] if table["code"] == "assistance_by_type")
    assistance["rows"][1]["cells"][1] = None
    assistance["suppressed"].append([1, 1, "secondary"])
    figures["highlights"].update(
        {
            "total_returns": 248600,
            "registered_refugee": 5400,
            "undocumented": 240400,
            "previous_total_returns": 633600,
            "change_percent": "-61",
            "children_percent": "52",
            "top_provinces_percent": "68",
            "rounding": "Headline numbers are rounded: below 1,000 to the nearest 10, below 100,000 to the "
            "nearest 100, below 1,000,000 to the nearest 1,000, and otherwise to the nearest 10,000 (halves "
            "upwards). A headline number below the disclosure threshold is not published. Percentages are "
            "rounded to whole numbers. Tables give exact figures, with small cells suppressed.",
        }
    )
    return figures
