"""PII scanner: recall on Faker-planted PII in several locales, precision on ordinary cluster text."""

from __future__ import annotations

import pytest
from faker import Faker

from clio_dagster.core.privacy.pii import scan_texts

LOCALES = ["en_US", "en_GB", "de_DE", "fr_FR", "es_ES", "it_IT", "nl_NL"]
PER_LOCALE = 6

TEMPLATES = {
    "PERSON": [
        "The user wants a letter to {} about the late rent.",
        "Dear {}, thank you for the quick reply.",
        "My landlord {} refuses to return the deposit.",
        "Please ask {} whether the meeting moved.",
    ],
    "EMAIL_ADDRESS": ["Contact {} for the invoice.", "send it to {} by friday"],
    "PHONE_NUMBER": ["Call me at {} tomorrow morning.", "my number is {}"],
    "STREET_ADDRESS": ["Deliver the parcel to {} please.", "I moved to {} last month."],
}

TITLES = [
    "Python debugging help",
    "Cover letters for job applications",
    "Help planning a trip to Paris",
    "Questions about Microsoft Excel formulas",
    "Kubernetes deployment troubleshooting",
    "Writing wedding speeches",
    "Top 10 Python libraries for data science",
    "Smartphone sales trends 2023-2024",
    "Scaling a web service to 10 000 000 users",
    "Recipes with chicken and rice",
    "Explaining quantum computing to beginners",
    "Translating French legal documents",
    "Shakespeare sonnet analysis",
    "Learning Spanish grammar",
    "Fixing React useEffect hooks",
    "Tax filing questions for freelancers",
    "Role-play and interactive fiction",
    "Customer support email templates",
    "Marketing copy for small businesses",
    "Homework help with calculus derivatives",
    "Upgrading to Python 3.11.7",
    "SQL query optimisation on Postgres",
    "Résumé review for software engineers",
    "Travel itineraries for Tokyo and Kyoto",
    "Git merge conflict resolution",
    "Dating advice and relationship questions",
    "Mental health and coping strategies",
    "Writing Dungeons & Dragons campaigns",
    "Excel VBA macros for reporting",
    "Linear algebra proofs",
    "Looking at data dot plots in R",
    "Work at home jobs",
]
DESCRIPTIONS = [
    "Users ask for help debugging Python scripts, fixing tracebacks and understanding error messages. "
    "Most requests include a short code snippet and the error it raises.",
    "Requests for day-by-day itineraries for trips to Paris, Rome and Barcelona, with budgets and "
    "train connections between cities.",
    "Questions about Microsoft Excel and Google Sheets formulas such as VLOOKUP, pivot tables and "
    "conditional formatting.",
    "People ask the assistant to draft cover letters tailored to a job posting at companies like "
    "Google or a local bakery, and to shorten them to one page.",
    "Help configuring Nginx reverse proxies on port 8080 and renewing TLS certificates with Let's Encrypt.",
    "Students ask for step-by-step solutions to calculus problems from Chapter 4, including limits "
    "and derivatives of trigonometric functions.",
    "Users compare the iPhone 15 and Samsung Galaxy S24 and ask which to buy for photography.",
    "Requests to summarise articles from the New York Times and The Guardian about climate policy.",
]


def _planted(seed: int = 7) -> list[tuple[str, str, str]]:
    """(entity type, planted value, text) for every locale and template."""
    items = []
    for locale in LOCALES:
        fake = Faker(locale)
        fake.seed_instance(seed)
        for i in range(PER_LOCALE):
            values = {
                "PERSON": fake.name(),
                "EMAIL_ADDRESS": fake.email(),
                "PHONE_NUMBER": fake.phone_number(),
                "STREET_ADDRESS": fake.street_address().replace("\n", ", "),
            }
            for kind, value in values.items():
                template = TEMPLATES[kind][i % len(TEMPLATES[kind])]
                items.append((kind, value, template.format(value)))
    return items


def _recall(items: list[tuple[str, str, str]]) -> dict[str, float]:
    findings = scan_texts([text for _, _, text in items])
    hits: dict[str, list[bool]] = {}
    for (kind, value, text), found in zip(items, findings, strict=True):
        start = text.index(value)
        end = start + len(value)
        hits.setdefault(kind, []).append(any(f.start < end and f.end > start for f in found))
    return {kind: sum(h) / len(h) for kind, h in hits.items()}


def test_recall_on_planted_pii_across_locales() -> None:
    recall = _recall(_planted())
    assert recall["EMAIL_ADDRESS"] == 1.0
    assert recall["PHONE_NUMBER"] >= 0.95
    assert recall["STREET_ADDRESS"] >= 0.9
    assert recall["PERSON"] >= 0.8


def test_recall_on_structured_identifiers() -> None:
    fake = Faker("en_US")
    fake.seed_instance(3)
    texts = {
        "CREDIT_CARD": f"charge card {fake.credit_card_number(card_type='visa16')} again",
        "IBAN_CODE": f"wire it to {Faker('de_DE').iban()} today",
        "IP_ADDRESS": f"the server at {fake.ipv4_public()} is down",
        "US_SSN": "my social security number is 536-22-8726",
        "URL_WITH_USER_DATA": "open https://shop.example.com/orders?user_id=884213&ref=mail",
    }
    results = scan_texts(list(texts.values()))
    for (kind, text), found in zip(texts.items(), results, strict=True):
        assert kind in {f.entity_type for f in found}, (kind, text)


@pytest.mark.parametrize(
    "url",
    [
        "https://example.com/reset?token=9f86d081884c7d659a2feaa0c55ad015",
        "https://example.com/unsubscribe?email=jane.doe%40mail.com",
        "https://social.example/users/jdoe1987/posts",
        "https://example.com/a?session=Zm9vYmFyYmF6cXV4cXV1eDEyMzQ1Njc4OQ",
    ],
)
def test_urls_carrying_user_data(url: str) -> None:
    (found,) = scan_texts([f"see {url} for details"])
    assert "URL_WITH_USER_DATA" in {f.entity_type for f in found}


@pytest.mark.parametrize(
    "text",
    [
        "write to anna.berg [at] example [dot] se",
        "my mail is anna.berg at example dot co dot uk",
        "reach me: j_smith(at)mailbox(dot)org",
    ],
)
def test_obfuscated_emails(text: str) -> None:
    (found,) = scan_texts([text])
    assert "EMAIL_ADDRESS" in {f.entity_type for f in found}


def test_plain_urls_and_invalid_numbers_are_not_flagged() -> None:
    texts = [
        "Documentation at https://docs.python.org/3/library/re.html is linked often.",
        "Card-like number 4111 1111 1111 1112 that fails the Luhn check.",
        "Order of magnitude: 1,250,000 rows processed in 2024-03-15 batch.",
    ]
    for text, found in zip(texts, scan_texts(texts), strict=True):
        assert not {"URL_WITH_USER_DATA", "CREDIT_CARD", "PHONE_NUMBER"} & {f.entity_type for f in found}, (
            text
        )


def test_no_false_positives_on_ordinary_cluster_text() -> None:
    results = scan_texts(TITLES + DESCRIPTIONS)
    flagged = {
        text: [(f.entity_type, f.text) for f in found]
        for text, found in zip(TITLES + DESCRIPTIONS, results, strict=True)
        if found
    }
    assert flagged == {}


def test_order_duplicates_and_empty_input() -> None:
    texts = ["Contact a.b@example.org now", "Python debugging help", "Contact a.b@example.org now", ""]
    results = scan_texts(texts)
    assert [bool(r) for r in results] == [True, False, True, False]
    assert results[0][0].text == "a.b@example.org"
    assert scan_texts([]) == []
