from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy as _

from recap.accounts.views import (
    PasswordChange,
    PasswordReset,
    PasswordResetConfirm,
    set_language,
)
from recap.api import api

admin.site.site_header = _("ReCAP administration")
admin.site.site_title = _("ReCAP admin")

urlpatterns = [
    path("", include("recap.web.urls")),
    path("cities/", include("recap.cities.urls")),
    path("cities/<slug:slug>/workspace/hazards/", include("recap.hazards.urls")),
    path("cities/<slug:slug>/workspace/candidates/", include("recap.catalogue.candidate_urls")),
    path("cities/<slug:slug>/workspace/assessments/", include("recap.assessments.urls")),
    path("cities/<slug:slug>/workspace/prioritisation/", include("recap.planning.urls")),
    path("cities/<slug:slug>/workspace/concepts/", include("recap.pipeline.concept_urls")),
    path("cities/<slug:slug>/workspace/measures/", include("recap.tracking.measure_urls")),
    path("cities/<slug:slug>/workspace/implementation/", include("recap.implementation.urls")),
    path("cities/<slug:slug>/workspace/votes/", include("recap.votes.urls")),
    path("cities/<slug:slug>/plan/", include("recap.implementation.public_urls")),
    path("cities/<slug:slug>/vote/", include("recap.votes.public_urls")),
    path("programme/implementation/", include("recap.implementation.programme_urls")),
    path("catalogue/", include("recap.catalogue.urls")),
    path("pipeline/", include("recap.pipeline.board_urls")),
    path("", include("recap.tracking.urls")),
    path("", include("recap.learning.urls")),
    path("facilities/", include("recap.pipeline.urls")),
    path("me/", include("recap.accounts.urls")),
    # Django's own account pages, three of them extended (tokens revoked, resets limited).
    path("accounts/password_change/", PasswordChange.as_view(), name="password_change"),
    path("accounts/password_reset/", PasswordReset.as_view(), name="password_reset"),
    path(
        "accounts/reset/<uidb64>/<token>/",
        PasswordResetConfirm.as_view(),
        name="password_reset_confirm",
    ),
    path("accounts/", include("django.contrib.auth.urls")),
    path("i18n/setlang/", set_language, name="set_language"),
    path("api/v1/", api.urls),
    path("admin/", admin.site.urls),
]

handler403 = "recap.web.views.permission_denied"
handler404 = "recap.web.views.page_not_found"
handler500 = "recap.web.views.server_error"
