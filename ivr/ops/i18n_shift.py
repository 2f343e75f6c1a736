"""The dashboard's wording for a shift's work (issue 30): claims on texts, kept drafts, replies from any
page, reasons a text needs a person, callbacks like a call centre's, audit actions; English and Russian,
merged into `i18n.STRINGS`."""
from __future__ import annotations

EN = {
    "session_ended": "Your session ended. Log in again: what you typed is kept and comes back in the form.",
    "draft_kept": "Kept for you:",
    "bad_request": "This could not be saved.", "bad_request_help": "The page was out of date (or a field was "
    "missing). What you typed is kept: go back to the page and send it again.", "go_back": "Back to the page",
    "seg_counter": "{chars} characters · {n} SMS ({enc})", "seg_over": "More than 3 SMS: tick the box to send anyway.",
    "canned": "Ready answers", "confirm_long": "Send even if longer than 3 SMS",
    "reply_empty": "The reply is empty or too long.", "reply_taken": "{name} is already answering this text: "
    "your reply was not sent (your words are kept below).",
    "reply_too_long": "This reply is {n} SMS long: shorten it, or tick “send even if longer” (kept below).",
    "inbox_held_by": "{name} is answering this text.", "inbox_not_open": "This text is already answered or closed.",
    "inbox_yours": "You are answering this text.", "inbox_claim": "Take it",
    "needs_attention": "needs attention", "reply_delivery": "reply",
    "reason.unclear": "not understood", "reason.out_of_scope": "outside the hotline's topics",
    "reason.urgent": "urgent", "reason.callback": "asks for a call", "reason.flagged": "the answer did not help",
    "reason.error": "understanding failed",
    "choose_topic": "— choose —", "close_confirm": "The kept number is deleted: no reply is possible afterwards.",
    "close_for_good": "Close for good",
    "node.language_menu": "language menu", "node.unknown": "a menu no longer in the content",
    "withheld_caller": "hidden number", "reply_here": "Reply by SMS",
    "audit.history": "history opened", "audit.export": "export", "audit.user.add": "account added",
    "audit.user.role": "role changed", "audit.user.reset": "password reset", "audit.user.disable": "account disabled",
    "audit.user.enable": "account enabled", "audit.recording.accept": "recording accepted",
    "audit.recording.revert": "recording reverted", "audit.call.logged": "call logged without a reveal",
    "reply_not_possible": "No reply is possible: the number is kept only for a week after a text, and not after "
    "the text was closed.",
}

RU = {
    "session_ended": "Сеанс закончился. Войдите снова: набранный текст сохранён и вернётся в форму.",
    "draft_kept": "Сохранено для вас:",
    "bad_request": "Не удалось сохранить.", "bad_request_help": "Страница устарела (или не заполнено поле). "
    "Набранный текст сохранён: вернитесь на страницу и отправьте снова.", "go_back": "Вернуться на страницу",
    "seg_counter": "{chars} знаков · {n} SMS ({enc})",
    "seg_over": "Больше 3 SMS: отметьте галочку, чтобы всё равно отправить.",
    "canned": "Готовые ответы", "confirm_long": "Отправить, даже если длиннее 3 SMS",
    "reply_empty": "Ответ пустой или слишком длинный.", "reply_taken": "Это сообщение уже отвечает {name}: "
    "ваш ответ не отправлен (текст сохранён ниже).",
    "reply_too_long": "Ответ займёт {n} SMS: сократите его или отметьте «отправить, даже если длиннее» "
    "(текст сохранён ниже).",
    "inbox_held_by": "Отвечает {name}.", "inbox_not_open": "На это сообщение уже ответили, или его закрыли.",
    "inbox_yours": "Отвечаете вы.", "inbox_claim": "Взять",
    "needs_attention": "требует внимания", "reply_delivery": "ответ",
    "reason.unclear": "не понято", "reason.out_of_scope": "не по темам линии",
    "reason.urgent": "срочно", "reason.callback": "просит позвонить", "reason.flagged": "ответ не помог",
    "reason.error": "сбой распознавания",
    "choose_topic": "— выберите —", "close_confirm": "Сохранённый номер будет удалён: ответить потом будет нельзя.",
    "close_for_good": "Закрыть окончательно",
    "node.language_menu": "меню выбора языка", "node.unknown": "меню, которого больше нет",
    "withheld_caller": "скрытый номер", "reply_here": "Ответить по SMS",
    "audit.history": "открыта история", "audit.export": "выгрузка", "audit.user.add": "добавлен пользователь",
    "audit.user.role": "изменена роль", "audit.user.reset": "сброшен пароль",
    "audit.user.disable": "отключён пользователь",
    "audit.user.enable": "включён пользователь", "audit.recording.accept": "запись принята",
    "audit.recording.revert": "запись отменена", "audit.call.logged": "звонок записан без показа номера",
    "reply_not_possible": "Ответить нельзя: номер хранится только неделю после сообщения и удаляется, когда "
    "сообщение закрыто.",
}

STRINGS = {"en": EN, "ru": RU}
