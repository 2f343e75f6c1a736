"""The wording of the recordings pages (/ops/recordings, /ops/admin/reviewers) in the dashboard's two
languages; i18n.py merges it into its tables."""
from __future__ import annotations

STRINGS = {
    "en": {
        "recordings": "Recordings", "reviewers": "Reviewers", "rec_coverage": "Native recordings per language",
        "rec_lines": "Lines", "rec_recorded": "Recorded", "rec_missing": "Not recorded yet", "rec_stale": "Stale",
        "rec_pending": "Waiting for acceptance", "rec_line": "Line", "rec_text": "Text", "rec_source": "Source",
        "rec_by": "By", "rec_seconds": "Seconds", "rec_listen": "Listen", "rec_accept": "Accept",
        "rec_reject": "Reject", "rec_changed": "The text has changed since this was recorded (it was: {text})",
        "rec_gone": "This line is no longer said", "rec_current": "current", "rec_stale_one": "stale: text changed",
        "rec_accepted": "Accepted: callers hear it within 10 seconds ({seconds} s to build).",
        "rec_accepted_stale": "Accepted, but the text has changed since the recording: the robot voice stays "
                              "until the line is recorded again.",
        "rec_rejected": "Rejected and deleted.", "rec_admin_only": "Only admins accept or reject recordings.",
        "rec_upload": "Upload a recording", "rec_file": "File (wav, flac, ogg, mp3)", "rec_upload_btn": "Upload",
        "rec_show_lines": "Show the lines", "rec_uploaded": "Uploaded: waiting for acceptance.",
        "rec_not_audio": "That file is not audio that sox can read (wav, flac, ogg, mp3).",
        "rec_too_large": "The file is too large (at most {mb} MB).", "rec_bad_line": "Choose a line that is said.",
        "rev_invalid": "Check the number (international, with +), at least one language, and a PIN of 4-8 digits.",
        "rec_recorded_list": "Accepted recordings", "rec_status": "Status", "source.phone": "phone",
        "source.upload": "upload", "rev_add": "Add a reviewer", "rev_number": "Phone number",
        "rev_langs": "Languages they record", "rev_pin": "PIN (4-8 digits, shown only now to you)",
        "rev_added": "Reviewer {mask} saved.", "rev_removed": "Reviewer removed.", "rev_remove": "Remove",
        "rev_help": "Reviewers call the reviewers' number, enter their PIN and record the lines that are still "
                    "missing, most heard first. Their recordings wait under Recordings until an admin accepts them.",
        "audit.reviewer_add": "reviewer added", "audit.reviewer_remove": "reviewer removed",
        "audit.recording_accept": "recording accepted", "audit.recording_reject": "recording rejected",
    },
    "ru": {
        "recordings": "Записи", "reviewers": "Дикторы", "rec_coverage": "Записи дикторов по языкам",
        "rec_lines": "Строк", "rec_recorded": "Записано", "rec_missing": "Ещё не записано", "rec_stale": "Устарело",
        "rec_pending": "Ждут проверки", "rec_line": "Строка", "rec_text": "Текст", "rec_source": "Откуда",
        "rec_by": "Кто", "rec_seconds": "Секунд", "rec_listen": "Прослушать", "rec_accept": "Принять",
        "rec_reject": "Отклонить", "rec_changed": "Текст изменился после записи (был: {text})",
        "rec_gone": "Эта строка больше не звучит", "rec_current": "актуальна",
        "rec_stale_one": "устарела: текст изменён",
        "rec_accepted": "Принято: звонящие услышат запись в течение 10 секунд (сборка {seconds} с).",
        "rec_accepted_stale": "Принято, но текст изменился после записи: пока строку не перезапишут, "
                              "звучит робот.",
        "rec_rejected": "Отклонено и удалено.", "rec_admin_only": "Принимают и отклоняют записи администраторы.",
        "rec_upload": "Загрузить запись", "rec_file": "Файл (wav, flac, ogg, mp3)", "rec_upload_btn": "Загрузить",
        "rec_show_lines": "Показать строки", "rec_uploaded": "Загружено: ждёт проверки.",
        "rec_not_audio": "Это не аудиофайл, который читает sox (wav, flac, ogg, mp3).",
        "rec_too_large": "Файл слишком большой (не больше {mb} МБ).",
        "rec_bad_line": "Выберите строку, которая звучит.",
        "rev_invalid": "Проверьте номер (международный, с +), хотя бы один язык и ПИН из 4–8 цифр.",
        "rec_recorded_list": "Принятые записи", "rec_status": "Состояние", "source.phone": "телефон",
        "source.upload": "загрузка", "rev_add": "Добавить диктора", "rev_number": "Номер телефона",
        "rev_langs": "Языки записи", "rev_pin": "ПИН (4–8 цифр, виден только сейчас)",
        "rev_added": "Диктор {mask} сохранён.", "rev_removed": "Диктор удалён.", "rev_remove": "Удалить",
        "rev_help": "Дикторы звонят на номер для записи, вводят ПИН и записывают недостающие строки, самые "
                    "слышимые — первыми. Записи ждут в разделе «Записи», пока их не примет администратор.",
        "audit.reviewer_add": "добавлен диктор", "audit.reviewer_remove": "удалён диктор",
        "audit.recording_accept": "запись принята", "audit.recording_reject": "запись отклонена",
    },
}
