"""An assessment's answers as a spreadsheet: fill it in a workshop, then import into a draft."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from recap.accounts.types import User
from recap.core.tabular import Column, SheetSpec, TableError, read_table, write_csv, write_xlsx

from .models import Answer, Assessment, Question
from .services import AnswerInput, answers_save


def answers_sheet(assessment: Assessment) -> SheetSpec:
    fw = assessment.framework
    return SheetSpec(
        name="Answers",
        key="question",
        columns=[
            Column(
                "question",
                "choice",
                choices=list(Question.objects.filter(framework=fw).values_list("code", flat=True)),
            ),
            Column("dimension", required=False),
            Column("text", required=False),
            Column("score", "int", required=False, minimum=fw.scale_min, maximum=fw.scale_max),
            Column("evidence", required=False),
            Column("comment", required=False),
        ],
    )


def answers_export(assessment: Assessment, *, file_format: str = "xlsx") -> bytes:
    answers = {a.question_id: a for a in Answer.objects.filter(assessment=assessment)}
    rows = []
    for q in Question.objects.filter(framework=assessment.framework).select_related("dimension"):
        a = answers.get(q.pk)
        rows.append(
            {
                "question": q.code,
                "dimension": q.dimension.name,
                "text": q.text,
                "score": a.score if a else None,
                "evidence": a.evidence if a else "",
                "comment": a.comment if a else "",
            }
        )
    spec = answers_sheet(assessment)
    return write_csv(spec, rows) if file_format == "csv" else write_xlsx([(spec, rows)])


@dataclass(frozen=True)
class AnswersPlan:
    rows: list[dict[str, Any]]
    scored: int

    @property
    def added(self) -> list[str]:
        return [r["question"] for r in self.rows if r["score"] is not None]

    @property
    def changed(self) -> list[str]:
        return []


def answers_import_plan(assessment: Assessment, *, data: bytes, filename: str) -> AnswersPlan:
    if assessment.status == Assessment.Status.COMPLETED:
        raise TableError(["This assessment is completed; start a new one to import answers."])
    rows = read_table(data, filename, answers_sheet(assessment))
    return AnswersPlan(rows=rows, scored=sum(1 for r in rows if r["score"] is not None))


def answers_import_apply(assessment: Assessment, *, plan: AnswersPlan, actor: User) -> AnswersPlan:
    answers_save(
        actor=actor,
        assessment=assessment,
        answers={
            r["question"]: AnswerInput(
                score=r["score"], evidence=r["evidence"] or "", comment=r["comment"] or ""
            )
            for r in plan.rows
        },
    )
    return plan
