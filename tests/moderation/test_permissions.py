import pytest

from moderation.permissions import (
    ADMIN_RIGHTS, CAN_CHANGE_INFO, CAN_DELETE, CAN_RESTRICT, GROUP_ANONYMOUS_BOT_ID,
    TELEGRAM_SERVICE_ID, Action, Actor, ActorKind, can_be_targeted, check, identify,
)

CHAT = -100500
A = Action

ACTORS = {
    "member": Actor.member(10),
    "admin_restrict": Actor.admin(11, {CAN_RESTRICT}),
    "admin_delete": Actor.admin(12, {CAN_DELETE}),
    "admin_info": Actor.admin(13, {CAN_CHANGE_INFO}),
    "admin_none": Actor.admin(14, set()),
    "creator": Actor.creator(15),
    "anon_admin": Actor.anonymous_admin(CHAT),
    "anon_admin_limited": Actor.anonymous_admin(CHAT, rights={CAN_DELETE}),
    "bot": Actor.bot(99),
    "channel": Actor.channel(-100777),
    "auto_forward": Actor.auto_forward(-100888),
    "service": Actor.service(),
}

RESTRICT = {A.BAN, A.UNBAN, A.KICK, A.MUTE, A.UNMUTE, A.WARN, A.UNWARN, A.VOTE_CANCEL, A.VOTE_DECIDE, A.UNDO}
MEMBERISH = {A.WARNS, A.REPORT, A.VOTEKICK_START, A.VOTE}
ALL = set(Action)

ALLOWED = {
    "member": MEMBERISH,
    "admin_restrict": MEMBERISH | RESTRICT,
    "admin_delete": MEMBERISH | {A.DEL},
    "admin_info": MEMBERISH | {A.SETRULES},
    "admin_none": MEMBERISH,
    "creator": ALL,
    "anon_admin": ALL - {A.VOTEKICK_START, A.VOTE},
    "anon_admin_limited": {A.WARNS, A.REPORT, A.DEL},
    "bot": set(),
    "channel": set(),
    "auto_forward": set(),
    "service": set(),
}


@pytest.mark.parametrize("name", ACTORS)
@pytest.mark.parametrize("action", list(Action))
def test_permission_matrix(name, action):
    decision = check(ACTORS[name], action)
    assert decision.allowed == (action in ALLOWED[name]), (name, action, decision)


def test_every_actor_kind_is_covered_by_the_matrix():
    assert {a.kind for a in ACTORS.values()} == set(ActorKind)


@pytest.mark.parametrize(
    "actor, action, reason",
    [
        (Actor.member(1), A.BAN, "admin_only"),
        (Actor.admin(1, {CAN_DELETE}), A.BAN, "missing_right"),
        (Actor.bot(1), A.REPORT, "not_a_person"),
        (Actor.channel(-1001), A.VOTE, "not_a_person"),
        (Actor.anonymous_admin(CHAT), A.VOTEKICK_START, "anonymous"),
    ],
)
def test_refusals_say_why(actor, action, reason):
    d = check(actor, action)
    assert not d and d.reason_code == reason


def test_missing_right_names_the_right():
    assert check(Actor.admin(1, {CAN_DELETE}), "mute").right == CAN_RESTRICT
    assert check(Actor.member(1), "setrules").right == CAN_CHANGE_INFO


@pytest.mark.parametrize("name", ["admin_restrict", "creator", "anon_admin", "bot", "auto_forward", "service"])
@pytest.mark.parametrize("by_vote", [True, False])
def test_protected_identities_cannot_be_targeted(name, by_vote):
    d = can_be_targeted(ACTORS[name], by_vote=by_vote, by=Actor.member(1))
    assert not d and d.reason_code == "protected"


@pytest.mark.parametrize("name", ["member", "channel"])
def test_members_and_channel_identities_can_be_targeted(name):
    assert can_be_targeted(ACTORS[name], by_vote=True, by=Actor.member(1))
    assert can_be_targeted(ACTORS[name], by_vote=False)


def test_nobody_can_votekick_themselves():
    d = can_be_targeted(Actor.member(5), by_vote=True, by=Actor.member(5))
    assert not d and d.reason_code == "self"


def test_identify_classifies_message_senders():
    base = dict(chat_id=CHAT, bot_id=99)
    assert identify(from_id=1, **base) == Actor.member(1)
    assert identify(from_id=1, admin_status="administrator", rights=[CAN_RESTRICT], **base) == Actor.admin(1, {CAN_RESTRICT})
    assert identify(from_id=1, admin_status="creator", **base).kind is ActorKind.CREATOR
    anon = identify(from_id=GROUP_ANONYMOUS_BOT_ID, sender_chat_id=CHAT, **base)
    assert anon.kind is ActorKind.ANONYMOUS_ADMIN and anon.rights == ADMIN_RIGHTS
    assert identify(from_id=GROUP_ANONYMOUS_BOT_ID, sender_chat_id=CHAT, anonymous_rights=(), **base).rights == frozenset()
    assert identify(from_id=136817688, sender_chat_id=-1007, **base) == Actor.channel(-1007)
    fwd = identify(from_id=TELEGRAM_SERVICE_ID, sender_chat_id=-1008, is_automatic_forward=True, **base)
    assert fwd == Actor.auto_forward(-1008)
    assert identify(from_id=TELEGRAM_SERVICE_ID, **base).kind is ActorKind.SERVICE
    assert identify(from_id=99, **base).kind is ActorKind.BOT


def test_channel_identity_is_punished_as_a_chat():
    assert Actor.channel(-1007).target_kind == "chat"
    assert Actor.member(5).target_kind == "user"


def test_policy_package_never_imports_aiogram_or_bot():
    import subprocess
    import sys

    code = "import sys, moderation; print(any(m == 'aiogram' or m.startswith(('aiogram.', 'bot.')) or m == 'bot' for m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
