"""One settings object: defaults here, overridden by `config/wirehouse.toml`, then `WIREHOUSE_*`.

Nested groups are set from the environment with a double underscore, e.g.
`WIREHOUSE_HTTP__PAGE_MAX_BYTES=2000000`.
"""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

from pydantic import BaseModel, Field, field_validator, model_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

from wirehouse.config.location import DEFAULT_MEMORY_LIMIT, Warehouse
from wirehouse.languages import tag_language

DEFAULT_CONFIG_FILE = Path("config/wirehouse.toml")
MAX_USER_AGENT = 512  # characters of a User-Agent header, `{contact}` filled in


class HttpSettings(BaseModel):
    """How wirehouse talks to other people's servers."""

    user_agent: str = Field(
        default="wirehouse/0.1 (news ingestion; +{contact})",
        description="User-Agent sent with every request; {contact} is replaced by contact_url.",
    )
    contact_url: str = Field(
        default="https://example.org/wirehouse",
        description="Where a publisher can reach the operator; set it to yours.",
    )
    connect_timeout_s: float = Field(
        default=5.0, gt=0, description="Seconds to wait for a connection to open."
    )
    read_timeout_s: float = Field(default=15.0, gt=0, description="Longest silence between bytes.")
    # a server trickling one byte a second must not hold a worker: whole request deadline
    total_timeout_s: float = Field(
        default=30.0,
        gt=0,
        description="Deadline for a whole request, so a trickling server cannot hold a worker.",
    )
    max_redirects: int = Field(
        default=5, ge=0, description="Redirects followed, each hop's address checked."
    )
    # two minutes: a pause a run can sit out; a host asking for longer (an hour-long 429) is left
    # until the time it named instead, and its pages are fetched then, not given up
    max_retry_after_s: float = Field(
        default=120.0,
        gt=0,
        description="Longest 429/503 Retry-After a run waits; a host asking for more is deferred: "
        "no run asks it again before the time it named (at most a day later), and its pages and "
        "feeds wait, not failed (a page waiting longer than `page_retry_days` is given up).",
    )
    # a quarter: a host whose pages all crawl in just under the request timeout holds the
    # batches its pages are in; the other hosts' pages of those batches wait with them, and a
    # run that reaches its deadline loads none of what it was waiting on
    host_time_share: float = Field(
        default=0.25,
        gt=0,
        le=1,
        description="Share of `run_deadline_s` one host's requests may take in a run, their "
        "durations summed over its connections; past it, its pages wait for a later run "
        "(deferred, not failed), so one slow host cannot hold a run to its deadline.",
    )
    # feeds above a few MB are broken or hostile; real news pages are ~50-500 KB
    feed_max_bytes: int = Field(
        default=5_000_000, gt=0, description="Feed size cap, on decompressed bytes."
    )
    page_max_bytes: int = Field(
        default=5_000_000, gt=0, description="Page size cap, on decompressed bytes."
    )
    max_connections: int = Field(default=32, gt=0, description="Requests in flight in all.")
    per_host_connections: int = Field(default=2, gt=0, description="Requests in flight per host.")
    per_host_delay_s: float = Field(
        default=0.25,
        ge=0,
        description="Minimum gap between two request starts to one host (a robots.txt "
        "Crawl-delay raises it).",
    )
    # 10 minutes: a hundred feeds on one host at the largest per-feed gap (10 s) take 17; the
    # feeds not fetched by then are fetched by the next run instead of holding this one's pages
    feed_stage_deadline_s: float = Field(
        default=600.0,
        gt=0,
        description="Seconds the feed stage of a run may take; a feed whose request has not "
        "started by then fails with deadline_passed and is fetched by the next run.",
    )
    allow_private_hosts: list[str] = Field(
        default_factory=list,
        description=(
            "Hosts that may resolve to loopback/private addresses besides the feeds' own hosts "
            "(an intranet CMS, say). Link-local and cloud-metadata addresses are always refused."
        ),
    )

    def user_agent_header(self) -> str:
        return fill_contact(self.user_agent, self.contact_url)

    @model_validator(mode="after")
    def _user_agent_is_a_header(self) -> HttpSettings:
        # checked here, once, rather than by every request failing to encode its header
        header = self.user_agent_header()
        if not sendable_header(header):
            raise ValueError(
                f"user_agent and contact_url must make a header of at most {MAX_USER_AGENT} "
                f"printable ASCII characters ({{contact}} filled in), not {len(header)} "
                f"characters: {header[:100]!r}"
            )
        return self


def fill_contact(user_agent: str, contact_url: str) -> str:
    """A User-Agent template with `{contact}` replaced; no other placeholder is read, so a
    template can neither format arbitrary objects nor pad itself to gigabytes."""
    return user_agent.replace("{contact}", contact_url)


def sendable_header(header: str) -> bool:
    """Whether a User-Agent can be sent as it is: printable ASCII on one line (no header
    injection, nothing httpx refuses to encode), at most `MAX_USER_AGENT` characters."""
    return len(header) <= MAX_USER_AGENT and all(" " <= ch <= "~" for ch in header)


def _cpu_count() -> int:
    """The machine's CPU count."""
    return max(1, os.cpu_count() or 1)


class ExtractSettings(BaseModel):
    """How article pages become text."""

    workers: int = Field(
        default_factory=_cpu_count,
        gt=0,
        description="Extraction processes; extraction is CPU-bound, so one per core.",
    )
    # 128: each batch is one Prefect task and one load transaction, whose fixed costs showed in
    # the profile; against 64, the benchmark's 10k-page run used 13% less CPU in the flow
    # process and ran 6% faster (bench/ingest_bench.py --only-cold, side by side)
    batch_size: int = Field(
        default=128, gt=0, description="Pages per extraction batch (one Prefect task per batch)."
    )
    # trafilatura's memory grows over long runs (a known trafilatura issue): recycle workers
    max_pages_per_worker: int = Field(
        default=2000,
        gt=0,
        description="Pages a worker process extracts before it is replaced (trafilatura's "
        "memory grows).",
    )
    # precision-first settings scored best of the plain configurations on a public benchmark
    # of real pages; comments, included by trafilatura's default, cost precision
    favor_precision: bool = Field(
        default=True, description="trafilatura's favor_precision: less boilerplate kept."
    )
    include_comments: bool = Field(
        default=False, description="trafilatura's include_comments: readers' comments kept."
    )
    min_text_chars: int = Field(
        default=200, ge=0, description="Less text than this means the page has no article."
    )
    # 200,000 characters: the longest real articles (long reads, transcripts) are ~100,000; a
    # page of megabytes of "text" is a dump or an attack, and every later stage pays for its size
    max_text_chars: int = Field(
        default=200_000,
        gt=0,
        description="Longest stored article text; longer ones are cut after the last whole "
        "paragraph (else sentence, else word) that fits, and marked `text_truncated`.",
    )
    # 1,000 characters: the longest real tokens (URLs, chemical names) are a few hundred; a
    # megabyte "word" is not one, and shingling and the search index should not index it whole
    max_word_chars: int = Field(
        default=1_000, gt=0, description="Longer runs of non-space characters are cut to this."
    )
    # 20 s: a real news page takes 20-40 ms to extract and a 5 MB one a few seconds on a busy
    # core, so only a pathological page (backtracking, a native hang) gets near it; a hung
    # worker holds one core until then, and a batch of 128 pages waits at most this long more
    page_timeout_s: float = Field(
        default=20.0,
        gt=0,
        description="Seconds one page may take to extract; past it the worker is killed and "
        "replaced and the page is rejected as extract_timeout.",
    )
    # 1: a crash that recurs on the same page is the page's; a second try costs one page's time
    crash_retries: int = Field(
        default=1,
        ge=0,
        description="Times a page whose worker process died is tried again before it is "
        "rejected as extract_crashed.",
    )
    # 30 s: a well-formed feed at the 5 MB size cap (15,000 items) took 4.9 s to parse alone on
    # this project's two-core machine and 13.9 s beside a run's other work, so 10 s failed a
    # real feed on every run; a hostile one still gives up its worker within the stage
    feed_parse_timeout_s: float = Field(
        default=30.0,
        gt=0,
        description="Seconds one feed may take to parse (in a worker process); past it the "
        "feed fails with parse_timeout.",
    )
    # only the extraction goes there: fetching and the warehouse stay in the flow's process
    dask_address: str | None = Field(
        default=None,
        description="Dask scheduler (e.g. tcp://10.0.0.5:8786) to extract on instead of local "
        "worker processes; its workers need wirehouse installed. Unreachable (10 s) or without "
        "workers: the run fails in one line before fetching pages.",
    )


class DedupSettings(BaseModel):
    """When two pages are the same article, and when two articles are the same story."""

    # 0.5: on the evaluation set (tests/fixtures/eval) wire copies with a new headline, a
    # trimmed paragraph, house-style edits and a credit line score 0.60-0.99 against their
    # original, while different texts, same-event reports and briefs quoted in a long article
    # stay under 0.16. J >= 0.5 means two thirds of the 5-word sequences of two equally long
    # texts are shared, and a text half as long as another can never reach it.
    near_threshold: float = Field(
        default=0.5,
        gt=0,
        le=1,
        description="Estimated Jaccard similarity of word shingles from which a text is a copy.",
    )
    # 5 words: long enough that independent reports sharing stock phrases and short quotes
    # stay far apart, short enough that an edit every few sentences leaves most shingles intact
    near_shingle_words: int = Field(
        default=5, ge=1, description="Words per shingle for near-duplicate detection."
    )
    # 128 minima: the estimate's standard error is at most 0.044, and a signature is 512 bytes
    near_num_perm: int = Field(default=128, ge=8, description="MinHash permutations.")
    # 42 bands x 3 rows: a pair at the 0.5 threshold becomes a candidate with probability 0.996,
    # unrelated texts (J ~ 0.05) with 0.005; 32 x 4 would miss 13% of pairs at 0.5. Changing
    # shingle size, permutations, bands or rows starts a new scheme: stored rows of the old one
    # are no longer compared.
    near_bands: int = Field(default=42, ge=1, description="LSH bands.")
    near_rows: int = Field(default=3, ge=1, description="Signature values per LSH band.")
    # below ~24 words a text has too few shingles for a meaningful estimate, and a one-line
    # text shared by two pages is a template (a teaser, a caption) more often than a copy
    near_min_shingles: int = Field(
        default=20, ge=1, description="Texts with fewer shingles only get exact deduplication."
    )
    # 30 days: wire copies and reprints appear within days of the original; bounding the
    # candidates keeps a batch's lookup as cheap at a million articles as at none
    near_window_days: int = Field(
        default=30,
        gt=0,
        description="Only texts stored in the last days are candidates for near-duplicates.",
    )
    # measured from a story's latest article: a developing story keeps absorbing articles while
    # it is reported on; two weeks of silence and the next report on the same people is new
    story_window_days: int = Field(
        default=14,
        gt=0,
        description="Days between an article and a story's articles for them to be compared.",
    )
    # 0.21, measured on two labelled sets written apart (tests/fixtures/eval, and the demo
    # newsroom's truth): at 0.14-0.20 a wind-farm approval joins a gale warning on the same coast
    # and a cup tie joins a call-up of its goalkeeper (shared places and names, other events);
    # at 0.21 both sets have story precision 1.0, at the cost of recall 0.89 on the eval set
    # (a follow-up that names few of the first report's people starts a new story)
    story_threshold: float = Field(
        default=0.21,
        gt=0,
        le=1,
        description="Share of an article's weighted story terms a story must cover to take it.",
    )

    # news pages are corrected and extended mostly in their first day; six hours between
    # re-fetches of a day-old article costs at most four requests per article
    refetch_recent_hours: int = Field(
        default=24,
        ge=0,
        description="Articles first seen this recently are re-fetched for updates (0: never).",
    )
    refetch_every_hours: int = Field(
        default=6,
        gt=0,
        description="Hours between two re-fetches of a recent article, and the longest wait "
        "between two retries of a failed page.",
    )
    # 7 days: an outage, a 429 storm or a DNS lapse at one outlet rarely lasts longer, and news
    # read a week late is still worth its text; the retries back off to one per
    # `refetch_every_hours`, so a dead link costs at most ~30 requests before its status is final
    page_retry_days: int = Field(
        default=7,
        gt=0,
        description="Days an article whose page failed is retried before its status is final "
        "(`feed_only`, or `gave_up:<reason>`).",
    )
    # 4 a day: a developing story is corrected or extended a few times on its first day; a page
    # that changes on every 15-minute poll (a live ticker, a rotating widget) is capped at this
    versions_per_day: int = Field(
        default=4,
        gt=0,
        description="Most new versions (text changes) stored per article in any 24 hours.",
    )
    # none by default: a canonical link to another site is the claim of a page we cannot verify
    syndication_partners: list[list[str]] = Field(
        default_factory=list,
        description="Groups of registrable domains (e.g. [['wire.example', 'courier.example']]) "
        "whose pages' canonical links to each other are trusted to merge two articles.",
    )
    # 48 hours: reprints follow their original within hours or a day, so an original fetched
    # after its reprint leads it by that much; a copy claiming to lead a stored copy by weeks
    # is more likely back-dated than a missed original
    max_claimed_backdate_hours: float = Field(
        default=48.0,
        ge=0,
        description="A new copy whose publication date is earlier than a stored copy's by more "
        "than this does not take over as the canonical copy.",
    )

    @property
    def claimed_lead(self) -> timedelta:
        """`max_claimed_backdate_hours` as a duration."""
        return timedelta(hours=self.max_claimed_backdate_hours)

    @model_validator(mode="after")
    def _lsh_fits_signature(self) -> DedupSettings:
        if self.near_bands * self.near_rows > self.near_num_perm:
            raise ValueError("near_bands * near_rows must not exceed near_num_perm")
        return self


class BudgetSettings(BaseModel):
    """How much one run may take on, so that one huge or hostile feed cannot swamp it."""

    # 200: a busy outlet publishes a few hundred items a day, so a 15-minute run keeps up; a
    # feed of 10,000 links (a dump, or an attack) is spread over many runs instead of one
    max_entries_per_feed: int = Field(
        default=200,
        gt=0,
        description="Pages one feed may have fetched per run, newest first; the rest are stored "
        "at once as pending articles and fetched by later runs.",
    )
    # 5,000 pages: about a minute and a half of extraction on two cores (~60 pages/s), well
    # inside a 15-minute schedule; feeds share it round-robin, so none is starved
    max_pages_per_run: int = Field(
        default=5_000,
        gt=0,
        description="Pages fetched per run across all feeds, shared round-robin so one huge "
        "feed cannot starve the others; the rest wait for the next run.",
    )


class BackfillSettings(BaseModel):
    """Bounds on `wirehouse backfill`'s sitemaps, so a huge or hostile one cannot swamp a run."""

    # 10 MB: a full sitemap of 50,000 URLs with news tags is about 8 MB; the protocol's own
    # 50 MB ceiling would cost several hundred MB of parser memory on a hostile document
    max_sitemap_bytes: int = Field(
        default=10_000_000,
        gt=0,
        description="Bytes of one sitemap, counted after decompression (Content-Encoding, and "
        "a gzipped .xml.gz file); a larger one is refused as too_large.",
    )
    max_urls: int = Field(
        default=50_000,
        gt=0,
        description="Pages one backfill takes from all its sitemaps together (after --since "
        "and repeats are left out); the rest are not read.",
    )
    # 5,000 pages, as budget.max_pages_per_run: about a minute and a half of extraction on two
    # cores; a site's 50,000 URLs are then ten runs, not the 250 a feed's budget would make
    max_pages_per_run: int = Field(
        default=5_000,
        gt=0,
        description="Pages one backfill fetches, shared round-robin by its addresses (instead of "
        "the budget.* limits); the rest are stored pending for the next backfill.",
    )
    max_sitemaps: int = Field(
        default=200,
        gt=0,
        description="Sitemap documents one backfill fetches when following indexes.",
    )
    max_depth: int = Field(
        default=2,
        ge=0,
        description="Levels of sitemap indexes followed below the address given.",
    )
    deadline_s: float = Field(
        default=300.0,
        gt=0,
        description="Seconds for reading all the sitemaps; what is read by then is used.",
    )


class WatchSettings(BaseModel):
    """A story watch: which stories to announce (as a Prefect event) and from how many outlets."""

    model_config = {"extra": "forbid"}

    # the name goes into the event's related resource id and the automation's name: keep it to
    # characters every Prefect name and a URL path accept
    name: str = Field(
        pattern=r"^[a-z0-9][a-z0-9_-]{0,62}$",
        description="Lower-case letters, digits, - and _; the watch's resource is "
        "wirehouse.watch.<name>.",
    )
    query: str = Field(
        min_length=1,
        description="Words, as for `wirehouse search` (stemmed, any case): a story matches "
        "when one of its articles has all of them.",
    )
    outlets: list[str] = Field(
        default_factory=list,
        description="Only articles from these outlets (site name or host) count as matching.",
    )
    tags: list[str] = Field(
        default_factory=list,
        description="Only articles with one of these tags (the article's or its feed's) match.",
    )
    languages: list[str] = Field(
        default_factory=list, description="Only articles in one of these languages (en, de) match."
    )

    @field_validator("languages")
    @classmethod
    def _one_spelling(cls, value: list[str]) -> list[str]:
        """Each as articles store it ("eng" and "en-GB" are "en"); text that is no language tag
        ("english") is an error, not a watch that matches nothing."""
        return sorted({tag_language(tag) for tag in value})

    # 2: one outlet's article is a report; a second outlet carrying it is the first sign of a
    # story others take up, which is what a watch is for
    min_outlets: int = Field(
        default=2,
        ge=1,
        description="Outlets a matching story needs before it is announced (once per story).",
    )


class Settings(BaseSettings):
    """Everything configurable, with its default."""

    model_config = SettingsConfigDict(
        env_prefix="WIREHOUSE_",
        env_nested_delimiter="__",
        toml_file=DEFAULT_CONFIG_FILE,
        extra="forbid",
    )

    db: str = Field(
        default="data/wirehouse.duckdb",
        description="Warehouse location: a DuckDB file path, or a DuckLake in DuckDB's ATTACH "
        "syntax, e.g. 'ducklake:postgres:dbname=news host=127.0.0.1'.",
    )
    data_path: str | None = Field(
        default=None,
        description="Where a new DuckLake writes its Parquet files (a folder or object storage "
        "URL); the lake remembers it, so only its first run needs it.",
    )
    duckdb_memory_limit: str = Field(
        default=DEFAULT_MEMORY_LIMIT,
        pattern=r"^[0-9]{1,9}(\.[0-9]{1,3})? ?[KkMmGgTt]i?[Bb]$",
        description="Memory DuckDB may use for the warehouse in each process, in DuckDB's size "
        "syntax (512MB, 2GiB); a query needing more spills to disk or fails with a clear "
        "error. DuckDB's own default is 80% of RAM.",
    )
    archive_dir: Path | None = Field(
        default=None,
        description="Folder of the raw-page WARC archive. By default `<name>.warc` beside a "
        "DuckDB file and `warc/` in the local data path a DuckLake recorded; required for a "
        "lake whose data is in object storage: a folder every process of the lake can read and "
        "write.",
    )
    feeds_file: Path = Field(
        default=Path("config/feeds.toml"),
        description="The default feed list: TOML, an OPML export, or URLs one a line.",
    )
    # 15 minutes: feeds that change are polled with conditional GETs, so an unchanged feed
    # costs one 304; most publishers refresh their feeds every 5-30 minutes
    schedule_interval_s: int = Field(
        default=900,
        gt=0,
        description="Seconds between two scheduled runs of `wirehouse serve` (and prefect.yaml).",
    )
    schedule_cron: str | None = Field(
        default=None,
        description="Cron schedule for `wirehouse serve`, e.g. '*/15 * * * *'; wins over the "
        "interval when set.",
    )
    # 40 minutes: a cold run of 10k pages takes about three on two cores; a run still going after
    # this is stuck behind something, and what it has not loaded is better left to the next run
    run_deadline_s: float = Field(
        default=2400.0,
        gt=0,
        description="Seconds a run may extract pages; past it the rest is left for the next run "
        "and the run is recorded as aborted, keeping what it loaded.",
    )
    # 10 s: enough to cancel the batches, kill the extraction workers and record the run, and
    # inside the shortest wait before a SIGKILL (`docker stop` 10 s, Kubernetes 30 s, systemd 90 s)
    stop_grace_s: float = Field(
        default=10.0,
        gt=0,
        description="Seconds a run takes at most to stop after SIGTERM or SIGINT (it records "
        "itself aborted and exits 143 or 130) before the process exits regardless; a second "
        "Ctrl-C, a second or more after the first stop, exits at once.",
    )
    http: HttpSettings = Field(default_factory=HttpSettings)
    extract: ExtractSettings = Field(default_factory=ExtractSettings)
    dedup: DedupSettings = Field(default_factory=DedupSettings)
    budget: BudgetSettings = Field(default_factory=BudgetSettings)
    backfill: BackfillSettings = Field(default_factory=BackfillSettings)
    # 90 days: long enough to debug a feed's history; raw pages are most of the warehouse's
    # size, and an article keeps its newest one for `reextract` however old it is
    retention_days: int = Field(
        default=90,
        ge=0,
        description="Fetch log rows and old raw pages older than this are pruned at the end of "
        "a run, at most once a day (0: keep for ever); a host's deferral still to come keeps "
        "its rows.",
    )
    watches: list[WatchSettings] = Field(
        default_factory=list,
        description="Story watches, `[[watches]]` tables in the config file; none by default.",
    )

    @model_validator(mode="after")
    def _watch_names_unique(self) -> Settings:
        names = [w.name for w in self.watches]
        if len(names) != len(set(names)):
            raise ValueError(f"watch names must be unique: {sorted(names)}")
        return self

    @property
    def warehouse(self) -> Warehouse:
        """The warehouse to open: `db`, plus the data path when it is a DuckLake, and the
        memory each connection to it may use."""
        return Warehouse(self.db, self.data_path, self.duckdb_memory_limit, self.archive_dir)

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # precedence: explicit arguments > environment > config file > defaults
        return (init_settings, env_settings, TomlConfigSettingsSource(settings_cls))


def load_settings(**overrides: object) -> Settings:
    """Build settings; a broken config file or variable becomes a one-line `ConfigError`."""
    from pydantic import ValidationError

    from wirehouse.errors import ConfigError

    try:
        return Settings(**{k: v for k, v in overrides.items() if v is not None})  # type: ignore[arg-type]
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise ConfigError(f"bad setting {where}: {first['msg']}") from exc
    except (OSError, ValueError) as exc:
        raise ConfigError(f"cannot read settings: {exc}") from exc
