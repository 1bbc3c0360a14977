from django.urls import path

from . import views

app_name = "results"
urlpatterns = [
    path("programme/results/", views.dashboard, name="dashboard"),
    path("programme/results/updates/<int:pk>/decide/", views.decide, name="decide"),
    path("cities/<slug:slug>/workspace/results/", views.city_results, name="city"),
    path("cities/<slug:slug>/workspace/results/<int:pk>/submit/", views.city_submit, name="submit"),
]
