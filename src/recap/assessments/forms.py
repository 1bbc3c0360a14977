from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Assessment, Framework, Question
from .services import AnswerInput


class AssessmentStartForm(forms.ModelForm[Assessment]):
    framework = forms.ModelChoiceField(label=_("Framework"), queryset=Framework.objects.all())

    class Meta:
        model = Assessment
        fields = ["framework", "title", "respondents"]
        widgets = {"respondents": forms.Textarea(attrs={"rows": 3})}


class AnswersForm(forms.Form):
    """Score, evidence and comment for every question of the framework."""

    def __init__(self, *args: Any, assessment: Assessment, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.assessment = assessment
        fw = assessment.framework
        existing = {a.question_id: a for a in assessment.answers.all()}
        self.questions = list(Question.objects.filter(framework=fw).select_related("dimension"))
        for q in self.questions:
            answer = existing.get(q.pk)
            choices = [
                (str(s), f"{s} – {q.levels.get(str(s), '')}")
                for s in range(fw.scale_min, fw.scale_max + 1)
            ]
            self.fields[f"score__{q.code}"] = forms.TypedChoiceField(
                label=q.text,
                choices=choices,
                coerce=int,
                required=False,
                empty_value=None,
                widget=forms.RadioSelect,
                initial=str(answer.score) if answer and answer.score is not None else None,
            )
            self.fields[f"evidence__{q.code}"] = forms.CharField(
                label=_("Evidence"),
                required=False,
                max_length=4000,
                widget=forms.Textarea(attrs={"rows": 2}),
                initial=answer.evidence if answer else "",
            )
            self.fields[f"comment__{q.code}"] = forms.CharField(
                label=_("Comment"),
                required=False,
                max_length=4000,
                widget=forms.Textarea(attrs={"rows": 2}),
                initial=answer.comment if answer else "",
            )

    def grouped(self) -> list[tuple[Any, list[tuple[Question, Any, Any, Any]]]]:
        groups: dict[int, tuple[Any, list[tuple[Question, Any, Any, Any]]]] = {}
        for q in self.questions:
            entry = (
                q,
                self[f"score__{q.code}"],
                self[f"evidence__{q.code}"],
                self[f"comment__{q.code}"],
            )
            groups.setdefault(q.dimension_id, (q.dimension, []))[1].append(entry)
        return list(groups.values())

    def answers(self) -> dict[str, AnswerInput]:
        return {
            q.code: AnswerInput(
                score=self.cleaned_data[f"score__{q.code}"],
                evidence=self.cleaned_data[f"evidence__{q.code}"],
                comment=self.cleaned_data[f"comment__{q.code}"],
            )
            for q in self.questions
        }
