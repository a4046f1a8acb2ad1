from uuid import uuid4

import pytest

from guiders.domain.company import Site, normalise_domain


@pytest.mark.parametrize(
    "raw",
    ["shop.example", "www.shop.example", "https://Shop.Example/x", "http://www.shop.example:8080"],
)
def test_domains_are_normalised_for_matching(raw: str) -> None:
    assert normalise_domain(raw) == "shop.example"


def test_a_site_serves_its_domain_and_aliases_only() -> None:
    site = Site(
        id=uuid4(),
        company_id=uuid4(),
        name="s",
        domain="shop.example",
        site_key="k",
        aliases=["tienda.example"],
    )
    assert site.serves("www.shop.example")
    assert site.serves("tienda.example")
    assert not site.serves("evil.example")
    assert not site.serves("shop.example.evil.com")
