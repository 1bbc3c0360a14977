from django.urls import path

from .views import facilities as views

app_name = "pipeline"
urlpatterns = [
    path("", views.facility_directory, name="facilities"),
]
