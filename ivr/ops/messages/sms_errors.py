"""Twilio's delivery error codes as an operator reads them, and whether a retry can help.

Meanings follow Twilio's error dictionary (twilio.com/docs/api/errors) for the codes a hotline
sending follow-up SMS meets. `retry`: an operator's retry may succeed later (a phone that was off,
a carrier hiccup, our own transient failure); never for an unsubscribed, invalid or landline number.
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Code:
    en: str
    ru: str
    retry: bool


CODES = {
    "21211": Code("The number is not a valid phone number.", "Номер не является действительным номером.", False),
    "21408": Code("Sending to this country is not enabled in the Twilio account (geo permissions).",
                  "Отправка в эту страну не включена в аккаунте Twilio (геоограничения).", False),
    "21610": Code("The person unsubscribed (replied STOP): never send again.",
                  "Абонент отписался (ответил STOP): больше не отправлять.", False),
    "21612": Code("Twilio cannot route a message between these two numbers.",
                  "Twilio не может доставить сообщение между этими номерами.", False),
    "21614": Code("The number cannot receive SMS (not a mobile number).",
                  "Номер не принимает SMS (не мобильный).", False),
    "30001": Code("Twilio's queue overflowed: too many messages at once.",
                  "Очередь Twilio переполнена: слишком много сообщений сразу.", True),
    "30002": Code("The Twilio account is suspended.", "Аккаунт Twilio приостановлен.", False),
    "30003": Code("The phone was unreachable (switched off or out of coverage).",
                  "Телефон недоступен (выключен или вне зоны сети).", True),
    "30004": Code("The message was blocked (by the recipient or their carrier).",
                  "Сообщение заблокировано (абонентом или его оператором).", False),
    "30005": Code("Unknown or inactive number.", "Номер неизвестен или не активен.", False),
    "30006": Code("Landline, or a carrier that cannot take SMS.", "Городской номер или оператор без SMS.", False),
    "30007": Code("The carrier filtered the message as spam.", "Оператор отфильтровал сообщение как спам.", False),
    "30008": Code("Unknown error at the carrier.", "Неизвестная ошибка у оператора.", True),
    "30009": Code("A part of a long message was lost.", "Часть длинного сообщения потерялась.", True),
    "30034": Code("The sender is not registered (US A2P 10DLC).",
                  "Отправитель не зарегистрирован (США, A2P 10DLC).", False),
    "20429": Code("Twilio said: too many requests; the send was refused for now.",
                  "Twilio: слишком много запросов, отправка временно отклонена.", True),
    "20500": Code("Twilio had an internal error.", "Внутренняя ошибка Twilio.", True),
    "20503": Code("Twilio was temporarily unavailable.", "Twilio был временно недоступен.", True),
    "transient": Code("Twilio could not be reached or answered with a server error.",
                      "Twilio недоступен или ответил ошибкой сервера.", True),
    "daily-limit": Code("The caller reached the daily SMS limit; nothing was sent.",
                        "Абонент исчерпал дневной лимит SMS; ничего не отправлено.", False),
    "permanent": Code("Twilio refused the message for good.", "Twilio окончательно отказал.", False),
}
# Statuses that show a message did not arrive (or has not been sent yet and may need a look).
PROBLEM_STATUSES = ("failed", "undelivered", "rejected", "opted_out", "uncertain", "canceled", "partially_delivered")
WAITING_STATUSES = ("scheduled", "requested", "queued", "accepted")
RETRYABLE_STATUSES = {"failed", "undelivered", "queued"}


def explain(code: str | None, lang: str) -> str:
    found = CODES.get(str(code or ""))
    if not found:
        return ""
    return found.ru if lang == "ru" else found.en


def retryable(record: dict) -> bool:
    """A failed send whose error a later attempt may overcome (`queued` with an error: retries ran out)."""
    code = str(record.get("error_code") or "")
    if record.get("status") not in RETRYABLE_STATUSES or not code:
        return False
    found = CODES.get(code)
    return bool(found and found.retry)
