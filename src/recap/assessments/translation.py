"""The fields held in English and French (django-modeltranslation adds `<field>_en` and
`<field>_fr`; the field itself reads the reader's language and falls back to the other)."""

from modeltranslation.translator import TranslationOptions, register

from .models import Dimension, Framework, Question


@register(Framework)
class FrameworkTranslation(TranslationOptions):
    fields = ("name", "description")


@register(Dimension)
class DimensionTranslation(TranslationOptions):
    fields = ("name", "description")


@register(Question)
class QuestionTranslation(TranslationOptions):
    fields = ("criterion_name", "text", "help", "levels")
