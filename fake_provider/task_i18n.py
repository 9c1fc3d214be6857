"""Translated inputs for language drift: framing, documents, tickets and questions per locale.

Only the *inputs* drift; system prompts stay in English, as they would in a real app whose
users start writing in another language.
"""

from __future__ import annotations

from typing import Any

#: Locales language drift draws from.
DRIFT_LOCALES: tuple[str, ...] = ("de_DE", "fr_FR", "es_ES")

LOCALE_TEXT: dict[str, dict[str, Any]] = {
    "de_DE": {
        "months": (
            "Januar",
            "Februar",
            "März",
            "April",
            "Mai",
            "Juni",
            "Juli",
            "August",
            "September",
            "Oktober",
            "November",
            "Dezember",
        ),
        "date": "{d}. {month} {y}",
        "thousands": ".",
        "decimal": ",",
        "headers": {
            "extract": "Kundennachricht:",
            "classify": "Support-Ticket:",
            "context": "Kontext:",
            "question": "Frage:",
        },
        "extract": "Hallo,\n\nich habe am {date} die Bestellung {order_id} aufgegeben und "
        "{amount} bezahlt. Leider habe ich noch keine Bestätigung erhalten. Sie erreichen "
        "mich unter {email}.{filler}\n\nViele Grüße\n{name}",
        "neutral": (
            "Ich bin seit Jahren zufriedener Kunde.",
            "Vielen Dank im Voraus für Ihre Hilfe.",
            "Über eine baldige Antwort würde ich mich freuen.",
        ),
        "subject_label": "Betreff",
        "subject": "Anfrage",
        "greeting": "Hallo,",
        "closing": "Viele Grüße",
        "tickets": {
            "billing": "Mir wurde die Bestellung {order_id} doppelt berechnet, bitte "
            "erstatten Sie eine der beiden Abbuchungen.",
            "technical": "Die Anwendung stürzt jedes Mal ab, wenn ich die Einstellungen öffne.",
            "shipping": "Meine Sendung sollte am Montag ankommen, aber die "
            "Sendungsverfolgung zeigt seit fünf Tagen nichts Neues.",
            "account": "Ich kann mich nicht anmelden, weil ich mein Kennwort vergessen habe.",
            "cancellation": "Bitte kündigen Sie mein Abonnement zum Ende des Zeitraums.",
        },
        "chat": (
            "Welche Wanderschuhe empfehlen Sie für eine Alpenüberquerung im Herbst?",
            "Wie pflege ich einen Ledersessel richtig?",
        ),
        "rag_question": "Was ist {attr} des {p}?",
        "attrs": {
            "warranty": "die Garantiezeit",
            "battery": "die Akkulaufzeit",
            "weight": "das Gewicht",
            "charging": "die Ladezeit",
            "load": "die maximale Zuladung",
            "range": "die Reichweite",
            "noise": "der Geräuschpegel",
        },
        "agent": {
            "lookup_order": "Wo bleibt meine Bestellung {order_id}? Können Sie bitte "
            "den Status prüfen?",
            "get_weather": "Wie ist das Wetter gerade in {city}?",
            "convert_currency": "Wie viel sind {amount} {src} in {dst}?",
        },
    },
    "fr_FR": {
        "months": (
            "janvier",
            "février",
            "mars",
            "avril",
            "mai",
            "juin",
            "juillet",
            "août",
            "septembre",
            "octobre",
            "novembre",
            "décembre",
        ),
        "date": "{d} {month} {y}",
        "thousands": "\u202f",
        "decimal": ",",
        "headers": {
            "extract": "Message du client :",
            "classify": "Ticket de support :",
            "context": "Contexte :",
            "question": "Question :",
        },
        "extract": "Bonjour,\n\nJ'ai passé la commande {order_id} le {date} pour un montant "
        "de {amount}, mais je n'ai toujours reçu aucune confirmation. Vous pouvez me joindre "
        "à {email}.{filler}\n\nCordialement,\n{name}",
        "neutral": (
            "Je suis client depuis plusieurs années.",
            "Merci d'avance pour votre aide.",
            "Une réponse rapide serait très appréciée.",
        ),
        "subject_label": "Objet",
        "subject": "Demande",
        "greeting": "Bonjour,",
        "closing": "Cordialement,",
        "tickets": {
            "billing": "J'ai été débité deux fois pour la commande {order_id} ; merci de "
            "rembourser l'un des prélèvements.",
            "technical": "L'application plante à chaque fois que j'ouvre l'écran des paramètres.",
            "shipping": "Mon colis devait arriver lundi, mais le suivi n'a pas bougé depuis "
            "cinq jours.",
            "account": "Je n'arrive plus à me connecter car j'ai oublié mon mot de passe.",
            "cancellation": "Merci de résilier mon abonnement à la fin de la période en cours.",
        },
        "chat": (
            "Quelles chaussures de randonnée recommandez-vous pour traverser les Alpes "
            "en automne ?",
            "Comment entretenir un fauteuil en cuir ?",
        ),
        "rag_question": "Pouvez-vous me dire {attr} du {p} ?",
        "attrs": {
            "warranty": "la durée de garantie",
            "battery": "l'autonomie de la batterie",
            "weight": "le poids",
            "charging": "le temps de recharge",
            "load": "la charge maximale",
            "range": "le rayon d'action",
            "noise": "le niveau sonore",
        },
        "agent": {
            "lookup_order": "Où en est ma commande {order_id} ? Pouvez-vous vérifier son statut ?",
            "get_weather": "Quel temps fait-il en ce moment à {city} ?",
            "convert_currency": "Combien font {amount} {src} en {dst} ?",
        },
    },
    "es_ES": {
        "months": (
            "enero",
            "febrero",
            "marzo",
            "abril",
            "mayo",
            "junio",
            "julio",
            "agosto",
            "septiembre",
            "octubre",
            "noviembre",
            "diciembre",
        ),
        "date": "{d} de {month} de {y}",
        "thousands": ".",
        "decimal": ",",
        "headers": {
            "extract": "Mensaje del cliente:",
            "classify": "Ticket de soporte:",
            "context": "Contexto:",
            "question": "Pregunta:",
        },
        "extract": "Hola:\n\nRealicé el pedido {order_id} el {date} por un importe de "
        "{amount} y todavía no he recibido ninguna confirmación. Pueden escribirme a "
        "{email}.{filler}\n\nUn saludo,\n{name}",
        "neutral": (
            "Soy cliente desde hace años.",
            "Gracias de antemano por su ayuda.",
            "Les agradecería una respuesta rápida.",
        ),
        "subject_label": "Asunto",
        "subject": "Consulta",
        "greeting": "Hola:",
        "closing": "Un saludo,",
        "tickets": {
            "billing": "Me han cobrado dos veces el pedido {order_id}; por favor, devuelvan "
            "uno de los cargos.",
            "technical": "La aplicación se cierra cada vez que abro la pantalla de ajustes.",
            "shipping": "Mi paquete debía llegar el lunes, pero el seguimiento no se ha "
            "actualizado en cinco días.",
            "account": "No puedo iniciar sesión porque olvidé mi contraseña.",
            "cancellation": "Por favor, den de baja mi suscripción al final del periodo actual.",
        },
        "chat": (
            "¿Qué botas de montaña recomiendan para cruzar los Alpes en otoño?",
            "¿Cómo cuido correctamente un sillón de cuero?",
        ),
        "rag_question": "¿Cuál es {attr} del {p}?",
        "attrs": {
            "warranty": "el periodo de garantía",
            "battery": "la duración de la batería",
            "weight": "el peso",
            "charging": "el tiempo de recarga",
            "load": "la carga máxima",
            "range": "la autonomía",
            "noise": "el nivel de ruido",
        },
        "agent": {
            "lookup_order": "¿Dónde está mi pedido {order_id}? ¿Pueden revisar el estado?",
            "get_weather": "¿Qué tiempo hace ahora mismo en {city}?",
            "convert_currency": "¿Cuánto son {amount} {src} en {dst}?",
        },
    },
}
