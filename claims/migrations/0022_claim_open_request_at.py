"""Claim.open_request_at: when the claim's latest unanswered document request was made.

The queue's 要督促 filter, its badge and the workload page read it instead of searching the
requests of every claim. It is derived in the database and kept there by triggers, so that no
write can leave it stale: a request created, answered, re-dated or deleted (by the desk, by
Django admin, by a queryset update or by hand in SQL) updates its claim, and a save of the
claim that carries an old value is corrected on the way in.

PostgreSQL locks the claim row before it reads the requests (each statement of a trigger
function sees the rows committed before it), so two transactions touching one claim's
requests at once leave the value of whichever committed last, worked out from both (and
the claim's own trigger, which recomputes any write of the column, reads them afresh too).
SQLite has one writer at a time.
"""

# ruff: noqa: S608 - the SQL is built from constants of this file (column names), no input
from django.db import migrations, models

OPEN_STATUSES = [
    "reported",
    "documents_requested",
    "under_assessment",
    "awaiting_approval",
    "approved",
]

LATEST = (
    "(SELECT max(r.requested_at) FROM documents_documentrequest r "
    "WHERE r.claim_id = {claim} AND r.fulfilled_at IS NULL)"
)

POSTGRES = [
    f"""
    CREATE OR REPLACE FUNCTION claims_sync_open_request_at(claim bigint) RETURNS void
    LANGUAGE plpgsql AS $$
    DECLARE latest timestamptz;
    BEGIN
        PERFORM 1 FROM claims_claim WHERE id = claim FOR NO KEY UPDATE;
        latest := {LATEST.format(claim="claim")};
        UPDATE claims_claim SET open_request_at = latest
        WHERE id = claim AND open_request_at IS DISTINCT FROM latest;
    END $$;
    """,
    """
    CREATE OR REPLACE FUNCTION documents_request_sync_claim() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP <> 'INSERT' THEN
            PERFORM claims_sync_open_request_at(OLD.claim_id);
        END IF;
        IF TG_OP = 'INSERT' OR (TG_OP = 'UPDATE' AND NEW.claim_id <> OLD.claim_id) THEN
            PERFORM claims_sync_open_request_at(NEW.claim_id);
        END IF;
        RETURN NULL;
    END $$;
    """,
    """
    CREATE TRIGGER documents_request_sync_claim
    AFTER INSERT OR DELETE OR UPDATE OF claim_id, requested_at, fulfilled_at
    ON documents_documentrequest
    FOR EACH ROW EXECUTE FUNCTION documents_request_sync_claim();
    """,
    f"""
    CREATE OR REPLACE FUNCTION claims_claim_keep_open_request_at() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
        NEW.open_request_at := {LATEST.format(claim="NEW.id")};
        RETURN NEW;
    END $$;
    """,
    """
    CREATE TRIGGER claims_claim_keep_open_request_at
    BEFORE UPDATE OF open_request_at ON claims_claim
    FOR EACH ROW EXECUTE FUNCTION claims_claim_keep_open_request_at();
    """,
    # A new claim has no requests yet: only a value brought with it (a fixture, a copy) is checked.
    """
    CREATE TRIGGER claims_claim_keep_open_request_at_ins
    BEFORE INSERT ON claims_claim FOR EACH ROW WHEN (NEW.open_request_at IS NOT NULL)
    EXECUTE FUNCTION claims_claim_keep_open_request_at();
    """,
]

POSTGRES_DROP = [
    "DROP TRIGGER IF EXISTS claims_claim_keep_open_request_at ON claims_claim",
    "DROP TRIGGER IF EXISTS claims_claim_keep_open_request_at_ins ON claims_claim",
    "DROP FUNCTION IF EXISTS claims_claim_keep_open_request_at()",
    "DROP TRIGGER IF EXISTS documents_request_sync_claim ON documents_documentrequest",
    "DROP FUNCTION IF EXISTS documents_request_sync_claim()",
    "DROP FUNCTION IF EXISTS claims_sync_open_request_at(bigint)",
]


def _sqlite_set(claim: str) -> str:
    return f"UPDATE claims_claim SET open_request_at = {LATEST.format(claim=claim)} WHERE id = {claim};"


SQLITE = [
    f"""CREATE TRIGGER documents_request_sync_claim_ins AFTER INSERT ON documents_documentrequest
    BEGIN {_sqlite_set("NEW.claim_id")} END""",
    f"""CREATE TRIGGER documents_request_sync_claim_upd
    AFTER UPDATE OF claim_id, requested_at, fulfilled_at ON documents_documentrequest
    BEGIN {_sqlite_set("OLD.claim_id")} {_sqlite_set("NEW.claim_id")} END""",
    f"""CREATE TRIGGER documents_request_sync_claim_del AFTER DELETE ON documents_documentrequest
    BEGIN {_sqlite_set("OLD.claim_id")} END""",
    # An UPDATE inside a trigger does not fire the same trigger again (recursive_triggers is
    # off, SQLite's default), so this one ends after its own correction.
    f"""CREATE TRIGGER claims_claim_keep_open_request_at_upd
    AFTER UPDATE OF open_request_at ON claims_claim
    BEGIN {_sqlite_set("NEW.id")} END""",
    f"""CREATE TRIGGER claims_claim_keep_open_request_at_ins AFTER INSERT ON claims_claim
    WHEN NEW.open_request_at IS NOT NULL
    BEGIN {_sqlite_set("NEW.id")} END""",
]

SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS documents_request_sync_claim_ins",
    "DROP TRIGGER IF EXISTS documents_request_sync_claim_upd",
    "DROP TRIGGER IF EXISTS documents_request_sync_claim_del",
    "DROP TRIGGER IF EXISTS claims_claim_keep_open_request_at_upd",
    "DROP TRIGGER IF EXISTS claims_claim_keep_open_request_at_ins",
]


def _run(schema_editor, statements):
    for sql in statements:
        schema_editor.execute(sql, params=None)


def create_triggers(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        _run(schema_editor, POSTGRES)
    elif vendor == "sqlite":
        _run(schema_editor, SQLITE)
    else:  # pragma: no cover - the project runs on PostgreSQL and SQLite only
        raise RuntimeError(f"claims 0022 has no triggers for {vendor}")
    # Fill the column for the claims with an unanswered request (the triggers keep it from
    # here on); the others stay NULL, untouched.
    schema_editor.execute(
        f"UPDATE claims_claim SET open_request_at = {LATEST.format(claim='claims_claim.id')} "
        "WHERE EXISTS (SELECT 1 FROM documents_documentrequest r "
        "WHERE r.claim_id = claims_claim.id AND r.fulfilled_at IS NULL)",
        params=None,
    )


def drop_triggers(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    _run(schema_editor, POSTGRES_DROP if vendor == "postgresql" else SQLITE_DROP)


class Migration(migrations.Migration):
    dependencies = [
        ("claims", "0021_open_claims_index"),
        ("documents", "0006_admin_verbose_names"),
    ]

    operations = [
        migrations.AddField(
            model_name="claim",
            name="open_request_at",
            field=models.DateTimeField(
                blank=True,
                editable=False,
                null=True,
                verbose_name="未回答の書類依頼 (最新) の依頼日時",
            ),
        ),
        migrations.AddIndex(
            model_name="claim",
            index=models.Index(
                condition=models.Q(
                    ("open_request_at__isnull", False), ("status__in", OPEN_STATUSES)
                ),
                fields=["open_request_at"],
                include=("status", "created_by", "handler"),
                name="claim_follow_up_idx",
            ),
        ),
        migrations.RunPython(create_triggers, drop_triggers),
    ]
