from django.urls import path

from . import candidate_views as views

app_name = "candidates"
urlpatterns = [
    path("", views.candidate_list, name="list"),
    path("new/", views.candidate_new, name="new"),
    path("adopt/", views.candidate_adopt, name="adopt"),
    path("download/", views.candidate_download, name="download"),
    path("upload/", views.candidate_upload, name="upload"),
    path("<int:pk>/", views.candidate_detail, name="detail"),
    path("<int:pk>/edit/", views.candidate_edit, name="edit"),
    path("<int:pk>/remove/", views.candidate_remove, name="remove"),
]
