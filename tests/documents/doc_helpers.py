"""Helpers for the documents tests: a private MEDIA_ROOT, claims with items, uploads."""

import datetime

from django.core.files.uploadedfile import SimpleUploadedFile

from claims.models import ClientDamage, Expense, OvertimeEntry
from coverage import vocab
from tests.documents import hostile


def add_damage(claim, client="株式会社A", **fields):
    fields = {
        "kind": vocab.KIND_BUSINESS_INTERRUPTION,
        "claimed": 120_000,
        "recognized": 100_000,
        "description": "遅延損害金",
        **fields,
    }
    return ClientDamage.objects.create(claim=claim, client_name=client, **fields)


def add_expense(claim, **fields):
    fields = {"category": vocab.CATEGORY_CALL_CENTER, "amount": 50_000, **fields}
    return Expense.objects.create(claim=claim, **fields)


def add_overtime(claim, employee="山田花子", **fields):
    fields = {
        "minutes": 150,
        "hourly_rate": 2_100,
        "work_date": datetime.date(2023, 6, 6),
        "evidence": [],
        **fields,
    }
    return OvertimeEntry.objects.create(claim=claim, employee=employee, **fields)


def pdf(name="明細.pdf", data=None):
    return SimpleUploadedFile(name, data or hostile.PDF_BYTES, content_type="application/pdf")


def png(name="scan.png"):
    return SimpleUploadedFile(name, hostile.png_bytes(), content_type="image/png")


def upload_file(name, data, content_type="application/octet-stream"):
    return SimpleUploadedFile(name, data, content_type=content_type)
