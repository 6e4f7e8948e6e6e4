"""People's names in free text: a gazetteer of first names and surnames, and rules around it.

The gazetteer is the first names and surnames that Faker (MIT licence, a well-kept package)
ships for the English-speaking locales and for the languages most often heard in UK youth
justice caseloads (Irish, Polish, Romanian, Lithuanian, Portuguese, Turkish, Arabic, Yoruba,
Twi, Zulu, Hindi, Bengali, Urdu-speaking Pakistan, ...): about 25,000 names, read from the
installed package, nothing fetched. A name that is also an ordinary English word ("Will",
"Grace", "Brown"; lower-case entries of the web2 word list of ``english-words``, MIT) counts
only where it is used as a name; one that is not ("Kieran", "O'Brien") counts in any case.

What counts as a name:

* a gazetteer name that is not an ordinary word, in any case, with or without a possessive
  ("kieran", "KIERAN", "Kieran's");
* a gazetteer name that is also a word, capitalised and not the first word of a sentence
  ("seen with Grace"), or first but followed by a person's verb or another name ("Grace said",
  "Grace Brown");
* any capitalised word after a title ("Ms Smith", "Dr Okonkwo"), after an initial ("K.
  O'Brien"), after a relation or role ("mum Sarah", "social worker, Tunde"), or next to a name
  already found ("Oluwaseun Adeyemi" once "Oluwaseun" is known);
* a surname with an Irish or Scottish prefix ("O'Donoghue", "McAllister").

Not names: the field's own words (Asset, YOS, Referral Order panel, Restorative Justice,
place names of services) and any word of the framework's own text. The detector cannot know an
unusual name used alone in lower case ("seen with oluwaseun"): docs/privacy.md says so.
"""

from __future__ import annotations

import importlib
import re
import unicodedata
from collections.abc import Iterable
from functools import cache

Span = tuple[int, int, str]
KIND = "name"

_LOCALES = (
    "en_GB", "en_US", "en_IE", "ga_IE", "en_IN", "en_NZ", "en_PK", "en_KE", "pl_PL", "ro_RO",
    "lt_LT", "pt_PT", "tr_TR", "ar_AA", "yo_NG", "tw_GH", "zu_ZA", "hi_IN", "bn_BD", "es_ES",
    "it_IT", "fr_FR", "de_DE", "sk_SK", "cs_CZ", "lv_LV", "hu_HU", "bg_BG",
)  # fmt: skip
_NAME_LISTS = ("first_names", "first_names_male", "first_names_female", "last_names")

# The field's own words, and places where services stand: never read as names.
FIELD_WORDS = frozenset(
    """
    asset assetplus yos yot rosh cse cce cin cp wdyt psr rj restorative justice conference
    referral order orders panel panels court courts youth crown magistrates police school
    schools college service services team board case cases caseworker worker workers manager
    managers officer officers plan plans review reviews risk harm vulnerability safety
    wellbeing intervention interventions contract reparation victim victims custody remand
    bail social care children early help health camhs education substance misuse national
    standards management oversight gatekeeping supervision contact contacts home visit visits
    office deputy head improvement inspection hmip yjb audit auditor quality summary sentence
    report reports assessment assessments desistance ete senco send ehcp lac cla mash mappa
    marac yro dto yc ycc triage disposal resolution prevention compliance breach exit
    resettlement transition probation nps crc electronic monitoring tag curfew yoi str sts
    secure training centre unit council borough local authority la nhs gp ofsted barnardos
    nspcc catch22 kooth princes trust mind connexions job centre jobcentre duty desk bromley
    childview careworks yois eclipse liquidlogic mosaic capita servelec dob pru ypo str
    timescale timescales countersigned countersign safeguarding
    orpington beckenham penge anerley chislehurst sidcup bexley bexleyheath croydon lewisham
    greenwich southwark lambeth wandsworth lewes medway kent essex surrey sussex london
    feltham cookham wood keppel wetherby werrington parc oakhill rainsbrook hindley
    manchester birmingham leeds liverpool bristol sheffield bradford nottingham leicester
    coventry hull cardiff swansea newport glasgow edinburgh belfast hayes harrow hillingdon
    ealing brent barnet enfield haringey hackney islington camden westminster kensington
    chelsea hammersmith fulham hounslow richmond kingston merton sutton havering redbridge
    barking dagenham newham tower hamlets waltham forest thames valley west midlands
    yorkshire lancashire devon cornwall dorset hampshire norfolk suffolk cambridge oxford
    reading luton wales scotland england britain english british welsh scottish irish
    christmas easter ramadan eid diwali monday tuesday wednesday thursday friday saturday
    sunday january february march april may june july august september october november
    december
    """.split()
)

TITLES = frozenset(
    "mr mrs ms miss mx dr prof sir dame lord lady master pc dc ds di sgt cllr rev judge".split()
)
RELATIONS = frozenset(
    """
    mum mom mother dad father stepdad stepfather stepmum stepmother nan nana nanna gran granny
    grandmother grandma grandad granddad grandfather grandpa aunt auntie aunty uncle brother
    sister sibling siblings cousin carer carers girlfriend boyfriend partner friend son
    daughter sw caseworker named called co-defendant codefendant victim teacher tutor mentor
    officer worker nurse keyworker nephew niece wife husband baby child
    """.split()
)
PERSON_VERBS = frozenset(
    """
    said says told stated reported disclosed attended engaged missed refused agreed lives
    lived was is has had did does felt feels wants wanted became presented admitted denied
    explained moved returned appeared received continues remains declined failed struggled
    started completed spoke visited met confirmed advised gave prefers turns attends says
    turned arrived left told admits denies
    """.split()
)
_TOKEN = re.compile(r"[^\W\d_](?:[^\W\d_]|['’\-](?=[^\W\d_]))*")
_POSSESSIVE = re.compile(r"['’]s?$", re.I)
_PREFIXED = re.compile(r"^(?:o['’]|mc|mac)[a-z]{3,}$", re.I)
# What starts a sentence (a capital there says nothing); a colon does not ("Custody: Demi").
_SENTENCE_END = re.compile(r"(?:^|[.!?;\n•\-–—(\"“]\s*)[*_]*$")
_PERSON_DETAIL = re.compile(r"^\s*[,(]\s*(?:dob|d\.o\.b|born|aged?)\b", re.I)


def _fold(word: str) -> str:
    """Return a word lower-cased, without accents or apostrophes: "O’Brien" -> "obrien"."""
    text = unicodedata.normalize("NFKD", word.lower())
    return "".join(c for c in text if c.isalnum())


@cache
def gazetteer() -> frozenset[str]:
    """Return the folded first names and surnames of the gazetteer."""
    names: set[str] = set()
    for locale in _LOCALES:
        provider = importlib.import_module(f"faker.providers.person.{locale}").Provider
        for attr in _NAME_LISTS:
            for name in getattr(provider, attr, ()):
                # Multi-word entries ("De la Cruz") give each part.
                names.update(_fold(part) for part in str(name).split())
    names.discard("")
    return frozenset(n for n in names if len(n) >= 2)


@cache
def ordinary_words() -> frozenset[str]:
    """Return the lower-case English words of the web2 list (lower-case entries only)."""
    from english_words import get_english_words_set

    return frozenset(w for w in get_english_words_set(["web2"], alpha=True) if w.islower())


class NameFinder:
    """Finds people's names in a text: the gazetteer, titles, initials and context words."""

    def __init__(self, allowed_words: Iterable[str] = ()) -> None:
        self.names = gazetteer()
        self.words = _WordList(ordinary_words())
        self.not_names = FIELD_WORDS | {_fold(w) for w in allowed_words}

    def spans(self, text: str) -> list[Span]:
        """Return the spans of the names in a text."""
        tokens = list(_TOKEN.finditer(text))
        flags = [self._is_name(text, tokens, i) for i in range(len(tokens))]
        # A capitalised word beside a name is part of it ("Oluwaseun Adeyemi").
        for _ in range(2):
            for i in range(len(tokens)):
                if flags[i] or not self._may_join(text, tokens, i):
                    continue
                near = [j for j in (i - 1, i + 1) if 0 <= j < len(tokens) and flags[j]]
                if any(_adjacent(text, tokens[min(i, j)], tokens[max(i, j)]) for j in near):
                    flags[i] = True
        spans: list[Span] = []
        for tok, flag in zip(tokens, flags, strict=True):
            if not flag:
                continue
            # The possessive stays ("[withheld]'s mum"): it tells the reader whose.
            possessive = _POSSESSIVE.search(tok.group(0)) if len(tok.group(0)) > 3 else None
            end = tok.start() + possessive.start() if possessive else tok.end()
            # A name of several words is one span: "[withheld]", not "[withheld] [withheld]".
            if spans and text[spans[-1][1] : tok.start()].strip(" .") == "":
                spans[-1] = (spans[-1][0], end, KIND)
            else:
                spans.append((tok.start(), end, KIND))
        return spans

    def _title_word(self, text: str, tokens: list[re.Match[str]], i: int, j: int) -> bool:
        """Return whether token j is a capitalised ordinary word, not a name, beside token i."""
        if not 0 <= j < len(tokens):
            return False
        a, b = sorted((i, j))
        word = tokens[j].group(0)
        bare = _fold(_POSSESSIVE.sub("", word))
        return (
            _adjacent(text, tokens[a], tokens[b])
            and word[:1].isupper()
            and (bare in self.not_names or (bare in self.words and bare not in self.names))
        )

    def _caps_name_beside(self, text: str, tokens: list[re.Match[str]], i: int) -> bool:
        """Return whether a capitalised gazetteer name that is no word stands beside token i."""
        for j in (i - 1, i + 1):
            if 0 <= j < len(tokens):
                a, b = sorted((i, j))
                other = tokens[j].group(0)
                bare = _fold(_POSSESSIVE.sub("", other))
                if (
                    other.isupper()
                    and _adjacent(text, tokens[a], tokens[b])
                    and bare in self.names
                    and bare not in self.words
                ):
                    return True
        return False

    def is_ordinary(self, word: str) -> bool:
        """Return whether a word is also an ordinary English word ("Grace", "Will's")."""
        return _fold(_POSSESSIVE.sub("", word)) in self.words

    def _may_join(self, text: str, tokens: list[re.Match[str]], i: int) -> bool:
        """Return whether a capitalised word beside a name is part of it ("Zain Robinson")."""
        word = tokens[i].group(0)
        bare = _fold(_POSSESSIVE.sub("", word))
        if not word[:1].isupper() or word.isupper() or _inner_capital(word) or len(bare) < 2:
            return False
        if bare in self.not_names or bare in TITLES:
            return False
        # At the start of a sentence an ordinary word is just that ("Saw Kieran").
        return bare not in self.words or not _SENTENCE_END.search(text[: tokens[i].start()])

    def _capitalised_unknown(self, word: str) -> bool:
        bare = _fold(_POSSESSIVE.sub("", word))
        parts = [_fold(p) for p in word.split("-") if p]
        return (
            word[:1].isupper()
            and not word.isupper()
            and len(bare) >= 2
            and bare not in self.not_names
            and bare not in self.words
            # "Back-dating", "Follow-up": words joined are words
            and not (len(parts) > 1 and all(p in self.words for p in parts))
        )

    def _is_name(self, text: str, tokens: list[re.Match[str]], i: int) -> bool:
        word = tokens[i].group(0)
        possessive = bool(_POSSESSIVE.search(word)) and len(word) > 3
        bare = _fold(_POSSESSIVE.sub("", word)) if possessive else _fold(word)
        if len(bare) < 2 or bare in self.not_names or bare in TITLES:
            return False
        if word.isupper() and len(bare) > 2:
            # Capitals are emphasis or acronyms ("SMART", "ROSH") unless a name stands there.
            return bare in self.names and (
                bare not in self.words or self._caps_name_beside(text, tokens, i)
            )
        prev = tokens[i - 1] if i else None
        prev_word = _fold(prev.group(0)) if prev else ""
        after_prev = prev is not None and _adjacent(text, prev, tokens[i], allow=",")
        capital = word[:1].isupper()
        if capital and after_prev and prev_word in TITLES:
            return True
        if capital and prev is not None and _is_initial(text, prev, tokens[i]):
            return bare in self.names or bare not in self.words
        if capital and prev is not None and prev_word in RELATIONS:
            # "mum Sarah", "nan (Blessing)", "social worker, Tunde".
            if _adjacent(text, prev, tokens[i], allow=",(:"):
                # Set apart ("nan (Blessing)") any word is a name; run on ("Victim Liaison
                # Officer") only a name or a word no dictionary knows.
                set_apart = text[prev.end() : tokens[i].start()].strip() != ""
                if not _inner_capital(word) and (
                    set_apart or bare in self.names or bare not in self.words
                ):
                    return True
        unknown = self._capitalised_unknown(word) and not _inner_capital(word)
        if _PREFIXED.match(_POSSESSIVE.sub("", word)) and capital:
            return True
        if (
            "-" in word
            and capital
            and all(
                p in self.names or p not in self.words for p in map(_fold, word.split("-")) if p
            )
        ):
            return True  # a double-barrelled name: "Thomas-Reid"
        if bare not in self.names:
            if not unknown or len(bare) < 3:
                return False
            # A capitalised word that no dictionary knows and the field does not use: a name
            # mid-sentence ("with Emeka"); first in a sentence only with a possessive or a
            # person's verb after it ("Tiwa's mum", "Femi said"), as modern words ("Escalation")
            # are missing from the 1934 dictionary.
            return (
                possessive
                or not _SENTENCE_END.search(text[: tokens[i].start()])
                or self._person_follows(text, tokens, i)
            )
        if bare not in self.words:  # a name and nothing else: any case
            return len(bare) >= 3 or capital
        if not capital or len(bare) < 3:
            return False
        if not _SENTENCE_END.search(text[: tokens[i].start()]):
            # Capitalised mid-sentence, unless in a title-case phrase of ordinary words
            # ("Short Quality Screening", "Cookham Wood"): a name stands beside names.
            return not any(self._title_word(text, tokens, i, j) for j in (i - 1, i + 1))
        return possessive or self._person_follows(text, tokens, i)

    def _person_follows(self, text: str, tokens: list[re.Match[str]], i: int) -> bool:
        """Return whether a person's verb or another name follows token i ("Grace said")."""
        if _PERSON_DETAIL.match(text[tokens[i].end() :]):  # "Tanisha, DOB ..."
            return True
        nxt = tokens[i + 1] if i + 1 < len(tokens) else None
        if nxt is None or not _adjacent(text, tokens[i], nxt):
            return False
        following = _fold(_POSSESSIVE.sub("", nxt.group(0)))
        return following in PERSON_VERBS or (nxt.group(0)[:1].isupper() and following in self.names)


class _WordList:
    """The ordinary words, with their plurals and verb forms ("pages", "marked")."""

    def __init__(self, words: frozenset[str]) -> None:
        self.words = words

    def __contains__(self, word: object) -> bool:
        if not isinstance(word, str):
            return False
        if word in self.words:
            return True
        for suffix, stems in _INFLECTIONS:
            if word.endswith(suffix) and len(word) > len(suffix) + 2:
                root = word[: -len(suffix)]
                if any(root + stem in self.words for stem in stems):
                    return True
        return False


_INFLECTIONS = (
    ("ies", ("y",)),
    ("es", ("", "e")),
    ("s", ("",)),
    ("ed", ("", "e")),
    ("ing", ("", "e")),
    ("ly", ("", "le")),
    ("er", ("", "e")),
)


def _inner_capital(word: str) -> bool:
    """Return whether a word has a capital after its first letter ("RoSH", "ChildView")."""
    return any(c.isupper() for c in word[1:]) and not word.isupper() and "'" not in word


def _adjacent(text: str, a: re.Match[str], b: re.Match[str], allow: str = "") -> bool:
    """Return whether only spaces (and the characters of ``allow``) stand between two tokens."""
    between = text[a.end() : b.start()]
    return between.strip(" \t" + allow) == "" and len(between) <= 3


def _is_initial(text: str, prev: re.Match[str], tok: re.Match[str]) -> bool:
    """Return whether the token before is an initial: "K." or "K" before a surname."""
    initial = prev.group(0)
    between = text[prev.end() : tok.start()]
    if len(initial) != 1 or not initial.isupper():
        return False
    return between in (". ", ".", " ") and (between.startswith(".") or initial not in "AI")
