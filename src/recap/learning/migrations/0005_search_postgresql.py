"""PostgreSQL only: the search documents' text as a stored tsvector (English columns with the
English dictionary, French ones with the French; titles weigh most), kept by the database
itself as a generated column, with a GIN index. SQLite has its FTS5 table instead (0004)."""

from django.db import migrations

COLUMNS = [
    ("title_en", "english", "A"),
    ("title_fr", "french", "A"),
    ("summary_en", "english", "B"),
    ("summary_fr", "french", "B"),
    ("body_en", "english", "C"),
    ("body_fr", "french", "C"),
]
VECTOR = " || ".join(
    f"setweight(to_tsvector('{config}', coalesce({column}, '')), '{weight}')"
    for column, config, weight in COLUMNS
)


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            "ALTER TABLE learning_searchdocument ADD COLUMN search tsvector "
            f"GENERATED ALWAYS AS ({VECTOR}) STORED"
        )
        schema_editor.execute(
            "CREATE INDEX learning_search_gin ON learning_searchdocument USING gin (search)"
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS learning_search_gin")
        schema_editor.execute("ALTER TABLE learning_searchdocument DROP COLUMN IF EXISTS search")


class Migration(migrations.Migration):
    dependencies = [("learning", "0004_search")]

    operations = [migrations.RunPython(create, drop)]
