"""Mechanical checks of public titles, shared by bench_naming.py and the tests.

- keyword list: the title splits on commas, semicolons, "·", "/", "&" or the word "and" into two or
  more items and every item has at most two words ("Kabar, 심심해 and wbu", "Cover letter, position
  and interview"); "Book a table and find a hotel" is not one (its items are phrases).
- non-Latin: the title holds a letter whose Unicode name is not LATIN ("Привіт, vertel").
"""

from __future__ import annotations

import re
import unicodedata

_ITEM_SEPARATORS = re.compile(r",|;|·|/|&|\band\b", re.IGNORECASE)


def is_keyword_list(title: str) -> bool:
    items = [item.split() for item in _ITEM_SEPARATORS.split(title)]
    items = [item for item in items if item]
    return len(items) >= 2 and all(len(item) <= 2 for item in items)


def has_non_latin_letters(title: str) -> bool:
    return any(ch.isalpha() and not unicodedata.name(ch, "").startswith("LATIN") for ch in title)
