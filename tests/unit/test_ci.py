import pytest

from sitegen.ci import on_ci


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("true", True),
        ("1", True),
        ("yes", True),
        ("", False),
        ("0", False),
        ("false", False),
        ("False", False),
    ],
)
def test_ci_is_the_variable_set_to_anything_but_empty_0_or_false(monkeypatch, value, expected):
    monkeypatch.setenv("CI", value)
    assert on_ci() is expected


def test_no_ci_variable_is_not_ci(monkeypatch):
    monkeypatch.delenv("CI", raising=False)
    assert not on_ci()
