"""One truth for Q5 evidence: what is on file, what was only ticked, and the note for it.

An overtime entry's evidence kind (Q5 (1)-(3)) is in when a live document of that kind is
linked to the entry, or when the handler ticked it on the entry (coverage.adapters
`overtime_evidence`, the engine's view; documents.checklist, the checklist's). The marks
here show which of the two it is, by name, so a row never says ✗ while files make it
payable. A tick with no file of that kind is a confirmation without a file: it needs a
note (how it was checked), recorded with who and when, and the approval page lists them.

Reads `entry.documents.all()`: callers prefetch `documents` (coverage.adapters._rows does).
"""

from __future__ import annotations

from dataclasses import dataclass

from coverage import vocab


def _ticked(entry) -> list[str]:
    ticked = entry.evidence if isinstance(entry.evidence, list) else []
    return [kind for kind in vocab.EVIDENCE_KINDS if kind in ticked]


def filed_documents(entry) -> dict[str, list]:
    """kind -> the entry's live linked documents of that Q5 kind."""
    out: dict[str, list] = {kind: [] for kind in vocab.EVIDENCE_KINDS}
    if entry.pk is None:
        return out
    for document in entry.documents.all():
        if document.deleted_at is None and document.kind in out:
            out[document.kind].append(document)
    return out


def unfiled_ticks(entry, ticked=None, filed=None) -> list[str]:
    """The kinds ticked with no file of that kind linked, in Q5 order."""
    ticked = _ticked(entry) if ticked is None else ticked
    filed = filed_documents(entry) if filed is None else filed
    return [kind for kind in vocab.EVIDENCE_KINDS if kind in ticked and not filed.get(kind)]


def note_required_message(kinds) -> str:
    names = "・".join(vocab.EVIDENCE_SHORT[k] for k in kinds)
    return (
        f"{names} はファイルが登録されていません。ファイルなしで確認済みにするには、"
        "確認方法 (何を・誰が・いつ確認したか) を入力してください。"
    )


FILE = "file"
TICKED = "ticked"
MISSING = "missing"


@dataclass(frozen=True)
class Mark:
    """One Q5 kind of one overtime entry, as its row shows it."""

    kind: str
    label: str  # short: 勤怠記録 / 賃金根拠 / 業務記録
    title: str  # the long Q5 wording
    state: str  # FILE, TICKED (confirmed without a file) or MISSING
    documents: tuple = ()

    @property
    def text(self) -> str:
        if self.state == FILE:
            return f"ファイル{len(self.documents)}件"
        if self.state == TICKED:
            return "ファイルなし・確認のみ"
        return "未提出"


def marks(entry) -> list[Mark]:
    """The entry's three Q5 marks, in Q5 order: on file, confirmed without a file, missing."""
    filed = filed_documents(entry)
    ticked = _ticked(entry)
    out = []
    for kind in vocab.EVIDENCE_KINDS:
        if filed[kind]:
            state = FILE
        elif kind in ticked:
            state = TICKED
        else:
            state = MISSING
        out.append(
            Mark(
                kind,
                vocab.EVIDENCE_SHORT[kind],
                vocab.EVIDENCE_KINDS[kind],
                state,
                tuple(filed[kind]),
            )
        )
    return out


@dataclass(frozen=True)
class Unfiled:
    """An overtime entry with evidence confirmed by a tick and no file (for the approver)."""

    entry: object
    kinds: tuple[str, ...]
    note: str
    by: object | None
    at: object | None

    @property
    def labels(self) -> str:
        return "・".join(vocab.EVIDENCE_SHORT[k] for k in self.kinds)


def unfiled_confirmations(entries) -> list[Unfiled]:
    """The entries whose evidence was confirmed without a file, with their notes."""
    out = []
    for entry in entries:
        kinds = unfiled_ticks(entry)
        if kinds:
            out.append(
                Unfiled(
                    entry,
                    tuple(kinds),
                    entry.evidence_note,
                    entry.evidence_note_by,
                    entry.evidence_note_at,
                )
            )
    return out
