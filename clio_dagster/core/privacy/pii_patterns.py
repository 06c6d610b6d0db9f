"""Pattern recognisers for the PII scanner: emails, phones, street addresses, URLs with user data.

Regexes run case-sensitively (Presidio's default is case-insensitive) because capitalisation
is what separates "12 Baker Street" from "12 tips for better sleep".
"""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, unquote, urlsplit

from presidio_analyzer import EntityRecognizer, Pattern, PatternRecognizer, RecognizerResult
from presidio_analyzer.nlp_engine import NlpArtifacts

from clio_dagster.core.privacy.pii import NAME_PARTICLES

_FLAGS = re.DOTALL | re.MULTILINE

_EMAIL = r"(?<![\w.+-])[\w.+-]+@[\w-]+(?:\.[\w-]+)*\.[A-Za-z]{2,}(?![\w-])"
# "anna.berg [at] example [dot] se", "anna at example dot se": how injected text dodges filters
_AT = r"(?:\s*[\[(]\s*at\s*[\])]\s*|\s+at\s+)"
_DOT = r"(?:\s*[\[(]\s*dot\s*[\])]\s*|\s+dot\s+)"
_TLDS = "com|org|net|edu|gov|io|co|uk|de|fr|es|it|nl|se|no|dk|fi|ch|at|be|pl|br|in|au|ca|jp|ru|info|me"
_OBFUSCATED_EMAIL = (
    rf"(?i:\b[\w.+-]+{_AT}[\w-]+(?:{_DOT}[\w-]+)*{_DOT}(?:{_TLDS})\b)"
    # with brackets the intent is plain, any ending will do
    r"|(?i:\b[\w.+-]+\s*[\[(]\s*at\s*[\])]\s*[\w-]+(?:\s*[\[(]\s*dot\s*[\])]\s*[\w-]+)+\b)"
)

_PHONE = (
    r"(?<![\w+])(?:\+\d{1,3}[\s.-]?)?(?:\(0\)\s?)?(?:\(\d{1,5}\)[\s.-]?)?"
    r"\d{2,5}(?:[\s.-]?\d{2,5}){0,4}(?:\s?(?:x|ext\.?)\s?\d{1,5})?(?![\w])"
)

# English street types (USPS-style list and British forms), matched in any case.
_EN_STREET_TYPES = (
    "street|st|avenue|ave|road|rd|lane|ln|boulevard|blvd|drive|dr|court|ct|place|pl|terrace|way|"
    "square|sq|parkway|pkwy|highway|hwy|circle|cir|crescent|close|trail|trl|row|walk|gardens|mews|"
    "grove|alley|loop|path|pike|plaza|ridge|run|view|views|village|turnpike|crossing|expressway|"
    "freeway|heights|hills?|mountains?|meadows?|valley|vista|estates?|fields?|forge|ford|fork|"
    "falls|harbor|harbour|haven|island|junction|knolls?|lakes?|landing|lodge|manor|mills?|mission|"
    "motorway|orchard|oval|park|passage|points?|port|prairie|ranch|rapids|rest|shoals?|shores?|"
    "spring|springs|station|stream|summit|trace|track|tunnel|union|wells?|creek|crest|cove|"
    "corners?|causeway|bypass|brook|bridge|branch|bluffs?|bend|bay|burgs?|canyon|cape|center|"
    "centre|cliffs?|club|common|curve|dale|dam|divide|extension|ferry|flats?|gateway|glen|green|"
    "inlet|isle|keys?|lights?|locks?|mall|neck|overpass|pass|pines?|plains?|radial|ramp|road|"
    "route|skyway|spur|throughway|trafficway|underpass|viaduct|ville|wall|camp|river|rapid|drives|"
    "fort|garden|gate|grounds|glade|hollow|lock|meadow|path|pine|plain|ridge|shore|terrace|wharf"
)
_CAP = r"[A-ZÀ-ÝĀ-Ž][\w'’.-]*"
_EN_ADDRESS = (
    rf"(?:\b\d{{1,5}}[A-Za-z]?(?:[-/]\d{{1,4}})?,?|\b(?i:flat|studio|apartment|apt\.?|unit)\s+\d{{1,4}}[A-Za-z]?,?)"
    rf"\s+(?:{_CAP}\s+){{1,4}}(?i:(?:{_EN_STREET_TYPES})s?)\b\.?"
    r"(?:,?\s+(?i:apt|apartment|suite|ste|unit|flat)\.?\s*#?\d{1,5}[A-Za-z]?)?"
)
# German and Dutch: the street type is often fused ("Lindenstraße 5", "Lucasboulevard 7").
_GERMANIC_ADDRESS = (
    r"\b(?:[A-ZÄÖÜ][\w'’.-]*?\s?)?(?i:straße|strasse|str\.|weg|gasse|allee|platz|ring|damm|ufer|"
    r"steig|pfad|chaussee|markt|laan|straat|plein|gracht|kade|singel|dijk|hof|boulevard|dreef|steeg|"
    r"pad|baan|park|lei|vest)"
    r"\s+\d{1,4}(?:\s?[a-zA-Z]\b)?(?:-\d{1,4})?\b"
)
_ROMANCE_TYPES = (
    "rue|avenue|av\\.|boulevard|bd|chemin|allée|impasse|place|quai|route|cours|square|passage|"
    "calle|avenida|avda\\.|paseo|plaza|camino|callejón|cuesta|ronda|pasaje|carrera|travesía|"
    "glorieta|rambla|via|viale|piazza|piazzale|vicolo|corso|contrada|borgo|strada|largo|rotonda|"
    "vial|pasadizo|acceso|urbanización|polígono|partida|senda|bajada|subida|prolongación|carretera|"
    "cañada|canale|stretto|incrocio|piazzetta|traversa|rua|travessa|praça|campo|recanto|alameda|"
    "estrada|ladeira|rodovia|vereda|viela|lagoa|sítio|fazenda|pátio|condomínio|chácara|quadra|"
    "setor|residencial|núcleo|parque|conjunto|vila|distrito|feira|morro|jardim|loteamento|trecho"
)
_PARTICLES = r"(?:(?:d[aeiou]s?|de|del|della|dei|degli|di|la|le|les|lo|van|von|der|d['’])\s*)*"
# Spanish, Italian, Portuguese: type, name, then the number ("Piazza Pellico, 59").
_ROMANCE_ADDRESS = (
    rf"\b(?i:{_ROMANCE_TYPES})\s+{_PARTICLES}{_CAP}(?:\s+{_PARTICLES}{_CAP}){{0,3}},?\s+"
    r"(?:n[º°.]?\s*)?\d{1,4}\b"
)
# French: number first ("214, avenue Charlotte Gilles", "12 bis rue de la Paix").
_FRENCH_ADDRESS = (
    rf"\b\d{{1,4}}(?:\s?(?i:bis|ter))?,?\s+(?i:{_ROMANCE_TYPES})\s+{_PARTICLES}{_CAP}"
    rf"(?:\s+{_PARTICLES}{_CAP}){{0,3}}"
)

_URL = r"(?<![\w@])(?:https?://|www\.)[^\s<>\"'`]+"
_USER_KEYS = {
    "id",
    "uid",
    "user",
    "userid",
    "user_id",
    "username",
    "email",
    "mail",
    "e",
    "token",
    "access_token",
    "auth",
    "key",
    "api_key",
    "apikey",
    "session",
    "sid",
    "sessionid",
    "session_id",
    "account",
    "account_id",
    "phone",
    "tel",
    "name",
    "first_name",
    "last_name",
    "customer",
    "customer_id",
    "member",
    "member_id",
    "password",
    "pwd",
    "code",
    "ssn",
    "dob",
}
_USER_PATH = re.compile(r"/(?:users?|u|profiles?|accounts?|members?|customers?|people)/[^/?#]+", re.I)
_IDLIKE = re.compile(r"^(?:\d{5,}|[0-9a-f]{16,}|[A-Za-z0-9_\-]{24,}|.+@.+\..+)$", re.I)


class _EmailRecognizer(PatternRecognizer):
    def __init__(self) -> None:
        super().__init__(
            supported_entity="EMAIL_ADDRESS",
            patterns=[Pattern("email", _EMAIL, 0.9), Pattern("email_obfuscated", _OBFUSCATED_EMAIL, 0.7)],
            global_regex_flags=_FLAGS,
            name="ClioEmailRecognizer",
        )


class _GenericPhoneRecognizer(PatternRecognizer):
    """Phone numbers in any national format, beyond the regions phonenumbers is given."""

    def __init__(self) -> None:
        super().__init__(
            supported_entity="PHONE_NUMBER",
            patterns=[Pattern("phone", _PHONE, 0.6)],
            global_regex_flags=_FLAGS,
            name="ClioPhoneRecognizer",
        )

    def validate_result(self, pattern_text: str) -> bool:
        digits = re.sub(r"\D", "", re.split(r"\s?(?:x|ext)", pattern_text)[0])
        if not 7 <= len(digits) <= 15:
            return False
        groups = re.findall(r"\d+", pattern_text)
        marked = pattern_text.startswith("+") or "(" in pattern_text
        if marked:
            return True
        if re.fullmatch(r"(?:19|20)\d\d\s?[-/.]\s?\d{1,2}\s?[-/.]\s?\d{1,2}", pattern_text):
            return False  # an ISO date
        thousands = len(groups[0]) <= 3 and not groups[0].startswith("0")
        if thousands and len(groups) > 1 and all(len(g) == 3 for g in groups[1:]):
            return False  # thousands grouping: "10 000 000"
        return len(digits) >= 9 or len(groups) >= 3


class _StreetAddressRecognizer(PatternRecognizer):
    def __init__(self) -> None:
        super().__init__(
            supported_entity="STREET_ADDRESS",
            patterns=[
                Pattern("address_en", _EN_ADDRESS, 0.65),
                Pattern("address_de_nl", _GERMANIC_ADDRESS, 0.65),
                Pattern("address_romance", _ROMANCE_ADDRESS, 0.65),
                Pattern("address_fr", _FRENCH_ADDRESS, 0.65),
            ],
            global_regex_flags=_FLAGS,
            name="ClioStreetAddressRecognizer",
        )


class _UserDataUrlRecognizer(PatternRecognizer):
    """URLs whose query or path carries an identifier, an email or a token."""

    def __init__(self) -> None:
        super().__init__(
            supported_entity="URL_WITH_USER_DATA",
            patterns=[Pattern("url", _URL, 0.3)],
            global_regex_flags=_FLAGS,
            name="ClioUserDataUrlRecognizer",
        )

    def validate_result(self, pattern_text: str) -> bool:
        url = pattern_text if "://" in pattern_text else f"http://{pattern_text}"
        parts = urlsplit(url.rstrip(".,;:)]}"))
        for key, value in parse_qsl(parts.query, keep_blank_values=True):
            if key.casefold() in _USER_KEYS or _IDLIKE.match(value):
                return True
        path = unquote(parts.path)
        return "@" in path or "@" in parts.netloc or bool(_USER_PATH.search(path))


def pattern_recognizers() -> list[EntityRecognizer]:
    """Fresh instances of every recogniser of this module."""
    return [
        _EmailRecognizer(),
        _GenericPhoneRecognizer(),
        _StreetAddressRecognizer(),
        _UserDataUrlRecognizer(),
        ContextNameRecognizer(),
    ]


_NAME_CUES = frozenset(
    [
        "to",
        "from",
        "named",
        "called",
        "dear",
        "mr",
        "mrs",
        "ms",
        "miss",
        "dr",
        "prof",
        "contact",
        "cc",
        "ask",
        "asks",
        "asked",
        "tell",
        "told",
        "meet",
        "met",
        "email",
        "emailing",
        "call",
        "calling",
        "wife",
        "husband",
        "son",
        "daughter",
        "mother",
        "father",
        "brother",
        "sister",
        "friend",
        "colleague",
        "boss",
        "manager",
        "neighbor",
        "neighbour",
        "landlord",
        "tenant",
        "client",
        "patient",
        "student",
        "teacher",
    ]
)


class ContextNameRecognizer(EntityRecognizer):
    """Full names the small English model mislabels (it often calls foreign names ORG or GPE).

    A run of two to four capitalised proper nouns right after a cue word ("letter to", "my
    landlord", "Dear") is taken for a person, unless the text is written in title case, where
    every word is capitalised and the cue tells nothing.
    """

    def __init__(self) -> None:
        super().__init__(supported_entities=["PERSON"], name="ClioContextNameRecognizer")

    def load(self) -> None:
        """Nothing to load: works on the spaCy tokens Presidio already computed."""

    def analyze(self, text: str, entities: list[str], nlp_artifacts: NlpArtifacts = None) -> list:
        if nlp_artifacts is None or "PERSON" not in entities or _title_case(text):
            return []
        tokens = list(nlp_artifacts.tokens)
        results = []
        i = 1
        while i < len(tokens):
            j, names = i, 0
            while j < len(tokens) and names < 4:
                if _name_token(tokens[j]):
                    names += 1
                elif not (names and _joiner(tokens[j]) and j + 1 < len(tokens)):
                    break
                j += 1
            while j > i and not _name_token(tokens[j - 1]):
                j -= 1  # a run ends on a name, not on "van" or "-"
            if names >= 2 and tokens[i - 1].lower_.rstrip(".") in _NAME_CUES:
                start, end = tokens[i].idx, tokens[j - 1].idx + len(tokens[j - 1].text)
                results.append(RecognizerResult("PERSON", start, end, 0.6))
            i = max(j, i + 1)
        return results


def _name_token(token: object) -> bool:
    text = token.text  # type: ignore[attr-defined]
    return token.pos_ == "PROPN" and text[:1].isupper() and text.replace("-", "").isalpha()  # type: ignore[attr-defined]


def _joiner(token: object) -> bool:
    """Hyphens and lower-case particles inside a full name ("van der Sloot-Huijben")."""
    return token.text == "-" or token.text in NAME_PARTICLES  # type: ignore[attr-defined]


def _title_case(text: str) -> bool:
    words = [w for w in re.findall(r"[^\W\d_]+", text) if len(w) > 3]
    return bool(words) and sum(w[0].isupper() for w in words) / len(words) > 0.6
