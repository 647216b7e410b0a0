"""Random but consistent people, places and dates for the scan generator.

Owns the rules that tie printed data together: the 12-digit personal ID is built from the
province where the birth was registered, the century/sex digit and the birth year, so every
page that shows both an ID and a birth date (or year) and sex is consistent. Also the date
formats printed on papers and the machine-readable zone (MRZ) of the chip ID card.
"""

from __future__ import annotations

import random
import unicodedata
from dataclasses import dataclass
from datetime import date, timedelta

from .vocab import (
    CITIES,
    COMMUNE_NAMES,
    DISTRICTS,
    ETHNIC_GROUPS,
    FAMILY_NAMES,
    GIVEN_FEMALE,
    GIVEN_MALE,
    MIDDLE2_FEMALE,
    MIDDLE2_MALE,
    MIDDLE_FEMALE,
    MIDDLE_MALE,
    PROVINCE_CODES,
    SOUTH,
    STREETS,
    VILLAGE_NORTH,
    VILLAGE_SOUTH,
)

# Latest date printed on a generated paper: before the July 2025 reorganisation of provinces,
# so the 63-province / district / commune addresses stay right.
LATEST = date(2025, 6, 27)


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def upper(text: str) -> str:
    """Vietnamese upper case, NFC."""
    return nfc(nfc(text).upper())


def ascii_fold(text: str) -> str:
    """'Nguyễn Đức' -> 'Nguyen Duc' (for the MRZ)."""
    text = text.replace("Đ", "D").replace("đ", "d")
    return "".join(c for c in unicodedata.normalize("NFD", text) if not unicodedata.combining(c))


# -- dates ---------------------------------------------------------------------------------------


def random_date(rng: random.Random, start: date, end: date) -> date:
    if end <= start:
        return start
    return start + timedelta(days=rng.randrange((end - start).days + 1))


def dmy(d: date) -> str:
    """05/03/1990"""
    return f"{d.day:02d}/{d.month:02d}/{d.year}"


def long_date(d: date) -> str:
    """'ngày 05 tháng 3 năm 2024' as Decree 30/2020 writes it (day < 10 and months 1-2 padded)."""
    month = f"{d.month:02d}" if d.month < 3 else str(d.month)
    return f"ngày {d.day:02d} tháng {month} năm {d.year}"


def add_years(d: date, years: int) -> date:
    try:
        return d.replace(year=d.year + years)
    except ValueError:  # 29 February
        return d.replace(year=d.year + years, day=28)


# -- places --------------------------------------------------------------------------------------


def province_long(code: str) -> str:
    """'Thành phố Hà Nội' / 'Tỉnh Nghệ An'."""
    name = PROVINCE_CODES[code]
    return f"Thành phố {name}" if code in CITIES else f"Tỉnh {name}"


def _strip_unit(name: str) -> str:
    for prefix in ("Thành phố ", "Thị xã ", "Thị trấn ", "Quận ", "Huyện ", "Phường ", "Xã ",
                   "Tỉnh "):
        if name.startswith(prefix):
            return name[len(prefix):]
    return name


@dataclass(frozen=True)
class Place:
    """A commune-level place: 'Xã Tân Phú', 'Huyện Đức Hòa', province code '080'."""

    commune: str  # with its unit: "Xã Tân Phú", "Phường Nghĩa Đô", "Thị trấn Hậu Nghĩa"
    district: str  # with its unit
    province: str  # province code
    detail: str = ""  # hamlet or street address, "" for a bare commune

    @property
    def commune_name(self) -> str:
        return _strip_unit(self.commune)

    @property
    def district_name(self) -> str:
        return _strip_unit(self.district)

    @property
    def province_name(self) -> str:
        return PROVINCE_CODES[self.province]

    def full(self, *, lower_units: bool = False, detail: bool = True) -> str:
        """'Thôn Đông, Xã Tân Phú, Huyện Đức Hòa, Tỉnh Long An' (or 'xã ..., huyện ...')."""
        parts = [self.commune, self.district, province_long(self.province)]
        if lower_units:
            parts = [p[0].lower() + p[1:] for p in parts]
        if detail and self.detail:
            parts.insert(0, self.detail)
        return ", ".join(parts)

    def short(self, *, detail: bool = True) -> str:
        """'Thôn Đông, Tân Phú, Đức Hòa, Long An' as chip ID cards print it."""
        parts = [self.commune_name, self.district_name, self.province_name]
        if detail and self.detail:
            parts.insert(0, self.detail)
        return ", ".join(parts)


def random_place(rng: random.Random, province: str | None = None, *,
                 detail: bool = True) -> Place:
    if province is None:
        province = rng.choice(sorted(PROVINCE_CODES))
    district = rng.choice(DISTRICTS[province])
    urban = not district.startswith("Huyện")
    name = rng.choice(COMMUNE_NAMES)
    if urban:
        commune = f"Phường {name}"
    else:
        commune = f"Thị trấn {name}" if rng.random() < 0.15 else f"Xã {name}"
    text = ""
    if detail:
        if urban:
            if rng.random() < 0.5:
                text = f"Số {rng.randint(1, 199)} đường {rng.choice(STREETS)}"
            else:
                unit = "Khu phố" if province in SOUTH else "Tổ dân phố"
                text = f"{unit} {rng.randint(1, 15)}"
        else:
            pool = VILLAGE_SOUTH if province in SOUTH else VILLAGE_NORTH
            text = rng.choice(pool) if rng.random() < 0.7 else f"Thôn {rng.randint(1, 12)}"
            if province in SOUTH and text.startswith("Thôn"):
                text = "Ấp" + text[4:]
    return Place(commune, district, province, text)


# -- people --------------------------------------------------------------------------------------


def _weighted(rng: random.Random, table: tuple[tuple[str, float], ...]) -> str:
    names, weights = zip(*table, strict=True)
    return rng.choices(names, weights=weights)[0]


def personal_id(province: str, male: bool, born: date, rng: random.Random) -> str:
    """PPP G YY RRRRRR: province code, century/sex digit, birth year, six random digits."""
    if province not in PROVINCE_CODES:
        raise ValueError(f"unknown province code {province!r}")
    century = (born.year - 1900) // 100  # 0 for 1900s, 1 for 2000s
    if century < 0:
        raise ValueError("born before 1900")
    g = century * 2 + (0 if male else 1)
    return f"{province}{g}{born.year % 100:02d}{rng.randrange(1_000_000):06d}"


@dataclass(frozen=True)
class Person:
    family: str
    middle: str  # one or two syllables
    given: str
    male: bool
    born: date
    pid: str  # 12-digit personal ID
    origin: Place  # quê quán / birth registration place (its province is the ID's PPP)
    residence: Place
    ethnicity: str = "Kinh"
    nationality: str = "Việt Nam"

    @property
    def name(self) -> str:
        """Title case: 'Nguyễn Thị Hồng Nhung'."""
        return " ".join(p for p in (self.family, self.middle, self.given) if p)

    @property
    def name_upper(self) -> str:
        return upper(self.name)

    @property
    def sex(self) -> str:
        return "Nam" if self.male else "Nữ"

    @property
    def title(self) -> str:
        """'Ông' or 'Bà'."""
        return "Ông" if self.male else "Bà"


def random_name(rng: random.Random, male: bool, family: str | None = None) -> tuple[str, str, str]:
    fam = family or _weighted(rng, FAMILY_NAMES)
    middle = rng.choice(MIDDLE_MALE if male else MIDDLE_FEMALE)
    if rng.random() < (0.15 if male else 0.3):
        second = rng.choice(MIDDLE2_MALE if male else MIDDLE2_FEMALE)
        if second != middle:
            middle = f"{middle} {second}"
    given = rng.choice(GIVEN_MALE if male else GIVEN_FEMALE)
    if given in middle.split():
        given = rng.choice(GIVEN_MALE if male else GIVEN_FEMALE)
    return fam, middle, given


def random_person(rng: random.Random, *, male: bool | None = None, born: date | None = None,
                  born_between: tuple[date, date] = (date(1950, 1, 1), date(2006, 12, 31)),
                  family: str | None = None, province: str | None = None,
                  residence: Place | None = None, ethnicity: str | None = None) -> Person:
    if male is None:
        male = rng.random() < 0.5
    if born is None:
        born = random_date(rng, *born_between)
    fam, middle, given = random_name(rng, male, family)
    origin = random_place(rng, province, detail=False)
    if residence is None:
        same = rng.random() < 0.6
        residence = random_place(rng, origin.province if same else None)
    eth = ethnicity or _weighted(rng, ETHNIC_GROUPS)
    pid = personal_id(origin.province, male, born, rng)
    return Person(fam, middle, given, male, born, pid, origin, residence, eth)


# -- machine-readable zone (ICAO 9303 TD1) --------------------------------------------------------

_MRZ_VALUES = {**{str(i): i for i in range(10)},
               **{chr(ord("A") + i): 10 + i for i in range(26)}, "<": 0}


def mrz_check(field: str) -> str:
    weights = (7, 3, 1)
    return str(sum(_MRZ_VALUES[c] * weights[i % 3] for i, c in enumerate(field)) % 10)


def mrz_lines(person: Person, expiry: date) -> tuple[str, str, str]:
    """The three 30-character lines on the back of a chip ID card."""
    doc = person.pid[3:]
    line1 = f"IDVNM{doc}{mrz_check(doc)}{person.pid}<<"
    line1 = line1 + mrz_check(line1[5:])
    assert len(line1) == 30
    born = person.born.strftime("%y%m%d")
    exp = expiry.strftime("%y%m%d")
    line2 = f"{born}{mrz_check(born)}{'M' if person.male else 'F'}{exp}{mrz_check(exp)}VNM"
    line2 = line2.ljust(29, "<")
    composite = line1[5:30] + line2[0:7] + line2[8:15] + line2[18:29]
    line2 += mrz_check(composite)
    given = "<".join(ascii_fold(f"{person.middle} {person.given}").upper().split())
    line3 = f"{ascii_fold(person.family).upper()}<<{given}"[:30].ljust(30, "<")
    return line1, line2, line3


def card_expiry(born: date, issued: date) -> date:
    """Validity of a citizen ID card: until the 25th, 40th or 60th birthday after issue."""
    for age in (25, 40, 60):
        limit = add_years(born, age)
        if issued < add_years(limit, -2) or age == 60:
            return limit
    raise AssertionError("unreachable")
