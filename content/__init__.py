"""Keeper's content policy: the channel posts written through the bot, the events the chat is
reminded of, and the weekly digests, as records and rules; no aiogram, no clock.

- posts.py      a post's statuses, the moves allowed between them, the buttons that ask for them
- events.py     event records, how announcements and records merge, which reminders are due
- digests.py    digest records and the window a weekly digest covers
- store.py      ContentStore: the content tables in the bot's SQLite file, records in and out
- migrations.py the tables, as the "content" migration set
"""
