from django.db import migrations

# The state counts' trigger (0011) found a statement's moved claims by joining its old and
# new rows on id. PL/pgSQL keeps a statement's plan for the session, and a plan made for the
# one-claim updates a biller's clicks run is a nested loop: a later UPDATE of 10,000 claims
# in the same session (the 837P export marking them sent) compared every old row with every
# new one, 35 s instead of half a second. An UPDATE's old and new rows are the same claims,
# so the change per state is the new rows' count less the old rows' count: no join, one pass
# over each, whatever plan the session keeps.
_UPSERT = """
        LOOP
            INSERT INTO claims_claimstatecount (state, slot, n) VALUES (change.state, my_slot, change.delta)
            ON CONFLICT (state, slot) DO UPDATE SET n = claims_claimstatecount.n + EXCLUDED.n;
        END LOOP;"""


def _apply(update_changes: str) -> str:
    """claims_state_count_apply with ``update_changes`` as an UPDATE's change per state."""
    return f"""
CREATE OR REPLACE FUNCTION claims_state_count_apply() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    change record;
    my_slot smallint := pg_backend_pid() % 16;
BEGIN
    IF TG_OP = 'INSERT' THEN
        FOR change IN SELECT state, count(*) AS delta FROM new_rows GROUP BY state ORDER BY state
{_UPSERT}
    ELSIF TG_OP = 'DELETE' THEN
        FOR change IN SELECT state, -count(*) AS delta FROM old_rows GROUP BY state ORDER BY state
{_UPSERT}
    ELSE
        FOR change IN
{update_changes}
{_UPSERT}
    END IF;
    RETURN NULL;
END $$;
"""


APPLY = _apply("""
            SELECT state, sum(delta) AS delta FROM (
                SELECT state, 1 AS delta FROM new_rows
                UNION ALL
                SELECT state, -1 FROM old_rows
            ) moved GROUP BY state HAVING sum(delta) <> 0 ORDER BY state""")

JOINED = _apply("""
            SELECT state, sum(delta) AS delta FROM (
                SELECT n.state, 1 AS delta FROM new_rows n JOIN old_rows o ON o.id = n.id
                 WHERE n.state <> o.state
                UNION ALL
                SELECT o.state, -1 FROM new_rows n JOIN old_rows o ON o.id = n.id
                 WHERE n.state <> o.state
            ) moved GROUP BY state ORDER BY state""")


def _on_postgresql(sql):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(sql, params=None)

    return run


class Migration(migrations.Migration):
    dependencies = [
        ("claims", "0013_dashboard_totals"),
    ]

    operations = [
        migrations.RunPython(_on_postgresql(APPLY), _on_postgresql(JOINED)),
    ]
