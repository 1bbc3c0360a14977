from django.urls import path

from .views import gantt, plan, public, reports

app_name = "implementation"

urlpatterns = [
    path("", plan.plan_home, name="plan"),
    path("start/", plan.plan_start, name="start"),
    path("publish/", plan.plan_publish, name="publish"),
    path("windows/", plan.plan_windows, name="windows"),
    path("history/", plan.plan_history, name="history"),
    path("plan.<str:fmt>", public.plan_export_private, name="export"),
    path("gantt/", gantt.gantt_page, name="gantt"),
    path("actions/<int:pk>/", plan.action_detail, name="action"),
    path("actions/<int:pk>/status/", plan.action_status, name="status"),
    path("actions/<int:pk>/milestones/", plan.milestone_add, name="milestone_add"),
    path(
        "actions/<int:pk>/milestones/<int:milestone>/reached/",
        plan.milestone_reached,
        name="milestone_reached",
    ),
    path(
        "actions/<int:pk>/milestones/<int:milestone>/move/",
        plan.milestone_move,
        name="milestone_move",
    ),
    path("actions/<int:pk>/progress/", plan.progress_add, name="progress"),
    path(
        "actions/<int:pk>/progress/<int:report>/decide/",
        plan.progress_decide,
        name="decide",
    ),
    path(
        "actions/<int:pk>/progress/<int:report>/evidence/",
        plan.progress_evidence,
        name="evidence",
    ),
    path("actions/<int:pk>/indicators/", plan.indicator_add, name="indicator_add"),
    path("reports/", reports.report_list, name="reports"),
    path("reports/issue/", reports.report_issue, name="report_issue"),
    path("reports/<int:pk>.<str:fmt>", reports.report_file, name="report_file"),
]
