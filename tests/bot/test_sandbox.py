"""The sandbox REPL as its user sees it: message ids to reply to, links, refusals instead of crashes."""
from __future__ import annotations

from sandbox.terminal import CHATTER, run_sandbox


async def test_sandbox_shows_ids_links_and_refusals_and_seeds_voters():
    spam = 1 + next(i for i, (who, _) in enumerate(CHATTER) if who == "sergey")
    lines = [":history 3", ":as anna", f":reply {spam} /votekick spam", ":press 1",
             ":as maria", f":reply {spam} /mute 10m", ":as sergey", "still here?",
             ":as anna", ":private", "/search leakage", ":press 9"]
    printed: list[str] = []
    await run_sandbox(interactive=False, lines=lines, out=printed.append)
    text = "\n".join(printed)
    assert f"#{len(CHATTER)} Newbie: " in text  # :history lists ids and authors
    assert f"[Anna → chat #{len(CHATTER) + 1}, reply to #{spam}]" in text
    assert "Исключить (1/5)" in text  # the seeded chatter makes Anna eligible to start a vote
    assert "[alert] Вы уже голосовали" in text
    assert "[restrictChatMember] Sergey in chat until" in text
    assert "[sandbox] Telegram would refuse this: user 1006 is restricted" in text
    assert "Semantic Leakage in Language Models ‹https://t.me/boris_again/1726›" in text
    assert "no such button in Anna (private)" in text
