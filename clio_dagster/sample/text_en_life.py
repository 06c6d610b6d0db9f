"""English text for everyday-life and learning topics."""

from __future__ import annotations

from clio_dagster.sample.textspec import TopicText as T

TOPICS: dict[str, T] = {
    "recipes": T(
        ask=(
            "Give me a recipe for {dish} {constraint}.",
            "What can I cook with {ingredients}?",
            "How long do I bake {dish}? Mine always comes out dry.",
        ),
        slots={
            "dish": (
                "banana bread",
                "lasagna",
                "chicken curry",
                "sourdough bread",
                "vegan chili",
                "chocolate chip cookies",
                "pad thai",
            ),
            "ingredients": (
                "eggs, spinach and feta",
                "leftover rice and chicken",
                "chickpeas and tomatoes",
                "potatoes and leeks",
            ),
            "constraint": (
                "for four people",
                "without an oven",
                "that is gluten free",
                "in under 30 minutes",
                "",
            ),
        },
        follow=("Can I replace the butter with oil?", "How do I store the leftovers?"),
        reply=(
            "Here is an easy {dish} recipe with ingredients, steps and timing.",
            "Here is a simple recipe with ingredients, steps and timing.",
            "Bake at 175 degrees for about 50 minutes and check with a toothpick.",
        ),
    ),
    "travel_planning": T(
        ask=(
            "Plan a trip to {place} for {days} {who}.",
            "What should I see in {place} in {days}? {who}",
            "Is {place} worth visiting in winter? I have {days}.",
        ),
        slots={
            "place": ("Lisbon", "Japan", "Iceland", "New York", "the Amalfi coast", "Mexico City", "Prague"),
            "days": ("three days", "a week", "two weeks", "a long weekend"),
            "who": ("with two kids", "on a budget", "for our honeymoon", "travelling solo", ""),
        },
        follow=("Can you add restaurant suggestions?", "How do we get from the airport to the center?"),
        reply=(
            "Here is a plan for {place}: one area per day, with time to rest.",
            "Day 1: old town and a walking tour. Day 2: museums and a food market. Day 3: a day trip.",
            "Here is an itinerary that balances sights and rest, with a rough budget per day.",
        ),
    ),
    "fitness": T(
        ask=(
            "Make me a {plan} to {goal}. {constraint}",
            "How many times a week should I train to {goal}?",
            "Is this a good {plan}? I want to {goal}.",
        ),
        slots={
            "plan": ("workout plan", "4-week running plan", "home workout routine", "gym split"),
            "goal": ("lose weight", "build muscle", "run a 10k", "improve my posture", "get stronger"),
            "constraint": (
                "I only have dumbbells.",
                "I'm a beginner.",
                "I have bad knees.",
                "30 minutes a day.",
                "",
            ),
        },
        follow=("What should I eat after the workout?", "Can you make it harder?"),
        reply=(
            "Here is a {plan} built around your goal to {goal}.",
            "Here is a three-day full body routine with progressive overload.",
            "Three sessions a week with rest days in between is a good start.",
        ),
    ),
    "tax_questions": T(
        ask=(
            "Can I deduct {item} on my taxes {situation}?",
            "How do I file taxes {situation}?",
            "Do I need to pay tax on {item}?",
        ),
        slots={
            "item": (
                "my home office",
                "a used car for work",
                "freelance income",
                "crypto gains",
                "childcare costs",
                "a side hustle on Etsy",
            ),
            "situation": (
                "as a freelancer",
                "if I moved abroad this year",
                "as a student",
                "with two jobs",
                "",
            ),
        },
        follow=("What forms do I need?", "What is the deadline?"),
        reply=(
            "It depends on your country, but generally the space must be used only for work.",
            "Keep receipts and report the income; a tax adviser can confirm your specific case.",
        ),
    ),
    "poetry": T(
        ask=(
            "Write a {form} about {subject}. Make it {tone}.",
            "Can you write me a short poem on {subject}? Something {tone}.",
            "Help me finish my {form} about {subject}.",
        ),
        slots={
            "form": ("haiku", "sonnet", "limerick", "free verse poem", "rhyming poem"),
            "subject": (
                "autumn leaves",
                "my grandmother",
                "the ocean at night",
                "first love",
                "my cat",
                "city rain",
            ),
            "tone": ("melancholic", "funny", "hopeful", "short enough for a card", "simple"),
        },
        follow=("Make it rhyme.", "Shorter, for a card."),
        reply=(
            "Golden leaves let go, / the wind keeps every secret, / the branch remembers.",
            "Here is a short poem in four stanzas.",
        ),
    ),
    "math_homework": T(
        ask=(
            "Solve {problem} and explain the steps.",
            "How do I do this: {problem}? {level}",
            "I don't understand {concept}. {level}",
        ),
        slots={
            "problem": (
                "2x + 5 = 17",
                "the derivative of x^2 sin(x)",
                "the integral of 1/x from 1 to e",
                "the probability of two sixes with two dice",
                "the area of a circle with radius 4",
            ),
            "concept": (
                "fractions",
                "the chain rule",
                "logarithms",
                "standard deviation",
                "matrix multiplication",
            ),
            "level": ("I'm in 8th grade.", "High school calculus.", "First year university.", ""),
        },
        follow=("Why do you subtract 5 first?", "Can you give me a similar exercise?"),
        reply=(
            "Subtract 5 from both sides to get 2x = 12, then divide by 2: x = 6.",
            "Step by step: apply the rule, simplify, then check the result.",
        ),
    ),
    "legal_questions": T(
        ask=(
            "{situation}. What are my rights?",
            "Is it legal for {party_action}?",
            "Do I need a lawyer? {situation}.",
        ),
        slots={
            "situation": (
                "My landlord won't return my deposit",
                "My employer fired me without notice",
                "My neighbour built a fence on my land",
                "My insurance company refuses to pay the claim",
                "My ex-partner kept my furniture after the breakup",
            ),
            "party_action": (
                "my landlord to enter my flat without notice",
                "my employer to read my work emails",
                "my boss to keep my final paycheck",
            ),
        },
        follow=("How do I write a formal complaint?", "What evidence should I collect?"),
        reply=(
            "I'm not a lawyer, but in many places the landlord must return the deposit within a set time.",
            "Document everything in writing and check your local tenant or labour office.",
        ),
    ),
    "medical_symptoms": T(
        ask=(
            "I have had {symptom} {duration}. Should I see a doctor?",
            "What could cause {symptom}?",
            "Is {symptom} after {trigger} normal?",
        ),
        slots={
            "symptom": (
                "a headache behind my eyes",
                "a rash on my arm",
                "chest tightness",
                "a dry cough",
                "knee pain when climbing stairs",
                "trouble sleeping",
            ),
            "duration": ("for three days", "for a week", "for two months", "since yesterday"),
            "trigger": ("running", "eating", "a vaccine", "starting new medication"),
        },
        follow=("What can I take for it meanwhile?", "When is it an emergency?"),
        reply=(
            "{symptom} can have many causes. If it gets worse or you feel unwell, see a doctor.",
            "Several things can cause this; if it lasts or gets worse, please see a doctor.",
            "Seek urgent care if you have chest pain with shortness of breath.",
        ),
    ),
    "relationship_advice": T(
        ask=(
            "My {person} {issue}. What should I do?",
            "How do I talk to my {person} about {topic}?",
            "Advice needed: my {person} {issue}.",
        ),
        slots={
            "person": ("boyfriend", "girlfriend", "wife", "husband", "best friend", "roommate"),
            "issue": (
                "doesn't text back",
                "spends all our money",
                "forgot my birthday",
                "wants to move to another city",
                "is always on the phone",
            ),
            "topic": ("moving in together", "having kids", "splitting chores", "jealousy"),
        },
        follow=("What if they get defensive?", "How do I start the conversation?"),
        reply=(
            "Choose a calm moment, use 'I' statements and ask how they see it.",
            "It sounds frustrating; it may help to name the pattern without blame.",
        ),
    ),
    "language_learning": T(
        ask=(
            "I'm learning a new language. Can you explain {point}?",
            "Give me a {lang} study plan for {level}.",
            "Correct my sentence please: {sentence}",
        ),
        slots={
            "lang": ("Spanish", "Japanese", "German", "French", "Korean", "Italian"),
            "point": (
                "when to use the Spanish subjunctive",
                "the difference between ser and estar in Spanish",
                "the German dative case",
                "the Japanese particles wa and ga",
                "the French passé composé",
            ),
            "level": ("a complete beginner", "B1 level", "the DELE exam", "three months before my trip"),
            "sentence": (
                "Yo soy cansado hoy.",
                "Ich habe nach Berlin gefahren.",
                "Je suis allé au le magasin.",
            ),
        },
        follow=("Give me ten practice sentences.", "How do I remember this?"),
        reply=(
            "Use 'estar' for temporary states: 'Estoy cansado'. Here are more examples.",
            "A daily plan: 20 minutes of vocabulary with spaced repetition and 10 minutes of listening.",
        ),
    ),
    "gardening": T(
        ask=(
            "Why are my {plant} leaves turning {color}?",
            "When should I plant {plant} in {climate}?",
            "How do I look after my {plant} on a balcony?",
        ),
        slots={
            "plant": ("tomato", "basil", "rose", "monstera", "lemon tree", "strawberry"),
            "color": ("yellow", "brown at the edges", "spotty", "pale"),
            "climate": ("a cold climate", "zone 7", "southern Spain", "the UK"),
        },
        follow=("How often should I water?", "What fertiliser do you recommend?"),
        reply=(
            "{plant} leaves turning {color} usually point to watering or light; here is how to tell.",
            "Yellow leaves often mean overwatering; let the soil dry between waterings.",
            "Plant after the last frost, in full sun, with well-drained soil.",
        ),
    ),
    "personal_finance": T(
        ask=(
            "How should I {goal} with {income}?",
            "Is it better to {option}?",
            "Help me make a budget: {income}.",
        ),
        slots={
            "goal": (
                "save for a house",
                "pay off credit card debt",
                "build an emergency fund",
                "start investing",
            ),
            "income": (
                "3000 a month",
                "a student loan and a part-time job",
                "irregular freelance income",
                "two kids and one salary",
            ),
            "option": (
                "pay off my car loan or invest",
                "rent or buy",
                "use index funds or a savings account",
            ),
        },
        follow=("What percentage should go to savings?", "Explain index funds simply."),
        reply=(
            "A common starting point is 50/30/20: needs, wants and savings.",
            "Pay high-interest debt first, then build a three-month emergency fund.",
        ),
    ),
    "home_repair": T(
        ask=(
            "How do I fix {problem}?",
            "I've got {problem}. Can I fix it myself or should I call someone?",
            "What tools do I need to fix {problem}?",
        ),
        slots={
            "problem": (
                "a leaking kitchen faucet",
                "a running toilet",
                "a hole in drywall",
                "a door that won't close",
                "mold in the bathroom",
                "a tripped breaker that keeps tripping",
            )
        },
        follow=("What size washer do I need?", "Is it safe to do without turning off the main?"),
        reply=(
            "Fixing {problem} is usually a DIY job; here are the steps and the tools.",
            "Turn off the water supply, remove the handle and replace the worn washer.",
            "Patch small holes with spackle; for larger ones use a mesh patch.",
        ),
    ),
}
