"""What the bot says, per locale (``en_US``, ``es_US``), and the menu it offers.

The food ids are the Food slot type's sample values (``bots/ordering_bot.json``), the same in every locale;
each locale names them in its own words and maps its synonyms to them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

MENU: tuple[str, ...] = ("pizza", "burger", "salad", "tacos")
DEFAULT_LOCALE = "en_US"


@dataclass(frozen=True)
class Messages:
    """Every sentence of one locale; ``{food}``, ``{menu}``, ``{code}``, ``{minutes}`` are filled in."""

    food_names: Mapping[str, str]
    menu: str
    which_food: str
    code_sent: str          # the same words whether or not the e-mail is registered (no enumeration)
    code_again: str
    wrong_code: str
    wrong_code_resent: str
    expired_resent: str
    not_a_code: str
    cannot_check: str
    locked: str
    too_soon: str
    too_many_codes: str
    unavailable: str
    need_email: str
    order_placed: str
    sms: str

    def food(self, food: str) -> str:
        """The locale's name for a food id."""
        return self.food_names.get(food, food)

    def menu_line(self) -> str:
        """The menu as one sentence."""
        return self.menu.format(menu=", ".join(self.food(item) for item in MENU))


_EN = Messages(
    food_names={"pizza": "pizza", "burger": "burger", "salad": "salad", "tacos": "tacos"},
    menu="Today's menu: {menu}.",
    which_food="What would you like to order?",
    code_sent=("To place your order we need to confirm it is you. If this e-mail address is registered with us, "
               "we have texted a code to the phone on file. Please type the code here. If no code arrives, "
               "please contact support."),
    code_again="Please type the code we texted you.",
    wrong_code="That code is not right. Please type the code we texted you.",
    wrong_code_resent="That code is not right. We have texted you a new code: please type it here.",
    expired_resent="That code is no longer valid. We have texted you a new code: please type it here.",
    not_a_code="Please type the code from the text message, digits only.",
    cannot_check="Sorry, I could not check that code just now. Please type it again.",
    locked="Too many failed attempts. Please try again later or contact support.",
    too_soon="Please wait a few seconds, then ask again.",
    too_many_codes="Too many codes were requested. Please try again later or contact support.",
    unavailable="Ordering is temporarily unavailable. Please try again later.",
    need_email="To order, please sign in with the e-mail address you registered with us, then ask again.",
    order_placed="Thank you! Your {food} is on its way.",
    sms="Your order code is {code}. It expires in {minutes} minute(s). Never share it with anyone.",
)

_ES = Messages(
    food_names={"pizza": "pizza", "burger": "hamburguesa", "salad": "ensalada", "tacos": "tacos"},
    menu="El menú de hoy: {menu}.",
    which_food="¿Qué le gustaría pedir?",
    code_sent=("Para hacer su pedido necesitamos confirmar su identidad. Si este correo electrónico está "
               "registrado, le hemos enviado un código por SMS al teléfono registrado. Escriba el código aquí. "
               "Si no recibe ningún código, contacte con soporte."),
    code_again="Escriba el código que le enviamos por SMS.",
    wrong_code="Ese código no es correcto. Escriba el código que le enviamos por SMS.",
    wrong_code_resent="Ese código no es correcto. Le hemos enviado un código nuevo: escríbalo aquí.",
    expired_resent="Ese código ya no es válido. Le hemos enviado un código nuevo: escríbalo aquí.",
    not_a_code="Escriba el código del SMS, solo los dígitos.",
    cannot_check="Lo siento, no he podido comprobar el código. Escríbalo de nuevo.",
    locked="Demasiados intentos fallidos. Inténtelo más tarde o contacte con soporte.",
    too_soon="Espere unos segundos y vuelva a pedirlo.",
    too_many_codes="Se han pedido demasiados códigos. Inténtelo más tarde o contacte con soporte.",
    unavailable="Los pedidos no están disponibles en este momento. Inténtelo más tarde.",
    need_email="Para pedir, inicie sesión con el correo electrónico que registró y vuelva a pedirlo.",
    order_placed="¡Gracias! Su pedido ({food}) está en camino.",
    sms="Su código de pedido es {code}. Caduca en {minutes} minuto(s). No lo comparta con nadie.",
)

LOCALES: Mapping[str, Messages] = {"en_US": _EN, "es_US": _ES}


def messages_for(locale_id: str) -> Messages:
    """The locale's messages (English for a locale the bot does not know)."""
    return LOCALES.get(locale_id.replace("-", "_"), LOCALES[DEFAULT_LOCALE])
