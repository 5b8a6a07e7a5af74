"""End-to-end ingest throughput: normalise -> score -> dedupe -> store, on PostgreSQL.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/crisiscenter_bench SECRET_KEY=x \
        .venv/bin/python bench/ingest.py [--mentions 100000] [--workers 2] [--profile FILE]

Generates realistic Dutch and English posts (fixed seed: 10-40 words, emoji, hashtags, links,
@handles, authors with followers, ~10% re-sent in a later page, a few unparseable items) and
pushes them through the production `mention_ingest_batch` in pages of 100, one Source per worker
process, as parallel Celery workers polling different sources would. Prints the end-to-end rate
next to VADER alone (vaderSentiment's analyzer on every text) and our scorer alone (`score_text`,
the Dutch path for Dutch texts) on the same texts with 1 and N processes, and the ratios. Exits 1
when the stored rows differ from the expected unique matching posts. Method: bench/README.md.
"""

import argparse
import cProfile
import gc
import multiprocessing as mp
import os
import pstats
import random
import string
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "crisiscenter.settings")
os.environ.setdefault("LOG_LEVEL", "WARNING")  # one INFO line per page would flood the output
# Production runs with DEBUG off; `make run`'s .env turns it on, and with it per-query logging.
os.environ["DEBUG"] = "0"

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection, connections  # noqa: E402
from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer  # noqa: E402

from crisiscenter.celery import worker_gc_tune  # noqa: E402
from monitoring.models import DeadLetter, Mention, Source, WatchTerm  # noqa: E402
from monitoring.platforms.base import NormalizedPost  # noqa: E402
from monitoring.sentiment import score_text  # noqa: E402
from monitoring.services import mention_ingest_batch  # noqa: E402
from monitoring.services.rows import post_language  # noqa: E402
from realtime.publisher import drain  # noqa: E402
from workspaces.models import Workspace  # noqa: E402

SEED = 20261125
PAGE = 100
RESEND_SHARE = 0.10  # of every page after the first: posts already sent in an earlier page
OFF_TOPIC_SHARE = 0.08  # fresh posts matching no watch term (dropped, not stored)
BAD_EVERY = 1000  # every n-th fresh item has no external id (a dead letter)
PLATFORMS = ("x", "reddit", "mastodon", "bluesky")
LANG_FROM_PLATFORM = frozenset({"x", "bluesky"})  # the others leave language detection to us
WORKSPACE = "bench-ingest"
WATCH_TERMS = [
    '"Bank Noord" OR banknoord',
    '("Bank Noord" OR banknoord) -vacature -vacatures',
    '"North Bank" OR northbank',
    '("North Bank" OR northbank) (outage OR down OR "not working")',
    'storing OR storingen OR "ligt eruit" OR "ligt plat"',
    'datalek OR "data breach" OR gehackt OR hacked',
    "pinnen OR pinautomaat OR geldautomaat OR ATM",
    '"internet bankieren" OR "mobiel bankieren" OR "mobile banking"',
    "phishing OR oplichting OR scam OR fraude",
    '"Bank Noord" (app OR website) (storing OR down OR plat)',
    'klantenservice OR "customer service" OR helpdesk',
    "hypotheek OR mortgage",
    'rente OR "interest rate"',
    '("Bank Noord" OR "North Bank") (boete OR toezichthouder OR DNB OR AFM OR regulator)',
    '"Noörd Bank" OR "Bank Nóord"',
]
BRAND = {
    "nl": ["Bank Noord", "Bank Noord", "@banknoord", "#banknoord", "banknoord"],
    "en": ["North Bank", "North Bank", "@northbank", "#northbank", "northbank"],
}
ON_TOPIC = {
    "nl": """de app ligt er weer eens uit | ik kan al twee uur niet inloggen | storing bij het
    pinnen in de supermarkt | de geldautomaat slikt gewoon mijn pas | weer een storing, dit is
    echt belachelijk | de klantenservice neemt niet op | mijn betaling is twee keer afgeschreven |
    wat een slechte service zeg | ik word gek van die storingen | is er nou een datalek of niet? |
    phishing mail ontvangen, pas op | niemand weet wat er aan de hand is | ik ben het zo zat |
    verschrikkelijk slecht geregeld allemaal | geen excuses en geen uitleg | internet bankieren
    werkt niet | snel geholpen door de klantenservice | top service, dank jullie wel | de nieuwe
    app werkt echt fijn | hypotheek netjes geregeld | goede rente op de spaarrekening | heel blij
    mee eerlijk gezegd | vriendelijk en duidelijk uitgelegd | weet iemand of het kantoor morgen
    open is? | nieuwe tarieven gepubliceerd voor zzp'ers | vandaag een afspraak gehad | volgende
    week verandert de rente | de website laadt niet, storing? | DNB kijkt mee na de boete""",
    "en": """the app is down again | I have not been able to log in for two hours | card
    declined at the ATM again | the mobile banking app keeps crashing | customer service is not
    answering | my payment went out twice | what a terrible service | this outage is a joke |
    was there a data breach or not? | got a phishing text, be careful | nobody knows what is
    going on | I am so done with this | no apology and no explanation | online payments not
    working | quick help from customer service today | great service, thank you | the new app
    is really nice | mortgage sorted in ten minutes | decent interest rate on savings | really
    happy with it honestly | friendly and clear explanation | does anyone know if the branch is
    open tomorrow? | new fees announced for small businesses | had an appointment today |
    regulator looking into the fine""",
}
OFF_TOPIC = {
    "nl": """wat een mooi weer vandaag | de trein had weer vertraging | Ajax speelde vanavond
    goed | lekker gegeten bij de buren | file op de A28 richting Zwolle | morgen regent het de
    hele dag | mijn kat slaapt de hele middag | het concert was geweldig | wie gaat er mee naar
    het strand? | eindelijk weekend""",
    "en": """what lovely weather today | the train was late again | great game last night |
    coffee tastes amazing this morning | traffic on the ring road is awful | my cat refuses to
    get up | the concert was brilliant | who is coming to the beach? | finally the weekend""",
}
FILLER = {
    "nl": "echt alweer vandaag vanochtend net nu gewoon ook nog eens zeg hoor toch".split(),
    "en": "really again today this morning just now honestly also seriously though".split(),
}
EMOJI = "😡 😠 🙄 😤 👍 🙂 😂 ❤️ 🔥 💸 🏦 📱 😭 🤬 👏 ✅ ⚠️ 🤔".split()
TAGS = {
    True: "#storing #bankieren #fail #klantenservice #outage #banking #fintech".split(),
    False: "#weer #ajax #ns #zondag #football #monday #koffie".split(),
}
NAMES = "anne bas chris daan eva femke gijs hanna jan kim lars lisa mark noor sam tom".split()


def _pool(text: str) -> list[list[str]]:
    return [part.split() for part in " ".join(text.split()).split(" | ")]


class PostFactory:
    """Deterministic realistic posts for one worker's source and platform."""

    def __init__(self, worker: int, platform: str) -> None:
        self.rng = random.Random(SEED + worker)
        self.worker, self.platform, self.n = worker, platform, 0
        self.start = datetime(2026, 11, 25, 8, 0, tzinfo=UTC)
        self.on = {lang: _pool(text) for lang, text in ON_TOPIC.items()}
        self.off = {lang: _pool(text) for lang, text in OFF_TOPIC.items()}
        self.authors = [self._author(i) for i in range(3000)]

    def _author(self, i: int) -> tuple[str, str, int, bool, datetime]:
        first, last = self.rng.choice(NAMES), self.rng.choice(NAMES)
        followers = min(int(self.rng.paretovariate(1.1) * 40), 3_000_000)
        created = self.start - timedelta(days=self.rng.randint(30, 5000))
        return (
            f"{first}_{last}{i}",
            f"{first} {last}".title(),
            followers,
            followers > 200_000,
            created,
        )

    def _text(self, lang: str, on_topic: bool) -> tuple[str, tuple[str, ...], tuple[str, ...]]:
        rng = self.rng
        target = rng.randint(10, 40)
        tags = tuple(rng.sample(TAGS[on_topic], rng.choice((0, 0, 1, 2))))
        code = "".join(rng.choices(string.ascii_letters + string.digits, k=10))
        urls = (f"https://t.co/{code}",) if rng.random() < 0.3 else ()
        extras = [*tags, *urls] + (
            [f"@{rng.choice(self.authors)[0]}"] if rng.random() < 0.2 else []
        )
        words = [rng.choice(BRAND[lang])] if on_topic else []
        pool = self.on[lang] if on_topic else self.off[lang]
        while len(words) < target - len(extras):
            words += rng.choice(pool) if rng.random() < 0.8 else [rng.choice(FILLER[lang])]
            if on_topic and rng.random() < 0.15:
                words.append(rng.choice(BRAND[lang]))
        words = words[: max(target - len(extras), 6)]
        for _ in range(rng.choice((0, 0, 1, 1, 2, 3))):
            i = rng.randrange(len(words))
            words[i] += rng.choice(EMOJI) * rng.choice((1, 1, 1, 2))
        return " ".join(words + extras), urls, tuple(t[1:] for t in tags)

    def post(self, on_topic: bool, bad: bool) -> NormalizedPost:
        rng, self.n = self.rng, self.n + 1
        lang = "nl" if rng.random() < 0.6 else "en"
        text, urls, tags = self._text(lang, on_topic)
        handle, name, followers, verified, created = rng.choice(self.authors)
        ext = "" if bad else f"{self.worker}-{self.n}-{rng.getrandbits(40):x}"
        posted = self.start + timedelta(seconds=self.n * 0.7)
        likes = int(rng.paretovariate(1.5)) - 1
        metrics = {"like_count": likes, "retweet_count": likes // 4, "reply_count": likes // 3}
        reply_to = f"{self.worker}-{rng.randint(1, self.n)}" if rng.random() < 0.2 else ""
        return NormalizedPost(
            platform=self.platform,
            external_id=ext,
            text=text,
            posted_at=posted,
            url=f"https://example.social/{handle}/status/{ext}",
            author_handle=handle,
            author_name=name,
            author_followers=followers,
            author_verified=verified,
            author_created_at=created,
            language=lang if self.platform in LANG_FROM_PLATFORM else "",
            likes=likes,
            reposts=likes // 4,
            replies=likes // 3,
            views=likes * 40 + rng.randint(0, 500),
            reply_to=reply_to,
            conversation_id=reply_to or ext,
            urls=urls,
            hashtags=tags,
            raw={
                "id": ext,
                "text": text,
                "lang": lang,
                "created_at": posted.isoformat(),
                "author": {"id": handle, "name": name, "followers_count": followers},
                "public_metrics": metrics,
                "entities": {"hashtags": list(tags), "urls": [{"url": u} for u in urls]},
            },
        )


def make_pages(worker: int, platform: str, count: int) -> tuple[list[list], dict, set]:
    """`count` items in pages of PAGE for one worker; the counts and keys storing must yield."""
    f = PostFactory(worker, platform)
    pages: list[list[NormalizedPost]] = []
    sent: list[tuple[NormalizedPost, bool]] = []  # valid fresh posts and whether they match
    want = {"new": 0, "duplicates": 0, "not_matching": 0, "rejected": 0}
    keys = set()
    fresh = 0
    while count > 0:
        size = min(PAGE, count)
        resend = round(size * RESEND_SHARE) if sent else 0
        page = []
        for post, on in f.rng.sample(sent[-20 * PAGE :], min(resend, len(sent))):
            page.append(post)
            want["duplicates" if on else "not_matching"] += 1
        while len(page) < size:
            fresh += 1
            on, bad = f.rng.random() >= OFF_TOPIC_SHARE, fresh % BAD_EVERY == 0
            post = f.post(on, bad)
            page.append(post)
            if bad:
                want["rejected"] += 1
                continue
            sent.append((post, on))
            want["new" if on else "not_matching"] += 1
            if on:
                keys.add((post.platform, post.external_id))
        f.rng.shuffle(page)
        pages.append(page)
        count -= size
    return pages, want, keys


def _backend_cpu(pid: int) -> float:
    """CPU seconds of a PostgreSQL backend on this machine (0 when /proc is unreadable)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _ingest(source_id: int, pages: list, profile: str | None, barrier, results) -> None:
    worker_gc_tune()  # as a Celery worker process does when it starts
    source = Source.objects.get(pk=source_id)
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        backend = cursor.fetchone()[0]
    totals = {"new": 0, "duplicates": 0, "not_matching": 0}
    profiler = cProfile.Profile() if profile else None
    barrier.wait()
    cpu0, pg0, t0 = time.process_time(), _backend_cpu(backend), time.perf_counter()
    if profiler:
        profiler.enable()
    for n, page in enumerate(pages, start=1):
        result = mention_ingest_batch(source=source, posts=page, cursor={"page": n})
        totals["new"] += result.new_count
        totals["duplicates"] += result.duplicates
        totals["not_matching"] += result.not_matching
    drain()
    if profiler:
        profiler.disable()
        profiler.dump_stats(profile)
    totals["seconds"] = time.perf_counter() - t0
    totals["cpu"] = time.process_time() - cpu0
    totals["pg_cpu"] = _backend_cpu(backend) - pg0
    results.put(totals)


def _vader(items: list[tuple[str, str]], barrier, results) -> None:
    """vaderSentiment's own analyzer on every text, whatever its language: VADER alone."""
    worker_gc_tune()  # the same collector settings as the pipeline's processes
    analyzer = SentimentIntensityAnalyzer()
    barrier.wait()
    t0, cpu0 = time.perf_counter(), time.process_time()
    for text, _language in items:
        analyzer.polarity_scores(text)
    results.put({"seconds": time.perf_counter() - t0, "cpu": time.process_time() - cpu0})


def _scorer(items: list[tuple[str, str]], barrier, results) -> None:
    """Our scorer (`score_text`: VADER for English, VADER's rules and a Dutch lexicon for
    Dutch) with the language the pipeline uses."""
    worker_gc_tune()
    barrier.wait()
    t0, cpu0 = time.perf_counter(), time.process_time()
    for text, language in items:
        score_text(text, language)
    results.put({"seconds": time.perf_counter() - t0, "cpu": time.process_time() - cpu0})


def _met(ok: bool) -> str:
    return "met" if ok else "NOT met"


def run_parallel(target, args_for: list[tuple]) -> tuple[float, list[dict]]:
    """Fork one process per args tuple; (wall seconds from a common start, their results)."""
    connections.close_all()  # children open their own connections
    # The pre-generated posts (millions of objects) are the harness's, not the pipeline's: a
    # polling worker holds one page at a time. Keep them out of the children's collections.
    gc.freeze()
    ctx = mp.get_context("fork")
    barrier, results = ctx.Barrier(len(args_for) + 1), ctx.Queue()
    procs = [ctx.Process(target=target, args=(*a, barrier, results)) for a in args_for]
    for p in procs:
        p.start()
    barrier.wait()
    t0 = time.perf_counter()
    out = [results.get() for _ in procs]
    wall = time.perf_counter() - t0
    for p in procs:
        p.join()
        if p.exitcode:
            sys.exit(f"worker failed with exit code {p.exitcode}")
    return wall, out


def setup_workspace(workers: int) -> tuple[Workspace, list[Source]]:
    """A fresh bench workspace with realistic watch terms and one source per worker."""
    call_command("migrate", verbosity=0)
    old = Workspace.objects.filter(slug=WORKSPACE).first()
    if old is not None:
        with connection.cursor() as cursor:  # faster than the ORM cascade for 100k rows
            cursor.execute("DELETE FROM monitoring_mention WHERE workspace_id = %s", [old.pk])
        old.delete()
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE monitoring_mention")
    ws = Workspace.objects.create(slug=WORKSPACE, name="Bench ingest")
    WatchTerm.objects.bulk_create(WatchTerm(workspace=ws, query=q) for q in WATCH_TERMS)
    sources = [
        Source.objects.create(workspace=ws, name=f"bench {k}", platform=PLATFORMS[k % 4])
        for k in range(workers)
    ]
    return ws, sources


def verify(
    ws: Workspace, sources: list[Source], want: dict, got: dict, keys: set, pages: list
) -> list[str]:
    """Problems found after the run: lost or extra rows, miscounted duplicates, cursors."""
    stored = set(Mention.objects.filter(workspace=ws).values_list("platform", "external_id"))
    letters = DeadLetter.objects.filter(workspace=ws).count()
    problems = [
        f"{key}: expected {want[key]}, got {got[key]}"
        for key in ("new", "duplicates", "not_matching")
        if want[key] != got[key]
    ]
    if stored != keys:
        problems.append(
            f"stored rows: expected {len(keys)}, found {len(stored)}: "
            f"{len(keys - stored)} missing, {len(stored - keys)} unexpected"
        )
    if letters != want["rejected"]:
        problems.append(f"dead letters: expected {want['rejected']}, found {letters}")
    for source, worker_pages in zip(sources, pages, strict=True):
        source.refresh_from_db()
        if source.cursor != {"page": len(worker_pages)}:
            problems.append(f"source {source.pk}: cursor {source.cursor}")
    return problems


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--mentions", type=int, default=100_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--profile", help="cProfile worker 0 into this file (slows it down)")
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        sys.exit("bench/ingest.py measures PostgreSQL: set DATABASE_URL=postgres://...")
    n, total = args.workers, args.mentions
    ws, sources = setup_workspace(n)
    t = time.perf_counter()
    shares = [total // n + (k < total % n) for k in range(n)]
    made = [
        make_pages(k, s.platform, c) for k, (s, c) in enumerate(zip(sources, shares, strict=True))
    ]
    pages = [p for p, _, _ in made]
    want = {key: sum(w[key] for _, w, _ in made) for key in made[0][1]}
    keys = set().union(*(k for _, _, k in made))
    posts = [p for worker in pages for page in worker for p in page]
    print(
        f"generated {len(posts):,} items in {time.perf_counter() - t:.1f}s "
        f"({sum(len(p.text.split()) for p in posts) / len(posts):.1f} words on average)"
    )

    # Same texts, same language the pipeline uses; warm the lexicons before forking.
    items = [(p.text, post_language(p, p.text)) for p in posts]
    score_text("warm up", "nl")
    load = os.getloadavg()[0]
    wall1, one = run_parallel(_vader, [(items,)])
    before, _ = run_parallel(_vader, [(items[k::n],) for k in range(n)])
    ours1, ours_one = run_parallel(_scorer, [(items,)])
    ours_before, _ = run_parallel(_scorer, [(items[k::n],) for k in range(n)])
    wall, res = run_parallel(
        _ingest,
        [
            (s.pk, p, args.profile if k == 0 else None)
            for k, (s, p) in enumerate(zip(sources, pages, strict=True))
        ],
    )
    after, _ = run_parallel(_vader, [(items[k::n],) for k in range(n)])
    ours_after, _ = run_parallel(_scorer, [(items[k::n],) for k in range(n)])
    # The faster of the two N-process runs around the end-to-end one: the stricter comparison.
    vader1, vadern = len(items) / wall1, len(items) / min(before, after)
    ours_n = len(items) / min(ours_before, ours_after)
    got = {key: sum(r[key] for r in res) for key in ("new", "duplicates", "not_matching")}
    rate = len(posts) / wall
    cpu, pg_cpu = sum(r["cpu"] for r in res), sum(r["pg_cpu"] for r in res)

    print(f"mentions offered       {len(posts):>10,}  ({n} workers, pages of {PAGE})")
    print(f"stored (new)           {got['new']:>10,}")
    print(f"duplicates             {got['duplicates']:>10,}")
    print(f"not matching / bad     {got['not_matching']:>10,} / {want['rejected']:,}")
    print(f"wall time              {wall:>10.2f} s")
    print(f"end to end             {rate:>10,.0f} mentions/s")
    print(
        f"  CPU per mention      {1e6 * cpu / len(posts):>10.0f} us in workers, "
        f"{1e6 * pg_cpu / len(posts):.0f} us in PostgreSQL backends "
        f"(VADER alone: {1e6 * one[0]['cpu'] / len(items):.0f} us, our scorer alone: "
        f"{1e6 * ours_one[0]['cpu'] / len(items):.0f} us CPU per text)"
    )
    print(f"VADER alone, 1 process {vader1:>10,.0f} texts/s")
    print(
        f"VADER alone, {n} procs  {vadern:>10,.0f} texts/s  "
        f"(before {len(items) / before:,.0f}, after {len(items) / after:,.0f})"
    )
    print(
        f"our scorer alone       {len(items) / ours1:>10,.0f} texts/s in 1 process, "
        f"{ours_n:,.0f} in {n} (score_text: the Dutch path for Dutch texts)"
    )
    ratio = rate / vadern
    print(
        f"end to end / VADER({n}) {ratio:>10.2f}  (targets: >= 0.70 {_met(ratio >= 0.7)}, "
        f">= 5,000/s {_met(rate >= 5000)})"
    )
    # The issue pairs its 5,000/s with VADER's 7,400/s on one core (0.68): the reading in which
    # the two targets agree. The verdict above holds the stricter one, N processes each side.
    print(
        f"end to end / VADER(1) {rate / vader1:>10.2f}  (one VADER process; >= 0.70 "
        f"{_met(rate / vader1 >= 0.7)} in this reading)"
    )
    print(f"end to end / scorer({n}) {rate / ours_n:>9.2f}  (against our own scoring alone)")
    print(f"load average           {load:>10.2f} before, {os.getloadavg()[0]:.2f} after")
    if args.profile:
        print(f"\nprofile of worker 0 (cProfile, inflates Python time): {args.profile}")
        pstats.Stats(args.profile).sort_stats("tottime").print_stats(25)

    problems = verify(ws, sources, want, got, keys, pages)
    for problem in problems:
        print(f"VERIFY FAILED: {problem}")
    if not problems:
        print(f"verified: {got['new']:,} rows stored = unique matching posts, cursors saved")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
