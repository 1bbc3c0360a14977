from django.urls import path

from . import views

app_name = "web"
urlpatterns = [
    path("", views.home, name="home"),
    path("offices/", views.offices, name="offices"),
    path("report-a-problem/", views.report_problem, name="report_problem"),
    path("healthz", views.health, name="health"),
]
