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
    "age_m": "{m} min", "age_hm": "{h} h {m} min", "age_dh": "{d} d {h} h", "cb_age": "Waiting",
    "cb_source": "Came from", "source.voice": "call (menu)", "source.sms": "text", "source.missed": "missed call",
    "cb_mine": "mine", "cb_held": "You hold {n} of at most {m} callbacks.",
    "claim_limit": "You already hold {n} callbacks: finish or release one first.",
    "cb_not_before": "call after {at}", "cb_call_after": "Call after", "save": "Save",
    "too_soon": "Too soon after the last attempt: try again after {at}.",
    "not_called": "“Done” needs a call: show the number first, or tick that you called.",
    "cb_logged_call": "I called without showing the number here (logged)",
    "cb_send_sms": "After no answer / busy: text the caller when we call again (their language)",
    "cb_rules": "A failed attempt counts only {m} min after the previous one.",
    "cb_sms_queued": "SMS to the caller queued.", "cb_sms_scheduled": "SMS to the caller scheduled for the morning.",
    "cb_sms_not_sent": "No SMS was sent (opted out, daily limit or no number).",
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
    "age_m": "{m} мин", "age_hm": "{h} ч {m} мин", "age_dh": "{d} дн {h} ч", "cb_age": "Ждёт",
    "cb_source": "Откуда", "source.voice": "звонок (меню)", "source.sms": "SMS", "source.missed": "пропущенный звонок",
    "cb_mine": "мой", "cb_held": "У вас {n} из не более {m} обратных звонков.",
    "claim_limit": "У вас уже {n} обратных звонков: сначала закончите или отпустите один.",
    "cb_not_before": "звонить после {at}", "cb_call_after": "Звонить после", "save": "Сохранить",
    "too_soon": "Слишком скоро после прошлой попытки: попробуйте после {at}.",
    "not_called": "«Выполнено» — только после звонка: сначала покажите номер или отметьте, что звонили.",
    "cb_logged_call": "Я звонил(а), не открывая номер здесь (записывается в журнал)",
    "cb_send_sms": "Если не ответил / занято: отправить SMS, когда перезвоним (на его языке)",
    "cb_rules": "Неудачная попытка засчитывается не раньше чем через {m} мин после прошлой.",
    "cb_sms_queued": "SMS абоненту в очереди.", "cb_sms_scheduled": "SMS абоненту запланировано на утро.",
    "cb_sms_not_sent": "SMS не отправлено (отписка, дневной лимит или нет номера).",
    "reply_not_possible": "Ответить нельзя: номер хранится только неделю после сообщения и удаляется, когда "
    "сообщение закрыто.",
}

STRINGS = {"en": EN, "ru": RU}
