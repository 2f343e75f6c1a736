"""The wording of the account pages (operators admin, password links) in the dashboard's two
languages; i18n.py merges it into its tables. Kept apart so the account pages change alone."""
from __future__ import annotations

STRINGS = {
    "en": {
        "rate_limited": "Too many failed attempts. Try again in {seconds} s.",
        "users": "Operators", "add_user": "Add an operator", "add": "Add", "active": "Active",
        "disabled": "Disabled", "disable": "Disable", "enable": "Enable", "reset_password": "Reset password",
        "change_role": "Change", "sessions": "Sessions", "no_password": "no password yet",
        "link_for": "One-time link for {name}: give it to them privately. It works once, for {hours} hours, "
                    "and is not shown again.",
        "not_yourself": "You cannot disable yourself or change your own role.",
        "set_password": "Set your password", "password_again": "Password again",
        "passwords_differ": "The passwords differ.", "link_invalid": "This link was used or has expired. "
        "Ask an admin for a new one.", "password_set": "Password set. Log in with it.",
        "password_rule": "At least {n} characters.", "role.operator": "operator", "role.admin": "admin",
        "user_added": "Added {name}.", "user_saved": "Saved {name}.",
    },
    "ru": {
        "rate_limited": "Слишком много неудачных попыток. Попробуйте через {seconds} с.",
        "users": "Операторы", "add_user": "Добавить оператора", "add": "Добавить", "active": "Активен",
        "disabled": "Отключён", "disable": "Отключить", "enable": "Включить", "reset_password": "Сбросить пароль",
        "change_role": "Изменить", "sessions": "Сеансы", "no_password": "пароль не задан",
        "link_for": "Одноразовая ссылка для {name}: передайте её лично. Она действует один раз, {hours} ч, "
                    "и больше не будет показана.",
        "not_yourself": "Нельзя отключить себя или изменить свою роль.",
        "set_password": "Задайте пароль", "password_again": "Пароль ещё раз",
        "passwords_differ": "Пароли не совпадают.", "link_invalid": "Ссылка уже использована или устарела. "
        "Попросите администратора о новой.", "password_set": "Пароль задан. Войдите с ним.",
        "password_rule": "Не меньше {n} символов.", "role.operator": "оператор", "role.admin": "администратор",
        "user_added": "Добавлен {name}.", "user_saved": "Сохранено: {name}.",
    },
}
