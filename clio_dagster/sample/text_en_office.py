"""English text for writing and office work, plus the spam network's requests."""

from __future__ import annotations

from clio_dagster.sample.textspec import TopicText as T

TOPICS: dict[str, T] = {
    "cover_letter_cv": T(
        ask=(
            "Can you write a cover letter for a {job} position? {detail}",
            "Please improve my CV summary for applying as {job}. {detail}",
            "Rewrite my resume bullet points for a {job} role, {tone}.",
        ),
        slots={
            "job": (
                "junior data analyst",
                "nurse",
                "marketing manager",
                "software engineer",
                "teacher",
                "project coordinator",
                "barista",
                "UX designer",
            ),
            "detail": (
                "I have five years of experience.",
                "I'm changing careers.",
                "It's my first job.",
                "I was out of work for a year.",
                "",
            ),
            "tone": ("sounding confident", "more professional", "less generic", "shorter"),
        },
        follow=("Make it sound less formal.", "Can you tailor it to a startup?"),
        reply=(
            "Here is a draft for the {job} application that leads with your most relevant results.",
            "Here is a draft that opens with your strongest achievement and ends with a clear ask.",
            "I rewrote each bullet to start with an action verb and a measurable result.",
        ),
    ),
    "email_writing": T(
        ask=(
            "Write an email to my {recipient} about {subject}. {tone}",
            "Help me reply to my {recipient} who asked about {subject}. {tone}",
            "Draft a short email: {subject}, addressed to my {recipient}.",
        ),
        slots={
            "recipient": ("boss", "landlord", "client", "professor", "colleague", "team", "supplier"),
            "subject": (
                "asking for a deadline extension",
                "a late payment",
                "a day off next week",
                "a mistake in the invoice",
                "rescheduling our meeting",
                "resigning from my job",
            ),
            "tone": ("Keep it polite but firm.", "Friendly tone.", "Very formal.", ""),
        },
        follow=("Make it more polite.", "Add a subject line."),
        reply=(
            "Here is a short email to your {recipient} about {subject}.",
            "Subject: Request for a short extension. Here is a polite draft you can adapt.",
            "Here is a concise email that states the issue, proposes a solution and thanks them.",
        ),
    ),
    "marketing_copy": T(
        ask=(
            "Write {format} for {product}. {tone}",
            "I need something catchy for {product}: {format}.",
            "Give me ten ideas of {format} for {product}, {tone}",
        ),
        slots={
            "format": (
                "an Instagram caption",
                "a landing page headline",
                "a newsletter intro",
                "a slogan",
                "a Facebook ad",
            ),
            "product": (
                "my bakery",
                "a yoga studio",
                "a budgeting app",
                "handmade candles",
                "a local plumbing company",
                "an online course about photography",
            ),
            "tone": ("playful tone.", "premium feel.", "for young parents.", ""),
        },
        follow=("Make them shorter and punchier.", "Add some emojis."),
        reply=(
            "Here are ten options for {product}, from playful to premium.",
            "Here are a few options, from playful to premium, each under twelve words.",
            "Headline ideas focused on the main benefit for the customer.",
        ),
    ),
    "product_descriptions": T(
        ask=(
            "Write a product description for {item}. {channel}",
            "Improve my listing for {item}. {channel}",
            "I sell {item}, write a description that converts. {channel}",
        ),
        slots={
            "item": (
                "a leather wallet",
                "a stainless steel water bottle",
                "wireless earbuds",
                "a kids' wooden puzzle",
                "an ergonomic office chair",
                "organic face cream",
            ),
            "channel": (
                "It's for Amazon.",
                "For my Etsy shop.",
                "Shopify store, 100 words.",
                "With bullet points.",
            ),
        },
        follow=("Add SEO keywords.", "Make it shorter for mobile."),
        reply=(
            "Here is a description that leads with the benefit, then the materials and care instructions.",
            "Title, five bullet points and a short paragraph, ready to paste.",
        ),
    ),
    "interview_prep": T(
        ask=(
            "I have an interview for {role} {when}. What questions should I expect?",
            "How do I answer '{question}' in an interview for {role}?",
            "Do a mock interview with me for {role}.",
        ),
        slots={
            "role": (
                "a product manager job",
                "a nursing position",
                "a backend developer role",
                "a sales associate job",
                "a finance internship",
            ),
            "when": ("tomorrow", "next week", "on Monday", ""),
            "question": (
                "tell me about yourself",
                "what is your biggest weakness",
                "why do you want to leave your current job",
                "where do you see yourself in five years",
            ),
        },
        follow=("Can you give feedback on my answer?", "What questions should I ask them at the end?"),
        reply=(
            "For {role}, expect questions about teamwork, pressure and your motivation.",
            "Use the STAR method: situation, task, action, result. Here is an example answer.",
            "Expect questions about teamwork, a failure you learned from, and your motivation.",
        ),
    ),
    "summarisation": T(
        ask=(
            "Summarise this {doc} in {length}: {excerpt}",
            "Can you give me the key points of this {doc}? {excerpt}",
            "TL;DR this {doc} please, {length}.",
        ),
        slots={
            "doc": ("article", "meeting transcript", "research paper abstract", "report", "chapter"),
            "length": ("three bullet points", "one paragraph", "two sentences", "under 100 words"),
            "excerpt": (
                "The committee discussed the budget and postponed the vote to next month.",
                "The study followed 400 patients for two years and found a modest effect.",
                "Revenue grew 12 percent while costs rose faster than expected.",
                "The team agreed to move the launch and hire two more engineers.",
            ),
        },
        follow=("Now in simpler words.", "What are the action items?"),
        reply=(
            "Key points: the decision was postponed, the budget is under review, and a follow-up is planned.",
            "In short: a modest effect over two years, with limits on how far the result generalises.",
        ),
    ),
    "essay_writing": T(
        ask=(
            "Help me write an essay about {subject}. {req}",
            "Can you outline an argumentative essay on {subject}? {req}",
            "Give me a thesis statement for an essay on {subject}.",
        ),
        slots={
            "subject": (
                "climate change and cities",
                "social media and teenagers",
                "the causes of World War I",
                "whether homework should be banned",
                "renewable energy",
                "the role of AI in education",
            ),
            "req": (
                "It needs to be 1000 words.",
                "For my high school English class.",
                "University level.",
                "Five paragraphs.",
                "",
            ),
        },
        follow=("Can you write the introduction?", "Add a counterargument paragraph."),
        reply=(
            "Outline: an introduction with a thesis, three body paragraphs with evidence, a conclusion.",
            "A possible thesis: the benefits outweigh the costs when clear limits are set.",
        ),
    ),
    "translation": T(
        ask=(
            "Translate this into {target}: '{text}'",
            "How do you say '{text}' in {target}?",
            "Please translate to {target}, {register}: {text}",
        ),
        slots={
            "target": ("Spanish", "French", "German", "Japanese", "Italian", "Portuguese"),
            "text": (
                "Could you send me the report by Friday?",
                "We are happy to welcome you to our team.",
                "The meeting has been moved to next Tuesday.",
                "Thank you for your patience.",
                "Please find attached the signed contract.",
            ),
            "register": ("formal", "casual", "business tone", "neutral"),
        },
        follow=("Is there a more formal way?", "And in British English?"),
        reply=(
            "In {target}, a natural way to say it is shown first, then a more literal version.",
            "Here is the translation, with a more formal variant below.",
            "A natural way to say it is shown first, followed by a literal version.",
        ),
    ),
    "seo_spam": T(
        ask=(
            "Write {n} five-star reviews for {biz} mentioning {kw} and a link to {url}",
            "Generate {n} unique blog comments that link to {url} with the anchor text {kw}",
            "Create {n} forum posts recommending {biz}, include {url} naturally and the keyword {kw}",
        ),
        slots={
            "n": ("20", "30", "50", "40", "25"),
            "biz": (
                "Best Cheap Loans Online",
                "QuickSlim keto pills",
                "VIP casino bonus",
                "CryptoDouble investment club",
            ),
            "kw": ("cheap loans fast", "weight loss pills", "best casino bonus", "double your bitcoin"),
            "url": (
                "best-loans-now.example",
                "quickslim-shop.example",
                "vip-bonus-casino.example",
                "crypto-double.example",
            ),
        },
        follow=("Make each one sound like a different real customer.", "Now 20 more with different names."),
        reply=(
            "I can't help write fake reviews or spam links, but I can help write honest marketing copy.",
            "Here are some comments; consider disclosing the affiliation to stay within platform rules.",
        ),
    ),
}
