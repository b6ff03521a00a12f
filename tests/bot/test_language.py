"""Language detection for short chat messages and the rule for switching the conversation language."""

from __future__ import annotations

import pytest

from bot.infra.settings import PROJECT_ROOT, Settings
from bot.understanding.language import Detection, LanguageDetector, conversation_language, normalise, training_examples


@pytest.fixture(scope="module")
def detector() -> LanguageDetector:
    return LanguageDetector(Settings().nlu_dir, ignore_words=["Bochum", "Herne", "Witten", "Hattingen"])


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("Hallo", "de"),
        ("hello", "en"),
        ("Wo melde ich mich in Witten an?", "de"),
        ("Where is the Welcome Office in Bochum?", "en"),
        ("Як визнати мій диплом?", "uk"),
        ("где Ausländerbehörde в Бохуме?", "ru"),
        ("Bochum'da oturma izni nasıl alınır?", "tr"),
        ("کجا می‌توانم اقامت بگیرم؟", "fa"),
        ("أين مكتب الأجانب في بوخوم؟", "ar"),
        ("¿Dónde puedo registrar mi domicilio en Herne?", "es"),
        ("Comment faire reconnaître mon diplôme ?", "fr"),
        ("Gdzie mogę zameldować się w Bochum?", "pl"),
        ("Unde îmi pot înregistra adresa în Witten?", "ro"),
        ("أين يقع Welcome Office في بوخوم؟", "ar"),  # Latin office names inside Arabic text
        ("Welcome Office بوخوم کجاست؟", "fa"),
        ("Где находится Welcome Office Bochum?", "ru"),
    ],
)
def test_detects_the_language(detector: LanguageDetector, text: str, language: str) -> None:
    detection = detector.detect(text)
    assert detection.language == language, detection


@pytest.mark.parametrize(
    "text",
    [
        "😀👍",
        "12345",
        "",
        "Ausländerbehörde Bochum",
        "/affirm",
        '/inform_city{"city":"witten"}',
        "https://www.example.com/some/page",
        "www.bochum.de",
        "info@example.org",
    ],
)
def test_no_language_evidence_means_no_guess(detector: LanguageDetector, text: str) -> None:
    assert detector.detect(text).language is None


def test_german_office_name_does_not_switch_a_russian_conversation(detector: LanguageDetector) -> None:
    detection = detector.detect("Ausländerbehörde Bochum адрес")
    assert conversation_language("ru", detection) == "ru"


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("Что это Wohnungsgeberbestätigung?", "ru"),
        ("Що це Fiktionsbescheinigung?", "uk"),
        ("من يعطي Wohnungsgeberbestätigung؟", "ar"),
        ("Fiktionsbescheinigung چیه؟", "fa"),
    ],
)
def test_a_long_german_word_does_not_outweigh_the_sentence_around_it(
    detector: LanguageDetector, text: str, language: str
) -> None:
    """The word has more letters than the rest of the message together: scripts are counted per word."""
    detection = detector.detect(text)
    assert detection.language == language, detection
    assert conversation_language(language, detection) == language


def test_switch_only_on_confident_detection() -> None:
    assert conversation_language("de", Detection("en", 0.95, "lingua")) == "en"
    assert conversation_language("de", Detection("en", 0.5, "lingua")) == "de"
    assert conversation_language(None, Detection(None, 0.0, "no letters")) is None  # the next real message decides
    assert conversation_language("fr", Detection("en", 0.99, "lingua"), explicit=True) == "fr"


@pytest.mark.parametrize("text", ["Langendreer", "Annen, Witten", "Wattenscheid"])
def test_a_message_of_only_place_names_has_no_language(text: str) -> None:
    """A district name typed in any conversation must never switch it (the lexicon once mapped "Langendreer" to
    Turkish because a Turkish training example consisted of it)."""
    places = ["Bochum", "Herne", "Witten", "Hattingen", "Langendreer", "Annen", "Wattenscheid"]
    detection = LanguageDetector(Settings().nlu_dir, ignore_words=places).detect(text)
    assert detection.language is None
    assert conversation_language("es", detection) == "es"


def test_colloquial_chat_is_recognised_by_the_model_trained_on_our_data(detector: LanguageDetector) -> None:
    """Elongated and informal spellings are not in lingua's training text; the chat model knows them."""
    assert detector.detect("dankeeee").language == "de"  # lingua alone: Spanish
    assert detector.detect("дякуууую").language == "uk"  # lingua alone: Russian


@pytest.mark.parametrize(
    ("text", "language"),
    [("بفيتن", "ar"), ("لانگندریر", "fa"), ("Ланґендреєр", "uk")],
)
def test_place_names_in_arabic_or_cyrillic_letters_tell_the_language_but_never_switch(text: str, language: str) -> None:
    """Persian and Arabic, Ukrainian and Russian spell the same place with different letters."""
    places = ["Bochum", "Herne", "Witten", "Hattingen", "Langendreer", "بفيتن", "لانگندریر", "Ланґендреєр"]
    detection = LanguageDetector(Settings().nlu_dir, ignore_words=places).detect(text)
    assert detection.language == language
    assert conversation_language("de", detection) == "de"


def test_a_compound_of_place_names_has_no_language() -> None:
    places = ["Hattingen", "Blankenstein"]
    assert LanguageDetector(Settings().nlu_dir, ignore_words=places).detect("Hattingen-Blankenstein").language is None


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("niemals", "de"),
        ("no problem", "en"),
        ("nunca", "es"),
        ("ayer", "es"),
        ("azi", "ro"),
        ("belki", "tr"),
        ("her zaman", "tr"),
        ("merciii", "fr"),
        ("holaaa", "es"),
    ],
)
def test_short_messages_are_recognised_by_word_frequencies(
    detector: LanguageDetector, text: str, language: str
) -> None:
    """Without the word lists, character statistics took these for Polish, Spanish, Romanian, English or German."""
    assert detector.detect(text).language == language


def test_a_chat_word_many_languages_use_does_not_switch(detector: LanguageDetector) -> None:
    """ "hey" is English in our training data, but German and Romanian chat use it as much."""
    detection = detector.detect("hey")
    assert conversation_language("de", detection) == "de"
    assert conversation_language("ro", detection) == "ro"


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("Ik heb een vraag over mijn verblijfsvergunning", "nl"),
        ("Mi serve un permesso di soggiorno per lavorare", "it"),
        ("Kam nevoje për ndihmë me lejen e punës", "sq"),
        ("no lo sé todavía", "es"),
        ("hasta luego amigos", "es"),
        ("dzięki za pomoc wielką", "pl"),
        ("ikamet iznimi nerede uzatırım?", "tr"),  # inflected words the lists lack; trigrams said Croatian
        ("Gdje se mogu prijaviti u Bochumu?", "hr"),
    ],
)
def test_unsupported_languages_are_told_apart_from_ours(detector: LanguageDetector, text: str, language: str) -> None:
    """Unsupported languages are checked with lingua's light trigram mode (a fraction of the memory); a message whose
    words are mostly one of our languages' words is never taken for another language."""
    assert detector.detect(text).language == language


@pytest.mark.parametrize("text", ["asdfghjkl", "qwertzuiop", "jjjjjjjj", "ffffff", "asdfghj qwertz", "фывапролдж"])
def test_keyboard_mashing_is_recognised(detector: LanguageDetector, text: str) -> None:
    assert detector.is_gibberish(text)


@pytest.mark.parametrize(
    "text",
    [
        "moinsen",  # chat words the word lists do not have
        "tysm",
        "privet, kak dela",  # transliterated Russian
        "regstration",  # a typo
        "Hattingen-Blankenstein",
        "😀👍",
        "https://www.bochum.de",
        "asdfghjkl Bochum anmeldung",  # a known word beside the mashing
    ],
)
def test_real_words_are_not_taken_for_keyboard_mashing(detector: LanguageDetector, text: str) -> None:
    assert not detector.is_gibberish(text)


def test_no_held_out_message_is_taken_for_keyboard_mashing(detector: LanguageDetector) -> None:
    """The messages of tests/nlu were written by people, in every language: none of them is mashing."""
    mistaken = [text for _, text in training_examples(PROJECT_ROOT / "tests" / "nlu") if detector.is_gibberish(text)]
    assert mistaken == []


def test_words_stay_whole_with_marks_lower_casing_leaves() -> None:
    """Turkish "İ" lower-cases to "i" plus a combining dot and Arabic may carry short vowels: neither splits a word."""
    assert normalise("İkamet İzni") == "ikamet izni"
    assert normalise("شُكْرًا جَزِيلًا") == "شكرا جزيلا"
    assert normalise("شكـــرا") == "شكرا"
    assert normalise("Ça va très bien") == "ça va très bien"
