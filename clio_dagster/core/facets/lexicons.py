"""Multilingual cue lexicons of the local facet backend: task cues and conversational filler.

Task cues are regular-expression stems matched on lower-cased user text (a stem matches at the
start of a word, so ``translat`` covers translate, translation, translating). Han/kana stems
are matched anywhere (those scripts have no word boundaries). Languages: en, es, fr, de, pt, it,
ru, ja, zh. The concern score is learned (``core.safety.concern_model``); no harm lexicon is kept.
"""

from __future__ import annotations

# ---- task ----------------------------------------------------------------------------------------
# Ordered by priority: the first label whose cues occur in the user's first substantive message
# wins (translation requests often also say "write", debugging requests often say "code", so the
# more specific label comes first). No cue at all: "answer" for a question, else "chat".
TASK_CUES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("translate", ("translat", "traduc", "tradui", "traduz", "tradu[cç]", "übersetz", "tradurr",
                   "traduzion", "перев[оеё]д", "翻訳", "翻译", "訳して")),
    ("debug", ("debug", "bug\\b", "bugs\\b", "traceback", "stack trace", "exception", "error",
               "doesn't work", "not working", "crash", "depura", "erreur", "bogue", "fehler",
               "funktioniert nicht", "erro\\b", "errore", "ошибк", "отлад", "баг", "エラー",
               "バグ", "デバッグ", "报错", "错误")),
    ("role-play", ("role-?play", "pretend", "act as", "you are now", "stay in character",
                   "juego de rol", "finge", "jeu de rôle", "fais semblant", "rollenspiel",
                   "tu so, als", "interpreta", "finja", "fingi", "ролев", "притвори", "представь, что ты",
                   "ロールプレイ", "演じ", "なりきり", "扮演", "角色扮演")),
    ("summarise", ("summar", "tl;dr", "tldr", "resum[ei]r\\b", "resumen\\b", "resumo\\b", "résume\\b",
    "résumer",
                   "zusammenfass", "fass\\w* .*zusammen",
                   "riassum", "sintetizz", "кратк", "резюм", "сумми", "要約", "まとめ", "总结",
                   "摘要", "概括")),
    ("code", ("code\\b", "coding", "function", "script", "program", "python", "javascript",
              "typescript", "sql\\b", "regex", "implement", "código", "función", "fonction",
              "funktion", "codice", "funzion", "код", "функци", "программ", "скрипт", "コード",
              "関数", "プログラム", "代码", "函数", "编程")),
    ("edit", ("proofread", "rewrite", "rephrase", "paraphras", "edit\\b", "grammar", "correct",
              "improve", "corrig", "reescrib", "reformul", "mejora", "améliore", "korrigier",
              "umschreib", "verbesser", "reescrev", "melhor", "riscriv", "miglior", "исправ",
              "перепиш", "улучш", "添削", "校正", "書き直", "修改", "润色")),
    ("write", ("write", "draft", "compose", "essay", "poem", "story", "lyrics", "cover letter",
               "escrib", "redact", "poema", "cuento", "écri", "rédig", "poème", "histoire",
               "schreib", "verfass", "gedicht", "geschichte", "escrev", "redij", "scriv",
               "racconto", "напиш", "написа", "сочин", "стих", "рассказ", "書いて", "作成",
               "作文", "写一", "写个", "写作")),
    ("brainstorm", ("brainstorm", "ideas", "suggest", "recommend", "idées", "sugg[eè]r",
                    "recomiend", "ideen", "vorschläg", "empfiehl", "ideias", "sugest", "recomend",
                    "idee\\b", "suggerisc", "consigli", "иде[ия]", "предлож", "посовет",
                    "アイデア", "提案", "おすすめ", "建议", "推荐")),
    ("plan", ("plan\\b", "planning", "schedule", "itinerar", "roadmap", "strateg", "planific",
              "horario", "planifi", "planen", "zeitplan", "reiseplan", "planej", "roteiro",
              "pianific", "план", "расписан", "маршрут", "計画", "予定", "スケジュール", "计划",
              "行程")),
    ("analyse", ("analy[sz]", "compare", "evaluat", "review", "pros and cons", "analiz",
                 "compar", "évalu", "analysier", "vergleich", "bewert", "analis", "confront",
                 "valut", "анализ", "сравн", "оцени", "分析", "比較", "比较", "评估")),
    ("explain", ("explain", "explanation", "why\\b", "meaning", "what does .* mean",
                 "difference between", "expli", "por qué", "pourquoi", "erklär", "warum",
                 "porque", "spieg", "perché", "объясн", "почему", "説明", "教えて", "なぜ",
                 "どうして", "解释", "为什么")),
)  # fmt: skip

QUESTION_CUES: tuple[str, ...] = (
    "\\?", "？", "what", "who", "when", "where", "which", "how", "qué", "quién", "cuándo", "dónde",
    "cómo", "cuál", "quoi", "qui\\b", "quand", "où", "comment", "quel", "wer\\b",
    "wann", "wo\\b", "wie\\b", "welche", "o que", "quem", "quando", "onde", "qual", "cosa",
    "chi\\b", "dove", "что", "кто", "когда", "где", "как\\b", "какой", "何", "誰",
    "いつ", "どこ", "どう", "什么", "谁", "哪", "怎么",
)  # fmt: skip

# Conversational filler: greetings, thanks, politeness, urgency and small talk. These words are
# shared by many users whatever they ask, so they pass the k-anonymous bar and would otherwise
# dominate request renderings, embeddings and cluster names. Single tokens, lower-cased, as the
# tokenizer emits them (accents kept; Japanese as hiragana/katakana runs).
CONVERSATIONAL_FILLER: frozenset[str] = frozenset((
    "hi", "hello", "hey", "hiya", "howdy", "greetings", "morning", "afternoon",
    "evening", "good", "day", "thanks", "thank", "thx", "ty", "cheers",
    "please", "pls", "plz", "kindly", "appreciated", "appreciate", "grateful",
    "sorry", "apologies", "regards", "best", "wishes", "okay", "ok", "great",
    "perfect", "awesome", "cool", "nice", "lovely", "amazing", "brilliant",
    "fine", "sure", "yes", "yeah", "yep", "no", "nope", "thing", "things",
    "question", "questions", "quick", "quickly", "help", "helping", "helpful",
    "need", "needs", "needed", "want", "wanted", "wondering", "urgent",
    "urgently", "asap", "deadline", "tomorrow", "today", "tonight", "soon",
    "hour", "hours", "minutes", "stuck", "trying", "tried", "simple", "simply",
    "simpler", "short", "shorter", "shortly", "detailed", "detail", "details",
    "brief", "briefly", "thorough", "i'm", "i've", "i'd", "i'll", "it's",
    "that's", "what's", "there's", "here's", "don't", "can't", "won't", "isn't",
    "you're", "let's", "anyone", "someone", "somebody", "guys", "folks",
    "friend", "buddy", "again", "also", "actually", "basically", "really",
    "maybe", "hola", "buenos", "buenas", "días", "dias", "tardes", "noches",
    "gracias", "favor", "ayuda", "ayudar", "ayúdame", "necesito", "urgente",
    "mañana", "rápido", "rápida", "pregunta", "duda", "saludos", "perdón",
    "vale", "bueno", "genial", "perfecto", "bonjour", "salut", "bonsoir",
    "merci", "beaucoup", "plaît", "svp", "aide", "aider", "besoin", "demain",
    "rapide", "vite", "d'avance", "s'il", "stp", "désolé", "parfait", "génial",
    "hallo", "guten", "morgen", "tag", "abend", "danke", "vielen", "bitte",
    "hilfe", "helfen", "brauche", "dringend", "schnell", "frage", "grüße",
    "gruß", "entschuldigung", "super", "perfekt", "olá", "ola", "oi", "bom",
    "boa", "dia", "tarde", "noite", "obrigado", "obrigada", "ajuda", "ajudar",
    "preciso", "amanhã", "pergunta", "valeu", "abraço", "desculpa", "perfeito",
    "ciao", "buongiorno", "buonasera", "salve", "grazie", "mille", "favore",
    "aiuto", "aiutare", "bisogno", "domani", "veloce", "domanda", "saluti",
    "scusa", "perfetto", "привет", "здравствуйте", "добрый", "день", "утро",
    "вечер", "спасибо", "пожалуйста", "помогите", "помощь", "помочь", "нужно",
    "срочно", "завтра", "быстро", "вопрос", "извините", "отлично", "こんにちは",
    "こんばんは", "おはよう", "おはようございます", "ありがとう",
    "ありがとうございます", "お願い", "お願いします",
    "よろしく", "よろしくお願いします", "すみません", "助けて", "急ぎ", "明日", "質問",
))  # fmt: skip
