"""Scrapy settings for clearcrawl, and the one home of every ``CLEARCRAWL_*`` default.

How to add a setting: name it ``CLEARCRAWL_<COMPONENT>_<NAME>``, put its default here with a
one-line comment saying why, read it in the component's ``from_crawler`` with a typed getter,
and validate it there (rights components raise ``ValueError`` naming the setting rather than
switching themselves off). Defaults fail closed.

Component order lives in :mod:`crawler.addon`, not here.
"""

from crawler import __version__

BOT_NAME = "clearcrawl"
SPIDER_MODULES = ["spiders"]
NEWSPIDER_MODULE = "spiders"

ADDONS = {"crawler.addon.ClearcrawlAddon": 0}

# --- identity -----------------------------------------------------------------------------
# Operators should set a contact URL or address: it goes into every request and every warcinfo.
# Unless USER_AGENT is set explicitly, crawler.settingscheck rebuilds it from the contact in
# force (clearcrawl/VERSION (+CONTACT)) and warns when the contact is still this default.
CLEARCRAWL_CONTACT = "https://github.com/clearcrawl/clearcrawl"
USER_AGENT = f"clearcrawl/{__version__} (+{CLEARCRAWL_CONTACT})"
# Every CLEARCRAWL_* setting must be defined in this module: crawler.settingscheck refuses other
# CLEARCRAWL_* names (a misspelled setting would otherwise silently keep its default).
COMMANDS_MODULE = "crawler.commands"  # `scrapy crawl` reports bad input in one line, exit 2

# --- politeness (RFC 9309 + etiquette) ----------------------------------------------------
ROBOTSTXT_OBEY = False  # replaced by crawler.middlewares.prefetch (RFC 9309 failure handling)
CONCURRENT_REQUESTS = 16
CONCURRENT_REQUESTS_PER_DOMAIN = 2  # polite per origin by default
# The site spider yields requests, never items; Scrapy starts CONCURRENT_ITEMS asyncio workers for
# every response's output, so its default of 100 is pure overhead here (~8 % of crawl CPU).
CONCURRENT_ITEMS = 16
DOWNLOAD_DELAY = 0.0
# Scrapy checks every callback for `return value` inside a generator by reading its source and
# parsing it (inspect.getsource + ast.parse) on every response: its cache is keyed by the bound
# method, a new object per request, so it never hits (~10 % of the reactor thread's time here).
# The site spider's callbacks return no values; the check is a development-time warning.
WARN_ON_GENERATOR_RETURN_VALUE = False
CLEARCRAWL_CRAWL_DELAY_MAX = 30.0  # cap on a site's Crawl-delay (seconds)
COOKIES_ENABLED = False  # no sessions: we only take what an anonymous reader gets
HTTPCACHE_ENABLED = False  # a cache would keep bodies of pages whose owners reserved them
DOWNLOAD_MAXSIZE = 32 * 1024 * 1024  # every body passes through memory once
#: PDF documents are fetched and archived like pages (their licence read from XMP metadata and
#: their first and last pages), up to this many bytes; a larger PDF is archived truncated and
#: excluded as ``too-large``. 0 = only DOWNLOAD_MAXSIZE applies.
CLEARCRAWL_PDF_MAXSIZE = 16 * 1024 * 1024
DOWNLOAD_WARNSIZE = 8 * 1024 * 1024
DOWNLOAD_TIMEOUT = 30
RETRY_TIMES = 2
REDIRECT_MAX_TIMES = 5  # RFC 9309 §2.3.1.2 asks for at least five hops
HTTPERROR_ALLOW_ALL = True  # error responses are archived and decided on, not silently dropped
REQUEST_FINGERPRINTER_IMPLEMENTATION = "2.7"
TELNETCONSOLE_ENABLED = False
LOG_LEVEL = "INFO"
DEPTH_PRIORITY = 1  # breadth-first: the seeds' neighbourhoods first
SCHEDULER_DISK_QUEUE = "scrapy.squeues.PickleFifoDiskQueue"
# FIFO like Scrapy's FifoMemoryQueue, each waiting request packed into ~200 bytes: the
# breadth-first frontier holds most of a site (crawler/frontierqueue.py; issue 17).
SCHEDULER_MEMORY_QUEUE = "crawler.frontierqueue.CompactFifoMemoryQueue"

# --- rights -------------------------------------------------------------------------------
CLEARCRAWL_AI_TOKENS = None  # None = filters.tokens.DEFAULT_AI_TOKENS (ai.robots.txt@738c80d)
CLEARCRAWL_AI_TOKENS_FILE = None  # pin another robots.json / one-token-a-line list instead
CLEARCRAWL_AI_TOKENS_EXTRA = None  # tokens honoured on top of the list in force
CLEARCRAWL_POLICY_FILE = None  # None = filters.policy.DEFAULT_POLICY
CLEARCRAWL_GRANTS_FILE = None  # licensed-source agreements (filters.grants); None = none held
CLEARCRAWL_ROBOTS_CACHE_SECONDS = 24 * 3600  # RFC 9309 §2.4: at most 24 hours
CLEARCRAWL_ROBOTS_MAX_BYTES = (
    512_000  # RFC 9309 §2.5: parse at least 500 KiB, we parse exactly that
)
# RSL 1.0 §3.4.1 user type (commercial, non-commercial, education, government, personal) and
# regions (ISO 3166-1 alpha-2 codes, comma-separated, e.g. "DE,EU") of this crawl's use. Unset:
# a licence that restricts by them is not satisfied (fail closed, rsl-condition-unknown).
CLEARCRAWL_RSL_USER = ""
CLEARCRAWL_RSL_GEO = ""

# Page decisions (detectors, policy, record, link extraction) run in this many detector
# processes fed the raw response (crawler.offload), off the reactor thread Scrapy runs on; 0 =
# in-line, same decisions. A crash or a page not decided within the timeout excludes the page
# (detector-error:offload:*), never admits it.
# Two: a real page (~229 KB) costs a worker ~9.5 ms, about what the reactor thread spends on it,
# so one worker would be the bottleneck on real sites (generated 13 KB pages: ~1 ms, 48 KB
# link-heavy pages: ~2.5 ms). Each costs ~40 MB RSS and ~1 s of imports at start.
# At most this many: the pool starts one and adds one while every worker is backlogged.
CLEARCRAWL_OFFLOAD_WORKERS = 2
# The first as a thread of the WARC writer process (one Python interpreter fewer, ~35 MB).
CLEARCRAWL_OFFLOAD_IN_WRITER = True
CLEARCRAWL_OFFLOAD_AFTER_PAGES = 100  # pages decided in-line before the processes start
CLEARCRAWL_OFFLOAD_TIMEOUT = 60.0  # seconds per page, queueing in the worker included

CLEARCRAWL_ALLOW_DOMAINS = None  # "a.org,b.org" or "@FILE": only these domains (+ subdomains)
CLEARCRAWL_DENY_DOMAINS = None  # "a.org,b.org" or "@FILE": never requested (EU CoP block list)
CLEARCRAWL_SITEMAPS_MAX_PER_ORIGIN = 1000  # sitemap files per origin (--sitemaps); bounds loops

# --- shared frontier (clearcrawl worker / crawl --frontier; crawler.distributed) ----------
CLEARCRAWL_FRONTIER_URL = None  # redis://HOST:PORT/DB; None = single-machine crawl
CLEARCRAWL_FRONTIER_CRAWL_ID = "default"  # one Redis can hold several crawls
CLEARCRAWL_FRONTIER_WORKER_ID = None  # None = HOST-PID-RANDOM (also in WARC file names)
CLEARCRAWL_FRONTIER_LEASE_SECONDS = 120.0  # a dead worker's requests return after this
CLEARCRAWL_FRONTIER_IDLE_EXIT = 30.0  # exit when the fleet is idle this long; 0 = never
CLEARCRAWL_FRONTIER_DOWNLOAD_DELAY = None  # None = DOWNLOAD_DELAY, enforced fleet-wide
# Done-set: 0 = exact Redis set (~80 B per URL); N = Bloom filter sized for N URLs (~1.8 B per
# URL at 0.1 %; a false positive skips a page, never admits one). Fixed when the crawl starts.
CLEARCRAWL_FRONTIER_BLOOM_CAPACITY = 0
CLEARCRAWL_FRONTIER_BLOOM_ERROR_RATE = 0.001
# Test aid, off by default: "N:before-ack" / "N:after-ack" makes the WARC writer process SIGKILL
# its worker right after writing its N-th page or decision record (crawler.distributed.ack).
CLEARCRAWL_FRONTIER_TEST_KILL_AT_WRITE = ""

CLEARCRAWL_PROGRESS = False  # progress display; `clearcrawl crawl` turns it on unless --quiet

# --- output -------------------------------------------------------------------------------
CLEARCRAWL_OUTPUT_DIR = None  # required: where warc/ and decisions.jsonl.gz go
CLEARCRAWL_WARC_PREFIX = "clearcrawl"
CLEARCRAWL_WARC_MAX_BYTES = 1_000_000_000  # WARC 1.1 Annex C: about 1 GB per file
# gzip level of each WARC record (1-9). 3 against 6: about half the CPU for 5-12 % larger files
# (generated 12 KB pages +7.5 %, 45 KB link-heavy +16 %, real 229 KB pages +12 %; measured in
# README "Crawl throughput"); the archive is written on the crawl box's other core.
CLEARCRAWL_WARC_GZIP_LEVEL = 3
CLEARCRAWL_WARC_CDXJ = True  # write a CDXJ index beside each closed WARC
CLEARCRAWL_WARC_STORE = None  # s3://bucket/prefix to upload closed WARCs
CLEARCRAWL_WARC_DEDUPE_MAX_ENTRIES = 100_000  # revisit LRU: ~20 MB, bounded in a huge crawl
CLEARCRAWL_WARC_HOLD_SECONDS = (
    60  # hold a page's capture until its outlinks are journaled (crash order)
)
CLEARCRAWL_WARC_PROCESS = True  # write WARCs in a child process: gzip/hashing off the crawl's GIL
CLEARCRAWL_WARC_WACZ = False  # also package each closed WARC as WACZ 1.1.1 (a second copy on disk)
CLEARCRAWL_S3_ENDPOINT_URL = (
    None  # None = boto3's sources (AWS_ENDPOINT_URL...); set for MinIO etc.
)
CLEARCRAWL_S3_REGION = None  # None = boto3's sources (AWS_REGION, ~/.aws/config)
CLEARCRAWL_S3_MULTIPART_THRESHOLD = 64 * 1024 * 1024  # 1 GB WARC = 16 parts
CLEARCRAWL_S3_MULTIPART_CHUNKSIZE = 64 * 1024 * 1024
CLEARCRAWL_S3_MAX_CONCURRENCY = 4  # parts in flight; the crawl box has 2 cores
CLEARCRAWL_S3_CHECKSUM_ALGORITHM = "CRC32"  # per-part transport checksum; "" for old S3 clones
CLEARCRAWL_S3_MAX_ATTEMPTS = 5  # botocore standard retries per request
CLEARCRAWL_S3_RETRY_SECONDS = 900  # keep retrying a transient failure this long (store restarts)
CLEARCRAWL_S3_CLOSE_TIMEOUT = 3600  # at spider close, wait this long for uploads; rest stays local
CLEARCRAWL_S3_DELETE_LOCAL = True  # delete local copies once verified (the .urls ledger stays)
