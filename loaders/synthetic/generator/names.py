"""Name, address and contact-detail vocabularies (all invented or generic)."""

from __future__ import annotations

import itertools
import random

# first name → nicknames people use for it in other systems
NICKNAMES: dict[str, list[str]] = {
    "Robert": ["Bob", "Rob", "Bobby"],
    "Elizabeth": ["Liz", "Beth", "Eliza"],
    "William": ["Bill", "Will", "Billy"],
    "Margaret": ["Maggie", "Peggy", "Meg"],
    "Richard": ["Rick", "Dick", "Rich"],
    "Katherine": ["Kate", "Kathy", "Katie"],
    "James": ["Jim", "Jimmy", "Jamie"],
    "Jennifer": ["Jen", "Jenny"],
    "Michael": ["Mike", "Mikey"],
    "Patricia": ["Pat", "Patty", "Trish"],
    "Thomas": ["Tom", "Tommy"],
    "Christopher": ["Chris", "Topher"],
    "Alexander": ["Alex", "Xander"],
    "Daniel": ["Dan", "Danny"],
    "Samantha": ["Sam", "Sammy"],
    "Jonathan": ["Jon", "Johnny"],
    "Victoria": ["Vicky", "Tori"],
    "Anthony": ["Tony"],
    "Rebecca": ["Becky", "Becca"],
    "Joseph": ["Joe", "Joey"],
    "Susan": ["Sue", "Suzy"],
    "Edward": ["Ed", "Eddie", "Ted"],
    "Deborah": ["Deb", "Debbie"],
    "Nicholas": ["Nick", "Nicky"],
    "Abigail": ["Abby"],
    "Matthew": ["Matt"],
    "Benjamin": ["Ben", "Benny"],
    "Jessica": ["Jess", "Jessie"],
}

FIRST_NAMES = (
    list(NICKNAMES)
    + (
        "Olivia Emma Ava Sophia Mia Amelia Harper Evelyn Noah Liam Lucas Ethan Mason Logan Aiden Carter Grace "
        "Chloe Hannah Nora Lily Zoe Leah Aria Ryan Kevin Brian Eric Adam Justin Laura Sarah Rachel Megan Karen "
        "Linda Barbara Nancy Donna Carol Ruth Sharon Helen Paul Mark Steven Andrew George Kenneth Oliver Harry "
        "Jack Charlie Arthur Freddie Amara Priya Wei Hana Omar Aisha Diego Mateo Sofia Valentina Kwame Imani"
    ).split()
)
# a few unicode / accented names (kept as-is in some systems, ASCII-folded in others)
ACCENTED_FIRST = ["José", "Zoë", "Renée", "Søren", "François", "Björn", "Inés", "Chloé", "Ramón", "Noémie"]
ACCENTED_LAST = ["Müller", "Núñez", "García", "Østergaard", "Lefèvre", "Żukowski", "Çelik", "Ångström"]
ASCII_FOLD = str.maketrans(
    {
        "é": "e", "ë": "e", "è": "e", "ø": "o", "ç": "c", "ö": "o", "ü": "u", "ñ": "n", "ú": "u", "í": "i",
        "á": "a", "å": "a", "ż": "z", "Ç": "C", "Å": "A", "Ø": "O", "Ż": "Z",
    }
)  # fmt: skip

LAST_NAMES = (
    "Smith Johnson Williams Brown Jones Miller Davis Rodriguez Martinez Hernandez Lopez Gonzalez Wilson "
    "Anderson Thomas Taylor Moore Jackson Martin Lee Perez Thompson White Harris Sanchez Clark Ramirez Lewis "
    "Robinson Walker Young Allen King Wright Scott Torres Nguyen Hill Flores Green Adams Nelson Baker Hall "
    "Rivera Campbell Mitchell Carter Roberts Patel Shah Kim Park Chen Wang Singh Murphy O'Brien O'Connor "
    "McDonald MacLeod Fitzgerald Okafor Mensah Kowalski Novak Rossi Bianchi Dubois Schmidt Weber Evans "
    "Hughes Edwards Collins Stewart Morris Rogers Reed Cook Morgan Bell Cooper Richardson Cox Howard Ward"
).split()

# Real person data is long-tailed: a few names are very common, most are rare (in the US census a
# few hundred surnames cover a quarter of people and tens of thousands share the rest). Rare names are
# what makes a name agreement strong evidence (Fellegi-Sunter weights with value frequencies), common
# ones are why a name alone proves little. The tails are invented from syllables, the same for every seed.
COMMON_FIRST_SHARE = 0.6  # share of people with one of FIRST_NAMES; the rest draw from the tail
COMMON_LAST_SHARE = 0.3  # share of people with one of LAST_NAMES
_FIRST_ONSETS = (
    "Al Ar Bri Cal Cas Da Del El Em Fa Ga Gi Ha Ja Jo Ka Ke La Le Li Lu Ma Me Mi Na Ni Ol Ra Re Ro Sa Se Ta Te Va Ve "
    "Za Zo"
)
_FIRST_ENDINGS = "na ra lyn den ron via ley son mir tta nie ric lan del rin ena iel ias ko mo ine ette ah an"
_LAST_ONSETS = (
    "Ab Ash Bal Bel Bran Brock Cal Car Cor Dal Dar Den Dun El Fal Far Fen Gal Gar Gil Grim Hal Har Hart Hol Ing "
    "Kel Ken Kir Lan Lin Lock Mal Mar Mer Mor Nor Pem Pen Rad Ran Red Ros Sal Sel Sher Stan Thorn Tal Ul Van Wal "
    "War Wex Wil Win Yar"
)
_LAST_MIDDLES = ["", "a", "e", "i", "o", "en", "er", "in", "ing", "bel", "wal", "ker"]
_LAST_ENDINGS = (
    "ford ley ton wood ridge by more field well ham stead wick ner ski ova ez berg stein ani elli son sen "
    "dottir aro ic ovic ens ers ard ock man mann den don sworth kin kins hurst"
)


def _tail(parts: list[list[str]], exclude: set[str], seed: int) -> tuple[list[str], list[float]]:
    """Every combination of the parts (minus ``exclude``), in a fixed pseudo-random rank order, with
    cumulative Zipf-like weights 1 / (rank + 20) for ``random.choices``."""
    names = sorted({"".join(combo).capitalize() for combo in itertools.product(*parts)} - exclude)
    random.Random(seed).shuffle(names)
    cumulative, total = [], 0.0
    for rank in range(len(names)):
        total += 1.0 / (rank + 20)
        cumulative.append(total)
    return names, cumulative


class NameSampler:
    """Draws first and last names: a common name with the COMMON_*_SHARE probability, else a tail name."""

    def __init__(self) -> None:
        self.first_tail, self.first_cum = _tail(
            [_FIRST_ONSETS.split(), _FIRST_ENDINGS.split()], set(FIRST_NAMES), seed=11
        )
        self.last_tail, self.last_cum = _tail(
            [_LAST_ONSETS.split(), _LAST_MIDDLES, _LAST_ENDINGS.split()], set(LAST_NAMES), seed=13
        )

    def first(self, rng: random.Random) -> str:
        if rng.random() < COMMON_FIRST_SHARE:
            return rng.choice(FIRST_NAMES)
        return rng.choices(self.first_tail, cum_weights=self.first_cum)[0]

    def last(self, rng: random.Random) -> str:
        if rng.random() < COMMON_LAST_SHARE:
            return rng.choice(LAST_NAMES)
        return rng.choices(self.last_tail, cum_weights=self.last_cum)[0]


STREET_NAMES = (
    "Main Oak Pine Maple Cedar Elm Washington Lake Hill Park View Sunset Lincoln Jackson Church River "
    "Highland Forest Meadow Spring Willow Chestnut Walnut Ridge Valley Mill Franklin Madison"
).split()
US_STREET_SUFFIX = [("Street", "St"), ("Avenue", "Ave"), ("Road", "Rd"), ("Boulevard", "Blvd"), ("Drive", "Dr")]
UK_STREET_SUFFIX = [("Road", "Rd"), ("Street", "St"), ("Lane", "Ln"), ("Close", "Cl"), ("Gardens", "Gdns")]

# (city, state, zip prefix, area codes, time zone)
US_CITIES: list[tuple[str, str, str, list[str], str]] = [
    ("New York", "NY", "100", ["212", "646", "917"], "America/New_York"),
    ("Boston", "MA", "021", ["617", "857"], "America/New_York"),
    ("Philadelphia", "PA", "191", ["215", "267"], "America/New_York"),
    ("Atlanta", "GA", "303", ["404", "678"], "America/New_York"),
    ("Miami", "FL", "331", ["305", "786"], "America/New_York"),
    ("Indianapolis", "IN", "462", ["317"], "America/New_York"),
    ("Chicago", "IL", "606", ["312", "773"], "America/Chicago"),
    ("Houston", "TX", "770", ["713", "832"], "America/Chicago"),
    ("Dallas", "TX", "752", ["214", "469"], "America/Chicago"),
    ("Minneapolis", "MN", "554", ["612"], "America/Chicago"),
    ("Denver", "CO", "802", ["303", "720"], "America/Denver"),
    ("Phoenix", "AZ", "850", ["602", "480"], "America/Phoenix"),
    ("Los Angeles", "CA", "900", ["213", "310", "323"], "America/Los_Angeles"),
    ("San Francisco", "CA", "941", ["415", "628"], "America/Los_Angeles"),
    ("Seattle", "WA", "981", ["206", "425"], "America/Los_Angeles"),
    ("Portland", "OR", "972", ["503", "971"], "America/Los_Angeles"),
]
CA_CITIES: list[tuple[str, str, str, list[str], str]] = [
    ("Toronto", "ON", "M5V", ["416", "647"], "America/Toronto"),
]
# (city, postcode area, London-style landline prefix or None → mobile)
UK_CITIES: list[tuple[str, str]] = [
    ("London", "SW1A"),
    ("London", "E1"),
    ("Manchester", "M1"),
    ("Birmingham", "B1"),
    ("Leeds", "LS1"),
    ("Bristol", "BS1"),
]

EMAIL_DOMAINS = ["gmail.com", "yahoo.com", "outlook.com", "hotmail.com", "icloud.com", "aol.com", "proton.me"]
