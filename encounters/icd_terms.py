"""What clinicians type that ICD-10-CM does not spell out: abbreviations, synonyms, and
the codes an outpatient psychiatric practice uses most (the ICD search's data).

``SEARCH_TERMS`` maps a typed word or phrase (lower case) to the phrases it stands for,
best first. A phrase matches whole words in its order, one after the other, in one text
of the code (its description, an inclusion term, a category's); a word's beginning is
enough ("borderline personality" finds "Borderline personality disorder", not F21
"Schizotypal personality disorder" with its inclusion term "Borderline schizophrenia").
The search ranks a code found through an earlier phrase first, so an ambiguous
abbreviation lists its likeliest meaning first and the others after it; a phrase
ICD-10-CM spells out ("alcohol dependence") goes before one it only uses in inclusion
terms ("alcohol use disorder"), since a code's own description ranks first.

``COMMON_CODES`` breaks ties between equally good matches: a code earlier in the list
comes first, and codes not in the list come after all of them.
"""

from __future__ import annotations

from typing import Final

SEARCH_TERMS: Final[dict[str, tuple[str, ...]]] = {
    # Abbreviations.
    "mdd": ("major depressive",),
    "mde": ("major depressive",),
    "gad": ("generalized anxiety",),
    "adhd": ("attention deficit hyperactivity",),
    # ADD is the old name of ADHD without hyperactivity: the inattentive type first.
    "add": (
        "attention deficit hyperactivity disorder predominantly inattentive",
        "attention deficit hyperactivity",
    ),
    "ptsd": ("posttraumatic stress",),
    "ocd": ("obsessive compulsive",),
    # BPD means borderline personality disorder in DSM-5 and in most psychiatric notes;
    # bipolar disorder is written BD or BPAD there, but some clinicians type BPD for it.
    "bpd": ("borderline personality", "bipolar"),
    "bpad": ("bipolar",),
    "sad": ("social anxiety", "social phobia"),
    "aud": ("alcohol dependence", "alcohol abuse", "alcohol use disorder"),
    "oud": ("opioid dependence", "opioid abuse", "opioid use disorder"),
    "cud": ("cannabis dependence", "cannabis abuse", "cannabis use disorder"),
    "sud": ("dependence", "abuse", "use disorder"),
    # ASD: autism spectrum disorder; acute stress disorder is the rarer meaning.
    "asd": ("autism spectrum", "autistic", "acute stress"),
    "odd": ("oppositional defiant",),
    "dmdd": ("disruptive mood dysregulation",),
    "pdd": ("persistent depressive", "pervasive developmental"),
    "pmdd": ("premenstrual dysphoric",),
    "ied": ("intermittent explosive",),
    "bed": ("binge eating",),
    "si": ("suicidal ideation",),
    "hi": ("homicidal ideation",),
    "tbi": ("traumatic brain injury", "intracranial injury"),
    "mci": ("mild neurocognitive", "mild cognitive impairment"),
    "nos": ("unspecified", "nos"),
    # Everyday words for what ICD-10-CM names otherwise.
    "anxious": ("anxiety",),
    "autism": ("autis",),
    "psychosis": ("psychosis", "psychotic"),
    "psychotic": ("psychotic", "psychosis"),
    "addiction": ("dependence", "use disorder"),
    "alcoholism": ("alcohol dependence",),
    "drinking": ("alcohol",),
    "marijuana": ("cannabis",),
    "weed": ("cannabis",),
    "opiate": ("opioid",),
    "opiates": ("opioid",),
    "heroin": ("opioid",),
    "meth": ("stimulant", "amphetamine"),
    "smoking": ("nicotine",),
    "tobacco": ("nicotine",),
    "vaping": ("nicotine",),
    "sleeplessness": ("insomnia",),
    "grief": ("grief", "bereavement"),
    "mood swings": ("mood", "bipolar"),
}

COMMON_CODES: Final[tuple[str, ...]] = (
    # Depressive disorders.
    "F32.9",
    "F33.1",
    "F32.A",
    "F33.0",
    "F33.2",
    "F33.9",
    "F32.1",
    "F32.0",
    "F32.2",
    "F33.41",
    "F33.42",
    "F34.1",
    # Anxiety disorders.
    "F41.1",
    "F41.9",
    "F41.0",
    "F40.10",
    "F41.8",
    "F40.01",
    "F40.00",
    "F93.0",
    # Trauma- and stressor-related disorders.
    "F43.10",
    "F43.12",
    "F43.11",
    "F43.21",
    "F43.22",
    "F43.23",
    "F43.25",
    "F43.20",
    "F43.0",
    "F43.81",
    # ADHD.
    "F90.2",
    "F90.0",
    "F90.1",
    "F90.9",
    # Obsessive-compulsive and related disorders.
    "F42.2",
    "F42.9",
    "F42.3",
    "F63.3",
    # Bipolar disorders.
    "F31.9",
    "F31.81",
    "F31.0",
    "F31.32",
    "F31.4",
    "F31.5",
    "F31.60",
    "F31.76",
    "F31.75",
    # Psychotic disorders.
    "F20.9",
    "F29",
    "F25.0",
    "F25.1",
    "F25.9",
    "F22",
    "F23",
    # Personality disorders.
    "F60.3",
    "F60.9",
    "F60.2",
    "F60.81",
    # Substance use disorders.
    "F10.20",
    "F10.10",
    "F10.21",
    "F11.20",
    "F11.21",
    "F11.10",
    "F12.20",
    "F12.10",
    "F17.210",
    "F14.20",
    "F15.20",
    "F13.20",
    # Neurodevelopmental, disruptive and childhood disorders.
    "F84.0",
    "F91.3",
    "F34.81",
    "F95.2",
    "F95.9",
    "F94.0",
    # Eating disorders.
    "F50.00",
    "F50.20",
    "F50.810",
    # Sleep.
    "F51.01",
    "F51.05",
    "F51.09",
    # Other frequent ones.
    "F39",
    "F99",
    "F63.81",
    "F32.81",
    "F45.1",
    "F63.0",
    "F03.90",
    "F06.30",
    "F64.0",
    "R45.851",
    # Z-codes for psychosocial problems often seen in psychotherapy.
    "Z63.0",
    "Z63.4",
    "Z63.8",
    "Z62.820",
    "Z60.0",
    "Z65.8",
    "Z56.9",
)
