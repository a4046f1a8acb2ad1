"""Integer codes of the anonymised UCI columns, assigned from our own tracking.

The UCI Online Shoppers dataset publishes OperatingSystems, Browser, Region and
TrafficType as bare integers without a legend. We align our families with the
codes by frequency: the family that dominates live traffic gets the code that
dominates the dataset, and so on down. The mapping is therefore a convention,
documented in docs/analytics.md, not a recovered truth; the model is trained so
that it does not lean on these columns (see the model section of the docs).
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache
from typing import Final

import user_agents

# UCI share in parentheses. Codes not listed here are never produced.
OS_CODES: Final[Mapping[str, int]] = {
    "Windows": 2,  # 53 %
    "Android": 1,  # 21 %
    "iOS": 3,  # 21 %
    "Mac OS X": 4,  # 4 %
    "Linux": 8,
    "Ubuntu": 8,
    "Fedora": 8,
    "Debian": 8,
    "Chrome OS": 6,
    "Windows Phone": 7,
    "BlackBerry OS": 7,
}
OS_OTHER: Final = 5

BROWSER_CODES: Final[Mapping[str, int]] = {
    "Chrome": 2,  # 64 %
    "Chrome Mobile": 2,
    "Chrome Mobile iOS": 2,
    "Chromium": 2,
    "Safari": 1,  # 20 %
    "Mobile Safari": 1,
    "Mobile Safari UI/WKWebView": 1,
    "Firefox": 4,  # 6 %
    "Firefox Mobile": 4,
    "Firefox iOS": 4,
    "Edge": 5,  # 4 %
    "IE": 5,
    "Opera": 6,
    "Opera Mobile": 6,
    "Samsung Internet": 10,
    "Yandex Browser": 8,
    "Android": 3,
    "Facebook": 7,
    "Instagram": 7,
    "UC Browser": 12,
}
BROWSER_OTHER: Final = 13

TRAFFIC_DIRECT: Final = 1
TRAFFIC_ORGANIC_SEARCH: Final = 2
TRAFFIC_PAID_SEARCH: Final = 3
TRAFFIC_REFERRAL: Final = 4
TRAFFIC_OTHER_CAMPAIGN: Final = 5
TRAFFIC_DISPLAY: Final = 6
TRAFFIC_AFFILIATE: Final = 8
TRAFFIC_EMAIL: Final = 10
TRAFFIC_SOCIAL: Final = 13

SEARCH_ENGINES: Final = (
    "google",
    "bing",
    "yahoo",
    "duckduckgo",
    "yandex",
    "baidu",
    "ecosia",
    "qwant",
    "startpage",
)
SOCIAL_NETWORKS: Final = (
    "facebook",
    "instagram",
    "twitter",
    "t.co",
    "x.com",
    "linkedin",
    "tiktok",
    "youtube",
    "pinterest",
    "reddit",
    "whatsapp",
    "telegram",
)
_PAID_MEDIA: Final = frozenset({"cpc", "ppc", "paid", "paidsearch", "paid_search", "sem"})
_EMAIL_MEDIA: Final = frozenset({"email", "e-mail", "newsletter", "mail"})
_DISPLAY_MEDIA: Final = frozenset({"display", "banner", "cpm", "programmatic"})
_SOCIAL_MEDIA: Final = frozenset({"social", "social-network", "social-media", "sm", "paid_social"})

REGION_DEFAULT: Final = 1
"""Code used when the location is unknown or not in the operator's table.

Region 1 is the largest UCI region, so unknown visitors land on the code the
model has seen most, rather than on a rare one whose estimate is noisy.
"""


@lru_cache(maxsize=4096)
def parse_user_agent(user_agent: str) -> user_agents.parsers.UserAgent:
    """Parse once per distinct string: parsing costs up to ~10 ms, lookups are free."""
    return user_agents.parse(user_agent)


def os_code(user_agent: str) -> int:
    return OS_CODES.get(parse_user_agent(user_agent).os.family, OS_OTHER)


def browser_code(user_agent: str) -> int:
    return BROWSER_CODES.get(parse_user_agent(user_agent).browser.family, BROWSER_OTHER)


def device_kind(user_agent: str) -> str:
    parsed = parse_user_agent(user_agent)
    if parsed.is_bot:
        return "bot"
    if parsed.is_tablet:
        return "tablet"
    if parsed.is_mobile:
        return "mobile"
    if parsed.is_pc:
        return "desktop"
    return "unknown"


def region_code(location: str | None, table: Mapping[str, int] | None = None) -> int:
    """Look up ``location`` ("ES", "ES-MD", ...) in the operator's table.

    The most specific key wins: a subdivision entry overrides its country.
    """
    if not location or not table:
        return REGION_DEFAULT
    key = location.strip().upper()
    if key in table:
        return table[key]
    country = key.split("-", 1)[0]
    return table.get(country, REGION_DEFAULT)


def _matches(host: str, names: tuple[str, ...]) -> bool:
    return any(name in host for name in names)


def traffic_type_code(source: str | None, medium: str | None, campaign: str | None) -> int:
    """Classify the acquisition channel the way GA's default channel grouping does.

    ``source`` is the utm_source or the referrer host, ``medium`` the utm_medium.
    """
    src = (source or "").strip().lower()
    med = (medium or "").strip().lower()
    if med in _EMAIL_MEDIA:
        return TRAFFIC_EMAIL
    if med in _DISPLAY_MEDIA:
        return TRAFFIC_DISPLAY
    if med == "affiliate":
        return TRAFFIC_AFFILIATE
    if med in _SOCIAL_MEDIA or _matches(src, SOCIAL_NETWORKS):
        return TRAFFIC_SOCIAL
    if med in _PAID_MEDIA:
        return TRAFFIC_PAID_SEARCH if _matches(src, SEARCH_ENGINES) else TRAFFIC_DISPLAY
    if _matches(src, SEARCH_ENGINES):
        return TRAFFIC_ORGANIC_SEARCH
    if campaign:
        return TRAFFIC_OTHER_CAMPAIGN
    if src:
        return TRAFFIC_REFERRAL
    return TRAFFIC_DIRECT
