"""Italian conversation text."""

from __future__ import annotations

from clio_dagster.sample.textspec import TopicText as T

TOPICS: dict[str, T] = {
    "recipes": T(
        ask=(
            "Mi dai la ricetta della {dish} {constraint}?",
            "Cosa posso cucinare con {ingredients}?",
            "La mia {dish} viene sempre troppo asciutta, dove sbaglio?",
        ),
        slots={
            "dish": ("carbonara", "lasagna", "parmigiana", "focaccia", "crostata", "pasta alla norma"),
            "ingredients": ("zucchine e uova", "ceci e rosmarino", "pane raffermo e pomodori"),
            "constraint": ("per quattro persone", "senza glutine", "veloce", ""),
        },
        follow=("Posso usare la panna?", "Si può congelare?"),
        reply=(
            "Ecco una ricetta semplice con ingredienti, procedimento e tempi.",
            "Il segreto è mantecare fuori dal fuoco con un po' di acqua di cottura.",
        ),
    ),
    "travel_planning": T(
        ask=("Organizza un viaggio di {days} a {place} {who}.", "Cosa vedere a {place} in {days}?"),
        slots={
            "place": ("Napoli", "Parigi", "Barcellona", "Sicilia", "Vienna"),
            "days": ("tre giorni", "una settimana", "un weekend"),
            "who": ("con i bambini", "con poco budget", "in viaggio di nozze", ""),
        },
        follow=("Mi consigli dei ristoranti?",),
        reply=("Giorno 1: centro storico. Giorno 2: musei. Giorno 3: gita in barca.",),
    ),
    "poetry": T(
        ask=("Scrivi una poesia {subject}, {tone}.", "Mi scrivi un {form} {subject}?"),
        slots={
            "form": ("sonetto", "haiku", "componimento in rima"),
            "subject": ("sul mare d'inverno", "su mia nonna", "sull'autunno", "sul mio gatto"),
            "tone": ("malinconica", "divertente", "per un compleanno"),
        },
        follow=("Falla in rima.",),
        reply=("Ecco una breve poesia in tre strofe.",),
    ),
    "essay_writing": T(
        ask=(
            "Aiutami a scrivere un tema {subject}. {req}",
            "Fammi una scaletta per un saggio {subject}.",
        ),
        slots={
            "subject": (
                "sull'inquinamento",
                "sui social network",
                "su Dante e la Divina Commedia",
                "sul lavoro",
            ),
            "req": ("Per la maturità.", "Massimo tre pagine.", ""),
        },
        follow=("Scrivi l'introduzione.",),
        reply=("Scaletta: introduzione con tesi, tre paragrafi di argomenti e una conclusione.",),
    ),
    "gardening": T(
        ask=("Perché le foglie del mio {plant} diventano {color}?", "Quando si pianta il {plant}?"),
        slots={
            "plant": ("basilico", "limone", "pomodoro", "ulivo"),
            "color": ("gialle", "marroni", "macchiate"),
        },
        follow=("Ogni quanto devo annaffiare?",),
        reply=("Le foglie gialle spesso indicano troppa acqua; lascia asciugare il terriccio.",),
    ),
    "history_questions": T(
        ask=("Quali furono le cause {event_of}?", "Spiegami {event} in modo semplice."),
        slots={
            "event_of": (
                "dell'Unità d'Italia",
                "della caduta dell'Impero romano",
                "del Rinascimento",
                "della Seconda guerra mondiale",
            ),
            "event": (
                "l'Unità d'Italia",
                "la caduta dell'Impero romano",
                "il Rinascimento",
                "la Seconda guerra mondiale",
            ),
        },
        follow=("E dopo cosa successe?",),
        reply=("Gli storici indicano più cause: politiche, economiche e culturali.",),
    ),
    "music_theory": T(
        ask=("Mi spieghi {concept}?", "Quali accordi stanno bene in {key}?"),
        slots={
            "concept": ("il circolo delle quinte", "i modi", "le settime di dominante"),
            "key": ("do maggiore", "la minore", "sol maggiore"),
        },
        follow=("Me lo mostri sulla chitarra?",),
        reply=("In do maggiore la progressione I-V-vi-IV (do, sol, la minore, fa) è un classico.",),
    ),
    "email_writing": T(
        ask=(
            "Scrivi una mail al mio {recipient} per {subject}. {tone}",
            "Aiutami a rispondere al mio {recipient}.",
        ),
        slots={
            "recipient": ("capo", "padrone di casa", "cliente", "professore"),
            "subject": (
                "chiedere un giorno di ferie",
                "segnalare un errore in fattura",
                "spostare la riunione",
            ),
            "tone": ("Cortese ma deciso.", "Molto formale.", ""),
        },
        follow=("Aggiungi l'oggetto.",),
        reply=("Oggetto: richiesta di ferie. Ecco una bozza da adattare.",),
    ),
}
