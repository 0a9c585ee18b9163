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


async def test_sandbox_lives_the_day_after_the_sample_and_continues_its_channel_ids():
    lines = [":clock", ":post Новый пост про квантизацию", ":clock +1d", ":clock 2020-01-01", ":clock soon"]
    printed: list[str] = []
    await run_sandbox(interactive=False, lines=lines, out=printed.append)
    text = "\n".join(printed)
    assert "It lives on 15.08.2024 12:00 (MSK)" in text  # the sample's last post is of 14.08.2024
    assert "[channel] posted #1727" in text  # after the archive's 1700-1726
    assert "it is 16.08.2024 12:0" in text
    assert "the sandbox's clock only moves forward" in text
    assert "usage: :clock" in text


async def test_piped_lines_come_as_typed_and_do_not_trip_anti_flood():
    lines = ["привет", "как дела", "кто читал про leakage?", "интересно", "ну ладно", "/rules", "и ещё"]
    printed: list[str] = []
    await run_sandbox(interactive=False, lines=lines, out=printed.append)
    text = "\n".join(printed)
    assert "restrictChatMember" not in text and "слишком часто" not in text
    assert "Правила чата" in text  # the bot still answers after six lines
    assert "Telegram would refuse" not in text


def test_a_missing_sample_export_is_one_line(monkeypatch, tmp_path):
    from click.testing import CliRunner

    from keeper.cli import cli

    monkeypatch.delenv("KEEPER_BOT_TOKEN", raising=False)
    monkeypatch.setenv("KEEPER_SAMPLE_EXPORT", str(tmp_path / "nowhere.json"))
    result = CliRunner().invoke(cli, ["start"])
    assert result.exit_code == 1
    assert result.output.strip() == f"Error: no such file: {tmp_path / 'nowhere.json'}"


async def test_moving_the_clock_past_sunday_evening_sends_the_weekly_digest():
    printed: list[str] = []
    await run_sandbox(interactive=False, lines=[":clock 2024-08-18 18:05"], out=printed.append)
    text = "\n".join(printed)
    assert "[bot → chat #20] Дайджест за 12–18 августа" in text
    assert "Semantic Leakage in Language Models ‹https://t.me/boris_again/1726›" in text
    assert "it is 18.08.2024 18:05 (MSK) in the sandbox" in text


async def test_a_newcomers_scam_is_removed_the_log_says_why_and_the_history_is_judged():
    crypto = 1 + next(i for i, (who, _) in enumerate(CHATTER) if who == "sergey")
    scam = len(CHATTER) + 1
    lines = [":spamcheck", ":as newbie", "Нужны люди на удалёнку, от 3000$ в неделю. Пиши в лс", "а так?",
             ":as maria", ":log", ":press 1"]
    printed: list[str] = []
    await run_sandbox(interactive=False, lines=lines, out=printed.append)
    text = "\n".join(printed)
    [judged] = [line for line in printed if line.startswith(f"  #{crypto} Sergey")]
    assert "(a regular or an admin: not checked)" in judged and "would remove it and mute the sender" in judged
    assert "зовёт в личку («в личку»)" in judged  # the reasons, as the admins' log words them
    assert f"[deleted] message #{scam} in chat" in text and "[restrictChatMember] Newbie in chat" in text
    assert "[bot → log chat #1] 🚫 #2 Спам от новичка удалён" in text
    assert "обещает заработок («3000$ в неделю»)" in text
    assert "[sandbox] Telegram would refuse this: user 1999 is restricted" in text
    assert "Newbie, простите: ваше сообщение по ошибке приняли за спам" in text  # «Это не спам» pressed
