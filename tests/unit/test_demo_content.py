"""``guiders up`` links the nurturing card to the demo shop's buying guide."""

from __future__ import annotations

from guiders.config import Settings
from guiders.demo import BUYING_GUIDE_URL, with_demo_content
from guiders.runtime.configs import strategy_config


def test_the_demo_card_leads_to_the_buying_guide() -> None:
    settings = with_demo_content(Settings(_env_file=None, nurturing_content_url=None))
    assert settings.nurturing_content_url == BUYING_GUIDE_URL == "/buying-guide"
    assert strategy_config(settings).content.url == "/buying-guide"


def test_a_page_the_operator_configured_wins() -> None:
    mine = Settings(_env_file=None, nurturing_content_url="https://shop.example/guide")
    assert with_demo_content(mine).nurturing_content_url == "https://shop.example/guide"
