"""The programme's view of every city's plan (the programme slice fills these)."""

app_name = "plans"

urlpatterns: list = []
