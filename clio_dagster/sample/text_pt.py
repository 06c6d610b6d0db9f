"""Portuguese (Brazilian) conversation text."""

from __future__ import annotations

from clio_dagster.sample.textspec import TopicText as T

TOPICS: dict[str, T] = {
    "recipes": T(
        ask=("Me passa uma receita de {dish} {constraint}.", "O que eu faço com {ingredients}?"),
        slots={
            "dish": ("feijoada", "pão de queijo", "brigadeiro", "moqueca", "bolo de cenoura"),
            "ingredients": ("arroz, ovo e frango", "mandioca e carne", "banana madura"),
            "constraint": ("para seis pessoas", "sem forno", "vegana", ""),
        },
        follow=("Dá para congelar?",),
        reply=("Aqui vai uma receita simples com ingredientes, modo de preparo e tempo.",),
    ),
    "relationship_advice": T(
        ask=("Meu {person} {issue}. O que eu faço?", "Como converso com minha {person2} sobre {topic}?"),
        slots={
            "person": ("namorado", "marido", "melhor amigo"),
            "person2": ("namorada", "esposa", "sogra"),
            "issue": ("não responde minhas mensagens", "gasta todo o dinheiro", "quer morar em outra cidade"),
            "topic": ("morar juntos", "ter filhos", "dividir as tarefas de casa"),
        },
        follow=("E se ele ficar na defensiva?",),
        reply=("Escolha um momento calmo e fale de como você se sente, sem acusar.",),
    ),
    "cover_letter_cv": T(
        ask=(
            "Escreve uma carta de apresentação para vaga de {job}. {detail}",
            "Melhora meu currículo para {job}.",
        ),
        slots={
            "job": ("auxiliar administrativo", "desenvolvedor", "enfermeira", "vendedor"),
            "detail": ("Tenho dois anos de experiência.", "É meu primeiro emprego.", ""),
        },
        follow=("Deixa mais curta.",),
        reply=("Aqui está um rascunho que começa com sua principal conquista.",),
    ),
    "math_homework": T(
        ask=("Resolve {problem} explicando.", "Não entendo {concept}. {level}"),
        slots={
            "problem": ("2x + 5 = 17", "a derivada de x²", "uma equação do segundo grau"),
            "concept": ("frações", "porcentagem", "Bhaskara"),
            "level": ("Estou no ensino médio.", "É para o ENEM.", ""),
        },
        follow=("Me dá outro exercício parecido?",),
        reply=("Tiramos 5 dos dois lados: 2x = 12, depois dividimos por 2: x = 6.",),
    ),
    "fitness": T(
        ask=("Monta um treino para {goal}. {constraint}", "Quantas vezes por semana treinar para {goal}?"),
        slots={
            "goal": ("emagrecer", "ganhar massa", "correr 5 km"),
            "constraint": ("Treino em casa.", "Sou iniciante.", ""),
        },
        follow=("O que comer depois do treino?",),
        reply=("Três treinos de corpo inteiro por semana, com descanso entre eles, é um bom começo.",),
    ),
    "marketing_copy": T(
        ask=("Cria {format} para {product}.", "Me dá dez ideias de {format} para {product}."),
        slots={
            "format": ("uma legenda de Instagram", "um slogan", "um anúncio curto"),
            "product": ("minha loja de roupas", "uma hamburgueria", "um salão de beleza", "uma confeitaria"),
        },
        follow=("Mais curtas e com emojis.",),
        reply=("Aqui vão algumas opções, das mais divertidas às mais elegantes.",),
    ),
    "parenting": T(
        ask=("Meu filho de {age} {issue}. Alguma dica?", "Como faço meu filho de {age} {goal}?"),
        slots={
            "age": ("dois anos", "quatro anos", "dez anos", "quinze anos"),
            "issue": ("faz birra na hora de dormir", "não come legumes", "passa o dia no celular"),
            "goal": ("dormir a noite toda", "fazer a lição sem briga"),
        },
        follow=("E se não funcionar?",),
        reply=("Uma rotina previsível antes de dormir ajuda muito; a constância importa mais que o método.",),
    ),
    "javascript_help": T(
        ask=("Como {task} em JavaScript?", "Preciso de um código em JS para {task}."),
        slots={
            "task": (
                "validar um formulário",
                "consumir uma API com fetch",
                "formatar moeda em reais",
                "ordenar um array de objetos",
            )
        },
        follow=("Como fica com async/await?",),
        reply=("Aqui está uma função pequena e um exemplo de uso.",),
    ),
    "travel_planning": T(
        ask=("Monta um roteiro de {days} em {place} {who}.", "O que ver em {place} em {days}?"),
        slots={
            "place": ("Lisboa", "Gramado", "Salvador", "Buenos Aires", "Orlando"),
            "days": ("três dias", "uma semana", "um fim de semana"),
            "who": ("com crianças", "com pouco dinheiro", "em lua de mel", ""),
        },
        follow=("Tem dicas de restaurantes?",),
        reply=("Dia 1: centro histórico. Dia 2: museus e mercado. Dia 3: passeio de barco.",),
    ),
    "tax_questions": T(
        ask=("Preciso declarar {item} no imposto de renda?", "Como declaro o imposto de renda {situation}?"),
        slots={
            "item": ("aluguel recebido", "ganhos com cripto", "renda de freelancer"),
            "situation": ("sendo MEI", "morando fora", "pela primeira vez"),
        },
        follow=("Qual é o prazo?",),
        reply=("Em geral sim; guarde os comprovantes e informe na ficha de rendimentos correspondente.",),
    ),
    "language_learning": T(
        ask=(
            "Estou aprendendo inglês. Pode explicar {point}?",
            "Quero aprender {lang} em seis meses, por onde começo?",
            "Corrige minha frase em inglês: {sentence}",
        ),
        slots={
            "lang": ("inglês", "espanhol", "japonês"),
            "point": ("o present perfect", "os phrasal verbs", "a diferença entre por e para"),
            "sentence": ("I have 20 years.", "She don't know.", "I am agree."),
        },
        follow=("Me dá frases para praticar.",),
        reply=("Em inglês se diz 'I am 20 years old'. Veja mais exemplos.",),
    ),
}
