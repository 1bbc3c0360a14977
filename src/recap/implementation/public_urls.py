"""The city's public plan and its open data (the public slice fills these)."""

app_name = "plan_public"

urlpatterns: list = []
