"""The ``[delivery]`` section: bad values name their key; the managers' card link follows the console."""

from __future__ import annotations

import pytest

from bot.delivery.policy import WORKBENCH, PolicyError, policy_from_mapping


def test_the_card_opens_the_console_task_list_when_the_console_has_a_public_address() -> None:
    console = {"public_url": "https://wecombot.bank.example/"}
    policy = policy_from_mapping({}, console=console)
    assert policy.console_url == "https://wecombot.bank.example/console/deliveries?channel=mass_task"


def test_an_explicit_card_link_wins_and_without_either_it_is_the_workbench() -> None:
    explicit = {"console_url": "https://intranet.bank.example/tasks"}
    assert policy_from_mapping(explicit, console={"public_url": "https://x.example"}).console_url == (
        "https://intranet.bank.example/tasks"
    )
    assert policy_from_mapping({"console_url": ""}, console={"public_url": ""}).console_url == WORKBENCH
    assert policy_from_mapping({}).console_url == WORKBENCH


@pytest.mark.parametrize(
    ("raw", "named"),
    [
        ({"monthly_cap": 0}, "[delivery].monthly_cap"),
        ({"monthly_cap": 2.5}, "[delivery].monthly_cap"),
        ({"batch_size": True}, "[delivery].batch_size"),
        ({"robots": {"ops": 1}}, "[delivery].robots"),
        ({"console_url": "work.weixin.qq.com"}, "[delivery].console_url"),
        ({"console_url": 5}, "[delivery].console_url"),
    ],
)
def test_a_bad_value_names_its_key(raw: dict[str, object], named: str) -> None:
    with pytest.raises(PolicyError, match=named.replace("[", r"\[").replace("]", r"\]")):
        policy_from_mapping(raw)
