"""A small labelled corpus written by hand, independent of ``clio sample``, to catch overfitting.

Ten topics in English, Spanish and German, eight short requests per topic and language (240
in all), written for this benchmark. Each conversation picks one request, wraps it in an
optional opener and closer of its language, sometimes drops one word, and belongs to one of
``n // 2`` users, so the k-anonymous vocabulary sees many distinct users per word.
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable
from pathlib import Path

import polars as pl

REQUESTS: dict[str, dict[str, tuple[str, ...]]] = {
    "gardening": {
        "en": ("my tomato plants have yellow leaves, what am I doing wrong",
               "when should I prune the rose bushes in my garden",
               "how often do I water basil growing on a balcony",
               "which vegetables grow well in a shady garden bed",
               "how do I get rid of aphids on my plants without chemicals",
               "best way to start a compost heap for the garden",
               "can I plant tulip bulbs in spring or only in autumn",
               "my lawn has brown patches, how do I fix the grass"),
        "es": ("las hojas de mis tomateras se ponen amarillas, qué hago mal",
               "cuándo debo podar los rosales del jardín",
               "cada cuánto riego la albahaca en el balcón",
               "qué verduras crecen bien en un huerto con sombra",
               "cómo elimino los pulgones de las plantas sin químicos",
               "cómo empiezo a hacer compost para el jardín",
               "puedo plantar bulbos de tulipán en primavera",
               "el césped tiene manchas marrones, cómo lo arreglo"),
        "de": ("meine Tomatenpflanzen haben gelbe Blätter, was mache ich falsch",
               "wann schneide ich die Rosen im Garten zurück",
               "wie oft muss ich Basilikum auf dem Balkon gießen",
               "welches Gemüse wächst gut im schattigen Gartenbeet",
               "wie werde ich Blattläuse an den Pflanzen ohne Chemie los",
               "wie lege ich einen Komposthaufen im Garten an",
               "kann ich Tulpenzwiebeln im Frühling pflanzen",
               "mein Rasen hat braune Flecken, wie repariere ich das Gras"),
    },
    "car_repair": {
        "en": ("my car makes a grinding noise when I brake",
               "the check engine light came on, what could it be",
               "how do I change the oil in my car myself",
               "car battery keeps dying overnight, why",
               "the engine overheats in traffic, what should I check",
               "how do I replace the brake pads on my car",
               "my car shakes at high speed on the motorway",
               "steering wheel vibrates when braking, is it the brake discs"),
        "es": ("mi coche hace un ruido raro al frenar",
               "se encendió la luz del motor, qué puede ser",
               "cómo cambio el aceite del coche yo mismo",
               "la batería del coche se descarga por la noche",
               "el motor se calienta en el tráfico, qué reviso",
               "cómo cambio las pastillas de freno del coche",
               "el coche vibra a alta velocidad en la autopista",
               "el volante tiembla al frenar, son los discos de freno"),
        "de": ("mein Auto macht beim Bremsen ein schleifendes Geräusch",
               "die Motorkontrollleuchte ist an, was kann das sein",
               "wie wechsle ich das Öl am Auto selbst",
               "die Autobatterie ist jeden Morgen leer, warum",
               "der Motor wird im Stau zu heiß, was prüfe ich",
               "wie tausche ich die Bremsbeläge an meinem Auto",
               "das Auto wackelt bei hoher Geschwindigkeit auf der Autobahn",
               "das Lenkrad vibriert beim Bremsen, sind es die Bremsscheiben"),
    },
    "tax_filing": {
        "en": ("can I deduct my home office from my income tax",
               "what documents do I need to file my tax return",
               "I am self employed, how do I pay income tax",
               "what is the deadline for the tax return this year",
               "do I have to declare interest from my savings account on my taxes",
               "how do I claim a tax refund for work expenses",
               "I forgot to file last year's tax return, what happens",
               "is rental income taxed differently from salary"),
        "es": ("puedo deducir el despacho en casa en la declaración de la renta",
               "qué documentos necesito para la declaración de impuestos",
               "soy autónomo, cómo pago el impuesto sobre la renta",
               "cuál es el plazo de la declaración de la renta este año",
               "tengo que declarar los intereses de mi cuenta de ahorro en hacienda",
               "cómo pido la devolución de impuestos por gastos de trabajo",
               "olvidé presentar la declaración del año pasado, qué pasa",
               "el alquiler tributa distinto que el salario en la renta"),
        "de": ("kann ich das Arbeitszimmer von der Einkommensteuer absetzen",
               "welche Unterlagen brauche ich für die Steuererklärung",
               "ich bin selbstständig, wie zahle ich Einkommensteuer",
               "bis wann muss die Steuererklärung dieses Jahr abgegeben werden",
               "muss ich Zinsen vom Sparkonto in der Steuererklärung angeben",
               "wie bekomme ich eine Steuererstattung für Werbungskosten",
               "ich habe die Steuererklärung vom letzten Jahr vergessen, was passiert",
               "werden Mieteinnahmen anders versteuert als das Gehalt"),
    },
    "pet_care": {
        "en": ("my dog keeps scratching his ears, should I see a vet",
               "how much should I feed a six month old puppy",
               "my cat stopped eating, is that serious",
               "how do I stop my puppy from biting",
               "how often should I take my dog to the vet for vaccines",
               "what is the best food for an old cat with kidney problems",
               "my dog is afraid of fireworks, how can I calm him",
               "how do I introduce a new kitten to my older cat"),
        "es": ("mi perro se rasca mucho las orejas, lo llevo al veterinario",
               "cuánto debe comer un cachorro de seis meses",
               "mi gato ha dejado de comer, es grave",
               "cómo hago que mi cachorro deje de morder",
               "cada cuánto llevo al perro al veterinario para las vacunas",
               "qué comida es mejor para un gato mayor con problemas de riñón",
               "mi perro tiene miedo de los petardos, cómo lo calmo",
               "cómo presento un gatito nuevo a mi gato mayor"),
        "de": ("mein Hund kratzt sich ständig an den Ohren, muss ich zum Tierarzt",
               "wie viel Futter braucht ein sechs Monate alter Welpe",
               "meine Katze frisst nicht mehr, ist das schlimm",
               "wie gewöhne ich meinem Welpen das Beißen ab",
               "wie oft muss der Hund zum Tierarzt zum Impfen",
               "welches Futter ist am besten für eine alte Katze mit Nierenproblemen",
               "mein Hund hat Angst vor Feuerwerk, wie beruhige ich ihn",
               "wie gewöhne ich ein neues Kätzchen an meine ältere Katze"),
    },
    "astronomy": {
        "en": ("why does the moon look bigger near the horizon",
               "how far away is the nearest star from the sun",
               "what is a black hole and how does it form",
               "when is the next meteor shower visible",
               "why is Mars red and Venus so bright",
               "how do telescopes let us see distant galaxies",
               "what causes a solar eclipse",
               "how big is the universe and is it expanding"),
        "es": ("por qué la luna parece más grande en el horizonte",
               "a qué distancia está la estrella más cercana al sol",
               "qué es un agujero negro y cómo se forma",
               "cuándo se ve la próxima lluvia de estrellas",
               "por qué Marte es rojo y Venus brilla tanto",
               "cómo nos permiten los telescopios ver galaxias lejanas",
               "qué causa un eclipse de sol",
               "qué tamaño tiene el universo y se está expandiendo"),
        "de": ("warum sieht der Mond am Horizont größer aus",
               "wie weit ist der nächste Stern von der Sonne entfernt",
               "was ist ein schwarzes Loch und wie entsteht es",
               "wann sieht man den nächsten Sternschnuppenregen",
               "warum ist der Mars rot und die Venus so hell",
               "wie können Teleskope ferne Galaxien sichtbar machen",
               "was verursacht eine Sonnenfinsternis",
               "wie groß ist das Universum und dehnt es sich aus"),
    },
    "home_renovation": {
        "en": ("how do I fix a crack in the bathroom wall before painting",
               "what paint should I use for a damp kitchen wall",
               "how do I lay laminate flooring in the living room",
               "can I remove a wall between kitchen and living room myself",
               "how do I replace the old tiles in my bathroom",
               "what insulation is best for an old house attic",
               "how much does it cost to renovate a small bathroom",
               "the wallpaper is peeling off, how do I hang new wallpaper"),
        "es": ("cómo arreglo una grieta en la pared del baño antes de pintar",
               "qué pintura uso para una pared húmeda de la cocina",
               "cómo pongo suelo laminado en el salón",
               "puedo tirar yo mismo la pared entre cocina y salón",
               "cómo cambio los azulejos viejos del baño",
               "qué aislamiento es mejor para el desván de una casa vieja",
               "cuánto cuesta reformar un baño pequeño",
               "el papel pintado se despega, cómo pongo papel nuevo"),
        "de": ("wie repariere ich einen Riss in der Badezimmerwand vor dem Streichen",
               "welche Farbe nehme ich für eine feuchte Küchenwand",
               "wie verlege ich Laminat im Wohnzimmer",
               "kann ich die Wand zwischen Küche und Wohnzimmer selbst entfernen",
               "wie tausche ich die alten Fliesen im Badezimmer aus",
               "welche Dämmung ist am besten für den Dachboden eines alten Hauses",
               "was kostet die Renovierung eines kleinen Badezimmers",
               "die Tapete löst sich, wie tapeziere ich neu"),
    },
    "music_theory": {
        "en": ("what is the difference between a major and a minor chord",
               "how do I read sheet music for piano",
               "what does a time signature of six eight mean in music",
               "how do I learn guitar chords faster",
               "explain the circle of fifths for a beginner musician",
               "what scale should I practise for jazz improvisation on guitar",
               "how do I write a chord progression for a song",
               "why does a piano need tuning and how often"),
        "es": ("cuál es la diferencia entre un acorde mayor y uno menor",
               "cómo leo partituras para piano",
               "qué significa un compás de seis por ocho en música",
               "cómo aprendo acordes de guitarra más rápido",
               "explica el círculo de quintas para un músico principiante",
               "qué escala practico para improvisar jazz con la guitarra",
               "cómo escribo una progresión de acordes para una canción",
               "por qué hay que afinar el piano y cada cuánto"),
        "de": ("was ist der Unterschied zwischen einem Dur- und einem Mollakkord",
               "wie lese ich Noten für Klavier",
               "was bedeutet ein Sechsachteltakt in der Musik",
               "wie lerne ich Gitarrenakkorde schneller",
               "erkläre den Quintenzirkel für einen Anfänger in Musik",
               "welche Tonleiter übe ich für Jazzimprovisation auf der Gitarre",
               "wie schreibe ich eine Akkordfolge für ein Lied",
               "warum muss ein Klavier gestimmt werden und wie oft"),
    },
    "travel_visa": {
        "en": ("do I need a visa to travel to Japan as a tourist",
               "how long does it take to get a schengen visa",
               "my passport expires in four months, can I still travel abroad",
               "what documents do I need for a student visa application",
               "can I work in another country on a tourist visa",
               "how do I renew my passport before my trip",
               "my visa application was rejected, can I apply again",
               "do children need their own passport to travel abroad"),
        "es": ("necesito visado para viajar a Japón como turista",
               "cuánto tarda en salir un visado schengen",
               "mi pasaporte caduca en cuatro meses, puedo viajar al extranjero",
               "qué documentos necesito para pedir un visado de estudiante",
               "puedo trabajar en otro país con un visado de turista",
               "cómo renuevo el pasaporte antes del viaje",
               "me rechazaron la solicitud de visado, puedo pedirlo otra vez",
               "los niños necesitan pasaporte propio para viajar al extranjero"),
        "de": ("brauche ich ein Visum für eine Reise nach Japan als Tourist",
               "wie lange dauert es, ein Schengen-Visum zu bekommen",
               "mein Reisepass läuft in vier Monaten ab, kann ich noch ins Ausland reisen",
               "welche Unterlagen brauche ich für einen Antrag auf ein Studentenvisum",
               "darf ich mit einem Touristenvisum in einem anderen Land arbeiten",
               "wie verlängere ich meinen Reisepass vor der Reise",
               "mein Visumantrag wurde abgelehnt, kann ich erneut beantragen",
               "brauchen Kinder einen eigenen Reisepass für Reisen ins Ausland"),
    },
    "baking": {
        "en": ("why did my bread not rise in the oven",
               "how do I make a sourdough starter from scratch",
               "my cake sinks in the middle after baking, why",
               "can I replace butter with oil in a cake recipe",
               "how long do I knead dough for pizza",
               "what temperature should the oven be for baking cookies",
               "how do I make gluten free bread that is not dry",
               "my pie crust is always soggy at the bottom"),
        "es": ("por qué mi pan no subió en el horno",
               "cómo hago masa madre desde cero",
               "mi bizcocho se hunde en el centro al hornear, por qué",
               "puedo cambiar la mantequilla por aceite en la receta del bizcocho",
               "cuánto tiempo amaso la masa de pizza",
               "a qué temperatura pongo el horno para hornear galletas",
               "cómo hago pan sin gluten que no quede seco",
               "la base de mi tarta siempre queda blanda"),
        "de": ("warum ist mein Brot im Ofen nicht aufgegangen",
               "wie setze ich einen Sauerteig selbst an",
               "mein Kuchen fällt nach dem Backen in der Mitte zusammen, warum",
               "kann ich im Kuchenrezept Butter durch Öl ersetzen",
               "wie lange knete ich den Teig für Pizza",
               "bei welcher Temperatur backe ich Kekse im Ofen",
               "wie backe ich glutenfreies Brot, das nicht trocken ist",
               "mein Mürbeteig ist am Boden immer matschig"),
    },
    "job_negotiation": {
        "en": ("how do I ask my boss for a salary raise",
               "the job offer salary is too low, how do I negotiate",
               "should I accept a counter offer from my current employer",
               "how do I negotiate more vacation days in a job offer",
               "what salary should I ask for as a junior engineer",
               "how do I tell my manager I have another job offer",
               "is it ok to negotiate salary after accepting the offer",
               "how do I ask for a promotion at my annual review"),
        "es": ("cómo le pido a mi jefe una subida de sueldo",
               "el sueldo de la oferta de trabajo es bajo, cómo negocio",
               "acepto la contraoferta de mi empresa actual",
               "cómo negocio más días de vacaciones en una oferta de trabajo",
               "qué sueldo pido como ingeniero junior",
               "cómo le digo a mi jefe que tengo otra oferta de trabajo",
               "puedo negociar el sueldo después de aceptar la oferta",
               "cómo pido un ascenso en la evaluación anual"),
        "de": ("wie frage ich meinen Chef nach einer Gehaltserhöhung",
               "das Gehalt im Jobangebot ist zu niedrig, wie verhandle ich",
               "soll ich das Gegenangebot meines Arbeitgebers annehmen",
               "wie verhandle ich mehr Urlaubstage im Jobangebot",
               "welches Gehalt verlange ich als Junior-Ingenieur",
               "wie sage ich meinem Chef, dass ich ein anderes Jobangebot habe",
               "darf ich nach der Zusage noch über das Gehalt verhandeln",
               "wie bitte ich im Jahresgespräch um eine Beförderung"),
    },
}  # fmt: skip

OPENERS = {
    "en": ("", "", "hi,", "quick question:", "hello there,", "can you help me?", "so,"),
    "es": ("", "", "hola,", "una pregunta:", "buenas,", "me ayudas?", "oye,"),
    "de": ("", "", "hallo,", "kurze Frage:", "hi,", "kannst du mir helfen?", "also,"),
}
CLOSERS = {
    "en": ("", "", "thanks!", "thank you in advance", "please keep it short", "any tips?"),
    "es": ("", "", "gracias!", "gracias de antemano", "respuesta corta por favor", "algún consejo?"),
    "de": ("", "", "danke!", "danke im Voraus", "bitte kurz halten", "irgendwelche Tipps?"),
}
LANGUAGE_SHARE = {"en": 0.5, "es": 0.25, "de": 0.25}


def _variant(text: str, language: str, rng: random.Random) -> str:
    """The request with an optional opener and closer and, one time in four, one word dropped."""
    words = text.split()
    if len(words) > 5 and rng.random() < 0.25:
        del words[rng.randrange(1, len(words))]
    body = " ".join(words)
    body = body[:1].upper() + body[1:] if rng.random() < 0.5 else body
    parts = [
        rng.choice(OPENERS[language]),
        body + ("?" if rng.random() < 0.6 else ""),
        rng.choice(CLOSERS[language]),
    ]
    return " ".join(p for p in parts if p)


def write_handmade(out: Path, n: int, *, seed: int, day: str) -> tuple[Path, pl.DataFrame]:
    """Write ``n`` conversations of ``day`` to ``out/conversations.jsonl``; return it and the labels."""
    return write_labelled(
        out, n, seed=seed, day=day, requests=REQUESTS, language_share=LANGUAGE_SHARE,
        variant=_variant, prefix="h", reply="Here is what I would suggest.",
    )  # fmt: skip


def write_labelled(
    out: Path,
    n: int,
    *,
    seed: int,
    day: str,
    requests: dict[str, dict[str, tuple[str, ...]]],
    language_share: dict[str, float],
    variant: Callable[[str, str, random.Random], str],
    prefix: str,
    reply: str,
) -> tuple[Path, pl.DataFrame]:
    """``n`` one-turn conversations drawn from ``requests`` (topic → language → texts), each made
    a ``variant``, written as JSONL under ``out``; returns the file and (id, topic, language)."""
    rng = random.Random(seed)
    out.mkdir(parents=True, exist_ok=True)
    path = out / "conversations.jsonl"
    languages, weights = zip(*language_share.items(), strict=True)
    topics = sorted(requests)
    labels = []
    with path.open("w", encoding="utf-8") as handle:
        for i in range(n):
            topic = rng.choice(topics)
            language = rng.choices(languages, weights)[0]
            text = variant(rng.choice(requests[topic][language]), language, rng)
            record = {
                "conversation_id": f"{prefix}{i:07d}",
                "user_id": f"{prefix}u{rng.randrange(max(1, n // 2)):07d}",
                "created_at": f"{day}T{rng.randrange(24):02d}:{rng.randrange(60):02d}:00+00:00",
                "messages": [
                    {"role": "user", "content": text},
                    {"role": "assistant", "content": reply},
                ],
            }
            handle.write(json.dumps(record, ensure_ascii=False) + "\n")
            labels.append((record["conversation_id"], topic, language))
    truth = pl.DataFrame(labels, schema=["conversation_id", "topic", "language"], orient="row")
    return path, truth
