from django.urls import path

from .views import allocation as allocation_views
from .views import programme as views

app_name = "board"
urlpatterns = [
    path("", views.board, name="board"),
    path("portfolio/", allocation_views.allocations, name="allocations"),
    path("portfolio/<int:number>/", allocation_views.allocation, name="allocation"),
    path(
        "portfolio/<int:number>/decision.pdf",
        allocation_views.allocation_pdf_view,
        name="allocation_pdf",
    ),
    path("shared/portfolio/", allocation_views.facility_home, name="facility_home"),
    path(
        "shared/portfolio/<slug:code>/",
        allocation_views.facility_allocations,
        name="facility_allocations",
    ),
    path(
        "shared/portfolio/<slug:code>/<int:number>/",
        allocation_views.facility_allocation,
        name="facility_allocation",
    ),
    path(
        "shared/portfolio/<slug:code>/<int:number>/decision.pdf",
        allocation_views.facility_allocation_pdf,
        name="facility_allocation_pdf",
    ),
    path("shared/", views.shared_list, name="shared"),
    path("shared/<int:pk>/", views.shared_detail, name="shared_detail"),
    path("shared/<int:pk>/concept-note.pdf", views.shared_pdf, name="shared_pdf"),
    path("shared/<int:pk>/documents/<int:doc>/", views.shared_document, name="shared_document"),
]
