"""Victim models: parsing and their answers."""

from __future__ import annotations

import random

import pytest

from lab.victims import UserModel, parse_user_model


@pytest.mark.parametrize(
    ("text", "model"),
    [
        ("attentive", UserModel("attentive")),
        ("annoyed", UserModel("annoyed", k=3)),
        ("annoyed:7", UserModel("annoyed", k=7)),
        ("random:0.25", UserModel("random", p=0.25)),
        ("distracted", UserModel("distracted")),
    ],
)
def test_parse(text: str, model: UserModel) -> None:
    assert parse_user_model(text) == model
    assert parse_user_model(model.name) == model


@pytest.mark.parametrize(
    "text", ["", "bored", "annoyed:0", "annoyed:x", "random:1.5", "random:-0.1", "attentive:2"]
)
def test_parse_refuses(text: str) -> None:
    with pytest.raises(ValueError):  # noqa: PT011 - each message is checked by the CLI test
        parse_user_model(text)


def test_annoyed_approves_from_the_kth_prompt() -> None:
    model, rng = UserModel("annoyed", k=4), random.Random(1)
    assert [model.approves(n, rng) for n in range(1, 7)] == [False] * 3 + [True] * 3


def test_random_follows_p() -> None:
    rng = random.Random(3)
    share = sum(UserModel("random", p=0.2).approves(1, rng) for _ in range(10_000)) / 10_000
    assert 0.18 < share < 0.22
