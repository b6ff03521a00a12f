"""Which language a message is in, and whether the conversation should switch to it.

Order of evidence: explicit choice > channel hint > confident detection on the text. Detection uses script rules
(Arabic vs Persian letters, Ukrainian vs Russian letters), an exact-match lexicon of short messages taken from the
NLU training data ("Hallo", "merci"), then a mix of three statistical models: word frequencies of each language
(wordfreq's bundled lists), a character model trained on our own chat data and lingua restricted to the supported
languages. German office words ("Ausländerbehörde") and place names are removed first so they cannot pull a Russian
sentence to German; a message of place names alone has a language only if its script or letters tell one.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from bot.infra.yamlfile import read_yaml
from bot.understanding.text import fold

SUPPORTED_LANGUAGES = ("de", "en", "tr", "ar", "uk", "ru", "es", "fr", "pl", "ro", "fa")
SWITCH_CONFIDENCE = 0.8
# Languages we recognise only to say politely that we do not speak them (they never become the conversation's).
UNSUPPORTED_CONFIDENCE = 0.65  # on the held-out set no message in our languages scored above 0.5
# A message most of whose words one supported language's word list has is never taken for an unsupported language.
OUR_WORDS_SHARE = 2 / 3
UNSUPPORTED_KNOWN = ("it", "nl", "pt", "sq", "hr", "sr", "bs", "hi", "zh", "vi", "ja", "ko", "el", "bg")

# Letters that only one of two same-script languages uses.
_PERSIAN_ONLY = set("پچژگکی")
_ARABIC_ONLY = set("ةكيىأإؤ")
_UKRAINIAN_ONLY = set("іїєґ")
_RUSSIAN_ONLY = set("ыэъё")

# Latin letters that of all the languages we know (UNSUPPORTED_KNOWN too) only ours write: Turkish ı ğ ş, German ß,
# Spanish ñ, Polish ł ą ę ż ź ś, Romanian ș ț (and ţ, typed for ț). Vietnamese writes ă and â, so they are not here.
_OURS_ONLY = set("ığşßñłąężźśșțţ")

# German terms users keep in German whatever language they write in.
_GERMAN_TERMS = frozenset(
    """
    ausländerbehörde auslaenderbehoerde bürgerbüro buergerbuero bürgeramt anmeldung abmeldung ummeldung jobcenter
    agentur für arbeit arbeitsagentur kita krankenkasse aufenthaltstitel aufenthaltserlaubnis niederlassungserlaubnis
    blaue karte chancenkarte führerschein fuehrerschein steuer-id steueridentifikationsnummer integrationskurs
    sprachkurs anerkennung ihk hwk bamf wohnberechtigungsschein wbs termin
    """.split()
)
_ENTITY = re.compile(r"\[([^\]]+)\](?:\([^)]*\)|\{[^}]*\})")
_LINK = re.compile(r"(?:https?://|www\.)\S+|\S+@\S+\.\S+")
# Combining accents left after NFC, Arabic short vowels (harakat) and the tatweel stretching words ("شكـــرا").
_LOOSE_MARKS = re.compile("[\u0300-\u036f\u064b-\u065f\u0670\u0640]")
_TOKEN = re.compile(r"[^\W\d_]+(?:[-'][^\W\d_]+)*", re.UNICODE)


@dataclass(frozen=True)
class Detection:
    language: str | None
    confidence: float
    method: str


NON_LATIN_SHARE = 1 / 3  # this share of words in Arabic or Cyrillic letters decides a message's script
# Chat messages are short and colloquial ("merciii", "хай щастить"): a character model trained on our own NLU data
# knows them better than lingua, which was trained on running text. `make bench-language` chose the weights.
CHAT_MODEL_WEIGHT = 0.1
_CHAT_SMOOTHING = 0.1
# Most chat messages are one or two words ("nunca", "tysm", "до скорого"): which language uses that word most is the
# strongest evidence there is. Word frequencies come from wordfreq's bundled "small" lists (subtitles, social media,
# web text, Wikipedia; every word down to one in a million), so chat words and loanwords are in them.
# Weight of the word model against the other two (cross-validated on data/nlu, see bench/language.py).
WORD_MODEL_WEIGHT = 0.9
_UNLISTED_WORD_FREQUENCY = 1e-7  # a word in none of the lists (they stop at one in a million)
# A short message found in one language's training data counts as confident only if that language also has most
# of the message's word frequency.
LEXICON_WORD_SHARE = 0.5

# Keyboard mashing ("asdfghjkl", "qwertzuiop") is in no language, yet an intent classifier gives it some intent,
# often confidently ("jjjjjjj" → affirm 0.99). A message is taken for mashing only if none of its words is known
# (word lists, our chat data) and every one is long and spelled unlike any of our languages: mean log-probability
# per letter under each language's letter model below the bound, or one key held down. `make bench-language`
# measures it on made-up mashing and on the held-out messages (none of which may be taken for mashing).
GIBBERISH_MIN_LETTERS = 5
GIBBERISH_SCORE = -4.0
_LETTER_MODEL_WORDS = 30_000  # the most frequent words of each language train its letter model
_LETTER_SMOOTHING = 0.1

# Methods of a detection that found no language in the message at all (not a failed guess).
BUTTON_PAYLOAD, NO_LETTERS, ONLY_TERMS = "button payload", "no letters", "only German terms and places"
NO_EVIDENCE = (BUTTON_PAYLOAD, NO_LETTERS, ONLY_TERMS)

STATISTICS = "words+chat model+lingua"
# A language we do not speak; in Latin letters it may also be one of ours transliterated ("privet, gde …" reads
# as Albanian to a trigram model), so an ongoing conversation keeps its language on it (see message_language).
UNSUPPORTED, UNSUPPORTED_LATIN = "unsupported language", "unsupported language in Latin letters"

_PAYLOAD = re.compile(r"^/\w+(\{.*\})?$", re.DOTALL)


def normalise(text: str) -> str:
    """Lower-case words only: links and e-mail addresses say nothing about the writer's language. Folded like every
    other match (text.fold: Turkish "İ" is a plain "i"), then case-folded as the word lists are ("ß" → "ss").
    Marks that no letter absorbs would split a word: Arabic short vowels ("شُكْرًا"), which word lists leave out, as
    they leave out the tatweel, and any combining accent NFC left loose."""
    lowered = fold(text).casefold()
    return " ".join(_TOKEN.findall(_LINK.sub(" ", _LOOSE_MARKS.sub("", lowered))))


def _parts(word: str) -> list[str]:
    return re.split(r"[-']", word)


def _unstretched(word: str) -> tuple[str, str]:
    """The word with every run of a repeated letter cut to one and to two letters."""
    return re.sub(r"(.)\1+", r"\1", word), re.sub(r"(.)\1{2,}", r"\1\1", word)


def _softmax(scores: dict[str, float]) -> dict[str, float]:
    top = max(scores.values())
    weights = {key: math.exp(score - top) for key, score in scores.items()}
    total = sum(weights.values())
    return {key: weight / total for key, weight in weights.items()}


def _script(char: str) -> str:
    try:
        name = unicodedata.name(char)
    except ValueError:
        return "other"
    for script in ("ARABIC", "CYRILLIC", "LATIN"):
        if name.startswith(script):
            return script.lower()
    return "other"


def _word_script(word: str) -> str:
    """The script most of the word's letters are in."""
    return Counter(_script(c) for c in word if c.isalpha()).most_common(1)[0][0]  # every word has letters (_TOKEN)


def training_examples(nlu_dir: Path, languages: Iterable[str] = SUPPORTED_LANGUAGES) -> list[tuple[str, str]]:
    """(language, example) from data/nlu/<lang>.yml with the entity markup removed."""
    examples: list[tuple[str, str]] = []
    for path in sorted(nlu_dir.glob("*.yml")):
        if path.stem not in languages:
            continue
        for block in (read_yaml(path) or {}).get("nlu", []):
            for line in str(block.get("examples", "")).splitlines():
                example = _ENTITY.sub(r"\1", line.strip().removeprefix("- "))
                if example:
                    examples.append((path.stem, example))
    return examples


class LanguageDetector:
    """Offline detector for short chat messages in the supported languages."""

    def __init__(
        self,
        nlu_dir: Path | None = None,
        languages: tuple[str, ...] = SUPPORTED_LANGUAGES,
        ignore_words: Iterable[str] = (),
        examples: list[tuple[str, str]] | None = None,
        weights: tuple[float, float] = (CHAT_MODEL_WEIGHT, WORD_MODEL_WEIGHT),
    ) -> None:
        """`ignore_words`: names that say nothing about the language (cities, districts); `examples`: (language,
        text) to learn from instead of the files in `nlu_dir`, and `weights` (chat model, word model): for the
        cross-validation in bench/language.py."""
        self.languages = languages
        self._chat_weight, self._word_weight = weights
        self._nlu_dir = nlu_dir
        self._examples = examples
        self._ignored = _GERMAN_TERMS | {w for name in ignore_words for w in normalise(name).split()}

    @cached_property
    def _lexicon(self) -> dict[str, tuple[str, ...]]:
        """Short training examples (≤ 3 words) and the languages whose training data contain them."""
        owners: dict[str, set[str]] = {}
        for language, text in self._training_examples:
            example = normalise(text)
            if example and len(example.split()) <= 3:
                owners.setdefault(example, set()).add(language)
        return {text: tuple(sorted(langs)) for text, langs in owners.items()}

    @cached_property
    def _training_examples(self) -> list[tuple[str, str]]:
        if self._examples is not None:
            return self._examples
        return training_examples(self._nlu_dir, self.languages) if self._nlu_dir else []

    @cached_property
    def _chat_model(self) -> dict[str, tuple[Counter[str], float]]:
        """Naive Bayes over character 1–4-grams of the NLU training examples: per language the n-gram counts and
        the log of the smoothed denominator."""
        counts: dict[str, Counter[str]] = {}
        for language, example in self._training_examples:
            counts.setdefault(language, Counter()).update(self._grams(example))
        vocabulary = len(set().union(*counts.values())) if counts else 0
        return {
            language: (grams, math.log(sum(grams.values()) + _CHAT_SMOOTHING * vocabulary))
            for language, grams in counts.items()
        }

    def _is_ignored(self, word: str) -> bool:
        """A German term or place name, also as a compound of them ("hattingen-blankenstein")."""
        return word in self._ignored or all(part in self._ignored for part in _parts(word) if part)

    def _grams(self, text: str, *, keep_ignored: bool = False) -> list[str]:
        grams: list[str] = []
        for word in normalise(text).split():
            if not keep_ignored and self._is_ignored(word):
                continue
            padded = f" {word} "
            grams += [padded[i : i + n] for n in (1, 2, 3, 4) for i in range(len(padded) - n + 1)]
        return grams

    def _chat_probabilities(self, text: str, candidates: list[str], *, keep_ignored: bool = False) -> dict[str, float]:
        model = {c: self._chat_model[c] for c in candidates if c in self._chat_model}
        grams = self._grams(text, keep_ignored=keep_ignored)
        if not model or not grams:
            return {}
        return _softmax(
            {
                language: sum(math.log(counts[g] + _CHAT_SMOOTHING) for g in grams) - len(grams) * log_total
                for language, (counts, log_total) in model.items()
            }
        )

    @cached_property
    def _word_frequencies(self) -> dict[str, dict[str, float]]:
        """Per language: word -> frequency (~490,000 words for the eleven languages, ~60 MB, loaded once)."""
        from wordfreq import get_frequency_dict

        return {language: get_frequency_dict(language, wordlist="small") for language in self.languages}

    def _word_probabilities(self, text: str, candidates: list[str]) -> dict[str, float]:
        """How likely each candidate language writes these words; {} if no list knows any of them."""
        frequencies = self._word_frequencies

        words = []
        for word in text.split():
            # Stretched chat words: "merciii", "holaa", "дякуууую".
            found = next((w for w in (word, *_unstretched(word)) if self._listed(w, candidates)), None)
            if found is not None:
                words.append(found)
            else:  # "d'accord" -> d, accord; "wanne'de" -> de
                words += [part for part in _parts(word) if part and part not in self._ignored]
        if not any(self._listed(w, candidates) for w in words):
            return {}
        return _softmax(
            {
                c: sum(math.log(max(frequencies[c].get(w, 0.0), _UNLISTED_WORD_FREQUENCY)) for w in words)
                for c in candidates
            }
        )

    def is_gibberish(self, text: str) -> bool:
        """Keyboard mashing: letters, but no known word (a place name or office term counts) and every word spelled
        unlike our languages."""
        words = normalise(text).split()
        return bool(words) and all(
            len(w) >= GIBBERISH_MIN_LETTERS
            and not self._known(w)
            and (len(set(w)) == 1 or self._spelling_score(w) < GIBBERISH_SCORE)  # "ffffff": a key held down
            for w in words
        )

    def _known(self, word: str) -> bool:
        if word in self._chat_vocabulary or self._is_ignored(word):
            return True
        forms = [f for f in (word, *_unstretched(word)) if len(f) >= 3]  # "jjjjjjj" is not the word "j"
        return any(self._listed(f, self.languages) for f in forms)

    def _listed(self, word: str, languages: Iterable[str]) -> bool:
        """Whether any of these languages' word lists has the word."""
        return any(word in self._word_frequencies[language] for language in languages)

    @cached_property
    def _chat_vocabulary(self) -> frozenset[str]:
        return frozenset(w for _, example in self._training_examples for w in normalise(example).split())

    def _spelling_score(self, word: str) -> float:
        """Mean log-probability per letter of the word in the language that spells most like it."""
        padded = f"^^{word}$"
        best = -math.inf
        for trigrams, bigrams, alphabet in self._letter_models.values():
            total = sum(
                math.log(
                    (trigrams[padded[i : i + 3]] + _LETTER_SMOOTHING)
                    / (bigrams[padded[i : i + 2]] + _LETTER_SMOOTHING * alphabet)
                )
                for i in range(len(padded) - 2)
            )
            best = max(best, total / (len(padded) - 2))
        return best

    @cached_property
    def _letter_models(self) -> dict[str, tuple[Counter[str], Counter[str], int]]:
        """Per language: letter trigram and bigram counts over its most frequent words, and its alphabet size."""
        from wordfreq import top_n_list

        models = {}
        for language in self.languages:
            trigrams: Counter[str] = Counter()
            bigrams: Counter[str] = Counter()
            for word in top_n_list(language, _LETTER_MODEL_WORDS, wordlist="small"):
                padded = f"^^{word}$"
                for i in range(len(padded) - 2):
                    trigrams[padded[i : i + 3]] += 1
                    bigrams[padded[i : i + 2]] += 1
            models[language] = (trigrams, bigrams, len({gram[-1] for gram in trigrams}))
        return models

    @cached_property
    def _lingua(self):  # type: ignore[no-untyped-def]
        """High accuracy for the supported languages only: its memory grows with every language it knows."""
        return _lingua_detector(self.languages, low_accuracy=False)

    @cached_property
    def _lingua_all(self):  # type: ignore[no-untyped-def]
        """Supported and known unsupported languages, in lingua's low-accuracy mode (trigrams): enough to say
        "Dove posso registrarmi?" is Italian, at a fraction of the memory."""
        return _lingua_detector((*self.languages, *UNSUPPORTED_KNOWN), low_accuracy=True)

    def detect(self, text: str) -> Detection:
        if _PAYLOAD.match(text.strip()):
            return Detection(None, 0.0, BUTTON_PAYLOAD)  # "/affirm" is no language; keep the conversation's
        normalised = normalise(text)
        if not normalised:
            return Detection(None, 0.0, NO_LETTERS)
        words = [w for w in normalised.split() if not self._is_ignored(w)]
        if not words:
            return self._places_only(normalised)
        owners = self._lexicon.get(normalised, ())
        if len(owners) == 1:
            # Our chat says "hey" is English; German and Romanian chat say it too: then no switch on it. Words the
            # lists do not know ("dankeee") leave the lexicon's word.
            usage = self._word_probabilities(normalised, list(self.languages)).get(owners[0], 1.0)
            return Detection(owners[0], 0.95 if usage >= LEXICON_WORD_SHARE else 0.6, "lexicon")
        if owners:  # "hello" is English and French chat: let the statistics pick, without confidence
            best = self._statistical(normalised, candidates=owners)
            return Detection(best.language, min(best.confidence, 0.6), "lexicon+statistics")
        content = " ".join(words)
        # Counted in words, not letters: one long German word must not outweigh the Russian around it ("Что такое
        # Anerkennungspartnerschaft?" has more Latin letters than Cyrillic ones).
        scripts = Counter(_word_script(w) for w in words)
        script, _ = scripts.most_common(1)[0]
        other = [(name, n) for name, n in scripts.most_common() if name in ("arabic", "cyrillic")]
        if script == "latin" and other and other[0][1] >= NON_LATIN_SHARE * len(words):
            # "أين يقع Welcome Office في بوخوم؟": Latin words inside Arabic or Cyrillic text are names and terms.
            script = other[0][0]
            content = " ".join(w for w in words if _word_script(w) != "latin")
        letters = set(content)
        if script == "arabic":
            return self._pick("fa", "ar", letters & _PERSIAN_ONLY, letters & _ARABIC_ONLY, content)
        if script == "cyrillic":
            return self._pick("uk", "ru", letters & _UKRAINIAN_ONLY, letters & _RUSSIAN_ONLY, content)
        foreign = self._unsupported(content, script)
        if foreign is not None:
            return foreign
        if script != "latin":
            return Detection(None, 0.0, "unsupported script")
        return self._statistical(content, candidates=("de", "en", "tr", "es", "fr", "pl", "ro"))

    def _places_only(self, text: str) -> Detection:
        """ "Langendreer", "Annen, Witten" carry no language; "بفيتن" or "Ланґендреєр" do through their letters, and
        Arabic or Cyrillic letters at least narrow it to two languages (then a guess, never a switch)."""
        letters = set(text)
        scripts = Counter(_script(c) for c in text if c.isalpha())
        if scripts["arabic"] > scripts["latin"]:
            found = self._pick("fa", "ar", letters & _PERSIAN_ONLY, letters & _ARABIC_ONLY, text, with_places=True)
        elif scripts["cyrillic"] > scripts["latin"]:
            found = self._pick("uk", "ru", letters & _UKRAINIAN_ONLY, letters & _RUSSIAN_ONLY, text, with_places=True)
        else:
            return Detection(None, 0.0, ONLY_TERMS)
        return Detection(found.language, min(found.confidence, 0.6), f"letters of place names ({found.method})")

    def _unsupported(self, text: str, script: str) -> Detection | None:
        """A confident detection of a language we do not offer ("Dove posso registrarmi?")."""
        if script == "latin" and len(text.split()) < 3:
            return None
        if set(text) & _OURS_ONLY:
            return None  # "ikamet iznimi nerede uzatırım" read as Croatian to the trigrams; Croatian has no "ı"
        words = text.split()
        frequencies = self._word_frequencies
        if max(sum(w in frequencies[c] for w in words) for c in self.languages) >= OUR_WORDS_SHARE * len(words):
            return None  # "nos vemos mañana": mostly words of one of our languages, whatever trigrams say
        values = self._lingua_all.compute_language_confidence_values(text)
        if not values:
            return None
        best = values[0]
        code = best.language.iso_code_639_1.name.lower()
        if code in UNSUPPORTED_KNOWN and (best.value >= UNSUPPORTED_CONFIDENCE or script not in ("latin", "cyrillic")):
            return Detection(code, best.value, UNSUPPORTED_LATIN if script == "latin" else UNSUPPORTED)
        return None

    def _pick(
        self,
        first: str,
        second: str,
        first_marks: set[str],
        second_marks: set[str],
        text: str,
        *,
        with_places: bool = False,
    ) -> Detection:
        if first_marks and not second_marks:
            return Detection(first, 0.97, "script letters")
        if second_marks and not first_marks:
            return Detection(second, 0.97, "script letters")
        return self._statistical(text, candidates=(first, second), with_places=with_places)

    def _statistical(self, text: str, candidates: tuple[str, ...], *, with_places: bool = False) -> Detection:
        """`with_places`: the text is place names only: the character model reads their spelling ("Гербеде" is
        Ukrainian, "Хербеде" Russian); word frequencies say nothing about them."""
        allowed = [c for c in candidates if c in self.languages]
        values = self._lingua.compute_language_confidence_values(text)
        scores = {v.language.iso_code_639_1.name.lower(): v.value for v in values}
        total = sum(scores.get(c, 0.0) for c in allowed) or 1.0
        mix = {c: scores.get(c, 0.0) / total for c in allowed}
        chat = self._chat_probabilities(text, allowed, keep_ignored=with_places)
        if chat:
            mix = {c: self._chat_weight * chat.get(c, 0.0) + (1 - self._chat_weight) * mix[c] for c in allowed}
        words = self._word_probabilities(text, allowed) if not with_places else {}
        if words:
            mix = {c: self._word_weight * words[c] + (1 - self._word_weight) * mix[c] for c in allowed}
        best = max(allowed, key=lambda c: mix[c])
        confidence = mix[best]
        # One or two words carry too little evidence for a statistical model.
        if len(text.split()) < 3:
            confidence = min(confidence, 0.6)
        return Detection(best, confidence, STATISTICS)


def _lingua_detector(codes: Iterable[str], *, low_accuracy: bool):  # type: ignore[no-untyped-def]
    from lingua import IsoCode639_1, Language, LanguageDetectorBuilder

    wanted = [Language.from_iso_code_639_1(getattr(IsoCode639_1, code.upper())) for code in codes]
    builder = LanguageDetectorBuilder.from_languages(*wanted)
    return (builder.with_low_accuracy_mode() if low_accuracy else builder).build()


def message_language(current: str | None, detection: Detection) -> str | None:
    """The language a message counts as written in: the detected one, else the conversation's. An unsupported
    language in Latin letters only counts while the conversation has no language yet: later it is more likely one
    of ours transliterated, which the engine understands better than a list of our languages would help."""
    if detection.method == UNSUPPORTED_LATIN and current is not None:
        return current
    return detection.language or current


def conversation_language(current: str | None, detection: Detection, *, explicit: bool = False) -> str | None:
    """The conversation's language after a message: an explicit choice sticks; otherwise switch only on a confident
    detection. A conversation without any language yet takes the best guess: it is better than the default. One
    without any evidence yet ("👍", "12345", Italian) keeps none, so the next real message still decides (replies
    meanwhile are in the default language)."""
    supported = detection.language in SUPPORTED_LANGUAGES
    if explicit and current:
        return current
    if current is None and supported:
        return str(detection.language)
    if supported and detection.confidence >= SWITCH_CONFIDENCE:
        return str(detection.language)
    return current
