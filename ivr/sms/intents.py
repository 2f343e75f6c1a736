"""What to answer when a text says more than a topic: a status, a named disease, an urgency, a wish for a person.

The understander finds topics and "signals" (prompts/lexicon/statuses.yaml, intents.yaml, diseases.yaml); this
module turns them into a plan: the prompt ids to send (one list per SMS), whether an operator must see the text
(ivr.store.inbox reason) and whether a callback is asked for. In order:

  urgent words (fever, bleeding, "срочно", "помогите" in a sentence) -> 103 at once, the text to the inbox
  labour started, or pregnancy with an ambulance -> 103 and the labour rule (001:405), the text to the inbox
  a wish for a person ("перезвоните", "оператор") -> a callback request; the reply says an operator will call
  "не понял" after an answer -> the text to the inbox (flagged); "who are you" -> the welcome
  visa / registration / work / salary / deportation, with nothing medical left -> the honest out-of-scope line
  a named disease of the list of 23 -> who is treated free for them and its line of the list
  a stated status with a general question (free? attach? what do I get?) -> that status's rule
  a sick child -> the child rule; "where do I get ДМС" -> from an insurance company (algo.step02)
  a context topic (no insurance, free) beside a specific one (pregnancy, ambulance) -> the specific one
Anything else is left to the topic answer (ivr/sms/texting.py). Pure: no Redis, no clock.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from ..content.lexicon import Lexicon
from .understanding import Understanding

# Topics a status or a child answers better than the topic's own node: questions about what one gets in general.
GENERAL = {"free", "permanent", "services", "documents", "family", "eaeu", "menu", None}
# Topics that are context ("no insurance", "free?") when a specific need is named beside them.
CONTEXT = {"dms", "insurance", "free", "pay", "family", "contacts"}
SPECIFIC = ("pregnancy", "emergency", "dental", "tb", "diseases", "chronic", "debt")
OUT_OF_SCOPE_LEFT = 1.2  # what a medical topic must still score once the out-of-scope words are left out


@dataclass
class Plan:
    messages: list[list[str]]  # prompt ids, one list per SMS (the first is the main answer)
    intent: str
    topic: str | None = None  # the node to go to (keywords in tree.yaml), when there is one
    inbox: str | None = None
    action: str | None = None
    extra: dict = field(default_factory=dict)


class Intents:
    def __init__(self, lexicon: Lexicon):
        self.lexicon = lexicon

    def status(self, understood: Understanding) -> str | None:
        """The status the texter states: the one said with the most words, then the file's order."""
        hits = understood.of_kind("status")
        if not hits:
            return None
        best = max(hits, key=lambda h: (h.words, -self.lexicon.signals[h.key].order))
        return best.key.split(":", 1)[1]

    def plan(self, understood: Understanding, lang: str, after_answer: bool, rescore) -> Plan | None:
        """`rescore(tokens)`: the topics of the text with those words left out."""
        topics = [s.topic for s in understood.ranked]
        first = self._for_a_person(understood, topics, after_answer)
        if first:
            return first
        direct = None
        oos = understood.hits.get("intent:out_of_scope")
        if oos:
            left = rescore(set(oos.tokens))
            if not left or left[0].score < OUT_OF_SCOPE_LEFT:
                return Plan([["ui.sms_out_of_scope"]], "out_of_scope", None, inbox="out_of_scope")
            topics = [s.topic for s in left]
            direct = Plan([], "specific", topics[0])  # what is left once visa/work words are set aside
        return self._for_the_need(understood, lang, topics, oos, rescore) or direct

    def _for_a_person(self, understood: Understanding, topics: list[str], after_answer: bool) -> Plan | None:
        """Urgency, labour, a wish for a person, "this did not help": what an operator must see."""
        has = understood.has
        if has("intent:labour") or (has("intent:urgent") and "pregnancy" in topics[:3]) \
                or ("pregnancy" in topics[:3] and "emergency" in topics[:3]):
            urgent = has("intent:labour") or has("intent:urgent")
            return Plan([["urgent.call103"], ["urgent.pregnancy"]], "labour", "pregnancy",
                        inbox="urgent" if urgent else None)
        if has("intent:urgent"):
            return Plan([["ui.sms_urgent"]], "urgent", "emergency", inbox="urgent")
        if has("intent:callback"):
            return Plan([["ui.sms_callback"]], "callback", None, action="callback")
        if has("intent:who") and len(topics) <= 1:
            return Plan([], "who", None)  # the welcome: who we are, and the languages
        if has("intent:flagged") and after_answer:
            return Plan([["ui.sms_flagged"]], "flagged", None, inbox="flagged")
        return None

    def _for_the_need(self, understood: Understanding, lang: str, topics: list[str], oos, rescore) -> Plan | None:
        has = understood.has
        best = topics[0] if topics else None
        if has("intent:not_listed") and best != "chronic":
            return Plan([["elig.r_dangerous"]], "not_listed", "diseases")
        diseases = self._diseases(understood, lang)
        if diseases and best not in ("tb", "chronic"):
            return Plan([["diseases.intro", *diseases]], "disease", "diseases")
        status = self.status(understood)
        if status:
            # the need, once the words that say the status are set aside ("кандаспын" is no Tajik "қанд")
            taken = {t for h in understood.of_kind("status") for t in h.tokens}
            plan = self._with_status(status, understood, rescore(taken | set(oos.tokens if oos else ())))
            if plan:
                return plan
        child = has("intent:child")
        if child and (has("intent:sick") or best in ("free", None)) and best in GENERAL:
            return Plan([["status.children"]], "child", "family")
        if has("intent:where") and (best in ("dms", "insurance") or "dms" in topics[:2]):
            return Plan([["algo.step02"]], "where_dms", "dms")
        if child and (best in ("documents", "dms", None) or best == "family" and not understood.clear):
            return Plan([["status.children"]], "child", "family")  # attaching a child: the child rule
        near = understood.choices() if understood.choices()[:1] == topics[:1] else topics[:3]
        specific = [t for t in near[1:] if t in SPECIFIC]
        if best == "amount" and "debt" in topics:  # "how much do I owe": the debt rule, not this year's sum
            return Plan([], "specific", "debt")
        if (best in CONTEXT or best == "amount") and specific:
            return Plan([], "specific", specific[0])
        if best and len(understood.choices()) > 1 and all(t in CONTEXT for t in understood.choices()[1:]):
            return Plan([], "specific", best)  # "pregnant, no insurance": the pregnancy answer, not a choice
        return None

    def _with_status(self, status: str, understood: Understanding, need: list):
        sig = self.lexicon.signals[f"status:{status}"]
        child = understood.has("intent:child")
        best = need[0].topic if need else None
        near = [x.topic for x in need if x.score >= 0.5 * need[0].score][:3] if need else []
        named = (["insurance"] if "insurance" in near else []) + [t for t in near if t in SPECIFIC and t != "diseases"]
        if named:  # the topic's own answer (ОСМС for permanent residents and kandases, 103, TB, chronic ...)
            return Plan([], "specific", named[0], extra={"status": status})
        if sig.rule == "dangerous" and best in ("documents", "family", "eaeu"):
            return None  # a temporary stayer attaches with ДМС (algo.checklist); an EAEU worker: status.eaeu
        if child and sig.rule in ("permanent", "dangerous"):
            return Plan([["status.children"]], f"status:{status}", "family", extra={"status": status})
        if best in GENERAL or best in ("dms", "amount", "diseases"):
            return Plan([list(sig.answer)], f"status:{status}", None, extra={"status": status})
        return None

    def _diseases(self, understood: Understanding, lang: str) -> list[str]:
        """The named diseases' prompt ids; where two languages name different diseases alike (kk қызамық is
        rubella, ky кызамык measles), the texter's language decides."""
        hits = understood.of_kind("disease")
        own = [h for h in hits if lang in h.langs]
        return [h.key.split(":", 1)[1] for h in (own or hits)][:2]
