"""Writes the bad-input corpus: one file per way an export can be wrong (run from this folder).

msg_*: one bad message between two good ones (the import skips it, names it, counts it);
ok_*: odd but storable (imported as is); file_*: the file cannot be read (refused, and
nothing is created). tests/archive/test_bad_inputs.py runs `keeper import` on each.
"""
import gzip
import json
import random

DEEP = "[" * 5000 + '"http://x"' + "]" * 5000


def msg(mid, text="Пост про модели", **extra):
    m = {"id": mid, "type": "message", "date": "2024-08-01T10:00:00", "date_unixtime": "1722500002",
         "from": "Bad", "from_id": "channel777", "text": text,
         "text_entities": [{"type": "plain", "text": text}]}
    m.update(extra)
    return m


def chat(messages):
    return {"name": "Bad inputs", "type": "public_channel", "id": 777, "messages": messages}


def raw(name, data: bytes):
    with open(name, "wb") as f:
        f.write(data)


def dump(name, data):
    raw(name, json.dumps(data, ensure_ascii=False).replace('"__DEEP__"', DEEP).encode())


def with_bad(name, bad):
    dump(name, chat([msg(1), bad, msg(3)]))


def without(message, *keys):
    for key in keys:
        del message[key]
    return message


def main():
    link = {"text": "link", "type": "text_link"}
    with_bad("msg_text_link_href_number.json", msg(2, "link", text_entities=[{**link, "href": 5}]))
    with_bad("msg_text_link_href_list.json", msg(2, "link", text_entities=[{**link, "href": ["http://a"]}]))
    with_bad("msg_text_link_href_nested_5000.json", msg(2, "link", text_entities=[{**link, "href": "__DEEP__"}]))
    bob = {"type": "mention_name", "text": "Bob"}
    with_bad("msg_mention_name_user_id_list.json", msg(2, "Bob", text_entities=[{**bob, "user_id": [1]}]))
    with_bad("msg_mention_name_user_id_string.json", msg(2, "Bob", text_entities=[{**bob, "user_id": "1"}]))
    with_bad("msg_date_unixtime_huge.json", msg(2, date_unixtime="99999999999999"))
    with_bad("msg_date_unixtime_negative.json", msg(2, date_unixtime="-5"))
    with_bad("msg_date_unixtime_above_2_63_string.json", msg(2, date_unixtime=str(2 ** 64)))
    with_bad("msg_date_unixtime_not_a_number.json", msg(2, date_unixtime="soon"))
    with_bad("msg_date_unixtime_list.json", msg(2, date_unixtime=[1722500000]))
    with_bad("msg_date_unixtime_boolean.json", msg(2, date_unixtime=True))
    with_bad("msg_date_iso_year_9999.json", without(msg(2, date="9999-12-31T23:59:59"), "date_unixtime"))
    with_bad("msg_date_iso_invalid.json", without(msg(2, date="2024-13-45T10:00:00"), "date_unixtime"))
    with_bad("msg_no_date.json", without(msg(2), "date_unixtime", "date"))
    with_bad("msg_edited_unixtime_huge.json", msg(2, edited_unixtime="99999999999999"))
    with_bad("msg_text_number.json", msg(2, text=42, text_entities=[]))
    with_bad("msg_text_object.json", msg(2, text={"a": 1}, text_entities=[]))
    with_bad("msg_text_entities_object.json", msg(2, text_entities={"type": "plain"}))
    with_bad("msg_entity_text_number.json", msg(2, text_entities=[{"type": "bold", "text": 5}]))
    with_bad("msg_entity_type_list.json", msg(2, text_entities=[{"type": ["bold"], "text": "x"}]))
    with_bad("msg_entity_is_number.json", msg(2, text_entities=[7]))
    with_bad("msg_id_string.json", msg("2"))
    with_bad("msg_id_float.json", msg(2.5))
    with_bad("msg_id_boolean.json", msg(True))
    with_bad("msg_id_zero.json", msg(0))
    with_bad("msg_id_negative.json", msg(-2))
    with_bad("msg_id_missing.json", without(msg(2), "id"))
    dump("msg_is_a_list.json", chat([msg(1), [1, 2], msg(3)]))
    dump("msg_is_a_string.json", chat([msg(1), "hello", msg(3)]))
    dump("msg_is_null.json", chat([msg(1), None, msg(3)]))
    with_bad("msg_reactions_object.json", msg(2, reactions={"👍": 3}))
    like = {"type": "emoji", "emoji": "👍"}
    with_bad("msg_reaction_count_string.json", msg(2, reactions=[{**like, "count": "many"}]))
    with_bad("msg_reaction_count_huge.json", msg(2, reactions=[{**like, "count": 2 ** 62}]))
    with_bad("msg_reaction_is_number.json", msg(2, reactions=[5]))
    with_bad("msg_forwarded_from_nested.json", msg(2, forwarded_from="__DEEP__"))

    with_bad("ok_media_type_list.json", msg(2, media_type=["video_file"]))
    with_bad("ok_reaction_emoji_list.json", msg(2, reactions=[{"type": "emoji", "emoji": ["👍"], "count": 1}]))
    with_bad("ok_reaction_counts_add_up_past_2_31.json", msg(2, reactions=[{**like, "count": 2 ** 31 - 1}] * 3))
    with_bad("ok_nul_characters.json", msg(2, "a\u0000b"))
    with_bad("ok_deep_unused_field.json", msg(2, poll="__DEEP__"))
    with_bad("ok_huge_text.json", msg(2, "слово " * 20_000))
    with_bad("ok_type_list.json", msg(2, type=["message"]))
    with_bad("ok_forwarded_from_number.json", msg(2, forwarded_from=12345))

    good = json.dumps(chat([msg(1), msg(2), msg(3)]), ensure_ascii=False).encode()
    raw("file_empty.json", b"")
    raw("file_whitespace_5k.json", b" \n" * 2600)
    raw("file_html.json", b"<!DOCTYPE html>\n<html><body>export</body></html>")
    raw("file_truncated.json", good[: len(good) // 2])
    raw("file_syntax_error.json", good.replace(b'"id": 2,', b'"id": 2,,'))
    raw("file_top_level_list.json", b"[1, 2, 3]")
    raw("file_not_an_export.json", b'{"users": []}')
    raw("file_utf16.json", good.decode().encode("utf-16"))
    raw("file_latin1_bytes.json", good.replace("Пост".encode(), b"\xcf\xee\xf1\xf2"))
    raw("file_lone_surrogate_escape.json", good.replace(b'"text": "', b'"text": "\\udc00', 1))
    raw("file_integer_above_2_63.json", good.replace(b'"id": 2,', b'"id": 18446744073709551616,'))
    raw("file_integer_above_2_63_elsewhere.json", good.replace(b'"from": "Bad"', b'"views": 99999999999999999999', 1))
    raw("file_float_overflow.json", good.replace(b'"id": 2,', b'"id": 1e400,'))
    raw("file_chat_id_string.json", good.replace(b'"id": 777', b'"id": "abc"'))
    raw("file_chat_id_huge.json", good.replace(b'"id": 777', b'"id": 9000000000000000000'))
    raw("file_messages_not_a_list.json", b'{"name": "x", "type": "public_channel", "id": 5, "messages": {"a": 1}}')
    raw("file_trailing_garbage.json", good + b" }{")
    raw("file_random_bytes.json", random.Random(7).randbytes(3000))
    raw("file_gzip.json", gzip.compress(good, mtime=0))
    raw("file_nested_100k.json", b'{"messages": ' + b"[" * 100_000 + b"]" * 100_000 + b"}")
    raw("file_nul_bytes.json", b"\x00" * 100)


if __name__ == "__main__":
    main()
