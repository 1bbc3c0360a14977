from django.urls import path

from .views import measures as measure_views

app_name = "measures"
urlpatterns = [
    path("", measure_views.measure_list, name="list"),
    path("<int:pk>/", measure_views.measure_detail, name="detail"),
    path("<int:pk>/status/", measure_views.measure_status_view, name="status"),
    path("<int:pk>/evidence/", measure_views.measure_evidence_add, name="evidence"),
]
