"""The attendance sheet a programme manager fills in: the session's rows (if it has some) on the
sheet the import reads, drop-down lists where a column has set answers (consent, city, sex, age
band, in the reader's words), whole numbers and scores from 0 to 100 checked as they are typed,
and an Instructions sheet saying what each column holds and every answer it accepts (words in
English and French, or codes), so nobody learns the codes from the import's errors.

Contract: `attendance_workbook(training, rows)` → XLSX bytes that `trainings.attendance_plan`
reads back to the same attendance.
"""

from __future__ import annotations

import io
from typing import Any

from django.utils.translation import gettext as _
from openpyxl import load_workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.worksheet.datavalidation import DataValidation

from recap.core.tabular import BAND, write_xlsx

from .models import AgeBand, Participant, Sex, Training
from .trainings import ATTENDANCE, choice_words

#: Rows the drop-downs and checks reach (the import reads at most 5,000).
ROWS = 2000


def attendance_rows(training: Training) -> list[dict[str, Any]]:
    """The session's attendance as the sheet holds it, in the reader's words."""
    sexes = {str(code): str(label) for code, label in Sex.choices}
    bands = {str(code): str(label) for code, label in AgeBand.choices}
    people: list[Participant] = list(training.attendance.select_related("city"))
    return [
        {
            "name": p.name,
            "consent": _("yes") if p.consent else _("no"),
            "count": p.count,
            "city": p.city.name if p.city else "",
            "department": p.department,
            "sex": sexes.get(p.sex, p.sex),
            "age_band": bands.get(p.age_band, p.age_band),
            "score_before": float(p.score_before) if p.score_before is not None else None,
            "score_after": float(p.score_after) if p.score_after is not None else None,
        }
        for p in people
    ]


def _instructions(training: Training) -> list[list[str]]:
    cities = ", ".join(training.programme.cities.order_by("name").values_list("name", flat=True))

    def accepted(choices: type[Sex] | type[AgeBand]) -> str:
        return "; ".join(f"{en} / {fr} ({code})" for code, en, fr in choice_words(choices))

    return [
        [_("Attendance of %(t)s, %(d)s") % {"t": training.title, "d": training.held_on}],
        [
            _(
                "Fill in the sheet 'Attendance': one row per person, or one row per group of "
                "people counted together who share a city, department, sex and age band. Keep "
                "its first row (the columns' names) as it is. Then upload the sheet on the "
                "training's page: every row is checked and shown before anything is saved."
            )
        ],
        [],
        [_("Column"), _("What it holds"), _("Answers accepted")],
        ["name", _("The person's name, only if they agreed to be named."), _("Any text")],
        ["consent", _("Whether the person agreed to be named."), _("yes / oui, no / non")],
        [
            "count",
            _("How many people the row counts (1 for one person)."),
            _("A whole number from 1; empty is 1"),
        ],
        ["city", _("The city the people work for."), cities],
        ["department", _("Their department or service."), _("Any text")],
        ["sex", _("Their sex, as they gave it."), accepted(Sex)],
        ["age_band", _("Their age band."), accepted(AgeBand)],
        [
            "score_before",
            _("Knowledge check before the training, one person only."),
            _("A number from 0 to 100, or empty"),
        ],
        [
            "score_after",
            _("Knowledge check after the training, one person only."),
            _("A number from 0 to 100, or empty"),
        ],
        [],
        [
            _(
                "Words or codes: either is read, in English or in French. An empty sex or age "
                "band is 'Not said'."
            )
        ],
    ]


def _list_validation(sheet: Any, column: str, source: str, prompt: str) -> None:
    rule = DataValidation(type="list", formula1=source, allow_blank=True)
    rule.error = _("Choose one of the list (see the Instructions sheet).")
    rule.errorTitle = _("Not one of the answers")
    rule.prompt, rule.showInputMessage = prompt, True
    sheet.add_data_validation(rule)
    rule.add(f"{column}2:{column}{ROWS}")


def attendance_workbook(training: Training, rows: list[dict[str, Any]]) -> bytes:
    book = load_workbook(io.BytesIO(write_xlsx([(ATTENDANCE, rows)])))
    sheet = book[ATTENDANCE.name]
    # The lists the drop-downs draw on, on a sheet of their own (hidden: it is not to fill in).
    lists = book.create_sheet("Lists")
    columns = {
        "A": [_("yes"), _("no")],
        "B": list(training.programme.cities.order_by("name").values_list("name", flat=True)),
        "C": [str(label) for _c, label in Sex.choices],
        "D": [str(label) for _c, label in AgeBand.choices],
    }
    for letter, values in columns.items():
        for i, value in enumerate(values, start=1):
            lists[f"{letter}{i}"] = value
    lists.sheet_state = "hidden"

    def source(letter: str) -> str:
        return f"Lists!${letter}$1:${letter}${max(len(columns[letter]), 1)}"

    _list_validation(sheet, "B", source("A"), _("yes if the person may be named"))
    if columns["B"]:
        _list_validation(sheet, "D", source("B"), _("The city the people work for"))
    _list_validation(sheet, "F", source("C"), _("Their sex, as they gave it"))
    _list_validation(sheet, "G", source("D"), _("Their age band"))
    count = DataValidation(type="whole", operator="between", formula1="1", formula2="10000")
    count.error = _("A whole number from 1 to 10,000.")
    scores = DataValidation(type="decimal", operator="between", formula1="0", formula2="100")
    scores.error = _("A number from 0 to 100.")
    for rule, cells in ((count, f"C2:C{ROWS}"), (scores, f"H2:I{ROWS}")):
        rule.showErrorMessage = True
        sheet.add_data_validation(rule)
        rule.add(cells)
    guide = book.create_sheet(_("Instructions"), 0)
    for row in _instructions(training):
        guide.append(row)
    guide["A1"].font = Font(bold=True, size=13)
    for cell in guide[4]:
        cell.font, cell.fill = Font(bold=True), PatternFill("solid", fgColor=BAND)
    for letter, width in (("A", 16), ("B", 52), ("C", 70)):
        guide.column_dimensions[letter].width = width
    for row_cells in guide.iter_rows():
        for cell in row_cells:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    for line in (1, 2, guide.max_row):  # the sentences read across the three columns
        guide.merge_cells(start_row=line, start_column=1, end_row=line, end_column=3)
    guide.row_dimensions[2].height = 64
    book.active = 0  # opens on the instructions
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
