"""Monitoring's pages, by what they are about: the results dashboard and a city's reported
values (`results`), small-scale measures and their evidence (`measures`), and the programme's
framework, trainings and reports (`programme`)."""
