"""Shared inputs for the facet tests and benchmark: a hand-written multilingual set and a corpus maker."""

from __future__ import annotations

import datetime as dt
import random

import polars as pl

from clio_dagster.schema import CONVERSATIONS_SCHEMA

# (iso, text): chat-style requests, short and long, written for these tests.
LANGUAGE_SAMPLES: list[tuple[str, str]] = [
    ("en", "How do I reverse a list in Python?"),
    ("en", "Write me a short poem about autumn leaves"),
    ("en", "Can you summarise this article for me"),
    ("en", "What's the best way to learn guitar as an adult?"),
    ("en", "My landlord refuses to return my deposit, what are my options under tenant law?"),
    ("en", "thanks!"),
    (
        "en",
        "I need a cover letter for a marketing internship. I studied communications and ran the "
        "social media accounts of my university's film club for two years.",
    ),
    ("en", "explain quantum entanglement like I'm five"),
    ("es", "¿Cómo puedo mejorar mi currículum para un trabajo de ingeniería?"),
    ("es", "Escribe un poema sobre el mar"),
    ("es", "Hola, ¿qué tal?"),
    ("es", "Necesito una receta fácil de tortilla de patatas para cuatro personas"),
    ("es", "Explícame la diferencia entre el pretérito perfecto y el indefinido"),
    (
        "es",
        "Mi jefe me pide trabajar los fines de semana sin pagarme horas extra, ¿es legal en "
        "España? Llevo tres años en la empresa con contrato indefinido.",
    ),
    ("es", "gracias por la ayuda"),
    ("es", "resume este texto en tres frases"),
    ("fr", "Comment faire une pâte à crêpes sans lait ?"),
    ("fr", "Écris une lettre de motivation pour un poste de comptable"),
    ("fr", "Bonjour, tu peux m'aider ?"),
    ("fr", "Quelle est la différence entre un bail commercial et un bail professionnel ?"),
    ("fr", "Traduis cette phrase en anglais"),
    (
        "fr",
        "Je prépare un voyage de dix jours en Italie avec mes enfants et je voudrais un "
        "itinéraire qui évite les grandes villes et les longs trajets en voiture.",
    ),
    ("fr", "merci beaucoup"),
    ("fr", "explique-moi le théorème de Pythagore"),
    ("de", "Wie kann ich meine Steuererklärung online abgeben?"),
    ("de", "Schreib mir ein Gedicht über den Winter"),
    ("de", "Hallo, wie geht es dir?"),
    ("de", "Was ist der Unterschied zwischen einer GmbH und einer UG?"),
    ("de", "Ich suche ein Rezept für einen veganen Schokoladenkuchen ohne Ei"),
    (
        "de",
        "Mein Vermieter will die Miete um zwanzig Prozent erhöhen. Ist das erlaubt und was "
        "kann ich dagegen tun, wenn ich schon seit acht Jahren hier wohne?",
    ),
    ("de", "danke schön"),
    ("de", "Fasse diesen Artikel bitte kurz zusammen"),
    ("pt", "Como faço para abrir uma empresa no Brasil?"),
    ("pt", "Escreva um poema sobre saudade"),
    ("pt", "Olá, tudo bem?"),
    ("pt", "Qual é a diferença entre juros simples e juros compostos?"),
    ("pt", "Preciso de uma receita de bolo de cenoura com cobertura de chocolate"),
    (
        "pt",
        "Estou a preparar uma apresentação sobre energias renováveis para a escola e queria "
        "ideias de exemplos concretos em Portugal.",
    ),
    ("pt", "muito obrigado pela ajuda"),
    ("pt", "me explique como funciona a fotossíntese"),
    ("it", "Come posso migliorare la mia pronuncia inglese?"),
    ("it", "Scrivi una poesia sull'estate"),
    ("it", "Ciao, come stai?"),
    ("it", "Qual è la differenza tra il passato prossimo e il passato remoto?"),
    ("it", "Mi serve una ricetta per la pasta alla carbonara originale"),
    (
        "it",
        "Sto organizzando una festa di compleanno per mia figlia di sei anni e vorrei qualche "
        "idea per giochi da fare in giardino con una ventina di bambini.",
    ),
    ("it", "grazie mille"),
    ("it", "riassumi questo testo in poche righe"),
    ("ja", "Pythonでリストを逆順にする方法を教えてください"),
    ("ja", "秋についての短い詩を書いて"),
    ("ja", "こんにちは"),
    ("ja", "確定申告のやり方がわかりません"),
    ("ja", "この文章を英語に翻訳してください"),
    ("ja", "来月東京から京都へ家族旅行に行きます。子供が楽しめる観光地とおすすめの旅程を考えてください。"),
    ("ja", "ありがとうございます"),
    ("ja", "機械学習とディープラーニングの違いは何ですか"),
    ("ru", "Как приготовить настоящий борщ?"),
    ("ru", "Напиши стихотворение о зиме"),
    ("ru", "Привет, как дела?"),
    ("ru", "В чём разница между ИП и ООО?"),
    ("ru", "Переведи этот текст на английский язык"),
    (
        "ru",
        "Я хочу выучить программирование с нуля. С какого языка лучше начать и сколько времени "
        "понадобится, если заниматься по два часа в день?",
    ),
    ("ru", "спасибо большое"),
    ("ru", "объясни теорию относительности простыми словами"),
    ("zh", "如何用Python读取CSV文件？"),
    ("zh", "写一首关于春天的诗"),
    ("zh", "你好"),
    ("zh", "请帮我把这段话翻译成英文"),
    ("zh", "我想学习做饭，有什么简单的家常菜推荐吗？"),
    ("zh", "谢谢你的帮助"),
    ("nl", "Hoe kan ik mijn belastingaangifte invullen?"),
    ("nl", "Schrijf een gedicht over de zee"),
    ("nl", "Wat is het verschil tussen een eenmanszaak en een bv?"),
    ("nl", "dank je wel"),
    ("ko", "파이썬에서 리스트를 뒤집는 방법을 알려주세요"),
    ("ko", "안녕하세요"),
    ("ko", "가을에 대한 짧은 시를 써 주세요"),
    ("pl", "Jak napisać dobre CV po angielsku?"),
    ("pl", "Dziękuję bardzo"),
    ("pl", "Jaka jest różnica między umową o pracę a umową zlecenie?"),
]

TOPICS = {
    "en": ["bake sourdough bread recipe", "python list sorting code", "write wedding speech",
           "learn guitar chords", "tenant deposit law", "marathon training plan"],
    "es": ["receta tortilla patatas", "aprender inglés rápido", "escribir carta trabajo"],
    "fr": ["recette crêpes maison", "lettre motivation comptable", "voyage italie enfants"],
    "de": ["rezept schokoladenkuchen vegan", "steuererklärung online abgeben", "mietrecht erhöhung"],
    "ja": ["確定申告 方法", "旅行 京都 おすすめ", "機械学習 勉強"],
}  # fmt: skip
FILLER = {
    "en": [
        "could",
        "you",
        "also",
        "include",
        "some",
        "simple",
        "clear",
        "details",
        "with",
        "examples",
        "for",
        "my",
        "beginner",
        "friends",
    ],
    "es": [
        "también",
        "puedes",
        "incluir",
        "algunos",
        "detalles",
        "claros",
        "con",
        "ejemplos",
        "para",
        "mis",
        "amigos",
    ],
    "fr": [
        "peux-tu",
        "aussi",
        "ajouter",
        "quelques",
        "détails",
        "clairs",
        "avec",
        "des",
        "exemples",
        "pour",
        "mes",
        "amis",
    ],
    "de": [
        "kannst",
        "du",
        "bitte",
        "auch",
        "einige",
        "klare",
        "details",
        "mit",
        "beispielen",
        "für",
        "meine",
        "freunde",
        "geben",
    ],
    "ja": ["詳しく", "簡単に", "例", "初心者", "友達", "ために", "教えて", "ください"],
}
_FIRST = ["Ana", "Bruno", "Chloé", "Dmitri", "Emeka", "Fatima", "Goro", "Hana", "Ivo", "Jules"]
_LAST = ["Okafor", "Lindqvist", "Moreau", "Tanaka", "Petrov", "Silva", "Novak", "Haddad"]


def conversation_frame(
    user_texts: list[list[str]], user_ids: list[str] | None = None, assistant: str = "Sure."
) -> pl.DataFrame:
    """CONVERSATIONS_SCHEMA rows: one conversation per item, user turns interleaved with replies."""
    created = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    rows = []
    for i, turns in enumerate(user_texts):
        messages = []
        for text in turns:
            messages += [{"role": "user", "content": text}, {"role": "assistant", "content": assistant}]
        rows.append(
            {
                "conversation_id": f"c{i}",
                "user_id": user_ids[i] if user_ids else f"u{i}",
                "created_at": created,
                "messages": messages,
                "moderation_flagged": None,
                "moderation_score": None,
                "moderation_categories": None,
                "metadata": None,
            }
        )
    return pl.DataFrame(rows, schema=CONVERSATIONS_SCHEMA)


def synthetic_corpus(n: int, seed: int = 0) -> pl.DataFrame:
    """``n`` topical conversations in five languages, each with a private name/e-mail/phone."""
    rng = random.Random(seed)
    pairs = [(iso, topic) for iso, topics in TOPICS.items() for topic in topics]
    texts, users = [], []
    for i in range(n):
        iso, topic = pairs[rng.randrange(len(pairs))]
        first, last = rng.choice(_FIRST), rng.choice(_LAST)
        extra = " ".join(rng.sample(FILLER[iso], rng.randrange(2, 7)))
        texts.append(
            [
                f"{topic} {extra}. I am {first} {last}{i}, mail {first.lower()}{i}@example.org, "
                f"phone +44 20 {rng.randrange(10**7):07d}",
                f"more about {topic.split()[0]}",
            ]
        )
        users.append(f"user{rng.randrange(max(1, n // 3))}")
    return conversation_frame(texts, users)
