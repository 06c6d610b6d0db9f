"""Multilingual cue lexicons of the local facet backend: task cues and harm categories.

Both are regular-expression stems matched on lower-cased user text (a stem matches at the start
of a word, so ``explosiv`` covers explosive, explosives, explosivo, Explosivstoff). Han/kana stems
are matched anywhere (those scripts have no word boundaries). Languages: en, es, fr, de, pt, it,
ru, ja, zh. The profanity and offensive-language side of the concern score comes from maintained
packages (see ``concern.py``); these lists only cover what those packages do not: task verbs and
safety harm categories.
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

# ---- harm categories -----------------------------------------------------------------------------
# category -> (severe, stems). "severe" marks mass-casualty and child-safety categories, which
# reach 5 with intent; the others top out at 4. Ambiguous everyday words ("kill" a process,
# "shoot" a photo, "crack" an egg, "drug" in pharmacology class) are deliberately absent; they
# appear only inside phrases that carry the harmful sense.
HARM_CATEGORIES: dict[str, tuple[bool, tuple[str, ...]]] = {
    "mass_casualty": (True, (
        # "bomb" as a whole word: the stem alone also matched Spanish/Portuguese "bomba de calor"
        "bomb(?:s|ing|ed|er|ers)?\\b", "explosiv", "detonat", "ied\\b", "pipe bomb", "nerve agent",
        "sarin", "vx gas",
        "ricin", "anthrax", "bioweapon", "biological weapon", "chemical weapon", "dirty bomb",
        "mass shooting", "bomba (?:casera|caseira|de tubo|de clavos|de pregos|de relojería|sucia|suja)",
        "(?:fabricar|hacer|construir|poner|colocar|montar) una bomba", "bombas? caseras?",
        "explosif", "sprengstoff", "sprengsatz", "bombe\\b",
        "arma biológica", "arma química", "arme chimique", "бомб", "взрывчат", "взрывн",
        "зарин", "爆弾", "爆発物", "炸弹", "炸药", "生物兵器", "化学兵器")),
    "child_safety": (True, (
        "child porn", "cp links", "underage (?:sex|nude|porn)", "minor nude",
        "groom(?:ing)? (?:a )?(?:child|kid|minor)",
        "pornografía infantil", "pédopornograph", "kinderporn", "pornografia infantil",
        "pedopornograf", "детск\\w* порн", "児童ポルノ", "儿童色情")),
    "weapons": (False, (
        "ghost gun", "untraceable (?:gun|firearm|weapon)", "3d.printed gun", "silencer",
        "suppressor", "full.auto", "auto sear", "arma de fuego casera", "arme artisanale",
        "schalldämpfer", "waffe bauen", "silenziatore", "глушител", "самодельн\\w* оруж",
        "3d.printed (?:gun|rifle|pistol|firearm)", "homemade (?:gun|firearm|rifle|pistol)",
        "without a background check",
        "銃を作", "消音器", "自制枪")),
    "violence": (False, (
        "kill (?:him|her|them|my|someone|a person|people)", "murder", "poison (?:him|her|my|someone)",
        "hurt (?:him|her|them|someone|people|anyone)", "torture", "matar a", "asesin", "envenenar",
        "tuer (?:mon|ma|quelqu)",
        "assassin", "empoisonner", "töten", "ermorden", "vergiften", "assassinar", "envenenar",
        "uccidere", "avvelenar", "убить", "убийств", "отравить", "殺す", "殺害", "杀人", "毒死",
        # incapacitating someone: spiked drinks, memory loss, toxic gas
        "(?:pills|drugs?|powder|something) in(?:to)? (?:his|her|their|someone's) drink",
        "spike (?:a|his|her|their) drink",
        "(?:he|she|they) (?:will not|won't|wouldn't) remember", "roofie", "rohypnol", "date rape",
        "toxic gas", "poison gas", "chlorine gas", "mix (?:bleach|the pool chemicals)",
        "en su bebida", "para que no recuerde", "dans (?:son|sa) (?:verre|boisson)",
        "qu'(?:il|elle) ne se souvienne",
        "in (?:sein|ihr) getränk", "damit (?:er|sie) sich nicht erinnert", "nel suo (?:drink|bicchiere)",
        "na (?:bebida|taça) dele", "para que (?:ele|ela) não se lembre",
        "в (?:его|её|ее) напиток", "не вспомнит",
        "gaz toxique", "gas tóxico", "giftgas", "gas tossico", "ядовит\\w* газ", "毒ガス", "飲み物に薬",
        "until the gas", "so the gas", "pour que le gaz", "para que el gas", "damit das gas",
        "perché il gas", "para que o gás", "hacer daño a", "faire du mal à", "far del male", "fazer mal a",
        "причинить вред")),
    "harassment": (False, (
        # stalking, threats and covert access to someone's private life
        "threaten", "threatening", "blackmail", "extort", "stalk(?:ing|er|ed)\\b", "doxx",
        "follow (?:her|him|them|someone) home", "until (?:she|he|they) (?:is|are) alone",
        "track (?:her|his|their|someone's) (?:location|phone|car)", "spy on (?:her|him|them|my|someone)",
        "read (?:their|her|his|someone's) (?:private )?messages", "(?:neighbou?r|ex|wife|husband)'?s wifi",
        "into (?:their|her|his|someone's|my ex's) (?:account|email|phone)",
        "amenaz", "chantaje", "extorsi", "acos[oa]", "hasta que (?:esté|este) sol[oa]",
        "mensajes privados", "wifi del vecino", "menace", "menaç", "chantage", "harcel", "harcèle",
        "suis-la", "suis-le", "qu'(?:elle|il) soit seul", "wifi du voisin", "lire ses messages",
        "droh(?:t|en|ung|brief)", "erpress", "nachstell",
        "bis sie allein", "wlan (?:des|vom) nachbarn", "minacc",
        "ricatt", "perseguit", "wifi del vicino", "ameaç", "chantag", "persegui", "wi-?fi do vizinho",
        "угрож", "шантаж", "преследова", "слежк", "脅迫", "ストーカー", "つきまと", "威胁", "勒索", "跟踪")),
    "self_harm": (False, (
        "kill myself", "suicid", "end my life", "self.harm", "cut myself", "want to die",
        "overdose", "matarme", "quitarme la vida", "me tuer", "veux mourir", "envie de mourir",
        "mich umbringen",
        "selbstmord", "me matar", "uccidermi", "покончить с собой", "суицид", "самоубийств",
        "死にたい", "自殺", "自杀", "想死", "hurt myself", "harm myself", "stop existing",
        "end it all", "take my own life", "hacerme daño", "me faire du mal", "mir etwas antun",
        "me machucar", "farmi del male", "навредить себе", "не хочу жить", "消えたい")),
    "malware": (False, (
        "malware", "ransomware", "keylogger", "botnet", "ddos", "exploit\\b", "zero.day",
        "reverse shell", "phishing", "credential stuffing", "sql injection", "bypass (?:antivirus|edr|2fa)",
        "hack into", "trojan", "credential stealer", "password stealer", "infostealer",
        "(?:detected|detection) by antivirus", "evade antivirus", "троян", "стилер", "шифровальщик",
        "кейлоггер", "не палится",
        "get into (?:your|their|his|her|someone's|the) (?:neighbou?r's )?(?:wifi|account|network)",
        "hackear", "entrar en el wifi", "entrer dans le wifi",
        "pirater", "hacken", "взлом", "вирус-вымогател",
        "ハッキング", "マルウェア", "ランサムウェア", "黑客", "木马", "勒索软件")),
    "drugs": (False, (
        "cocaine", "heroin", "fentanyl", "methamphetamin", "crystal meth", "cook meth", "lsd\\b",
        "mdma", "meth\\b", "oxycodon", "oxycontin", "synthesi[sz]e (?:drugs|dmt|mdma|lsd)",
        "buy (?:weed|drugs|pills) online", "cocaína",
        "heroína",
        "fentanilo", "metanfetamin", "cocaïne", "héroïne", "kokain",
        "cocaina", "eroina", "кокаин", "героин", "фентанил", "метамфетамин", "наркот", "覚醒剤",
        "コカイン", "ヘロイン", "大麻を買", "冰毒", "海洛因", "可卡因")),
    "fraud": (False, (
        "fake id", "forg(?:e|ed|ery) (?:a |an )?(?:document|signature|passport|id|check)",
        "counterfeit", "money launder", "launder money", "stolen credit card",
        "carding", "scam (?:people|someone|victims)", "evade tax", "tax evasion", "identity theft",
        "falsificar", "lavado de dinero", "estafa", "faux papiers", "blanchi", "arnaque",
        "fälschen", "geldwäsche", "betrug", "lavagem de dinheiro", "golpe", "riciclaggio",
        "truffa", "подделать", "отмыв", "мошенни", "偽造", "詐欺", "マネーロンダリング", "洗钱",
        "诈骗", "伪造")),
}  # fmt: skip

# What the request facet says about a concerning conversation's strongest harm category (the first
# of HARM_CATEGORIES it touches): fixed words, never the user's, so concerning requests group by
# harm and task, as an LLM's summary would, at no privacy cost. A payload's own words are rarely
# k-anonymous; without this a translated threat reads like any other translation request.
HARM_LABELS: dict[str, str] = {
    "mass_casualty": "mass casualty weapons",
    "child_safety": "child sexual abuse",
    "weapons": "weapons",
    "violence": "violence",
    "harassment": "harassment",
    "self_harm": "self harm",
    "malware": "malware",
    "drugs": "illegal drugs",
    "fraud": "fraud",
}

# A request wrapped in a translation or a quotation: harmful content inside it is a known way
# around filters, so the wrapper escalates a harm category instead of excusing it.
WRAPPER_CUES: tuple[str, ...] = TASK_CUES[0][1] + ("«", "»", "“", "„", "「", "『", ": '", ': "')

# Operational intent: the user wants to do or obtain the harmful thing, not to learn about it.
INTENT_CUES: tuple[str, ...] = (
    "how (?:do i|can i|to)", "step.by.step", "instructions", "make (?:a|an|some)", "build (?:a|an)",
    "buy", "get (?:some|a)", "without (?:getting caught|being caught|anyone knowing|a trace)",
    "untraceable", "undetect", "i want to", "i'm going to", "i will", "recipe",
    "cómo (?:hacer|fabricar|conseguir)", "paso a paso", "quiero", "comment (?:fabriquer|faire|obtenir)",
    "étape par étape", "je veux", "wie (?:baue|mache|bekomme)", "schritt für schritt", "ich will",
    "como (?:fazer|fabricar|conseguir)", "passo a passo", "eu quero", "come (?:fare|costruire|ottenere)",
    "voglio", "как (?:сделать|изготовить|достать|купить)", "пошагов", "хочу", "作り方", "方法",
    "手順", "買いたい", "如何制作", "怎么做", "步骤",
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
