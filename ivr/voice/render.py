"""Voice rendering: a flow Screen becomes TwiML (twilio's VoiceResponse / Gather).

How each piece of text is spoken is one method, `speak`: `say` mode uses <Say> (with
language="ru-RU" where Twilio has a voice); `play` and `auto` ask the audio index for a file
URL and fall back to <Say> in `auto` when the audio is missing or stale. Everything else —
the order of prompts, the Gather, the no-input redirect — is the same in every mode.
"""
from __future__ import annotations

from xml.sax.saxutils import quoteattr

from twilio.twiml.voice_response import Gather, VoiceResponse

from ..content.model import Catalog
from ..flow import SMS_KEY, Screen


class VoiceRenderer:
    CACHE_SIZE = 4096  # rendered menus kept: (nodes × pages × languages × notices) fits many times

    def __init__(self, catalog: Catalog, mode: str = "say", gather_timeout: int = 6, audio=None):
        self.catalog = catalog
        self.mode = mode
        self.gather_timeout = gather_timeout
        self.audio = audio  # an object with url(lang, text) -> str | None, for play/auto
        self._menus: dict[tuple, str] = {}

    # -- what is said ------------------------------------------------------------------
    def lines(self, screen: Screen) -> list[tuple[str, str]]:
        """(language, text) pairs in the order they are spoken."""
        cat = self.catalog
        if screen.languages:
            notices = [(screen.lang, cat.voice(screen.lang, p)) for p in screen.notices] if screen.lang else []
            return notices + [(code, cat.voice(code, "lang.choose")) for code in screen.languages]
        lang = screen.lang
        out = [cat.voice(lang, p) for p in screen.notices]
        out += [cat.voice(lang, p) for p in screen.say]
        out += [cat.voice(lang, p) for p in screen.items]
        if screen.more:
            out.append(cat.voice(lang, "ui.more"))
        elif screen.end_of_list:
            out.append(cat.voice(lang, "ui.end_of_list"))
        if screen.sms_offer:
            out.append(cat.voice(lang, "ui.sms_offer", key=SMS_KEY))
        out += [cat.voice(lang, "ui.option", label=cat.voice(lang, o.label), key=o.key) for o in screen.options]
        if screen.nav:
            out.append(cat.voice(lang, "ui.nav"))
        return [(lang, text) for text in out]

    def speak(self, parent, lang: str, text: str) -> None:
        if self.mode != "say" and self.audio is not None:
            # `play` takes a recording even if its text changed since (better than <Say> in a language
            # Twilio cannot speak); `auto` only takes audio made for exactly this text.
            url = self.audio.url(lang, text, stale_ok=self.mode == "play")
            if url:
                parent.play(url)
                return
            # No current audio: even in `play` mode <Say> is better than silence.
        say_language = self.catalog.langs[lang].say_language if lang else None
        if say_language:
            parent.say(text, language=say_language)
        else:
            parent.say(text)

    # -- TwiML -------------------------------------------------------------------------
    def menu(self, screen: Screen, action: str, noinput_action: str) -> str:
        """The TwiML for a screen. The same words are rendered once and kept (the hot path of
        every webhook); only the two URLs, which carry the step number, are filled in each time."""
        lines = tuple(self.lines(screen))
        key = (lines, self._audio_state()) if self.mode != "say" else (lines,)
        template = self._menus.get(key)
        if template is None:
            response = VoiceResponse()
            gather = Gather(num_digits=1, action=_ACTION, method="POST", timeout=self.gather_timeout)
            for lang, text in lines:
                self.speak(gather, lang, text)
            response.append(gather)
            response.redirect(_NOINPUT, method="POST")
            template = str(response)
            if len(self._menus) >= self.CACHE_SIZE:
                self._menus.clear()
            self._menus[key] = template
        return (template.replace(f'"{_ACTION}"', quoteattr(action))
                .replace(f">{_NOINPUT}<", ">" + _escape_text(noinput_action) + "<"))

    def _audio_state(self):
        """What else decides a play/auto rendering: which audio exists, and the URL base."""
        if self.audio is None:
            return None
        from flask import has_request_context, request

        self.audio.refresh()
        root = request.url_root if has_request_context() and not self.audio.public_url else ""
        return (getattr(self.audio, "_stamp", None), root)

    def goodbye(self, lang: str | None, prompt: str = "ui.goodbye") -> str:
        response = VoiceResponse()
        for code in [lang] if lang else ["kk", "ru"]:
            if code in self.catalog.langs:
                self.speak(response, code, self.catalog.voice(code, prompt))
        response.hangup()
        return str(response)



_ACTION, _NOINPUT = "@@action@@", "@@noinput@@"  # placeholders, filled in by `menu`


def _escape_text(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
