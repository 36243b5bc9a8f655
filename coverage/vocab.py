"""The coverage vocabulary: every code the Q&A rules speak of, with its Japanese label.

Pure Python (no Django import): the engine, the `assess` command, the models' choices,
the templates and the PDF all read their codes and labels from here, so a code is spelt
once. Values are the strings of the `assess` JSON contract (../shared/RULES.md).
"""

from __future__ import annotations

from dataclasses import dataclass

# --- sections of an assessment -------------------------------------------------------
SECTION_DAMAGES = "damages"
SECTION_EXPENSES = "expenses"
SECTION_OVERTIME = "overtime"

# --- client damages ------------------------------------------------------------------
KIND_BUSINESS_INTERRUPTION = "business_interruption"
KIND_INFORMATION_LEAK = "information_leak"
DAMAGE_KINDS = {
    KIND_BUSINESS_INTERRUPTION: "事業の休止・阻害、他人の損失 (Q2(1))",
    KIND_INFORMATION_LEAK: "情報漏えい・そのおそれ (Q2(2))",
}

CAUSE_PROVIDER_ATTACK = "provider_attack"
CAUSE_OWN_SERVICE_STOPPAGE = "own_service_stoppage"
# Labels say the Q2-Q4 condition: the own-service exclusion and the IT-business rider
# presuppose a cloud service the insured itself provides (the claim's fact decides; an item
# of a claim whose insured provides none cannot choose them, claims.facts).
CAUSES = {
    CAUSE_PROVIDER_ATTACK: "クラウド事業者へのサイバー攻撃に起因",
    CAUSE_OWN_SERVICE_STOPPAGE: (
        "自社クラウド停止 (被保険者自身が顧問先へ提供するクラウドサービスの停止に起因)"
    ),
}

ACTIVITY_IT_USER_ACT = "it_user_act"
ACTIVITY_IT_BUSINESS = "it_business"
ACTIVITIES = {
    ACTIVITY_IT_USER_ACT: "ITユーザ行為",
    ACTIVITY_IT_BUSINESS: (
        "IT業務 (被保険者が提供したクラウドサービスで顧問先自身が給与計算等を行った)"
    ),
}

# --- expenses --------------------------------------------------------------------------
CATEGORY_AUTHORITY_NOTIFICATION = "authority_notification"
CATEGORY_CUSTOMER_NOTIFICATION = "customer_notification"
CATEGORY_CALL_CENTER = "call_center"
CATEGORY_OTHER_LISTED = "other_listed"
CATEGORY_SUBSTITUTE_WORK = "substitute_work"
CATEGORY_ALTERNATIVE_SYSTEM = "alternative_system"
CATEGORY_REGULAR_SALARY = "regular_salary"
CATEGORY_UNLISTED = "unlisted"
EXPENSE_CATEGORIES = {
    CATEGORY_AUTHORITY_NOTIFICATION: "公的機関への届出費用",
    CATEGORY_CUSTOMER_NOTIFICATION: "顧客への通知・お詫び状作成費用",
    CATEGORY_CALL_CENTER: "コールセンター委託費用",
    CATEGORY_OTHER_LISTED: "その他約款列挙の費用",
    CATEGORY_SUBSTITUTE_WORK: "滞った業務の代替費用",
    CATEGORY_ALTERNATIVE_SYSTEM: "代替システム導入費用",
    CATEGORY_REGULAR_SALARY: "時間内給与・管理職給与",
    CATEGORY_UNLISTED: "約款に列挙されていない費用",
}
# Overtime entries count as this expense category for sub-limits.
CATEGORY_OVERTIME = "overtime"
SUBLIMIT_CATEGORIES = {**EXPENSE_CATEGORIES, CATEGORY_OVERTIME: "従業員の超過勤務手当"}

# --- overtime --------------------------------------------------------------------------
TASK_INCIDENT_RESPONSE = "incident_response"
TASK_SUBSTITUTE_WORK = "substitute_work"
TASKS = {
    TASK_INCIDENT_RESPONSE: "事故対応",
    TASK_SUBSTITUTE_WORK: "滞った業務の代替 (手作業の給与計算など)",
}

EVIDENCE_ATTENDANCE_RECORD = "attendance_record"
EVIDENCE_WAGE_BASIS = "wage_basis"
EVIDENCE_TASK_RECORD = "task_record"
# In the order of Q5 (1)-(3); `missing` lists absent kinds in this order.
EVIDENCE_KINDS = {
    EVIDENCE_ATTENDANCE_RECORD: "就労データ (勤怠記録等)",
    EVIDENCE_WAGE_BASIS: "時間単価の計算根拠 (賃金台帳・給与計算資料)",
    EVIDENCE_TASK_RECORD: "事故対応従事の記録 (業務日報・タスク管理表等)",
}

# Short names of the Q5 kinds, for the overtime row's evidence marks.
EVIDENCE_SHORT = {
    EVIDENCE_ATTENDANCE_RECORD: "勤怠記録",
    EVIDENCE_WAGE_BASIS: "賃金根拠",
    EVIDENCE_TASK_RECORD: "業務記録",
}

DEFAULT_PREMIUM = "1.25"

# --- decisions -------------------------------------------------------------------------
DECISION_COVERED = "covered"
DECISION_EXCLUDED = "excluded"
DECISION_PENDING = "pending"
DECISIONS = {
    DECISION_COVERED: "支払対象",
    DECISION_EXCLUDED: "対象外",
    DECISION_PENDING: "保留 (書類待ち)",
}


# --- reason codes ----------------------------------------------------------------------
# Reason codes, by name, so code elsewhere never spells one as a string.
REASON_DIRECT_RECOVERY_ELECTED = "DIRECT_RECOVERY_ELECTED"
REASON_PLAN_SCOPE = "PLAN_SCOPE"
REASON_NOT_LEAK_EVENT = "NOT_LEAK_EVENT"
REASON_OWN_CLOUD_SERVICE = "OWN_CLOUD_SERVICE"
REASON_IT_BUSINESS = "IT_BUSINESS"
REASON_NO_LEGAL_LIABILITY = "NO_LEGAL_LIABILITY"
REASON_SUBSTITUTE_WORK = "SUBSTITUTE_WORK"
REASON_REGULAR_PAY = "REGULAR_PAY"
REASON_NOT_LISTED_EXPENSE = "NOT_LISTED_EXPENSE"
REASON_MISSING_EVIDENCE = "MISSING_EVIDENCE"


@dataclass(frozen=True)
class Reason:
    code: str
    qa: str  # the Q&A answers the rule rests on
    title: str  # short Japanese label
    explanation: str  # one Japanese sentence for handlers, letters and the PDF


REASONS: dict[str, Reason] = {
    r.code: r
    for r in (
        Reason(
            REASON_DIRECT_RECOVERY_ELECTED,
            "Q7",
            "クラウド事業者への直接請求を選択",
            "貴社がクラウドサービス提供者へ直接補償を求めることを選択されたため、"
            "保険金は請求できません (いずれか一方の選択)。",
        ),
        Reason(
            REASON_PLAN_SCOPE,
            "Q2",
            "情報漏えい限定補償プランの対象外",
            "情報漏えい限定補償プランは情報漏えいまたはそのおそれによる損害のみが対象で、"
            "事業の休止・阻害や他人の損失は対象外です。",
        ),
        Reason(
            REASON_NOT_LEAK_EVENT,
            "Q2",
            "情報漏えい事案に該当しない",
            "情報漏えいによる損害は、事故が情報漏えいまたはそのおそれと判断された場合に限り対象です。",
        ),
        Reason(
            REASON_OWN_CLOUD_SERVICE,
            "Q2, Q3, Q4",
            "自社提供クラウドサービスの停止",
            "貴社が顧問先等に提供しているクラウドサービス (広告・宣伝・販売促進目的の無償提供を除く) "
            "の停止に起因する損害・費用は対象外です。",
        ),
        Reason(
            REASON_IT_BUSINESS,
            "Q2",
            "IT業務不担保特約",
            "顧問先が貴社提供のクラウドサービスで社会保険料計算や給与支払を自己完結的に行った"
            "「IT業務」の結果として生じた損害は対象外です (ITユーザ行為の結果は対象)。",
        ),
        Reason(
            REASON_NO_LEGAL_LIABILITY,
            "Q2, Q3",
            "法律上の損害賠償責任なし",
            "貴社が顧問先との契約に基づき法律上の損害賠償責任を負担する損害のみが対象です。",
        ),
        Reason(
            REASON_SUBSTITUTE_WORK,
            "Q4",
            "滞った業務の代替費用",
            "システム停止により滞った業務の代替のための費用 (手作業での給与計算の超過勤務手当、"
            "代替システムの導入費用等) は対象外です。",
        ),
        Reason(
            REASON_REGULAR_PAY,
            "Q4",
            "時間内給与・管理職の給与",
            "一般従業員の時間内給与や超過勤務手当の発生しない管理職等の給与は、"
            "本件事故により支出する費用に該当しません。",
        ),
        Reason(
            REASON_NOT_LISTED_EXPENSE,
            "Q4",
            "約款に列挙されていない費用",
            "パンフレット・約款に列挙された費用 (届出、通知・お詫び状、コールセンター委託、"
            "超過勤務手当等) のみが対象です。",
        ),
        Reason(
            REASON_MISSING_EVIDENCE,
            "Q5",
            "超過勤務の証憑不足",
            "超過勤務手当には (1) 勤怠記録 (2) 時間単価の根拠資料 (3) 事故対応従事の記録 "
            "の3点が必要です。揃うまで保留となります。",
        ),
    )
}


# --- the basis of a covered line --------------------------------------------------------
# A covered line has no exclusion to cite; it cites the Q&A passage that makes it payable.
COVERED_BASIS: dict[str, Reason] = {
    SECTION_DAMAGES: Reason(
        "COVERED_LEGAL_LIABILITY",
        "Q2, Q3",
        "法律上の損害賠償責任",
        "クラウド事業者へのサイバー攻撃に起因して、貴社が顧問先に対し法律上の損害賠償責任を"
        "負担することにより生じた損害として支払対象です。",
    ),
    SECTION_EXPENSES: Reason(
        "COVERED_LISTED_EXPENSE",
        "Q4",
        "約款に列挙された費用",
        "事故への直接の対応のために支出した、パンフレット・約款に列挙された費用として支払対象です。",
    ),
    SECTION_OVERTIME: Reason(
        "COVERED_OVERTIME",
        "Q4, Q5",
        "事故対応の超過勤務手当 (証憑3点確認済み)",
        "事故対応のための従業員の超過勤務手当で、Q5 (1)-(3) の証憑が揃っているため支払対象です。",
    ),
}


def covered_basis(section: str) -> Reason | None:
    """The Q&A passage a covered line of `section` rests on (None for an unknown section)."""
    return COVERED_BASIS.get(section)


# --- why a client's damage was recognized below what was claimed -------------------------
# 認定額 < 請求額 needs a written reason; the desk may also pick one of these standard codes.
CUT_EXCESSIVE = "excessive"
CUT_NO_CAUSATION = "no_causation"
CUT_DUPLICATE = "duplicate"
CUT_INSUFFICIENT_EVIDENCE = "insufficient_evidence"
CUT_OUTSIDE_CONTRACT = "outside_contract"
CUT_OTHER = "other"
CUT_REASONS = {
    CUT_EXCESSIVE: "過大請求",
    CUT_NO_CAUSATION: "因果関係なし",
    CUT_DUPLICATE: "重複請求",
    CUT_INSUFFICIENT_EVIDENCE: "証憑不足",
    CUT_OUTSIDE_CONTRACT: "契約上の責任範囲外",
    CUT_OTHER: "その他",
}
# The Q&A passage each standard cut rests on: the proper damage amount (適正な損害額, Q1)
# the desk tells the insured, backed by the client's itemised claim; the contract (Q3).
CUT_REASON_QA = {
    CUT_EXCESSIVE: "Q1",
    CUT_NO_CAUSATION: "Q2, Q3",
    CUT_DUPLICATE: "Q1",
    CUT_INSUFFICIENT_EVIDENCE: "Q1",
    CUT_OUTSIDE_CONTRACT: "Q3",
    CUT_OTHER: "Q1",
}


def cut_reason_text(code: str, text: str) -> str:
    """One line for a reduced damage: "過大請求 (Q1): 見積の二重計上" (code optional)."""
    text = (text or "").strip()
    if code in CUT_REASONS:
        head = f"{CUT_REASONS[code]} ({CUT_REASON_QA[code]})"
        return f"{head}: {text}" if text else head
    return text


# Q6: the scheme's three plans and their default limits (liability, expenses; leak-only
# scope). Migration 0002 writes the same rows into every fresh database, where admins then
# edit them; `manage.py assess` falls back to these only when the database has no plan
# table yet (never migrated). A test checks that the migration and this table agree.
DEFAULT_PLANS: dict[str, tuple[int, int, bool]] = {
    "cyber_standard": (100_000_000, 100_000_000, False),
    "leak_only_30m": (30_000_000, 30_000_000, True),
    "leak_only_5m": (5_000_000, 5_000_000, True),
}


def choices(labels: dict[str, str]) -> list[tuple[str, str]]:
    """Django-style (value, label) pairs from one of the label tables above."""
    return list(labels.items())
