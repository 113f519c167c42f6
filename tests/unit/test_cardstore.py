from sitegen import cardstore
from sitegen.cardstore import CardStore


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
