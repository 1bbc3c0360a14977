"""The city's public plan and its open data, at `/cities/<slug>/plan/`: public when the city
made its plan public (and the city is public), else 404."""

from django.urls import path

from .views import public

app_name = "plan_public"

urlpatterns = [
    path("", public.plan_page, name="page"),
    path("plan.<str:fmt>", public.plan_export, name="export"),
]
