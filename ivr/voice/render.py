"""Voice rendering: a flow Screen becomes TwiML (twilio's VoiceResponse / Gather).

How each piece of text is spoken is one method, `speak`. Twilio's <Say> is used only for a language
it really speaks, with a named voice (Russian: `say_language: ru-RU` in prompts/ru.yaml and the voice
`say_voice` of prompts/spoken/ru.yaml, else TWILIO_VOICES): never an English voice reading Kazakh. What <Say>
gets is the line as written, with <sub alias> words for Latin words, web addresses and lexicon words and each
abbreviation in <say-as interpret-as="characters"> (`spoken.for_say`): Polly never reads "egov.kz" or "ДМС" raw.

  say   Twilio speaks what it can (<Say> for Russian); every other language plays its audio.
  auto  audio made for exactly this text; else <Say> where Twilio speaks the language; else any audio.
  play  any audio, even a recording whose text changed since; else <Say> where Twilio speaks it.

A line with neither audio nor a voice plays the URL its audio would have (`missing-<key>.wav`, a 404):
development only, where the terminal phone still shows its words; in production the app refuses to
start with such a line (`unspeakable`, services.py). Everything else — the order of
prompts, the Gather, the no-input redirect — is the same in every mode.
"""
from __future__ import annotations

from xml.sax.saxutils import quoteattr

from twilio.twiml.voice_response import Gather, Say, VoiceResponse

from ..content.model import Catalog
from ..content.spoken import Speaker, for_say
from ..flow import SMS_KEY, Screen
from ..request_urls import current_root

# Twilio <Say> languages of ours, and the voice used when prompts/spoken/<lang>.yaml names none.
TWILIO_VOICES = {"ru-RU": "Polly.Tatyana"}


class VoiceRenderer:
    CACHE_SIZE = 4096  # rendered menus kept: (nodes × pages × languages × notices) fits many times

    def __init__(self, catalog: Catalog, mode: str = "say", gather_timeout: int = 6, audio=None):
        self.catalog = catalog
        self.mode = mode
        self.gather_timeout = gather_timeout
        self.audio = audio  # an object with url(lang, text) -> str | None
        self._menus: dict[tuple, str] = {}
        self.voices = twilio_voices(catalog)  # lang -> (Twilio language, voice) for the languages it speaks
        self.speaker = Speaker(catalog.directory / "spoken")

    # -- what is said ------------------------------------------------------------------
    def lines(self, screen: Screen) -> list[tuple[str, str]]:
        """(language, text) pairs in the order they are spoken."""
        cat = self.catalog
        if screen.offer:  # a first call whose country code names a language: the greeting and the offer in it
            return [(screen.offer, cat.voice(screen.offer, p)) for p in [*screen.notices, "lang.offer"]]
        if screen.languages:  # before a language is chosen, notices (the greeting) are said in the tree's
            said_in = [screen.lang] if screen.lang else cat.greeting_languages  # greeting_languages
            notices = [(code, cat.voice(code, p)) for p in screen.notices for code in said_in]
            return notices + [(code, cat.voice(code, "lang.choose")) for code in screen.languages]
        lang = screen.lang
        out = [cat.voice(lang, p) for p in screen.notices]
        out += [cat.voice(lang, p) for p in screen.say]
        if screen.more and screen.items:  # "next" before the group too: a caller can skip it
            out.append(cat.voice(lang, "ui.more_early"))
        out += [cat.voice(lang, p) for p in screen.items]
        if screen.more:
            out.append(cat.voice(lang, "ui.more"))
        elif screen.end_of_list:
            out.append(cat.voice(lang, "ui.end_of_list"))
        if screen.sms_offer:
            out.append(cat.voice(lang, "ui.sms_offer", key=SMS_KEY))
        out += [cat.voice(lang, "ui.option", label=cat.voice(lang, o.label), key=o.key)
                for o in screen.options if o.spoken]
        if screen.nav:
            out.append(cat.voice(lang, "ui.nav"))
        return [(lang, text) for text in out]

    def speak(self, parent, lang: str, text: str) -> None:
        url = self.audio_url(lang, text)
        if url:
            parent.play(url)
        elif lang in self.voices:
            parent.append(self.say(lang, text))
        elif self.audio is not None:
            parent.play(self.audio.missing_url(lang, text))  # not built: never <Say> it in English
        else:
            parent.pause(length=1)

    def say(self, lang: str, text: str) -> Say:
        """<Say> with words for what the voice would read raw (Latin words, web addresses: the spoken rules'
        `for_say`) and each abbreviation in <say-as interpret-as="characters">."""
        language, voice = self.voices[lang]
        say = Say(language=language, voice=voice)
        plain = ""
        for kind, written, said in for_say(self.speaker.rules(lang), text):
            if kind == "text":
                plain += written
                continue
            if plain:
                say.nest(plain)
                plain = ""
            if kind == "characters":
                say.say_as(written, interpret_as="characters")
            else:
                say.sub(written, alias=said)
        if plain:
            say.nest(plain)
        return say

    def audio_url(self, lang: str, text: str) -> str | None:
        """The audio this mode plays for a line, or None (then <Say>, or a pause)."""
        sayable = lang in self.voices
        if self.audio is None or (self.mode == "say" and sayable):
            return None
        # `play` takes a recording even if its text changed since; `auto` only audio made for exactly
        # this text, unless Twilio cannot speak the language: then a stale recording beats a pause.
        url = self.audio.url(lang, text, stale_ok=self.mode == "play")
        if url is None and not sayable:
            url = self.audio.url(lang, text, stale_ok=True)
        return url

    def unspeakable(self, lines) -> list:
        """Lines (voice.audio.Line) this renderer could neither play nor say: production refuses them."""
        return [ln for ln in lines if ln.lang not in self.voices
                and (self.audio is None or self.audio.url(ln.lang, ln.text, stale_ok=True) is None)]

    # -- TwiML -------------------------------------------------------------------------
    def menu(self, screen: Screen, action: str, noinput_action: str) -> str:
        """The TwiML for a screen. The same words are rendered once and kept (the hot path of
        every webhook); only the two URLs, which carry the step number, are filled in each time."""
        # Keyed by what the screen is made of, not by its words: working out the words (a format per
        # option) cost more than the rest of the fill. They are a function of these fields alone
        # (the catalog is not changed while the app runs; the day is already in `say`/`items`).
        key = (screen.lang, tuple(screen.languages), tuple(screen.notices), tuple(screen.say), tuple(screen.items),
               tuple((o.key, o.label) for o in screen.options), screen.more, screen.end_of_list, screen.sms_offer,
               screen.nav, self._audio_state())
        template = self._menus.get(key)
        if template is None:
            response = VoiceResponse()
            gather = Gather(num_digits=1, action=_ACTION, method="POST", timeout=self.gather_timeout)
            for lang, text in self.lines(screen):
                self.speak(gather, lang, text)
            response.append(gather)
            response.redirect(_NOINPUT, method="POST")
            # Kept cut at the two URLs, so a fill is one join (not two scans of the whole document).
            head, _, rest = str(response).partition(f'"{_ACTION}"')
            middle, _, tail = rest.partition(f">{_NOINPUT}<")
            template = (head, middle, tail)
            if len(self._menus) >= self.CACHE_SIZE:
                self._menus.clear()
            self._menus[key] = template
        head, middle, tail = template
        return "".join((head, quoteattr(action), middle, ">", _escape_text(noinput_action), "<", tail))

    def _audio_state(self):
        """What else decides a play/auto rendering: which audio exists, and the URL base."""
        if self.audio is None:
            return None
        self.audio.refresh()
        root = current_root() if not self.audio.public_url else ""
        return (getattr(self.audio, "_stamp", None), root)

    def farewell(self, lang: str, lines: tuple[str, ...], sms_action: str | None) -> str:
        """A silent caller's last screen: `lines` (with the SMS offer on key 1 inside a short Gather
        when `sms_action` is given), then the goodbye, which names 1406 and 103, and the hang-up."""
        response = VoiceResponse()
        parent = response
        if sms_action:
            parent = Gather(num_digits=1, action=sms_action, method="POST", timeout=4)
            response.append(parent)
        for pid in lines:  # the SMS offer names its key; the other lines take no placeholder
            self.speak(parent, lang, self.catalog.voice(lang, pid, key=SMS_KEY))
        self.speak(response, lang, self.catalog.voice(lang, "ui.goodbye"))
        response.hangup()
        return str(response)

    def goodbye(self, lang: str | None, prompt: str = "ui.goodbye") -> str:
        response = VoiceResponse()
        for code in [lang] if lang else ["kk", "ru"]:
            if code in self.catalog.langs:
                self.speak(response, code, self.catalog.voice(code, prompt))
        response.hangup()
        return str(response)



def twilio_voices(catalog: Catalog) -> dict[str, tuple[str, str]]:
    """lang -> (Twilio <Say> language, voice) for each language Twilio speaks with a named voice."""
    speaker = Speaker(catalog.directory / "spoken")
    out = {}
    for code, language in catalog.langs.items():
        voice = speaker.rules(code).say_voice or TWILIO_VOICES.get(language.say_language or "")
        if language.say_language and voice:
            out[code] = (language.say_language, voice)
    return out


_ACTION, _NOINPUT = "@@action@@", "@@noinput@@"  # placeholders, filled in by `menu`


def _escape_text(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
