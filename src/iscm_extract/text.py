"""Small text helpers shared by the stages."""

from __future__ import annotations

import re

# Words that join the words of a name or title ("Migration Dialogue for the ..."): a line that
# ends with one goes on in the next line.
FUNCTION_WORDS = frozenset({"of", "the", "for", "on", "and", "in", "to", "from", "de", "del", "la", "y"})


def ends_open(line: str) -> bool:
    """The line stops where its phrase cannot end: after a function word or inside brackets
    ("... the Global Meeting of", "(Abu Dhabi Dialogue, Bali")."""
    words = line.split()
    if not words or words[-1].lower() in FUNCTION_WORDS:
        return True
    return line.count("(") != line.count(")") or line.count("[") != line.count("]")


# A number or letter before a heading or list item: "3. Bali Process", "IV) Rabat Process",
# "b) Data: IGC". (A bullet marks a list item, not a heading.)
ENUMERATION = re.compile(r"^(?:\d{1,2}|[IVXivx]{1,4}|[A-Za-z])[.)]\s+(?=\S)")
