from django.urls import path

from . import views

app_name = "assessments"
urlpatterns = [
    path("", views.assessment_list, name="list"),
    path("<int:pk>/", views.assessment_detail, name="detail"),
    path("<int:pk>/answer/", views.assessment_answer, name="answer"),
    path("<int:pk>/download/", views.assessment_download, name="download"),
    path("<int:pk>/upload/", views.assessment_upload, name="upload"),
    path("<int:pk>/complete/", views.assessment_complete_view, name="complete"),
    path("<int:pk>/compare/<int:other>/", views.assessment_compare, name="compare"),
]
