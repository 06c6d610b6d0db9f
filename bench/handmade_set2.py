"""A second hand-written labelled corpus: other topics, other languages, other phrasing.

Neither ``clio sample`` nor ``bench/handmade_set.py`` produced it: twelve topics (two pairs of
them close on purpose: phone vs home network troubles, wedding vs children's party planning) in
English, French, Italian, Portuguese and Russian, five requests per topic and language (300 in
all), some terse, some with personal context first. Each conversation picks one request, wraps
it in an optional opener and closer of its language, sometimes adds a typo (two letters swapped
or one dropped) or drops a word, and belongs to one of ``n // 2`` users.
"""

from __future__ import annotations

import json
import random
from pathlib import Path

import polars as pl

REQUESTS: dict[str, dict[str, tuple[str, ...]]] = {
    "photography": {
        "en": ("what shutter speed should I use for sharp photos of my kids running",
               "my night shots of the city are always blurry even with a tripod",
               "I just bought a 50mm lens, how do I get that blurry background in portraits",
               "aperture vs ISO, which one do I change first when it gets dark",
               "how do I stop the sky from being completely white in my landscape pictures"),
        "fr": ("quelle vitesse d'obturation pour photographier des enfants qui courent",
               "mes photos de nuit sont floues même avec un trépied",
               "comment obtenir un arrière-plan flou en portrait avec un objectif 50mm",
               "ouverture ou ISO, lequel régler en premier quand la lumière baisse",
               "le ciel est tout blanc sur mes photos de paysage, comment corriger"),
        "it": ("che tempo di scatto uso per foto nitide di bambini che corrono",
               "le mie foto notturne sono sempre mosse anche con il treppiede",
               "come ottengo lo sfondo sfocato nei ritratti con l'obiettivo 50mm",
               "diaframma o ISO, cosa cambio prima quando c'è poca luce",
               "il cielo nelle mie foto di paesaggio viene bianco, come si evita"),
        "pt": ("qual velocidade do obturador usar para fotografar crianças correndo",
               "minhas fotos noturnas ficam tremidas mesmo com tripé",
               "como deixar o fundo desfocado nos retratos com uma lente 50mm",
               "abertura ou ISO, qual ajustar primeiro com pouca luz",
               "o céu fica todo branco nas fotos de paisagem, como resolver"),
        "ru": ("какую выдержку ставить, чтобы снимать бегающих детей без смаза",
               "ночные фотографии города получаются размытыми даже со штативом",
               "как получить размытый фон на портрете с объективом 50 мм",
               "диафрагма или ISO, что менять первым при слабом свете",
               "на пейзажных снимках небо получается совсем белым, как исправить"),
    },
    "bike_maintenance": {
        "en": ("my bike chain keeps slipping when I pedal hard uphill",
               "how do I fix a flat tire on a road bike",
               "the rear brake on my bicycle squeaks loudly",
               "gears skip on my bike after I cleaned the chain, how to adjust the derailleur",
               "how much air pressure should I put in mountain bike tires"),
        "fr": ("la chaîne de mon vélo saute quand je pédale fort en montée",
               "comment réparer une crevaison sur un vélo de route",
               "le frein arrière de mon vélo grince très fort",
               "les vitesses sautent depuis que j'ai nettoyé la chaîne, comment régler le dérailleur",
               "quelle pression mettre dans les pneus d'un VTT"),
        "it": ("la catena della bici salta quando spingo forte in salita",
               "come riparo una foratura sulla bici da corsa",
               "il freno posteriore della bicicletta fischia tantissimo",
               "i rapporti saltano dopo aver pulito la catena, come regolo il deragliatore",
               "che pressione devo mettere nelle gomme della mountain bike"),
        "pt": ("a corrente da minha bicicleta escorrega quando pedalo forte na subida",
               "como consertar um pneu furado de bicicleta de estrada",
               "o freio traseiro da bicicleta está chiando muito",
               "as marchas pulam depois que limpei a corrente, como regular o câmbio",
               "qual a pressão certa para os pneus de mountain bike"),
        "ru": ("цепь на велосипеде проскальзывает, когда сильно кручу педали в гору",
               "как заклеить проколотую камеру на шоссейном велосипеде",
               "задний тормоз велосипеда сильно скрипит",
               "после чистки цепи скачут передачи, как настроить переключатель",
               "какое давление накачивать в шины горного велосипеда"),
    },
    "insurance_claim": {
        "en": ("a pipe burst in my flat, will my home insurance cover the water damage",
               "someone hit my parked car, how do I file a claim with their insurer",
               "the insurance company rejected my claim, can I appeal",
               "what does the deductible mean on my car insurance policy",
               "my phone was stolen on holiday, does travel insurance pay for it"),
        "fr": ("une canalisation a éclaté chez moi, l'assurance habitation couvre le dégât des eaux",
               "on a embouti ma voiture garée, comment déclarer le sinistre à son assureur",
               "l'assurance a refusé mon dossier de sinistre, puis-je contester",
               "que veut dire la franchise dans mon contrat d'assurance auto",
               "on m'a volé mon téléphone en vacances, l'assurance voyage rembourse"),
        "it": ("si è rotto un tubo in casa, l'assicurazione copre il danno da acqua",
               "mi hanno urtato l'auto parcheggiata, come apro il sinistro con la loro assicurazione",
               "l'assicurazione ha respinto la mia richiesta di risarcimento, posso fare ricorso",
               "cosa significa la franchigia nella polizza auto",
               "mi hanno rubato il telefono in vacanza, l'assicurazione viaggio lo rimborsa"),
        "pt": ("um cano estourou no meu apartamento, o seguro residencial cobre o dano",
               "bateram no meu carro estacionado, como abrir o sinistro com a seguradora deles",
               "a seguradora negou meu pedido de indenização, posso recorrer",
               "o que significa a franquia no seguro do carro",
               "roubaram meu celular na viagem, o seguro viagem paga"),
        "ru": ("у меня в квартире прорвало трубу, покроет ли страховка ущерб от воды",
               "в мою припаркованную машину врезались, как подать заявление в их страховую",
               "страховая компания отказала в выплате, можно ли обжаловать",
               "что означает франшиза в полисе автостраховки",
               "у меня украли телефон в отпуске, оплатит ли туристическая страховка"),
    },
    "wedding_planning": {
        "en": ("we're getting married next June, what should we book first, venue or photographer",
               "how many guests is normal for a small wedding and how do I cut the list",
               "ideas for a wedding speech from the best man that isn't cringe",
               "how far in advance do we send the wedding invitations",
               "budget breakdown for a wedding of 80 people"),
        "fr": ("on se marie en juin prochain, que réserver d'abord, la salle ou le photographe",
               "combien d'invités pour un petit mariage et comment réduire la liste",
               "des idées de discours de témoin pour le mariage de mon frère",
               "combien de temps à l'avance envoyer les faire-part de mariage",
               "comment répartir le budget d'un mariage de 80 personnes"),
        "it": ("ci sposiamo a giugno, cosa prenotiamo prima, la location o il fotografo",
               "quanti invitati per un matrimonio piccolo e come taglio la lista",
               "idee per il discorso del testimone al matrimonio",
               "con quanto anticipo si mandano le partecipazioni di nozze",
               "come dividere il budget di un matrimonio con 80 invitati"),
        "pt": ("vamos casar em junho, o que reservar primeiro, o espaço ou o fotógrafo",
               "quantos convidados para um casamento pequeno e como cortar a lista",
               "ideias de discurso de padrinho para o casamento do meu irmão",
               "com quanta antecedência enviar os convites de casamento",
               "como dividir o orçamento de um casamento de 80 pessoas"),
        "ru": ("мы женимся в июне, что бронировать сначала, зал или фотографа",
               "сколько гостей звать на маленькую свадьбу и как сократить список",
               "идеи для речи свидетеля на свадьбе брата",
               "за сколько времени рассылать приглашения на свадьбу",
               "как распределить бюджет свадьбы на 80 человек"),
    },
    "kids_party": {
        "en": ("party games for a 6 year old's birthday with 12 kids at home",
               "my daughter turns 10, cheap ideas for a birthday party theme",
               "what food to serve at a children's birthday party that kids actually eat",
               "how long should a toddler birthday party last",
               "goody bag ideas for a kids party without plastic junk"),
        "fr": ("jeux pour l'anniversaire d'un enfant de 6 ans avec 12 copains à la maison",
               "ma fille va avoir 10 ans, idées de thème pas cher pour sa fête",
               "quoi servir à manger à un goûter d'anniversaire d'enfants",
               "combien de temps doit durer un anniversaire de tout-petit",
               "idées de petits cadeaux pour les invités d'un anniversaire d'enfant"),
        "it": ("giochi per la festa di compleanno di un bambino di 6 anni in casa",
               "mia figlia compie 10 anni, idee economiche per il tema della festa",
               "cosa preparo da mangiare per una festa di compleanno per bambini",
               "quanto deve durare la festa di compleanno di un bimbo piccolo",
               "idee per i regalini agli invitati di una festa per bambini"),
        "pt": ("brincadeiras para o aniversário de uma criança de 6 anos em casa",
               "minha filha faz 10 anos, ideias baratas de tema para a festa",
               "o que servir de comida numa festa de aniversário infantil",
               "quanto tempo deve durar uma festinha de aniversário de bebê",
               "ideias de lembrancinhas para festa infantil sem plástico"),
        "ru": ("конкурсы на день рождения ребёнка 6 лет дома, будет 12 детей",
               "дочке исполняется 10 лет, недорогие идеи для темы праздника",
               "что приготовить на детский день рождения, чтобы дети ели",
               "сколько должен длиться день рождения малыша",
               "идеи маленьких подарков гостям на детском празднике"),
    },
    "chess": {
        "en": ("what's a good opening for black against e4 for a beginner",
               "I keep losing my queen early in chess games, how do I stop",
               "how do I checkmate with king and rook against a lone king",
               "explain the en passant rule in chess",
               "how can I raise my online chess rating from 1200"),
        "fr": ("quelle ouverture jouer avec les noirs contre e4 quand on débute aux échecs",
               "je perds toujours ma dame trop tôt aux échecs",
               "comment mater avec roi et tour contre roi seul",
               "expliquez-moi la prise en passant aux échecs",
               "comment progresser aux échecs en ligne au-dessus de 1200 elo"),
        "it": ("che apertura gioco con il nero contro e4 da principiante negli scacchi",
               "perdo sempre la donna all'inizio della partita a scacchi",
               "come si dà scacco matto con re e torre contro il re solo",
               "spiegami la presa en passant negli scacchi",
               "come alzo il mio punteggio di scacchi online da 1200"),
        "pt": ("qual abertura jogar de pretas contra e4 sendo iniciante no xadrez",
               "sempre perco a dama cedo nas partidas de xadrez",
               "como dar xeque-mate com rei e torre contra rei sozinho",
               "me explica a regra en passant no xadrez",
               "como subir meu rating de xadrez online de 1200"),
        "ru": ("какой дебют играть чёрными против e4 начинающему шахматисту",
               "я постоянно теряю ферзя в начале шахматной партии",
               "как поставить мат королём и ладьёй одинокому королю",
               "объясните правило взятия на проходе в шахматах",
               "как поднять рейтинг в онлайн шахматах выше 1200"),
    },
    "aquarium": {
        "en": ("my aquarium water turned cloudy two days after I set up the tank",
               "how many neon tetras can I keep in a 60 litre fish tank",
               "my goldfish is floating on its side, is it sick",
               "how often should I change the water in a freshwater aquarium",
               "green algae all over the aquarium glass, how to get rid of it"),
        "fr": ("l'eau de mon aquarium est devenue trouble deux jours après la mise en eau",
               "combien de néons dans un aquarium de 60 litres",
               "mon poisson rouge flotte sur le côté, est-il malade",
               "à quelle fréquence changer l'eau d'un aquarium d'eau douce",
               "des algues vertes partout sur la vitre de l'aquarium, comment les enlever"),
        "it": ("l'acqua dell'acquario è diventata torbida dopo due giorni",
               "quanti neon posso tenere in un acquario da 60 litri",
               "il mio pesce rosso galleggia su un fianco, è malato",
               "ogni quanto cambio l'acqua in un acquario d'acqua dolce",
               "alghe verdi su tutto il vetro dell'acquario, come le tolgo"),
        "pt": ("a água do meu aquário ficou turva dois dias depois de montar",
               "quantos neons cabem num aquário de 60 litros",
               "meu peixinho dourado está boiando de lado, está doente",
               "com que frequência trocar a água de um aquário de água doce",
               "algas verdes no vidro do aquário, como tirar"),
        "ru": ("вода в аквариуме помутнела через два дня после запуска",
               "сколько неонов можно держать в аквариуме на 60 литров",
               "моя золотая рыбка плавает на боку, она больна",
               "как часто менять воду в пресноводном аквариуме",
               "зелёные водоросли на стёклах аквариума, как от них избавиться"),
    },
    "knitting": {
        "en": ("how do I cast on for my first knitting project",
               "my knitted scarf keeps curling at the edges",
               "what size needles do I need for chunky wool yarn",
               "I dropped a stitch three rows down, how do I pick it up",
               "easy crochet pattern for a baby blanket"),
        "fr": ("comment monter les mailles pour mon premier tricot",
               "mon écharpe tricotée roule sur les bords",
               "quelle taille d'aiguilles pour une laine épaisse",
               "j'ai perdu une maille trois rangs plus bas, comment la rattraper",
               "modèle de couverture bébé au crochet facile"),
        "it": ("come si avviano le maglie per il mio primo lavoro a maglia",
               "la sciarpa fatta a maglia si arrotola sui bordi",
               "che misura di ferri serve per la lana grossa",
               "ho perso una maglia tre giri sotto, come la recupero",
               "schema facile all'uncinetto per una copertina da neonato"),
        "pt": ("como montar os pontos no meu primeiro tricô",
               "meu cachecol de tricô fica enrolando nas bordas",
               "que número de agulha usar para lã grossa",
               "deixei cair um ponto três carreiras abaixo, como recuperar",
               "receita fácil de manta de bebê em crochê"),
        "ru": ("как набрать петли для моего первого вязания спицами",
               "связанный шарф постоянно закручивается по краям",
               "какой номер спиц нужен для толстой пряжи",
               "я спустила петлю на три ряда ниже, как её поднять",
               "простая схема детского пледа крючком"),
    },
    "phone_troubleshooting": {
        "en": ("my phone battery drains from 100 to 20 percent by lunchtime",
               "iphone stuck on the apple logo after the update",
               "android phone says storage full but I deleted all my photos",
               "the touch screen on my phone stopped responding in one corner",
               "my phone gets really hot while charging, is that dangerous"),
        "fr": ("la batterie de mon téléphone se vide avant midi",
               "mon iphone reste bloqué sur la pomme après la mise à jour",
               "mon android dit que le stockage est plein alors que j'ai supprimé mes photos",
               "l'écran tactile de mon portable ne répond plus dans un coin",
               "mon téléphone chauffe beaucoup pendant la charge, c'est dangereux"),
        "it": ("la batteria del telefono si scarica entro l'ora di pranzo",
               "l'iphone è bloccato sulla mela dopo l'aggiornamento",
               "il telefono android dice memoria piena ma ho cancellato le foto",
               "lo schermo touch del cellulare non risponde in un angolo",
               "il telefono si scalda tanto mentre è in carica, è pericoloso"),
        "pt": ("a bateria do meu celular acaba antes do almoço",
               "meu iphone travou na maçã depois da atualização",
               "o celular android diz armazenamento cheio mas apaguei as fotos",
               "a tela touch do celular parou de responder num canto",
               "meu celular esquenta muito carregando, é perigoso"),
        "ru": ("батарея телефона садится со 100 до 20 процентов к обеду",
               "айфон завис на логотипе яблока после обновления",
               "андроид пишет, что память заполнена, хотя я удалил все фото",
               "сенсорный экран телефона перестал реагировать в одном углу",
               "телефон сильно греется при зарядке, это опасно"),
    },
    "home_network": {
        "en": ("wifi is fast next to the router but dead in my bedroom",
               "my internet drops every evening around 8pm",
               "should I buy a mesh system or a wifi extender for a two floor house",
               "how do I change the wifi password on my router",
               "the laptop connects to wifi but says no internet access"),
        "fr": ("le wifi est rapide près de la box mais ne passe pas dans ma chambre",
               "ma connexion internet coupe tous les soirs vers 20h",
               "répéteur wifi ou système mesh pour une maison sur deux étages",
               "comment changer le mot de passe wifi de ma box",
               "l'ordinateur portable est connecté au wifi mais pas d'accès internet"),
        "it": ("il wifi è veloce vicino al router ma in camera non prende",
               "internet mi cade ogni sera verso le 20",
               "meglio un sistema mesh o un ripetitore wifi per una casa su due piani",
               "come cambio la password del wifi sul router",
               "il portatile si collega al wifi ma dice nessun accesso a internet"),
        "pt": ("o wifi é rápido perto do roteador mas não pega no quarto",
               "minha internet cai todo dia à noite por volta das 20h",
               "sistema mesh ou repetidor wifi para uma casa de dois andares",
               "como trocar a senha do wifi no roteador",
               "o notebook conecta no wifi mas fica sem acesso à internet"),
        "ru": ("вай-фай быстрый возле роутера, но в спальне не ловит",
               "интернет пропадает каждый вечер около 8 часов",
               "что лучше для двухэтажного дома, mesh система или wifi репитер",
               "как поменять пароль от wifi на роутере",
               "ноутбук подключается к wifi, но пишет без доступа к интернету"),
    },
    "sleep_problems": {
        "en": ("I wake up at 3am every night and can't fall back asleep",
               "how to fix my sleep schedule after working night shifts",
               "is it bad to use my phone in bed before sleeping",
               "my partner snores so loudly I can't sleep, what can we try",
               "how many hours of sleep does a teenager really need"),
        "fr": ("je me réveille à 3h du matin chaque nuit et je n'arrive pas à me rendormir",
               "comment retrouver un rythme de sommeil après des horaires de nuit",
               "est-ce mauvais de regarder son téléphone au lit avant de dormir",
               "mon conjoint ronfle tellement fort que je ne dors plus",
               "combien d'heures de sommeil pour un adolescent"),
        "it": ("mi sveglio alle 3 ogni notte e non riesco a riaddormentarmi",
               "come sistemo il ritmo del sonno dopo i turni di notte",
               "fa male usare il telefono a letto prima di dormire",
               "il mio compagno russa così forte che non dormo",
               "quante ore di sonno servono davvero a un adolescente"),
        "pt": ("acordo às 3 da manhã toda noite e não consigo voltar a dormir",
               "como acertar meu horário de sono depois de trabalhar no turno da noite",
               "faz mal usar o celular na cama antes de dormir",
               "meu marido ronca tão alto que eu não consigo dormir",
               "quantas horas de sono um adolescente precisa"),
        "ru": ("каждую ночь просыпаюсь в 3 часа и не могу снова уснуть",
               "как наладить режим сна после ночных смен",
               "вредно ли сидеть в телефоне в кровати перед сном",
               "муж храпит так громко, что я не могу спать",
               "сколько часов сна на самом деле нужно подростку"),
    },
    "coffee_brewing": {
        "en": ("my espresso tastes sour, should I grind finer",
               "what's the right coffee to water ratio for a french press",
               "how do I descale my coffee machine with vinegar",
               "pour over coffee keeps coming out bitter",
               "how do I get milk foam like a barista for a latte at home"),
        "fr": ("mon expresso est acide, faut-il moudre plus fin",
               "quelle dose de café pour une cafetière à piston",
               "comment détartrer ma machine à café avec du vinaigre",
               "mon café filtre est toujours amer",
               "comment faire une mousse de lait comme un barista pour un latte"),
        "it": ("il mio espresso è acido, devo macinare più fine",
               "qual è la giusta dose di caffè per la french press",
               "come decalcifico la macchina del caffè con l'aceto",
               "il caffè filtro mi viene sempre amaro",
               "come faccio la schiuma di latte come al bar per il latte macchiato"),
        "pt": ("meu espresso está azedo, devo moer mais fino",
               "qual a proporção de café e água na prensa francesa",
               "como descalcificar a cafeteira com vinagre",
               "meu café coado sai sempre amargo",
               "como fazer espuma de leite de barista para um latte em casa"),
        "ru": ("мой эспрессо кислый, нужно молоть мельче",
               "какая пропорция кофе и воды для френч-пресса",
               "как очистить кофемашину от накипи уксусом",
               "кофе в воронке всё время получается горьким",
               "как взбить молоко как бариста для латте дома"),
    },
}  # fmt: skip

OPENERS = {
    "en": ("", "", "", "hey", "ok so", "need some advice.", "question for you:", "hi there!"),
    "fr": ("", "", "", "bonjour,", "salut", "petite question :", "j'ai besoin d'un conseil.", "coucou,"),
    "it": ("", "", "", "ciao,", "buongiorno,", "domanda veloce:", "mi serve un consiglio.", "salve,"),
    "pt": ("", "", "", "oi,", "olá,", "pergunta rápida:", "preciso de uma dica.", "bom dia,"),
    "ru": ("", "", "", "привет,", "здравствуйте,", "быстрый вопрос:", "нужен совет.", "добрый день,"),
}
CLOSERS = {
    "en": ("", "", "", "cheers", "thx", "step by step please", "what do you think?"),
    "fr": ("", "", "", "merci beaucoup", "merci d'avance", "étape par étape svp", "qu'en pensez-vous ?"),
    "it": ("", "", "", "grazie mille", "grazie in anticipo", "passo per passo per favore", "che ne pensi?"),
    "pt": ("", "", "", "obrigado", "valeu", "passo a passo por favor", "o que você acha?"),
    "ru": ("", "", "", "спасибо", "заранее спасибо", "по шагам, пожалуйста", "что думаете?"),
}
LANGUAGE_SHARE = {"en": 0.4, "fr": 0.2, "it": 0.15, "pt": 0.15, "ru": 0.1}


def _typo(word: str, rng: random.Random) -> str:
    """The word with two neighbouring letters swapped or one letter dropped."""
    if len(word) < 4:
        return word
    i = rng.randrange(1, len(word) - 1)
    if rng.random() < 0.5:
        return word[: i - 1] + word[i] + word[i - 1] + word[i + 1 :]
    return word[:i] + word[i + 1 :]


def _variant(text: str, language: str, rng: random.Random) -> str:
    """The request with an optional opener and closer; one time in five a word is dropped, one in
    four a word gets a typo, half the time it is lower-cased throughout."""
    words = text.split()
    if len(words) > 5 and rng.random() < 0.2:
        del words[rng.randrange(1, len(words))]
    if rng.random() < 0.25:
        i = rng.randrange(len(words))
        words[i] = _typo(words[i], rng)
    body = " ".join(words)
    body = body.lower() if rng.random() < 0.5 else body[:1].upper() + body[1:]
    ending = rng.choice(("?", "?", "", "??", "."))
    parts = [rng.choice(OPENERS[language]), body + ending, rng.choice(CLOSERS[language])]
    return " ".join(p for p in parts if p)


def write_handmade(out: Path, n: int, *, seed: int, day: str) -> tuple[Path, pl.DataFrame]:
    """Write ``n`` conversations of ``day`` to ``out/conversations.jsonl``; return it and the labels."""
    rng = random.Random(seed)
    out.mkdir(parents=True, exist_ok=True)
    path = out / "conversations.jsonl"
    languages, weights = zip(*LANGUAGE_SHARE.items(), strict=True)
    topics = sorted(REQUESTS)
    labels = []
    with path.open("w", encoding="utf-8") as handle:
        for i in range(n):
            topic = rng.choice(topics)
            language = rng.choices(languages, weights)[0]
            text = _variant(rng.choice(REQUESTS[topic][language]), language, rng)
            record = {
                "conversation_id": f"g{i:07d}",
                "user_id": f"gu{rng.randrange(max(1, n // 2)):07d}",
                "created_at": f"{day}T{rng.randrange(24):02d}:{rng.randrange(60):02d}:00+00:00",
                "messages": [
                    {"role": "user", "content": text},
                    {"role": "assistant", "content": "Sure, let's go through it."},
                ],
            }
            handle.write(json.dumps(record, ensure_ascii=False) + "\n")
            labels.append((record["conversation_id"], topic, language))
    truth = pl.DataFrame(labels, schema=["conversation_id", "topic", "language"], orient="row")
    return path, truth
