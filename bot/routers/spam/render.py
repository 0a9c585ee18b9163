"""The spam feature's words: reasons in the reader's language, the report in the log chat, its buttons."""
from __future__ import annotations

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

from archive.store import post_url
from bot.render import escape
from moderation.spam import Reason, Sign, Verdict

from ..moderation.names import clip
from .reports import HAM, SPAM, SpamReport

SHOWN_REASONS = 4
QUOTE_LIMIT = 1500
# Signs whose detail is the matched words of the message or the sample it resembles;
# the others' details (a count of emoji, seconds) say nothing the label does not.
_QUOTED = frozenset(Sign) - {Sign.EMOJI, Sign.CAPITALS, Sign.QUICK_EDIT, Sign.CHANNEL_FORWARD,
                             Sign.LOOKS_LIKE_SPAM}


class SpamButton(CallbackData, prefix="spam"):
    rid: int  # the report
    verdict: str  # ham | spam


def reason_text(reason: Reason, t) -> str:
    """One reason, plain: «похоже на известный спам («Заработок в крипте…»)»."""
    label = t(f"spam_sign_{reason.code.value}")
    detail = " ".join(reason.detail.split())
    return f"{label} («{clip(detail, 60)}»)" if detail and reason.code in _QUOTED else label


def reasons_text(verdict: Verdict, t) -> str:
    return "; ".join(reason_text(r, t) for r in verdict.reasons[:SHOWN_REASONS]) or t("spam_no_reasons")


def report_html(report: SpamReport, verdict: Verdict, t, *, audit_id: int | None = None,
                chat_username: str | None = None, problem: str = "") -> str:
    """The log chat's message about one report (in the log chat's language)."""
    if report.removed:
        lines = [t("spam_report_removed", id=audit_id),
                 t("spam_report_who_restricted" if not problem else "spam_report_who", name=report.user_name)]
    else:
        link = post_url(report.chat_id, report.message_id, chat_username)
        lines = [t("spam_report_asked", link=link), t("spam_report_who", name=report.user_name)]
    lines.append(t("spam_report_why", reasons=escape(reasons_text(verdict, t)), score=f"{verdict.score:.2f}"))
    if problem:
        lines.append(t("mod_log_outcome", outcome=escape(problem)))
    lines.append(f"<blockquote expandable>{escape(clip(report.text, QUOTE_LIMIT))}</blockquote>")
    return "\n".join(lines)


def buttons(report: SpamReport, t) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(inline_keyboard=[[
        InlineKeyboardButton(text=t("spam_btn_ham"), callback_data=SpamButton(rid=report.id, verdict=HAM).pack()),
        InlineKeyboardButton(text=t("spam_btn_ban"), callback_data=SpamButton(rid=report.id, verdict=SPAM).pack()),
    ]])
