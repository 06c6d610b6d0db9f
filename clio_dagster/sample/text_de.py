"""German conversation text."""

from __future__ import annotations

from clio_dagster.sample.textspec import TopicText as T

TOPICS: dict[str, T] = {
    "tax_questions": T(
        ask=(
            "Kann ich {item} {situation} von der Steuer absetzen?",
            "Wie mache ich meine Steuererklärung {situation}?",
            "Muss ich für {item} Steuern zahlen?",
        ),
        slots={
            "item": (
                "mein Arbeitszimmer",
                "die Fahrtkosten zur Arbeit",
                "Einnahmen aus meinem Nebenjob",
                "Kryptogewinne",
                "die Kinderbetreuung",
                "eine neue Brille",
            ),
            "situation": ("als Freiberufler", "als Student", "mit zwei Jobs", "nach einem Umzug", ""),
        },
        follow=("Welche Formulare brauche ich?", "Bis wann muss ich abgeben?"),
        reply=(
            "Das Arbeitszimmer ist absetzbar, wenn es fast ausschließlich beruflich genutzt wird.",
            "Sammle alle Belege; ein Steuerberater kann deinen Einzelfall prüfen.",
        ),
    ),
    "home_repair": T(
        ask=("Wie repariere ich {problem}?", "Bei mir {problem2}. Kann ich das selbst machen?"),
        slots={
            "problem": (
                "einen tropfenden Wasserhahn",
                "ein Loch in der Rigipswand",
                "eine klemmende Tür",
                "einen Schimmelfleck im Bad",
            ),
            "problem2": (
                "läuft die Toilettenspülung ständig",
                "fliegt immer die Sicherung raus",
                "zieht es am Fenster",
            ),
        },
        follow=("Welches Werkzeug brauche ich?",),
        reply=("Dreh zuerst das Wasser ab, dann kannst du die Dichtung austauschen.",),
    ),
    "python_help": T(
        ask=("Wie kann ich in Python {task}?", "Schreib mir eine Python-Funktion, die {task2}. {constraint}"),
        slots={
            "task": ("eine CSV-Datei einlesen", "Duplikate aus einer Liste entfernen", "Datumswerte parsen"),
            "task2": (
                "eine Excel-Datei einliest",
                "alle Dateien in einem Ordner umbenennt",
                "eine API abfragt",
            ),
            "constraint": ("Nur Standardbibliothek.", "Mit pandas.", ""),
        },
        follow=("Wie teste ich das mit pytest?",),
        reply=("Hier ist eine kurze Funktion mit Erklärungen zu jedem Schritt.",),
    ),
    "sql_queries": T(
        ask=("Schreib eine SQL-Abfrage, die {task}. {db}", "Meine Abfrage, die {task}, ist viel zu langsam."),
        slots={
            "task": (
                "die Top-5-Kunden nach Umsatz findet",
                "Bestellungen pro Tag zählt",
                "doppelte Zeilen löscht",
            ),
            "db": ("Wir nutzen PostgreSQL.", "MySQL 8.", ""),
        },
        follow=("Welcher Index würde helfen?",),
        reply=("Mit einer Fensterfunktion und PARTITION BY geht das in einer Abfrage.",),
    ),
    "email_writing": T(
        ask=(
            "Schreib eine E-Mail an meinen {recipient} wegen {subject}. {tone}",
            "Hilf mir, meinem {recipient} zu antworten.",
        ),
        slots={
            "recipient": ("Chef", "Vermieter", "Kunden", "Professor"),
            "subject": (
                "eines Urlaubsantrags",
                "einer falschen Rechnung",
                "der Nebenkostenabrechnung",
                "einer Terminverschiebung",
            ),
            "tone": ("Höflich, aber bestimmt.", "Sehr förmlich.", ""),
        },
        follow=("Füge einen Betreff hinzu.",),
        reply=("Betreff: Urlaubsantrag. Hier ist ein Entwurf, den du anpassen kannst.",),
    ),
    "legal_questions": T(
        ask=("Mein {party} {problem}. Was kann ich tun?", "Darf mein {party} {action}?"),
        slots={
            "party": ("Vermieter", "Arbeitgeber", "Nachbar"),
            "problem": (
                "gibt die Kaution nicht zurück",
                "hat mir fristlos gekündigt",
                "droht mir mit einer Klage",
            ),
            "action": ("ohne Ankündigung die Wohnung betreten", "meine dienstlichen E-Mails lesen"),
        },
        follow=("Wie formuliere ich ein Schreiben?",),
        reply=("Ich bin kein Anwalt, aber der Vermieter muss die Kaution in angemessener Frist abrechnen.",),
    ),
    "fitness": T(
        ask=(
            "Erstell mir einen Trainingsplan, um {goal}. {constraint}",
            "Wie oft sollte ich trainieren, um {goal}?",
        ),
        slots={
            "goal": ("abzunehmen", "Muskeln aufzubauen", "einen Halbmarathon zu laufen"),
            "constraint": ("Ich habe nur Kurzhanteln.", "Ich bin Anfänger.", ""),
        },
        follow=("Was soll ich nach dem Training essen?",),
        reply=("Drei Ganzkörpereinheiten pro Woche mit Pausentagen sind ein guter Start.",),
    ),
    "gardening": T(
        ask=("Warum werden die Blätter meiner {plant} {color}?", "Wann pflanze ich {plant} am besten?"),
        slots={
            "plant": ("Tomaten", "Rosen", "Hortensien", "Zitronenbäume", "Erdbeeren"),
            "color": ("gelb", "braun", "fleckig"),
        },
        follow=("Wie oft soll ich gießen?",),
        reply=("Gelbe Blätter deuten oft auf zu viel Wasser hin; lass die Erde zwischendurch abtrocknen.",),
    ),
    "personal_finance": T(
        ask=("Soll ich lieber {option}?", "Wie baue ich mit {income} einen Notgroschen auf?"),
        slots={
            "option": (
                "einen ETF-Sparplan machen oder den Kredit tilgen",
                "mieten oder kaufen",
                "Tagesgeld oder Festgeld nehmen",
            ),
            "income": ("2500 Euro netto", "einem Teilzeitjob", "unregelmäßigem Einkommen"),
        },
        follow=("Was ist ein ETF genau?",),
        reply=("Erst teure Schulden tilgen, dann drei Monatsausgaben als Reserve, dann investieren.",),
    ),
    "debugging": T(
        ask=("Ich bekomme diesen Fehler: {error}. {context}", "Warum wirft mein Code {error}?"),
        slots={
            "error": ("KeyError: 'id'", "NullPointerException", "Permission denied", "Segmentation fault"),
            "context": ("Gestern ging es noch.", "Nur auf dem Server.", ""),
        },
        follow=("Jetzt kommt ein anderer Fehler.",),
        reply=("Der Fehler bedeutet, dass der Schlüssel im Dictionary fehlt; prüfe die Eingabedaten.",),
    ),
    "data_analysis": T(
        ask=(
            "Ich habe {data}. Wie finde ich heraus, {question}?",
            "Welches Diagramm zeigt am besten, {question}?",
        ),
        slots={
            "data": ("Umfragedaten", "monatliche Verkaufszahlen", "Messwerte eines Sensors"),
            "question": (
                "wie der saisonale Trend aussieht",
                "welche Werte Ausreißer sind",
                "ob der Unterschied signifikant ist",
            ),
        },
        follow=("Wie mache ich das in pandas?",),
        reply=("Zeichne zuerst die Verteilung, dann vergleiche die Gruppen mit einem passenden Test.",),
    ),
    "heating_rebate": T(
        ask=(
            "Wie beantrage ich den neuen {program}? {detail}",
            "Habe ich Anspruch auf den {program}, wenn {condition}?",
        ),
        slots={
            "program": ("Heizkostenzuschuss", "Winter-Heizkostenzuschuss 2026"),
            "detail": ("Er wurde gestern angekündigt.", "Die Webseite stürzt dauernd ab.", ""),
            "condition": ("ich zur Miete wohne", "ich eine Wärmepumpe habe", "ich im Oktober umgezogen bin"),
        },
        follow=("Welche Unterlagen muss ich hochladen?",),
        reply=(
            "Der Antrag fragt nach Zählernummer, Kundennummer beim Versorger und einem Wohnsitznachweis.",
        ),
    ),
}
