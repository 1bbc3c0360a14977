from django.urls import path

from .views import lessons as views
from .views import peers as peer_views

app_name = "lessons"
urlpatterns = [
    path("lessons/", views.public_list, name="list"),
    path("lessons/<int:pk>/", views.detail, name="detail"),
    path("programme/lessons/", views.programme_list, name="programme"),
    path("programme/lessons/<int:pk>/decide/", views.decide, name="decide"),
    path("cities/<slug:slug>/workspace/lessons/", views.city_lessons, name="city"),
    path("cities/<slug:slug>/workspace/lessons/<int:pk>/", views.city_edit, name="city_edit"),
    path("cities/<slug:slug>/workspace/peers/", peer_views.peers, name="peers"),
    path(
        "cities/<slug:slug>/workspace/peers/override/",
        peer_views.peer_override,
        name="peer_override",
    ),
    path(
        "cities/<slug:slug>/workspace/exchanges/",
        peer_views.city_exchanges_view,
        name="exchanges",
    ),
    path("exchanges/<int:pk>/", peer_views.exchange_detail, name="exchange"),
    path(
        "exchanges/<int:pk>/documents/<int:message>/",
        peer_views.exchange_file,
        name="exchange_file",
    ),
    path("search/", peer_views.search_view, name="search"),
]
