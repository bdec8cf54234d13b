"""The words the bot understands in questions about training, in Danish and English.

Each entry is a phrase: a tuple of word patterns matched against consecutive words
(`text.word_matches`): a stem matches any word starting with it ("temadag" matches temadage,
temadagen, temadagene) and tolerates a typo or two in long stems; a pattern ending in "$" must
be the whole word ("talk$" does not match "talkshow"). Topic ids are what the catalogue stores
in `topics` and what `training.topic.<id>` labels show; add a phrasing here, not in code.
"""

from __future__ import annotations

from types import MappingProxyType

from domain.training.events import EventKind

Phrase = tuple[str, ...]

KIND_PHRASES: MappingProxyType[EventKind, tuple[Phrase, ...]] = MappingProxyType(
    {
        EventKind.THEME_DAY: (
            ("temadag",),
            ("tema", "dag"),
            ("tema", "dage"),
            ("theme", "day"),
            ("themeday",),
        ),
        EventKind.TALK: (
            ("oplæg",),
            ("foredrag",),
            ("talk$",),
            ("talks$",),
            ("lecture",),
            ("presentation",),
        ),
        EventKind.FURTHER_EDUCATION: (
            ("efteruddannelse",),
            ("videreuddannelse",),
            ("kursus",),
            ("kurser",),
            ("kurset$",),
            ("kursusforløb",),
            ("course$",),
            ("courses$",),
            ("further", "education"),
            ("training", "course"),
        ),
        EventKind.DIALOGUE_MEETING: (
            ("dialogmøde",),
            ("dialog", "møde"),
            ("dialogue", "meeting"),
            ("dialog", "meeting"),
        ),
        EventKind.NETWORK_MEETING: (
            ("netværksmøde",),
            ("netværk", "møde"),
            ("network", "meeting"),
            ("networking", "meeting"),
            ("netværksmød",),
        ),
    }
)

# Words that make a message a question about training without naming a kind.
EVENT_PHRASES: tuple[Phrase, ...] = (
    ("arrangement",),
    ("begivenhed",),
    ("aktiviteter$",),
    ("tilbud$",),
    ("tilbuddene$",),
    ("vidensopbygning",),
    ("undervisning",),
    ("workshop",),
    ("webinar",),
    ("seminar",),
    ("event$",),
    ("events$",),
    ("training$",),
    ("trainings$",),
    ("what's", "on$"),
    ("whats", "on$"),
    ("what", "is", "on$"),
    ("what", "s", "on$"),
    ("sker", "der$"),
    ("foregår",),
    ("happening$",),
    ("coming", "up$"),
    ("upcoming$",),
)

# Topic id -> phrases. Ids are stored on events; keep them stable.
TOPIC_PHRASES: MappingProxyType[str, tuple[Phrase, ...]] = MappingProxyType(
    {
        "radicalisation": (("radikalis",), ("radicali",), ("radicaliz",)),
        "extremism": (("ekstremism",), ("ekstremist$",), ("extremism",), ("extremist$",)),
        "extremist_groups": (
            ("ekstrem", "grupp"),
            ("ekstremistisk", "grupp"),
            ("extremist", "group"),
            ("gruppering",),
        ),
        "right_wing_extremism": (
            ("højreekstrem",),
            ("højreradikal",),
            ("nynazi",),
            ("nazis",),
            ("right", "wing"),
            ("far", "right$"),
        ),
        "left_wing_extremism": (
            ("venstreekstrem",),
            ("venstreradikal",),
            ("left", "wing"),
            ("far", "left$"),
        ),
        "islamism": (("islamis",), ("jihad",), ("militant", "islam")),
        "religious_actors": (
            ("religiøse", "aktør"),
            ("religiøs",),
            ("religion",),
            ("religious",),
            ("trossamfund",),
            ("moské",),
            ("mosque",),
        ),
        "intercultural_dialogue": (
            ("interkultur",),
            ("intercultur",),
            ("kulturmøde",),
            ("cross", "cultural"),
        ),
        "social_media": (
            ("sociale", "medie"),
            ("social", "media$"),
            ("socialmedia",),
            ("socialemedie",),
            ("tiktok",),
            ("instagram",),
            ("facebook",),
            ("youtube",),
            ("telegram",),
            ("discord",),
            ("snapchat",),
            ("internet",),
            ("nettet$",),
        ),
        "recruitment": (("rekrutter",), ("rekruttering",), ("hverv",), ("recruit",)),
        "polarisation": (
            ("polaris",),
            ("polariz",),
            ("modstandsidentitet",),
            ("resistance", "identit"),
            ("os", "og", "dem$"),
            ("us", "and", "them$"),
            ("us", "versus", "them$"),
        ),
        "conspiracy_theories": (
            ("konspiration",),
            ("conspirac",),
            ("misinformation",),
            ("desinformation",),
            ("disinformation",),
            ("fake", "news$"),
        ),
        "concern_handling": (
            ("bekymringshenvendelse",),
            ("bekymringstegn",),
            ("tegn", "på$"),
            ("warning", "sign"),
            ("underretning",),
            ("concern", "referral"),
        ),
        "hate_crime": (
            ("hadforbrydelse",),
            ("hadkriminalitet",),
            ("hadtale",),
            ("hate", "crime"),
            ("hate", "speech"),
        ),
        "gangs": (("bandekriminalitet",), ("bander$",), ("banderne$",), ("gangs$",)),
        "conversations": (
            ("svære", "samtale"),
            ("samtale", "med", "unge$"),
            ("samtaler", "med", "unge$"),
            ("difficult", "conversation"),
            ("conversations", "with", "young$"),
        ),
        "democracy": (
            ("demokrati",),
            ("democra",),
            ("medborgerskab",),
            ("citizenship",),
            ("inklusion",),
            ("inclusion",),
        ),
    }
)
TOPICS: tuple[str, ...] = tuple(TOPIC_PHRASES)
# A general topic named together with a specific one means the specific one: "far right
# extremism" asks about right-wing extremism, not about every event on extremism.
SUBSUMED_BY: MappingProxyType[str, frozenset[str]] = MappingProxyType(
    {
        "extremism": frozenset(
            {"right_wing_extremism", "left_wing_extremism", "islamism", "extremist_groups"}
        ),
    }
)

# "Next": the first upcoming match only.
NEXT_WORDS: tuple[Phrase, ...] = (
    ("næste$",),
    ("næstkommende$",),
    ("førstkommende$",),
    ("next$",),
    ("first$",),
)
# "Where": the answer names the place.
WHERE_PHRASES: tuple[Phrase, ...] = (
    ("hvor$", "foregår"),
    ("hvor$", "er$"),
    ("hvor$", "holdes$"),
    ("hvor$", "afholdes$"),
    ("hvor$", "skal$"),
    ("hvor$", "bliver$"),
    ("hvor$", "ligger$"),
    ("where$",),
    ("where's$",),
)
# Words that introduce what a question is about ("kurser om …", "courses on …").
ABOUT_WORDS: frozenset[str] = frozenset(
    {"om", "omkring", "vedrørende", "angående", "about", "on", "regarding", "concerning"}
)
# Words never taken as a subject of their own.
_STOP_WORDS = """
    a af alle alt an and any anything are at be by can de dem den der det dig du e efter eller
    en er et for fra få gerne har have hej hello hi hvad hvem hvilke hvilken hvordan hvornår
    i ikke in is it jeg kan man med mig mere min mine my mon nogen noget nogle nu når of og
    om omkring on or os på s se skal som the there til to ud vi vil was what when where which
    who will with you your please tak thanks venligst lige også also coming kommende næste next
    upcoming snart soon interesting spændende godt good hvilke muligheder options tilmelde
    tilmelding sign up signup
"""
STOP_WORDS: frozenset[str] = frozenset(_STOP_WORDS.split())

# Standing questions: definition cues, the units, advice.
DEFINITION_PHRASES: tuple[Phrase, ...] = (
    ("hvad$", "er$"),
    ("hvad$", "betyder$"),
    ("hvad$", "mener$"),
    ("hvad$", "forstår$"),
    ("hvad$", "menes$"),
    ("hvordan$", "definer"),
    ("definition",),
    ("definer",),
    ("what$", "is$"),
    ("what's$",),
    ("whats$",),
    ("what$", "does$"),
    ("what$", "do$", "you$", "mean$"),
    ("mean$", "by$"),
    ("meaning$",),
    ("define",),
)
EXTREMISM_PHRASES: tuple[Phrase, ...] = (("ekstremism",), ("extremism",), ("ekstremist",))
RADICALISATION_PHRASES: tuple[Phrase, ...] = (("radikalis",), ("radicali",), ("radicaliz",))
VINK_PHRASES: tuple[Phrase, ...] = (("vink$",), ("viden", "inklusion"))
SSP_PHRASES: tuple[Phrase, ...] = (("ssp$",), ("ssp-sekretariatet$",), ("sekretariatet$",))
ABOUT_UNIT_PHRASES: tuple[Phrase, ...] = (
    ("hvad$", "er$"),
    ("hvad$", "laver$"),
    ("hvem$", "er$"),
    ("hvad$", "står$"),
    ("hvad$", "gør$"),
    ("what$", "is$"),
    ("what's$",),
    ("what$", "does$"),
    ("who$", "is$"),
    ("who$", "are$"),
    ("tell", "me$", "about$"),
    ("fortæl", "om$"),
)
ADVICE_PHRASES: tuple[Phrase, ...] = (
    ("rådgivning",),
    ("sparring",),
    ("råd$",),
    ("advice$",),
    ("advise",),
    ("tale$", "med$", "en$", "konsulent"),
    ("talk$", "to$", "a$", "consultant"),
    ("talk$", "to$", "someone$"),
    ("tale$", "med$", "nogen$"),
    ("kontakt", "vink$"),
    ("contact$", "vink$"),
    ("konsulent",),
    ("consultant",),
)
