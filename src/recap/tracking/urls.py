from django.urls import path

from .views import measures as measure_views
from .views import programme as programme_views
from .views import results as views

app_name = "results"
urlpatterns = [
    path("programme/results/", views.dashboard, name="dashboard"),
    path("programme/results/updates/<int:pk>/decide/", views.decide, name="decide"),
    path("programme/results/iati.xml", programme_views.iati_view, name="iati"),
    path("programme/results/framework/", programme_views.framework, name="framework"),
    path("programme/trainings/", programme_views.trainings, name="trainings"),
    path("programme/trainings/<int:pk>/", programme_views.training_detail, name="training"),
    path(
        "programme/trainings/<int:pk>/attendance/",
        programme_views.attendance_upload,
        name="attendance",
    ),
    path(
        "programme/trainings/<int:pk>/attendance/sheet/",
        programme_views.attendance_template,
        name="attendance_sheet",
    ),
    path("programme/reports/", programme_views.reports, name="reports"),
    path("programme/reports/<int:pk>/pdf/", programme_views.report_pdf_view, name="report_pdf"),
    path("programme/reports/<int:pk>/xlsx/", programme_views.report_xlsx_view, name="report_xlsx"),
    path("evidence/<int:pk>/", measure_views.evidence_file, name="evidence"),
    path("evidence/<int:pk>/remove/", measure_views.evidence_remove_view, name="evidence_remove"),
    path("cities/<slug:slug>/workspace/results/", views.city_results, name="city"),
    path("cities/<slug:slug>/workspace/results/<int:pk>/submit/", views.city_submit, name="submit"),
    path(
        "cities/<slug:slug>/workspace/results/<int:pk>/correct/",
        views.city_correct,
        name="correct",
    ),
]
