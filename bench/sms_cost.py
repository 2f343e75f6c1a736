"""What one inbound text costs: the understander alone (in-process, on the test corpus) and the signed
/sms webhook through gunicorn against real Redis, beside the baseline (bench/baseline.py).

  understander   every corpus message understood `repeat` times; per message: median and p99 of the
                 best of the repeats (µs), and messages/s of one thread doing nothing else
  /sms webhook   texters (asyncio keep-alive, signed like Twilio, Twilio's whole inbound form) send the
                 corpus's messages from their own numbers in a closed loop, alternating with the baseline
                 in slices like the voice loads; req/s, latency, CPU per request, and messages/s of one
                 web process (1 / its server CPU per message: a process on one core doing only this)

The growth of understanding with the lexicon's size is `lexicon_growth`: work counted in operations
(lexicon entries scored, stems compared while spelling is forgiven), not in time.
"""
from __future__ import annotations

import asyncio
import copy
import csv
import random
import statistics
import time
import uuid
from pathlib import Path

from twilio.request_validator import RequestValidator

from .caller import HttpClient, Stats

CORPUS = Path(__file__).resolve().parent.parent / "tests" / "data" / "sms_corpus.tsv"


def corpus(path: Path = CORPUS) -> list[tuple[str, str, str]]:
    """(lang, topic, text) rows of the corpus (comment lines skipped)."""
    with path.open(encoding="utf-8") as f:
        rows = [r for r in csv.reader((line for line in f if not line.startswith("#")), delimiter="\t")]
    return [(r[0], r[1], r[2]) for r in rows[1:] if len(r) >= 3]


def percentile(values, q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")


def understander_cost(understander, texts: list[str], repeat: int = 5) -> dict:
    """Each message once per pass over the corpus, `repeat` passes; per message the best of its passes
    (process CPU: the machine's other load only adds). Each pass starts with the understander's word
    caches (and `fold`'s) emptied, so a message is never timed against its own earlier understanding, only against
    the words of the messages before it — as in production, where common words recur."""
    best = [float("inf")] * len(texts)
    for _ in range(repeat):
        understander.forget_words()
        from ivr.sms.keywords import fold

        getattr(fold, "cache_clear", lambda: None)()
        for i, text in enumerate(texts):
            t0 = time.process_time()
            understander.understand(text)
            best[i] = min(best[i], time.process_time() - t0)
    per = [b * 1e6 for b in best]
    total = sum(per) / 1e6
    return {"messages": len(texts), "median_us": statistics.median(per), "p99_us": percentile(per, .99),
            "max_us": max(per), "messages_per_s": len(texts) / total if total else float("inf")}


# -- growth with the lexicon -------------------------------------------------------------------------
class Counting:
    """Counts the understander's units of work: lexicon entries it places against a message, and
    stems it compares a misspelt word with (rapidfuzz over the stems of each length)."""

    def __init__(self, monkeypatch_target):
        self.target = monkeypatch_target
        self.entries = self.compared = 0

    def __enter__(self):
        mod = self.target
        self._place, self._extract = mod._place, mod.process.extract

        def place(stems, matches):
            self.entries += 1
            return self._place(stems, matches)

        def extract(query, choices, **kw):
            self.compared += len(choices)
            return self._extract(query, choices, **kw)

        mod._place = place
        mod.process = type("P", (), {"extract": staticmethod(extract)})
        return self

    def __exit__(self, *exc):
        import rapidfuzz.process

        self.target._place, self.target.process = self._place, rapidfuzz.process

    @property
    def work(self) -> int:
        return self.entries + self.compared


def grown(lexicon, factor: int, seed: int = 7):
    """The lexicon with (factor − 1) × as many made-up words again in every language's topics: words
    of the lengths and letters of the real ones, so stems, prefixes and near spellings behave alike."""
    rng = random.Random(seed)
    out = copy.deepcopy(lexicon)
    for lang in out.langs.values():
        words = [w for ws in lang.topics.values() for w, _ in ws]
        letters = sorted({ch for w in words for ch in w.lower() if ch.isalpha()}) or list("abcdefgh")
        for topic, ws in lang.topics.items():
            extra = []
            for _ in range((factor - 1) * len(ws)):
                n = rng.randint(5, 10)
                extra.append(("".join(rng.choice(letters) for _ in range(n)), 1.0))
            lang.topics[topic] = list(ws) + extra
    return out


def lexicon_growth(catalog, lexicon, texts: list[str], factors=(1, 2, 4, 8)) -> list[dict]:
    """Work per message (operations) and the lexicon's size (entries; distinct stems, which is what its
    index holds), at each growth factor. The made-up words have more distinct stems per word than real
    ones (real words share stems), so stems are the size to grow against."""
    from ivr.sms import understanding

    rows = []
    for factor in factors:
        lex = grown(lexicon, factor)
        und = understanding.Understander(catalog, lex)
        with Counting(understanding) as count:
            t0 = time.process_time()
            for text in texts:
                und.forget_words()  # each message's own work, not what the words of earlier ones saved
                und.understand(text)
            cpu = time.process_time() - t0
        rows.append({"factor": factor, "entries": len(und.entries), "stems": len(und.stem_langs),
                     "work_per_message": count.work / len(texts),
                     "placed_per_message": count.entries / len(texts), "us_per_message": cpu / len(texts) * 1e6})
    return rows


def growth_exponent(rows: list[dict], size: str = "stems") -> float:
    """k in work ∝ size^k between the second and the last row (the first is the real lexicon alone,
    whose many short stems are never compared for spelling): 1 is linear."""
    import math

    a, b = rows[1], rows[-1]
    if b[size] <= a[size] or a["work_per_message"] <= 0:
        return float("nan")  # nothing grew (a catalog without lexicons)
    return math.log(b["work_per_message"] / a["work_per_message"]) / math.log(b[size] / a[size])


# -- the /sms webhook through gunicorn -----------------------------------------------------------------
async def run_texters(port: int, token: str, texts: list[str], concurrency: int, max_requests: int,
                      max_seconds: float, stats: Stats, seed: int = 1) -> tuple[Stats, float]:
    """Texters in a closed loop: each sends a corpus message from a number of its own (a new number
    now and then, so first messages — language guessed — are among them), signed like Twilio."""
    from tests.twilio_bodies import inbound_sms

    base = f"http://127.0.0.1:{port}"
    validator = RequestValidator(token)
    max_requests += stats.requests
    deadline = time.perf_counter() + max_seconds
    rng = random.Random(seed)

    async def loop(k: int):
        http = HttpClient("127.0.0.1", port)
        number = f"+7702{rng.randrange(10**7):07d}"
        while stats.requests < max_requests and time.perf_counter() < deadline:
            if rng.random() < 0.2:
                number = f"+7702{rng.randrange(10**7):07d}"
            form = inbound_sms(rng.choice(texts), number, "SM" + uuid.uuid4().hex)
            headers = {"X-Twilio-Signature": validator.compute_signature(base + "/sms", form)}
            t0 = time.perf_counter()
            status, _ = await http.post("/sms", form, headers)
            stats.latency["sms"].append(time.perf_counter() - t0)
            if status >= 400:
                stats.errors[f"sms HTTP {status}"] += 1
        http.close()

    t0 = time.perf_counter()
    await asyncio.gather(*(loop(k) for k in range(concurrency)))
    return stats, time.perf_counter() - t0
