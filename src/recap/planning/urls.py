from django.urls import path

from . import views

app_name = "planning"
urlpatterns = [
    path("", views.session_list, name="list"),
    path("<int:pk>/", views.session_detail, name="detail"),
    path("<int:pk>/run/", views.run_create, name="run_create"),
    path("<int:pk>/edit/", views.session_edit, name="edit"),
    path("<int:pk>/runs/<int:a>/compare/<int:b>/", views.runs_compare_view, name="compare"),
    path("<int:pk>/runs/<int:number>/", views.run_detail, name="run"),
    path("<int:pk>/runs/<int:number>/status/", views.run_status, name="run_status"),
    path("<int:pk>/runs/<int:number>/cancel/", views.run_cancel_view, name="run_cancel"),
    path("robustness/<int:job>/cancel/", views.robustness_cancel_view, name="robustness_cancel"),
    path("<int:pk>/stakeholders/", views.stakeholder_add, name="stakeholder_add"),
    path("<int:pk>/futures/", views.future_add, name="future_add"),
    path("<int:pk>/futures/remove/", views.future_delete, name="future_delete"),
    path("<int:pk>/stakeholders/ahp/", views.weights_ahp, name="weights_ahp"),
    path("<int:pk>/stakeholders/swing/", views.weights_swing, name="weights_swing"),
    path("<int:pk>/runs/<int:number>/save/", views.package_save_view, name="package_save"),
    path("<int:pk>/runs/<int:number>/robustness/", views.robustness_start, name="robustness_start"),
    path(
        "<int:pk>/runs/<int:number>/robustness/status/",
        views.robustness_status,
        name="robustness_status",
    ),
    path("packages/<int:pk>/", views.package_detail, name="package"),
    path("packages/<int:pk>/adjust/", views.package_adjust_view, name="package_adjust"),
    path(
        "packages/<int:pk>/robustness/",
        views.package_robustness_start,
        name="package_robustness_start",
    ),
    path(
        "packages/<int:pk>/robustness/status/",
        views.package_robustness_status,
        name="package_robustness_status",
    ),
    path("packages/<int:pk>/endorse/", views.package_endorse_view, name="package_endorse"),
    path("packages/<int:pk>/report.pdf", views.package_pdf_view, name="package_pdf"),
    path("packages/<int:pk>/report.xlsx", views.package_xlsx_view, name="package_xlsx"),
]
