"""Name normalisation for matching performers' names in prompts. Pure."""

import re
import unicodedata

MAX_NAME_WORDS = 6
_WORD = re.compile(r"[^\W_]+(?:['’\-][^\W_]+)*", re.UNICODE)


def normalize(text: str) -> str:
    """Return text with accents stripped, case folded and whitespace collapsed: 'María  Álvarez' -> 'maria alvarez'."""
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(w.replace("’", "'") for w in _WORD.findall(stripped.casefold()))


def ngrams(text: str, longest: int = MAX_NAME_WORDS) -> set[str]:
    """Return every run of 1 to `longest` consecutive words of the normalised text."""
    words = normalize(text).split()
    return {" ".join(words[i : i + n]) for n in range(1, longest + 1) for i in range(len(words) - n + 1)}
