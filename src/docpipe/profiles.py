"""Site profiles: the boilerplate rules, loaded from TOML data files.

The generic profile ships in `rules/generic.toml`; per-site profiles in
`rules/sites/`; users add theirs with `--rules DIR` or `DOCPIPE_RULES`.
"""

from __future__ import annotations

import os
import re
import tomllib
from dataclasses import dataclass, field, fields
from functools import lru_cache
from pathlib import Path

from .errors import UsageError

RULES_DIR = Path(__file__).parent / "rules"
LABEL_FIELDS = ("source", "published", "author", "editor", "views", "url",
                # an official document's record (model.NOTICE_FIELDS)
                "doc_number", "index_number", "written", "issuer", "topic", "disclosure")


@dataclass(frozen=True)
class DropRule:
    rule: str
    pattern: re.Pattern[str]
    ends_body: bool = False
    before: bool = False
    max_len: int = 0  # 0: any length

    def hits(self, line: str) -> bool:
        return (not self.max_len or len(line) <= self.max_len) and bool(self.pattern.search(line))


@dataclass
class Profile:
    """Rules for one site (or the generic one), already merged and compiled."""

    name: str = "generic"
    site_name: str = ""
    match_names: tuple[str, ...] = ()
    match_domains: tuple[str, ...] = ()
    this_site: tuple[str, ...] = ()
    breadcrumb_separators: tuple[str, ...] = ()
    generic_roots: tuple[str, ...] = ()
    labels: dict[str, tuple[str, ...]] = field(default_factory=dict)
    lead_labels: tuple[str, ...] = ()
    note_labels: tuple[str, ...] = ()
    drops: tuple[DropRule, ...] = ()
    point: re.Pattern[str] | None = None
    heading: re.Pattern[str] | None = None
    heading_max: int = 30

    def merged(self, other: Profile) -> Profile:
        """This profile extended by a site profile (lists are added, names replaced)."""
        labels = {k: tuple(dict.fromkeys(self.labels.get(k, ()) + other.labels.get(k, ())))
                  for k in set(self.labels) | set(other.labels)}
        return Profile(
            name=other.name,
            site_name=other.site_name or self.site_name,
            match_names=other.match_names,
            match_domains=other.match_domains,
            this_site=self.this_site + other.this_site,
            breadcrumb_separators=self.breadcrumb_separators + other.breadcrumb_separators,
            generic_roots=self.generic_roots + other.generic_roots,
            labels=labels,
            lead_labels=self.lead_labels + other.lead_labels,
            note_labels=self.note_labels + other.note_labels,
            drops=other.drops + self.drops,
            point=other.point or self.point,
            heading=other.heading or self.heading,
            heading_max=other.heading_max if other.heading else self.heading_max,
        )

    def matches(self, text: str, url: str = "") -> bool:
        return any(n and n in text for n in self.match_names) or any(
            d and d in url for d in self.match_domains
        )


def _load(path: Path) -> Profile:
    from .errors import InputError
    from .inputs import read_file

    try:  # bounded, and a FIFO or device named *.toml is refused, not waited on
        data = tomllib.loads(read_file(str(path), 1_000_000).decode("utf-8"))
    except InputError as exc:
        raise UsageError(f"bad rules file: {exc}") from None
    except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise UsageError(f"bad rules file: {exc}", str(path)) from None
    site = data.get("site", {})
    match = data.get("match", {})
    labels_raw = data.get("labels", {})
    drops = []
    for i, raw in enumerate(data.get("drop", [])):
        try:
            pattern = re.compile(raw["pattern"])
        except (KeyError, re.error) as exc:
            raise UsageError(f"drop rule {i + 1}: bad pattern: {exc}", str(path)) from None
        drops.append(
            DropRule(
                rule=raw.get("rule", f"{path.stem}-{i + 1}"),
                pattern=pattern,
                ends_body=bool(raw.get("ends_body", False)),
                before=bool(raw.get("before", False)),
                max_len=int(raw.get("max_len", 0)),
            )
        )
    blocks = data.get("blocks", {})
    try:
        point = re.compile(blocks["point"]) if "point" in blocks else None
        heading = re.compile(blocks["heading"]) if "heading" in blocks else None
    except re.error as exc:
        raise UsageError(f"[blocks]: bad pattern: {exc}", str(path)) from None
    return Profile(
        name=path.stem,
        point=point,
        heading=heading,
        heading_max=int(blocks.get("heading_max", 30)),
        site_name=site.get("name", ""),
        match_names=tuple(match.get("names", ())),
        match_domains=tuple(match.get("domains", ())),
        this_site=tuple(site.get("this_site", ())),
        breadcrumb_separators=tuple(site.get("breadcrumb_separators", ())),
        generic_roots=tuple(site.get("generic_roots", ())),
        labels={k: tuple(labels_raw.get(k, ())) for k in LABEL_FIELDS},
        lead_labels=tuple(labels_raw.get("lead", ())),
        note_labels=tuple(labels_raw.get("editor_note", ())),
        drops=tuple(drops),
    )


def _rule_dirs(extra: tuple[str, ...]) -> list[Path]:
    dirs = [RULES_DIR / "sites"]
    env = os.environ.get("DOCPIPE_RULES", "")
    dirs += [Path(p) for p in env.split(os.pathsep) if p]
    dirs += [Path(p) for p in extra]
    return dirs


@dataclass(frozen=True)
class Patterns:
    """Generic layout evidence from `[patterns]` of generic.toml (see its comments)."""

    sign_org: re.Pattern[str]
    sign_date: re.Pattern[str]
    attachment: re.Pattern[str]
    doc_number: re.Pattern[str]
    disclosure: re.Pattern[str]
    caption: re.Pattern[str]
    end_mark: re.Pattern[str]
    labelled_notice: re.Pattern[str]
    buttons: re.Pattern[str]
    reporter: re.Pattern[str]
    site_owner: tuple[re.Pattern[str], ...]
    comment_marker: re.Pattern[str]
    boilerplate_sentence: re.Pattern[str]
    not_headline: re.Pattern[str]
    title_label: re.Pattern[str]
    follow_date: re.Pattern[str]


@lru_cache(maxsize=1)
def patterns() -> Patterns:
    path = RULES_DIR / "generic.toml"
    raw = tomllib.loads(path.read_text(encoding="utf-8"))["patterns"]
    try:
        return Patterns(**{
            k: tuple(re.compile(x) for x in v) if isinstance(v, list) else re.compile(v)
            for k, v in raw.items()
        })
    except (re.error, TypeError) as exc:
        raise UsageError(f"[patterns]: {exc}", str(path)) from None


@dataclass(frozen=True)
class Evidence:
    """How the extractors' disagreements are weighed: `[evidence]` of generic.toml."""

    boilerplate_classes: re.Pattern[str]
    link_density: float
    headline_link_density: float
    agreement: float
    coverage: float
    doubt_chars: int
    interruptions: tuple[str, ...]
    toolbar_rules: tuple[str, ...]
    caption_markup: re.Pattern[str]
    caption_max: int


@dataclass(frozen=True)
class WeChat:
    """How a WeChat 公众号 article shows its account, author and time (rules/wechat.toml)."""

    account_line: re.Pattern[str]
    markers: frozenset[str]
    min_markers: int
    domains: tuple[str, ...]
    html: dict[str, tuple[str, ...]]

    def looks_like(self, lines: list[str], url: str = "") -> bool:
        """A WeChat article: its page furniture, or its address."""
        if any(d in url for d in self.domains):
            return True
        return sum(1 for ln in lines if ln.strip() in self.markers) >= self.min_markers


@lru_cache(maxsize=1)
def wechat() -> WeChat:
    path = RULES_DIR / "wechat.toml"
    raw = tomllib.loads(path.read_text(encoding="utf-8"))
    try:
        return WeChat(account_line=re.compile(raw["account_line"]),
                      markers=frozenset(raw["markers"]), min_markers=int(raw["min_markers"]),
                      domains=tuple(raw["domains"]),
                      html={k: tuple(v) for k, v in raw.get("html", {}).items()})
    except (re.error, KeyError, TypeError, ValueError) as exc:
        raise UsageError(f"wechat rules: {exc}", str(path)) from None


@lru_cache(maxsize=1)
def evidence() -> Evidence:
    path = RULES_DIR / "generic.toml"
    raw = tomllib.loads(path.read_text(encoding="utf-8"))["evidence"]
    try:
        return Evidence(
            boilerplate_classes=re.compile(raw["boilerplate_classes"]),
            link_density=float(raw["link_density"]),
            headline_link_density=float(raw["headline_link_density"]), agreement=float(raw["agreement"]),
            coverage=float(raw["coverage"]), doubt_chars=int(raw["doubt_chars"]),
            interruptions=tuple(raw["interruptions"]),
            toolbar_rules=tuple(raw["toolbar_rules"]),
            caption_markup=re.compile(raw["caption_markup"]),
            caption_max=int(raw["caption_max"]))
    except (re.error, KeyError, TypeError, ValueError) as exc:
        raise UsageError(f"[evidence]: {exc}", str(path)) from None


@dataclass(frozen=True)
class Thresholds:
    """The numbers that tune the line classifier: `[thresholds]` of generic.toml, where
    each has a comment saying what it measures."""

    prose_comma_end: int
    prose_colon_end: int
    prose_one_comma: int
    prose_two_commas: int
    prose_one_mark: int
    date_line_max: int
    date_line_other_cjk: int
    headline_min: int
    headline_max: int
    attachment_max: int
    sign_org_max: int
    spaced_max: int
    heading_short: int
    metadata_max: int
    metadata_marks: int
    date_first_within: int
    date_first_max: int
    question_min: int
    copyright_tail: int
    signature_tail: int
    rule_weight_min: int
    rule_weight_max: int
    ambiguous_max: int
    other_weight_min: int
    other_weight_max: int
    link_list_min: int
    link_list_weight_min: int
    goes_on_lines: int
    goes_on_min_lines: int
    goes_on_chars: int
    comment_marker_max: int
    comment_gap: int
    comment_markers: int
    crumb_segment_max: int
    title_after_text: int
    given_title_min: int
    given_title_lo: float
    given_title_hi: float
    crumb_title_min: int
    crumb_title_within: int
    crumb_prefix_min: int
    date_text_within: int
    date_text_share: float
    above_date_candidates: int
    above_date_lines: int
    toolbar_lines_max: int
    above_date_stop: int
    short_headline: int
    longer_headline: int
    under_date_lines: int
    under_date_min: int
    above_text_lines: int
    above_text_min: int
    subtitle_lines: int
    subtitle_head_min: int
    spaced_page_lines: int
    spaced_page_share: float
    headline_lines_max: int
    headline_half_min: int
    subtitle_max: int
    sign_off_lines: int
    item_max: int
    rescue_min: int
    notice_heading_max: int
    owner_min: int
    near_date_lines: int
    head_paragraphs: int
    posted_within: int
    posted_line_max: int
    comment_line_max: int
    comments_kept_warn: int
    after_comments_min: int
    after_comments_warn: int
    profile_lines: int
    whole_page_share: float
    whole_page_lines: int
    own_text_factor: int
    own_text_margin: int
    header_distance: int
    section_name_below: int
    section_factor: int
    h1_min: int
    titled_min: int
    markup_title_max: int
    title_part_share: float
    anchor_min: int
    extracted_min: int
    anchor_fallback_min: int
    after_anchor_lines: int
    after_anchor_gap: int
    image_anchor_min: int
    vote_title_part_min: int
    link_headline_min: int

    @classmethod
    def from_table(cls, raw: dict, where: str) -> Thresholds:
        """Every number named, none unknown, whole numbers where the code counts: a typo
        in the rules must fail loudly, not leave a default in force."""
        kinds = {f.name: f.type for f in fields(cls)}
        if wrong := sorted(set(raw) ^ set(kinds)):
            raise UsageError(f"[thresholds]: unknown or missing: {', '.join(wrong)}", where)
        for name, value in raw.items():
            whole = isinstance(value, int) and not isinstance(value, bool)
            if not (whole or kinds[name] == "float" and isinstance(value, float)):
                raise UsageError(f"[thresholds]: {name} must be a {kinds[name]}, not "
                                 f"{value!r}", where)
        return cls(**{k: float(v) if kinds[k] == "float" else v for k, v in raw.items()})


@lru_cache(maxsize=1)
def thresholds() -> Thresholds:
    path = RULES_DIR / "generic.toml"
    raw = tomllib.loads(path.read_text(encoding="utf-8"))["thresholds"]
    return Thresholds.from_table(raw, str(path))


@lru_cache(maxsize=8)
def generic() -> Profile:
    return _load(RULES_DIR / "generic.toml")


@lru_cache(maxsize=8)
def site_profiles(extra: tuple[str, ...] = ()) -> tuple[Profile, ...]:
    found = []
    for folder in _rule_dirs(extra):
        if not folder.is_dir():
            if folder.exists() or str(folder) in extra:
                raise UsageError("rules folder not found", str(folder))
            continue
        found += [_load(p) for p in sorted(folder.glob("*.toml"))]
    return tuple(found)


def profile_for(text: str, url: str = "", extra: tuple[str, ...] = ()) -> Profile:
    """The generic profile, extended by every site profile the page matches."""
    head_tail = text[:3000] + "\n" + text[-3000:]
    result = generic()
    for site in site_profiles(extra):
        if site.matches(head_tail, url):
            result = result.merged(site)
    return result
