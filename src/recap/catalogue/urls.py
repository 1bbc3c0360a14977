from django.urls import path

from . import views

app_name = "catalogue"
urlpatterns = [
    path("", views.catalogue_list, name="list"),
    path("download/", views.catalogue_download, name="download"),
    path("upload/", views.catalogue_upload, name="upload"),
    path("<str:code>/", views.catalogue_detail, name="detail"),
]
