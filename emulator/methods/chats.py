"""Chat info and membership: get*, ban/unban, restrict, promote, sender chats, permissions."""
from __future__ import annotations

from aiogram.types import AcceptedGiftTypes, ChatFullInfo, ChatPermissions

from ..errors import bad_request
from ..models import build
from ..state import MemberRecord
from .common import target
from .registry import api

RESTRICT = "not enough rights to restrict/unrestrict chat member"
PERMANENT_MIN, PERMANENT_MAX = 30, 366 * 86400
ADMIN_RIGHTS = ("is_anonymous", "can_manage_chat", "can_delete_messages", "can_manage_video_chats",
                "can_restrict_members", "can_promote_members", "can_change_info", "can_invite_users",
                "can_post_stories", "can_edit_stories", "can_delete_stories", "can_post_messages",
                "can_edit_messages", "can_pin_messages", "can_manage_topics",
                "can_manage_direct_messages", "can_send_welcome_messages")


def until(emu, value) -> int:
    """Telegram's rule: under 30 s or over 366 days from now means forever (stored as 0)."""
    if not value:
        return 0
    delta = int(value) - emu._now()
    return 0 if delta < PERMANENT_MIN or delta > PERMANENT_MAX else int(value)


@api("getChat")
def get_chat(emu, p):
    rec = target(emu, p, send=False)
    c = rec.chat
    pinned = emu._message(c.id, rec.pinned[-1]) if rec.pinned else None
    return ChatFullInfo(
        id=c.id, type=c.type, title=c.title, username=c.username, first_name=c.first_name,
        last_name=c.last_name, accent_color_id=0, max_reaction_count=11,
        accepted_gift_types=build(AcceptedGiftTypes), description=rec.description,
        linked_chat_id=rec.linked_chat_id,
        permissions=ChatPermissions(**rec.permissions) if rec.type in ("group", "supergroup") else None,
        pinned_message=pinned.message if pinned else None)


def _user_id(emu, p) -> int:
    user_id = p.int("user_id")
    if user_id is None:
        raise bad_request("user_id is empty")
    if user_id != emu.bot_user.id and user_id not in emu.users:
        raise bad_request("user not found")
    return user_id


@api("getChatMember")
def get_chat_member(emu, p):
    rec = target(emu, p, send=False)
    return emu.member(rec.chat.id, _user_id(emu, p))


@api("getChatAdministrators")
def get_chat_administrators(emu, p):
    rec = target(emu, p, send=False)
    if rec.type == "private":
        raise bad_request("there are no administrators in the private chat")
    return [emu.member(cid, uid) for (cid, uid), m in emu.members.items()
            if cid == rec.chat.id and m.status in ("creator", "administrator")]


@api("getChatMemberCount")
def get_chat_member_count(emu, p):
    rec = target(emu, p, send=False)
    if rec.type == "private":
        return 2
    return sum(1 for (cid, _), m in emu.members.items() if cid == rec.chat.id and m.present)


def _restrictable(emu, p, *, allow_private: bool = False):
    rec = target(emu, p, send=False)
    if rec.type == "private" and not allow_private:
        raise bad_request("chat member status can't be changed in private chats")
    if not emu._bot_can(rec.chat.id, "can_restrict_members"):
        raise bad_request(RESTRICT)
    user_id = _user_id(emu, p)
    if user_id == emu.bot_user.id:
        raise bad_request("can't restrict self")
    current = emu._member(rec.chat.id, user_id)
    if current.status == "creator":
        raise bad_request("can't remove chat owner")
    if current.status == "administrator":
        raise bad_request("user is an administrator of the chat")
    return rec, user_id, current


@api("banChatMember")
def ban_chat_member(emu, p):
    rec, user_id, current = _restrictable(emu, p)
    new = MemberRecord(status="kicked", until_date=until(emu, p.get("until_date")), joined_at=current.joined_at)
    emu._change_member(rec.chat.id, user_id, new, actor=emu.bot_user.id)
    return True


@api("unbanChatMember")
def unban_chat_member(emu, p):
    rec, user_id, current = _restrictable(emu, p)
    if current.status == "kicked" or (not p.flag("only_if_banned") and current.present):
        emu._change_member(rec.chat.id, user_id, MemberRecord(status="left"), actor=emu.bot_user.id)
    return True


@api("restrictChatMember")
def restrict_chat_member(emu, p):
    rec, user_id, current = _restrictable(emu, p)
    if rec.type == "channel":
        raise bad_request("method is available only for supergroups")
    perms = p.req("permissions")
    if not isinstance(perms, dict):
        raise bad_request("can't parse permissions JSON object")
    perms = {k: bool(v) for k, v in perms.items() if k in ChatPermissions.model_fields}
    if all(perms.get(k) for k in ChatPermissions.model_fields):  # everything allowed: lift
        new = MemberRecord(status="member", joined_at=current.joined_at)
    else:
        new = MemberRecord(status="restricted", rights=perms, until_date=until(emu, p.get("until_date")),
                           joined_at=current.joined_at, is_member=current.present)
    emu._change_member(rec.chat.id, user_id, new, actor=emu.bot_user.id)
    return True


@api("promoteChatMember")
def promote_chat_member(emu, p):
    rec = target(emu, p, send=False)
    user_id = _user_id(emu, p)
    rights = {k: True for k in ADMIN_RIGHTS if p.flag(k)}
    if not emu._bot_can(rec.chat.id, "can_promote_members"):
        raise bad_request("not enough rights" if rights else "not enough rights to demote chat member")
    current = emu._member(rec.chat.id, user_id)
    if current.status == "creator":
        raise bad_request("can't change chat owner rights")
    if current.status == "administrator" and not current.promoted_by_bot:
        raise bad_request("not enough rights to demote chat member" if not rights else "CHAT_ADMIN_REQUIRED")
    bot = emu._bot_member(rec.chat.id)
    if bot.status != "creator" and any(not bot.rights.get(k) for k in rights if k != "is_anonymous"):
        raise bad_request("RIGHT_FORBIDDEN")
    if rights:
        new = MemberRecord(status="administrator", rights=rights, joined_at=current.joined_at,
                           promoted_by_bot=True)
    elif current.status == "administrator":
        new = MemberRecord(status="member", joined_at=current.joined_at)
    else:
        return True
    emu._change_member(rec.chat.id, user_id, new, actor=emu.bot_user.id)
    return True


@api("setChatPermissions")
def set_chat_permissions(emu, p):
    rec = target(emu, p, send=False)
    if rec.type not in ("group", "supergroup"):
        raise bad_request("method is available only for supergroups")
    if not emu._bot_can(rec.chat.id, "can_restrict_members"):
        raise bad_request("not enough rights to change chat permissions")
    perms = p.req("permissions")
    rec.permissions = {k: bool(v) for k, v in perms.items() if k in ChatPermissions.model_fields}
    return True


@api("banChatSenderChat", "unbanChatSenderChat")
def ban_chat_sender_chat(emu, p):
    rec = target(emu, p, send=False)
    if not emu._bot_can(rec.chat.id, "can_restrict_members"):
        raise bad_request(RESTRICT)
    sender = p.int("sender_chat_id")
    if sender is None or emu._find_chat(sender) is None:
        raise bad_request("sender_chat_id is invalid")
    if p.method.lower() == "banchatsenderchat":
        rec.banned_sender_chats.add(sender)
    else:
        rec.banned_sender_chats.discard(sender)
    return True


@api("leaveChat")
def leave_chat(emu, p):
    rec = target(emu, p, send=False)
    emu.members[(rec.chat.id, emu.bot_user.id)] = MemberRecord(status="left")
    return True
