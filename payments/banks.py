"""The Zengin bank and branch master (金融機関コード・支店コード), from the `zengin-code`
package (the data of zengin-code/source-data, updated with each release)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Found:
    bank_name: str
    bank_kana: str
    branch_name: str = ""
    branch_kana: str = ""


def _banks():
    import zengin_code

    return zengin_code.Bank.all


def bank(code: str):
    return _banks().get(code or "")


def lookup(bank_code: str, branch_code: str = "") -> Found | None:
    """The bank (and branch, if given and known) for the codes, or None for an unknown bank.
    An unknown branch of a known bank gives a Found with an empty branch name."""
    b = bank(bank_code)
    if b is None:
        return None
    br = b.branches.get(branch_code) if branch_code else None
    return Found(
        bank_name=b.name,
        bank_kana=b.kana,
        branch_name=br.name if br else "",
        branch_kana=br.kana if br else "",
    )
