import os
import random
from types import SimpleNamespace

import pytest
from markupsafe import Markup

from sitegen import cardstore
from sitegen.cardstore import CardStore
from sitegen.config import load_config
from sitegen.loading import load_papers
from sitegen.render import Renderer
from sitegen.site import build_site
from sitegen.theme import resolve_theme
from tests.sitekit import paper, write_site


def test_cards_come_back_as_they_went_in_across_many_buffers(monkeypatch):
    monkeypatch.setattr(cardstore, "_BLOCK", 64)  # a few cards a buffer
    store = CardStore()
    cards = {f"p{i}": f"<article>café №{i} ▲ {'x' * (i % 50)}</article>".encode() for i in range(200)}
    for paper_id, card in cards.items():
        store.put(paper_id, card)
    assert len(store) == 200
    assert len(store._blocks) > 10
    for paper_id, card in cards.items():
        assert store.get(paper_id) == card
        assert store.text(paper_id) == card.decode()


def test_a_card_bigger_than_a_buffer_gets_one_of_its_own(monkeypatch):
    monkeypatch.setattr(cardstore, "_BLOCK", 16)
    store = CardStore()
    store.put("big", b"y" * 100)
    store.put("small", b"z")
    assert store.get("big") == b"y" * 100 and store.get("small") == b"z"
    assert [len(block) for block in store._blocks] == [100, 1]


def test_an_unknown_card_is_none():
    store = CardStore()
    store.put("a", b"<p>a</p>")
    assert "b" not in store and store.get("b") is None and store.text("b") is None


class _RecordFile:
    """What CardStore.keep_in needs of buildfile.RecordFile: a descriptor, and a write."""

    def __init__(self, tmp_path, full=False):
        self._handle = open(tmp_path / "records", "w+b")  # noqa: SIM115
        self.fd, self.full, self.writes = self._handle.fileno(), full, 0

    def write(self, records):
        if self.full:
            return []
        self.writes += 1
        at = os.lseek(self.fd, 0, os.SEEK_END)
        where = []
        for paper_id, record in records:
            os.pwrite(self.fd, record, at)
            where.append((paper_id, at, len(record)))
            at += len(record)
        return where


def _kept_in_a_file(tmp_path, count):
    """A store with one card in memory ("before"), then ``count`` cards (p0, p1, ...)
    put at once after it was told to keep them in a file."""
    store = CardStore()
    store.put("before", b"<p>in memory</p>")
    file = _RecordFile(tmp_path)
    store.keep_in(file)
    cards = {f"p{i}": f"<article>café №{i} {'x' * i}</article>".encode() for i in range(count)}
    store.put_all(cards.items())
    return store, file, cards


def test_cards_kept_in_the_build_s_file_are_read_back_and_held_nowhere(tmp_path):
    store, file, cards = _kept_in_a_file(tmp_path, 50)
    store.put("one", b"<p>one</p>")
    assert file.writes == 2, "a batch of cards is one write"
    assert [len(block) for block in store._blocks] == [len(b"<p>in memory</p>")], "no new card in memory"
    for paper_id, card in {**cards, "one": b"<p>one</p>", "before": b"<p>in memory</p>"}.items():
        assert store.get(paper_id) == card and store.text(paper_id) == card.decode()
    assert len(store) == 52


def test_a_card_cut_short_in_the_file_is_an_error_naming_its_paper_never_a_shorter_card(tmp_path):
    store = CardStore()
    file = _RecordFile(tmp_path)
    store.keep_in(file)
    store.put_all([("a", b"<p>first</p>"), ("b", b"<p>second card</p>")])
    os.ftruncate(file.fd, len(b"<p>first</p>") + 4)  # b's card torn after 4 bytes
    assert store.text("a") == "<p>first</p>"
    for read in (store.text, store.get):
        with pytest.raises(OSError, match="the card of b was cut short"):
            read("b")


def test_cards_a_full_file_cannot_take_stay_in_memory(tmp_path):
    store = CardStore()
    store.keep_in(_RecordFile(tmp_path, full=True))
    store.put_all([("a", b"<p>a</p>"), ("b", b"<p>b</p>")])
    assert store.text("a") == "<p>a</p>" and store.get("b") == b"<p>b</p>"
    assert store._blocks and len(store._blocks[0]) == 16
    store.keep_in(SimpleNamespace(fd=-1))  # no file could be made: nothing changes
    store.put("c", b"<p>c</p>")
    assert store.get("c") == b"<p>c</p>"


def test_a_card_is_the_markup_of_its_html_made_without_markups_python_constructor(tmp_path, monkeypatch):
    """Renderer.card gives what Markup(text) gives for a str, made by str.__new__
    (~0.3 µs a card less, ~1M cards at 100k papers): the same text and type,
    and a page it goes into does not escape it again."""
    site = write_site(tmp_path / "s", [paper("p1", title='A <b>title</b> & "quoted" é', abstract="x < y")])
    config = load_config(site)
    renderer = Renderer(build_site(load_papers(config), config), resolve_theme(config))
    text = renderer._render_card("p1")
    first = renderer.card("p1")  # rendered and kept
    made = []
    real = Markup.__new__
    monkeypatch.setattr(Markup, "__new__", lambda cls, *args, **kwargs: made.append(args) or real(cls, *args))
    card = renderer.card("p1")  # read back
    assert made == [], "no card went through Markup's constructor"
    assert type(card) is Markup and type(first) is Markup
    assert card == first == text and "<article" in card and "&lt;b&gt;title" in card
    assert str(Markup("<li>{}</li>").format(card)) == f"<li>{text}</li>", "not escaped again"


def test_cards_read_together_are_those_read_one_at_a_time_and_a_cut_one_is_an_error(tmp_path):
    """CardStore.texts (a page's cards, read together from the build's file) gives
    what text gives for each, in the order asked, cards in memory and unknown
    ones included; a card cut short is the same error naming its paper."""
    store, file, cards = _kept_in_a_file(tmp_path, 30)
    rng = random.Random(1)
    for ids in (list(cards), rng.sample(list(cards), 12), ["p3", "before", "p4", "nobody"], []):
        assert store.texts(ids) == [store.text(i) for i in ids]
    os.ftruncate(file.fd, sum(map(len, list(cards.values())[:20])) + 5)  # p20 torn
    with pytest.raises(OSError, match="the card of p20 was cut short"):
        store.texts(list(cards))
