"""The dashboard's own wording in Russian and English: one dict per UI language, and a switch.

The operator's choice lives in the Flask session (`ui_lang`); Russian is the default. Menu
prompt text comes from the catalog, not from here (the catalog has Russian but no English).
"""
from __future__ import annotations

from flask import session

UI_LANGS = ("ru", "en")
DEFAULT = "ru"

STRINGS = {
    "en": {
        "title": "Hotline operators", "login": "Log in", "logout": "Log out", "user": "User name",
        "password": "Password", "bad_login": "Wrong user name or password.",
        "rate_limited": "Too many failed attempts. Try again later.", "calls": "Calls", "sms": "SMS",
        "outbox": "Outbox", "callbacks": "Callbacks", "stats": "Statistics", "coverage": "Content",
        "export": "Export", "filter": "Filter", "reset": "Reset", "from": "From", "to": "To",
        "language": "Language", "any": "any", "ending": "How it ended", "topic": "Topic reached",
        "min_dur": "Min. duration, s", "max_dur": "Max. duration, s", "started": "Started",
        "duration": "Duration", "last_node": "Last menu", "caller": "Caller", "status": "Status",
        "id": "Id", "newer": "← Newer", "older": "Older →", "page": "Page", "nothing": "Nothing here yet.",
        "window_note": "Filters without an index look at the newest {n} conversations of the period only.",
        "timeline": "Timeline", "time": "Time", "event": "Event", "node": "Menu", "prompt": "What was said",
        "key": "Key", "result": "Result", "sms_requested": "SMS requested", "kind": "Kind",
        "delivery": "Delivery", "created": "Created", "updated": "Updated", "to_number": "To",
        "body": "Text", "segments": "Segments", "number": "Number", "note": "Note", "mark_done": "Mark done",
        "open": "Open", "done": "Done", "done_by": "Done by", "done_at": "Done at", "conversation": "Conversation",
        "calls_per_day": "Calls per day by language", "sms_per_day": "SMS conversations per day by language",
        "top_topics": "Most requested topics", "drop_off": "Where callers hang up (last menu)",
        "sms_delivery": "Follow-up SMS: delivered vs failed", "days": "Days", "total": "Total",
        "present": "Present", "needed": "Needed", "source": "Source text", "reviewed": "Reviewed",
        "unreviewed": "Unreviewed", "sms_over": "SMS over 3 segments", "expired": "Out of force",
        "stale": "Facts that may be stale: to re-read against the source", "reason": "Why", "facts": "Facts",
        "document": "Source",
        "audio": "Audio", "csv_calls": "Calls as CSV", "floip": "Flow Results package (FLOIP, JSON)",
        "download": "Download", "keys_pressed": "Keys pressed", "no_inputs": "No-inputs",
        "wrong_keys": "Wrong keys", "not_found": "Not found.", "saved": "Saved.", "switch": "Русский",
        "role": "Role", "channel": "Channel", "events": "Events",
        "full_number_note": "Full numbers are shown to admins only.",
        "delivered": "delivered", "failed": "failed",
        "ending.caller": "caller hung up", "ending.timeout": "no input, goodbye", "ending.failed": "failed / busy",
        "ending.in_progress": "in progress",
        "ev.start": "call started", "ev.key": "key", "ev.no_input": "no input", "ev.session_expired": "session expired",
        "ev.status": "call status", "ev.sms_in": "SMS in", "ev.sms_out": "SMS out", "ev.sms_request": "SMS requested",
        "res.goto": "went to", "res.repeat": "repeat", "res.back": "back", "res.main": "main menu",
        "res.more": "more", "res.sms": "asked for SMS", "res.wrong_key": "wrong key", "res.language": "language chosen",
    },
    "ru": {
        "title": "Горячая линия: операторы", "login": "Войти", "logout": "Выйти", "user": "Имя пользователя",
        "password": "Пароль", "bad_login": "Неверное имя или пароль.",
        "rate_limited": "Слишком много неудачных попыток. Попробуйте позже.", "calls": "Звонки", "sms": "SMS",
        "outbox": "Исходящие", "callbacks": "Перезвонить", "stats": "Статистика", "coverage": "Контент",
        "export": "Выгрузка", "filter": "Показать", "reset": "Сбросить", "from": "С", "to": "По",
        "language": "Язык", "any": "любой", "ending": "Чем закончился", "topic": "Дошёл до темы",
        "min_dur": "Длит. от, с", "max_dur": "Длит. до, с", "started": "Начало",
        "duration": "Длительность", "last_node": "Последнее меню", "caller": "Абонент", "status": "Статус",
        "id": "Id", "newer": "← Новее", "older": "Старее →", "page": "Страница", "nothing": "Пока ничего нет.",
        "window_note": "Фильтры без индекса просматривают только последние {n} разговоров периода.",
        "timeline": "Ход звонка", "time": "Время", "event": "Событие", "node": "Меню", "prompt": "Что прозвучало",
        "key": "Клавиша", "result": "Результат", "sms_requested": "Запрошенные SMS", "kind": "Вид",
        "delivery": "Доставка", "created": "Создано", "updated": "Обновлено", "to_number": "Кому",
        "body": "Текст", "segments": "Сегменты", "number": "Номер", "note": "Заметка", "mark_done": "Выполнено",
        "open": "Открытые", "done": "Выполненные", "done_by": "Кто", "done_at": "Когда", "conversation": "Разговор",
        "calls_per_day": "Звонки по дням и языкам", "sms_per_day": "SMS-разговоры по дням и языкам",
        "top_topics": "Самые запрашиваемые темы", "drop_off": "Где кладут трубку (последнее меню)",
        "sms_delivery": "SMS: доставлено и не доставлено", "days": "Дней", "total": "Всего",
        "present": "Есть", "needed": "Нужно", "source": "Исходный текст", "reviewed": "Проверено",
        "unreviewed": "Не проверено", "sms_over": "SMS длиннее 3 сегментов", "expired": "Не действует",
        "stale": "Факты, которые могли устареть: сверить с источником", "reason": "Почему", "facts": "Факты",
        "document": "Источник",
        "audio": "Аудио", "csv_calls": "Звонки в CSV", "floip": "Пакет Flow Results (FLOIP, JSON)",
        "download": "Скачать", "keys_pressed": "Нажатые клавиши", "no_inputs": "Тишина",
        "wrong_keys": "Неверные клавиши", "not_found": "Не найдено.", "saved": "Сохранено.", "switch": "English",
        "role": "Роль", "channel": "Канал", "events": "События",
        "full_number_note": "Полные номера видят только администраторы.",
        "delivered": "доставлено", "failed": "не доставлено",
        "ending.caller": "абонент положил трубку", "ending.timeout": "нет ввода, прощание",
        "ending.failed": "сбой / занято", "ending.in_progress": "идёт",
        "ev.start": "начало звонка", "ev.key": "клавиша", "ev.no_input": "тишина",
        "ev.session_expired": "сессия истекла",
        "ev.status": "статус звонка", "ev.sms_in": "входящее SMS", "ev.sms_out": "исходящее SMS",
        "ev.sms_request": "запрос SMS",
        "res.goto": "переход", "res.repeat": "повтор", "res.back": "назад", "res.main": "главное меню",
        "res.more": "дальше", "res.sms": "запросил SMS", "res.wrong_key": "неверная клавиша",
        "res.language": "выбран язык",
    },
}


def ui_lang() -> str:
    lang = session.get("ui_lang")
    return lang if lang in UI_LANGS else DEFAULT


def t(key: str, **fmt) -> str:
    text = STRINGS[ui_lang()].get(key) or STRINGS["en"].get(key) or key
    return text.format(**fmt) if fmt else text


def _merge_page_strings() -> None:
    """The account pages' and the work pages' wording live in modules of their own, in the same shape."""
    from . import i18n_admin, i18n_recordings, i18n_shift, i18n_work

    for module in (i18n_admin, i18n_work, i18n_recordings, i18n_shift):
        for lang, words in module.STRINGS.items():
            STRINGS[lang].update(words)


_merge_page_strings()
