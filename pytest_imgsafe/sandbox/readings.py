"""The ways the sandbox's classifier reads one prompt: as written, and seen through its disguise.

A learned classifier is not fooled by a spelling, an encoding or a number said in words: it
reads "n.u.d.e", "n*ked", "T0pl3ss", "bmFrZWQgd29tYW4=" (base64), "ahqr jbzna" (rot13) and
"fourteen eighty-eight" for what they say. The sandbox gives its rules every such reading of the
prompt, each a ``Folded`` text that still points at the user's own characters:

* ``plain``: folded (``fold.py``: case, accents, look-alike letters, invisible characters);
* ``respelled``: letters written one by one joined, digits and symbols read as letters, held
  letters read once (``fold.respell``), masked letters filled in ("n*ked" is "naked" when one
  word of the sandbox's hard concepts fits), a letter typed twice read once where that spells
  one of those words ("naazi");
* ``numbers``: numbers said in words as digits (``numbers.py``), for the age and code rules;
* ``decoded``: base64, hex, binary, Morse, the NATO alphabet, percent and HTML escapes
  decoded in place, and letters given by their place in the alphabet where the prompt says so;
  a short token of its own (four characters or more, base64 padding optional, hex, rot13) is
  decoded in place where it spells a word of the sandbox's concepts ("a bnVkZQ== woman");
* ``pig latin``: each word ending in "ay" with its moved beginning put back ("agflay" is
  "flag"), read only where the prompt says so or where it then reads as plain words;
* ``emoji``: each pictograph named in words, its Unicode name and "emoji" ("🍆" is "aubergine
  emoji", "🔞" is "no one under eighteen symbol emoji"), so a request said in emoji is read;
* ``rot13``, ``caesar`` and ``reversed``: the prompt deciphered, read only where the prompt says
  it is in code ("decode this rot13", "a Caesar shift") or where the deciphered text reads as
  plain words and the prompt does not.

A reading that changes nothing is left out.
"""

from __future__ import annotations

import base64
import binascii
import codecs
import html
import re
import unicodedata
import urllib.parse
from collections.abc import Callable
from functools import lru_cache
from typing import NamedTuple

from .fold import Folded, fold, fold_within, respell
from .lexicon import compile_pattern, concepts
from .memo import text_cache
from .numbers import read_numbers


class Reading(NamedTuple):
    """One way of reading the prompt: its kind and its folded text."""

    kind: str
    folded: Folded


_BASE64 = re.compile(r"(?<![A-Za-z0-9+/=_-])[A-Za-z0-9+/_-]{12,}={0,2}(?![A-Za-z0-9+/=_-])")
_HEX = re.compile(r"(?<![0-9A-Za-z])(?:[0-9A-Fa-f]{2}[\s:]?){6,}(?![0-9A-Za-z])")
_SHORT = re.compile(r"(?<![A-Za-z0-9+/=_-])[A-Za-z0-9+/]{4,11}={0,2}(?![A-Za-z0-9+/=_-])")
_BINARY = re.compile(r"(?<![01])(?:[01]{8}\s?){4,}(?![01])")
_ESCAPES = re.compile(r"%[0-9A-Fa-f]{2}|&#?\w+;|\\u[0-9A-Fa-f]{4}|\\x[0-9A-Fa-f]{2}")
_MORSE = re.compile(r"(?<![\w.\-])(?:[.\-·•–—]{1,6}(?:\s*/\s*|\s+)){3,}[.\-·•–—]{1,6}(?![\w.\-])")
_MORSE_CODE = dict(
    zip(
        ".- -... -.-. -.. . ..-. --. .... .. .--- -.- .-.. -- -. --- .--. --.- .-. ... - ..- ...- .-- -..- -.-- --.. "
        "----- .---- ..--- ...-- ....- ..... -.... --... ---.. ----.".split(),
        "abcdefghijklmnopqrstuvwxyz0123456789",
        strict=True,
    )
)
_NATO_WORDS = (
    "alfa alpha bravo charlie delta echo foxtrot golf hotel india juliett juliet kilo lima mike november "
    "oscar papa quebec romeo sierra tango uniform victor whiskey whisky x-ray xray yankee zulu"
).split()
_NATO = re.compile(rf"(?<!\w)(?:(?:{'|'.join(_NATO_WORDS)})[\s,\-/]+){{2,}}(?:{'|'.join(_NATO_WORDS)})(?!\w)", re.I)
_A1Z26 = re.compile(r"(?<![\d.])(?:(?:[1-9]|1\d|2[0-6])[\s,\-/.]+){2,}(?:[1-9]|1\d|2[0-6])(?![\d.])")
_MASKED = re.compile(r"(?<![^\W_])(?=[a-z*#?%]*[a-z][a-z*#?%]*[a-z])(?=[a-z*#?%]*[*#?%])[a-z*#?%]{3,14}(?![^\W_])")
_SPACED_DASH = re.compile(r"(?<=\w)\s+[-\u2010-\u2015/|·•~+]+\s+(?=\w)")
_HARD_CONCEPTS = ("nudity", "nude_idiom", "hate_group", "hate_slogan", "swastika", "sexualized_minor")


@text_cache(maxsize=4096)
def readings(prompt: str) -> tuple[Reading, ...]:
    """Every reading of ``prompt``, the plain one first."""
    plain = fold(prompt)
    found = [Reading("plain", plain)]
    seen = {plain.text}

    def add(kind: str, folded: Folded) -> None:
        if folded.text not in seen:
            seen.add(folded.text)
            found.append(Reading(kind, folded))

    add("respelled", _undouble(_unmask(respell(plain, "i"))))
    if any(c in plain.text for c in "1|"):
        add("respelled", _undouble(_unmask(respell(plain, "l"))))
    add("numbers", read_numbers(plain))
    if _SPACED_DASH.search(plain.text):  # "ISIS - flag": words a spaced dash keeps apart are one phrase
        add("joined", plain.sub(_SPACED_DASH, lambda _m: " "))
    decoded = _decoded(prompt, plain)
    if decoded is not None:
        add("decoded", decoded)
    if _PICTOGRAPH.search(plain.text):
        add("emoji", plain.sub(_MODIFIER, lambda _m: "").sub(_PICTOGRAPH, _emoji_name))
    cued = bool(compile_pattern("{{cipher_cue}}").search(plain.text))
    rotated = Folded(codecs.encode(plain.text, "rot13"), plain.origin)
    if cued or _reads_better(rotated.text, plain.text):
        add("rot13", rotated)
    if _CAESAR.search(plain.text):  # a shift the prompt names: the one that reads best
        best = max((_shift(plain.text, n) for n in range(1, 26) if n != 13), key=_plain_word_count)
        add("caesar", Folded(best, plain.origin))
    if _PIG_LATIN_CUE.search(plain.text) or _PIG_WORD.search(plain.text):
        unpigged = plain.sub(_PIG_WORD, _from_pig_latin)
        if _PIG_LATIN_CUE.search(plain.text) or _reads_better(unpigged.text, plain.text):
            add("pig latin", unpigged)
    backwards = Folded(plain.text[::-1], tuple(reversed(plain.origin[:-1])) + (plain.origin[-1],))
    if cued or _reads_better(backwards.text, plain.text):
        add("reversed", backwards)
    return tuple(found)


# pictographs (the emoji blocks, dingbats, miscellaneous symbols); skin tones and variation
# selectors add nothing
_PICTOGRAPH = re.compile("[\U0001f000-\U0001faff\u2600-\u27bf\u2b00-\u2bff]")
_MODIFIER = re.compile("[\U0001f3fb-\U0001f3ff\ufe0e\ufe0f]")


def _emoji_name(m: re.Match[str]) -> str:
    """A pictograph as words: its Unicode name, lower case, and "emoji" ("aubergine emoji")."""
    name = unicodedata.name(m.group(), "")
    return f" {name.lower().replace('-', ' ')} emoji " if name else " "


_CAESAR = re.compile(r"caesar|cesar|shift(?:ed)? (?:by )?\d|verschieb|desplaz|decal")


_PIG_LATIN_CUE = re.compile(r"pig[\s\-]?latin|igpay atinlay|schweinelatein|jerigonza|javanais")
# a word in pig latin: letters, the moved beginning (consonants), "ay"
_PIG_WORD = re.compile(r"(?<![^\W_])[a-z]{2,}?[bcdfghjklmnpqrstvwxz]{1,3}ay(?![^\W_])")
_CONSONANTS = frozenset("bcdfghjklmnpqrstvwxz")


def _from_pig_latin(m: re.Match[str]) -> str | None:
    """A pig-latin word with its beginning put back: the moved consonants may be one, two or
    three letters ("agflay" is "flag", "astikasway" "swastika"); the reading that spells one of
    the hard words is taken, else the longest that starts an English word ("gl", "str"), else
    one letter."""
    body = m.group()[:-2]
    tail = len(body) - len(body.rstrip("".join(_CONSONANTS)))
    candidates = [(body[-n:], body[-n:] + body[:-n]) for n in range(min(tail, 3), 0, -1) if len(body) > n]
    if not candidates:
        return None
    words = hard_words()
    for _, candidate in candidates:
        if candidate in words or any(candidate.startswith(w) for w in words if len(w) >= 5):
            return candidate
    for onset, candidate in candidates:
        if len(onset) == 1 or onset in _ONSETS:
            return candidate
    return candidates[-1][1]


_ONSETS = frozenset(
    "bl br ch cl cr dr fl fr gl gr kn pl pr qu sc sh sk sl sm sn sp st sw th tr tw wh wr "
    "sch scr shr spl spr squ str thr".split()
)


def _shift(text: str, n: int) -> str:
    return "".join(chr((ord(c) - 97 + n) % 26 + 97) if "a" <= c <= "z" else c for c in text)


def _plain_word_count(text: str) -> int:
    return len(compile_pattern("{{plain_words}}").findall(text))


def _reads_better(candidate: str, plain: str) -> bool:
    """Whether ``candidate`` has at least two more plain words than the prompt as written."""
    return _plain_word_count(candidate) >= _plain_word_count(plain) + 2


def _readable(data: bytes) -> str | None:
    """``data`` as text, if it is text a person would write (not binary noise)."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return None
    printable = sum(c.isprintable() or c.isspace() for c in text)
    letters = sum(c.isalpha() for c in text)
    if not text or printable < 0.95 * len(text) or letters < 0.6 * len(text.replace(" ", "")) or letters < 3:
        return None
    return text


def _from_base64(token: str) -> str | None:
    padded = token + "=" * (-len(token) % 4)
    for decode in (base64.b64decode, base64.urlsafe_b64decode):
        try:
            text = _readable(decode(padded))
        except (binascii.Error, ValueError):
            continue
        if text is not None:
            return text
    return None


def _from_short(token: str) -> str | None:
    """A short token that hides one word of the lexicon: base64 (padding optional), hex or
    rot13, decoded to letters only; a token that is itself a word of the lexicon hides nothing."""
    words = lexicon_words()
    body = token.rstrip("=")
    if body.lower() in words:
        return None
    candidates = []
    if len(body) % 4 != 1:
        for decode in (base64.b64decode, base64.urlsafe_b64decode):
            try:
                candidates.append(decode(body + "=" * (-len(body) % 4)).decode("latin-1"))
            except (binascii.Error, ValueError):
                continue
    if re.fullmatch(r"(?:[0-9A-Fa-f]{2}){3,}", body):
        candidates.append(bytes.fromhex(body).decode("latin-1"))
    if body.isalpha():
        candidates.append(codecs.encode(body, "rot13"))
    for text in candidates:
        word = text.strip().lower()
        if word.isascii() and word.isalpha() and len(word) >= 3 and word in words:
            return word
    return None


@lru_cache(maxsize=1)
def lexicon_words() -> frozenset[str]:
    """Every one-word entry of the lexicon, folded (a stem without its ``*``), in Latin letters."""
    found: set[str] = set()
    for languages in concepts().values():
        for entries in languages.values():
            for entry in entries:
                if entry.startswith("re:"):
                    # the words a pattern spells out (its escapes, such as \b, read as breaks)
                    found.update(re.findall(r"[a-z]{3,}", re.sub(r"\\[a-zA-Z]", " ", entry[3:])))
                    continue
                word = fold(entry.strip("*")).text
                if word.isascii() and word.isalpha() and len(word) >= 3:
                    found.add(word)
    return frozenset(found)


def _from_hex(token: str) -> str | None:
    try:
        return _readable(bytes.fromhex(re.sub(r"[\s:]", "", token)))
    except ValueError:
        return None


def _from_binary(token: str) -> str | None:
    bits = token.split()
    if len(bits) == 1:
        bits = [token[i : i + 8] for i in range(0, len(token), 8)]
    return _readable(bytes(int(b, 2) for b in bits if len(b) == 8))


def _decoded(prompt: str, plain: Folded) -> Folded | None:
    """The prompt with every encoded stretch decoded in place, or None if it has none."""
    edits: list[tuple[int, int, str]] = []
    taken: list[tuple[int, int]] = []
    decoders: list[tuple[re.Pattern[str], Callable[[str], str | None]]] = [
        (_BINARY, _from_binary),
        (_MORSE, _from_morse),
        (_NATO, _from_nato),
        (_HEX, _from_hex),
        (_BASE64, _from_base64),
        (_SHORT, _from_short),
    ]
    if _CIPHER_NUMBERS.search(prompt):
        decoders.append((_A1Z26, _from_positions))
    for pattern, decode in decoders:
        for m in pattern.finditer(prompt):
            if any(m.start() < e and s < m.end() for s, e in taken):
                continue
            text = decode(m.group().strip())
            if text is None:
                continue
            nested = _from_base64(text.strip()) if _BASE64.fullmatch(text.strip()) else None
            taken.append((m.start(), m.end()))
            edits.append((m.start(), m.end(), nested or text))
    if _ESCAPES.search(prompt):
        unescaped = _unescape(prompt)
        if unescaped != prompt and not edits:
            return fold_within(unescaped, 0, len(prompt))
    if not edits:
        return None
    edits.sort()
    folded_edits = []
    for start, end, text in edits:
        lo = next(i for i, o in enumerate(plain.origin) if o >= start)
        hi = next(i for i, o in enumerate(plain.origin) if o >= end)
        folded_edits.append((lo, hi, " " + fold(text).text + " "))
    return plain.substitute(folded_edits)


def _from_morse(token: str) -> str | None:
    words = re.split(r"\s*/\s*|\s{3,}", token.translate(str.maketrans("·•–—", "..--")).strip())
    letters = [[_MORSE_CODE.get(code) for code in word.split()] for word in words]
    if any(c is None for word in letters for c in word):
        return None
    return _readable(" ".join("".join(c for c in word if c) for word in letters).encode())


def _from_nato(token: str) -> str | None:
    return "".join(w[0] for w in re.split(r"[\s,\-/]+", token.lower()) if w and w != "ray") or None


def _from_positions(token: str) -> str | None:
    """Letters by their place in the alphabet ("14 21 4 5"), where the prompt says so."""
    return _readable(bytes(96 + int(n) for n in re.split(r"[\s,\-/.]+", token.strip()) if n))


# A prompt that says its numbers are letters: "a1z26", "a=1", "alphabet positions".
_CIPHER_NUMBERS = re.compile(
    r"(?i)a1z26|a\s*=\s*1\b|alphabet(?:ical)? (?:positions?|order|numbers?)"
    r"|letter numbers|numbers? (?:to|as|for) letters"
)


def _unescape(prompt: str) -> str:
    text = html.unescape(urllib.parse.unquote(prompt))
    return re.sub(r"\\u([0-9A-Fa-f]{4})|\\x([0-9A-Fa-f]{2})", lambda m: chr(int(m.group(1) or m.group(2), 16)), text)


@lru_cache(maxsize=1)
def _hard_words() -> dict[int, tuple[str, ...]]:
    """The one-word entries of the hard concepts, by length: what a masked word may stand for."""
    words: set[str] = set()
    table = concepts()
    for name in _HARD_CONCEPTS:
        for entries in table[name].values():
            for entry in entries:
                if entry.startswith("re:"):
                    continue
                word = fold(entry.strip("*")).text
                if word.isascii() and word.isalpha() and len(word) >= 3:
                    words.add(word)
    by_length: dict[int, list[str]] = {}
    for word in sorted(words):
        by_length.setdefault(len(word), []).append(word)
    return {n: tuple(ws) for n, ws in by_length.items()}


@lru_cache(maxsize=1)
def hard_words() -> frozenset[str]:
    """Every one-word entry of the hard concepts and of ``minor``, folded, a stem without its
    ``*``: the words a joined compound must spell, whole, to be read as hard (``judge.py``)."""
    words = {w for ws in _hard_words().values() for w in ws}
    for entries in concepts()["minor"].values():
        for entry in entries:
            word = fold(entry.strip("*")).text
            if not entry.startswith("re:") and " " not in word:
                words.add(word.replace("-", ""))
    return frozenset(words)


_DOUBLED = re.compile(r"(?<![^\W_])(?=[a-z]*([a-z])\1)[a-z]{4,16}(?![^\W_])")
_RUNS = re.compile(r"([a-z])\1+")


@lru_cache(maxsize=1)
def _undoubled_words() -> dict[str, str]:
    """Each hard word by its letters with every run held once ("hitler", "kkk" as "k")."""
    # only words with no letter doubled ("nazi") or one letter alone ("kkk"): "poor" is not "porr"
    words = [w for ws in _hard_words().values() for w in ws if _RUNS.sub(r"\1", w) == w or len(set(w)) == 1]
    return {_RUNS.sub(r"\1", w): w for w in words}


def _undouble(folded: Folded) -> Folded:
    """A word with a letter typed twice read as the hard word it then spells: "naazi", "hitller",
    "kkkk" (a run held three times or more is already read once by ``respell``)."""

    def fill(m: re.Match[str]) -> str | None:
        return _undoubled_words().get(_RUNS.sub(r"\1", m.group()))

    return folded.sub(_DOUBLED, fill)


def _unmask(folded: Folded) -> Folded:
    """Masked letters filled in where one of the hard concepts' words fits: "n*ked", "sw*st*ka"."""

    def fill(m: re.Match[str]) -> str | None:
        token = m.group()
        shape = re.compile("".join("[a-z]" if c in "*#?%" else c for c in token))
        fits = [w for w in _hard_words().get(len(token), ()) if shape.fullmatch(w)]
        return fits[0] if fits else None

    return folded.sub(_MASKED, fill)
