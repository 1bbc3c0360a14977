"""The fields held in English and French (django-modeltranslation adds `<field>_en` and
`<field>_fr`; the field itself reads the reader's language and falls back to the other)."""

from modeltranslation.translator import TranslationOptions, register

from .models import Lesson


@register(Lesson)
class LessonTranslation(TranslationOptions):
    fields = ("title", "summary", "context", "what_was_done", "results", "differently", "partners")
