"""Reference data shared by the evidence tests (values as printed by their sources)."""

# dat.bcg (Colditz et al. 1994) as printed in the metafor README (github.com/wviechtb/metafor):
# trial, author, year, tpos, tneg, cpos, cneg, ablat, alloc.
BCG = [
    (1, "Aronson", 1948, 4, 119, 11, 128, 44, "random"),
    (2, "Ferguson & Simes", 1949, 6, 300, 29, 274, 55, "random"),
    (3, "Rosenthal et al", 1960, 3, 228, 11, 209, 42, "random"),
    (4, "Hart & Sutherland", 1977, 62, 13536, 248, 12619, 52, "random"),
    (5, "Frimodt-Moller et al", 1973, 33, 5036, 47, 5761, 13, "alternate"),
    (6, "Stein & Aronson", 1953, 180, 1361, 372, 1079, 44, "alternate"),
    (7, "Vandiviere et al", 1973, 8, 2537, 10, 619, 19, "random"),
    (8, "TPT Madras", 1980, 505, 87886, 499, 87892, 13, "random"),
    (9, "Coetzee & Berjak", 1968, 29, 7470, 45, 7232, 27, "random"),
    (10, "Rosenthal et al", 1961, 17, 1699, 65, 1600, 42, "systematic"),
    (11, "Comstock et al", 1974, 186, 50448, 141, 27197, 18, "systematic"),
    (12, "Comstock & Webster", 1969, 5, 2493, 3, 2338, 33, "systematic"),
    (13, "Comstock et al", 1976, 27, 16886, 29, 17825, 33, "systematic"),
]

# dat.normand1999 (length of stay, stroke units): study, n1, m1, sd1, n2, m2, sd2.
NORMAND = [
    ("Edinburgh", 155, 55, 47, 156, 75, 64),
    ("Orpington-Mild", 31, 27, 7, 32, 29, 4),
    ("Orpington-Moderate", 75, 64, 17, 71, 119, 29),
    ("Orpington-Severe", 18, 66, 20, 18, 137, 48),
    ("Montreal-Home", 8, 14, 8, 13, 18, 11),
    ("Montreal-Transfer", 57, 19, 7, 52, 18, 4),
    ("Newcastle", 34, 52, 45, 33, 41, 34),
    ("Umea", 110, 21, 16, 183, 31, 27),
    ("Uppsala", 60, 30, 27, 52, 23, 20),
]

# A well-formed user trial for the store and `evidence add` tests (invented example values).
NEW = {
    "id": "Example2024",
    "first_author": "Doe J",
    "year": 2024,
    "doi": "10.1234/example.2024",
    "product": "cells",
    "design": "RCT",
    "blinding": "double-blind",
    "severity": "critical",
    "cell_source": "UC",
    "confidence": "verified",
    "n_treat": {
        "value": 30,
        "source": "https://example.org/t",
        "quote": "30 MSC",
        "confidence": "verified",
    },
    "n_ctrl": {
        "value": 30,
        "source": "https://example.org/t",
        "quote": "30 placebo",
        "confidence": "verified",
    },
    "mortality": {
        "events_treat": {
            "value": 5,
            "source": "https://example.org/t",
            "quote": "5 died",
            "confidence": "verified",
        },
        "events_ctrl": {
            "value": 9,
            "source": "https://example.org/t",
            "quote": "9 died",
            "confidence": "verified",
        },
    },
}
