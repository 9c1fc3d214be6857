"""English text banks the task generator draws from: documents, tickets, questions, prompts.

Slots are ``str.format`` fields. Each bank is written so that the facts a task asks about
appear once and unambiguously; neutral sentences carry no field-like values and no words of
the ticket lexicon, so padding a document never changes its answer.
"""

from __future__ import annotations

MONTHS_EN: tuple[str, ...] = (
    "January", "February", "March", "April", "May", "June", "July", "August", "September",
    "October", "November", "December",
)  # fmt: skip

# --- extract: customer documents carrying name, email, order ID, amount and date -----------
EXTRACT_TEMPLATES: tuple[str, ...] = (
    "Hi there,\n\nI'm writing about order {order_id}, which I placed on {date}. The total came "
    "to {amount}, but I haven't received a confirmation email yet. Could you check that "
    "everything went through?{filler}\n\nYou can reach me at {email} if you need anything "
    "else.\n\n{signoff}\n{name}",
    "INVOICE — {company}\n\nBill to: {name}\nEmail: {email}\nOrder ID: {order_id}\n"
    "Order date: {date}\nAmount due: {amount}\nShip to: {street}, {city}\n\n"
    "Notes: Please quote the order ID on every remittance.{filler}",
    "Hello team,\n\nForwarding this confirmation for our records — the customer asked us to "
    "double-check it.{filler}\n\n---------- Forwarded message ----------\n"
    "Subject: Your order {order_id} is confirmed\nCustomer: {name} <{email}>\n"
    "Placed on: {date}\nOrder total: {amount}\n",
    "[Chat transcript — {company} support]\nVisitor: Hello, my name is {name}. I ordered a "
    "standing desk on {date}, order number {order_id}.\nAgent: Thanks! What can I do for you?\n"
    "Visitor: The confirmation says {amount} but the cart showed less. My email is {email}."
    "{filler}\nAgent: Let me look into that for you.",
    "Dear {company} team,\n\nOn {date} I paid {amount} for order {order_id}, and I would like "
    "a copy of the receipt sent to {email}.{filler}\n\n{signoff}\n{name}",
)
#: Unusual-domain documents for topic drift: the reference no longer looks like an order ID.
EXTRACT_TOPIC_TEMPLATES: tuple[str, ...] = (
    "Hi,\n\nI booked the sunrise hot-air balloon flight for my parents (booking reference "
    "{order_id}) on {date} and paid {amount}. The wind grounded it twice — can we rebook? "
    "Reach me at {email}.{filler}\n\n{signoff}\n{name}",
    "Hello,\n\nOur alpaca-trekking club reserved the mountain hut under reference {order_id} "
    "on {date}; the deposit of {amount} is already with you. Please send the key code to "
    "{email}.{filler}\n\n{signoff}\n{name}",
)
SIGNOFFS: tuple[str, ...] = ("Thanks,", "Best regards,", "Kind regards,", "Cheers,", "Sincerely,")

# --- classify: support tickets whose wording carries the category --------------------------
TICKET_SUBJECTS: dict[str, tuple[str, ...]] = {
    "billing": ("Charged twice this month", "Question about my latest invoice",
                "Refund not received", "Wrong amount on my bill"),
    "technical": ("App crashes on start", "Error when uploading files",
                  "Dashboard not loading", "Bug after the latest release"),
    "shipping": ("Where is my package?", "Delivery problem", "Tracking not updating",
                 "Parcel marked delivered but missing"),
    "account": ("Can't sign in", "Locked out of my profile", "Password reset",
                "Change the email address on my profile"),
    "cancellation": ("Cancel my subscription", "Please cancel", "Terminate our contract",
                     "Stop my membership renewal"),
}  # fmt: skip
TICKET_SENTENCES: dict[str, tuple[str, ...]] = {
    "billing": (
        "I was charged twice for order {order_id} and I'd like one of the payments refunded.",
        "My latest invoice shows {amount}, which is far more than my plan should cost.",
        "The refund you promised two weeks ago still hasn't appeared on my credit card.",
        "There is a payment of {amount} on my bank statement that I don't recognise.",
        "Could you send me a corrected invoice with our VAT number on it?",
        "Why was I billed {amount} when the checkout page showed a lower total?",
    ),
    "technical": (
        "The app crashes every time I open the settings screen on my phone.",
        "I keep getting error code {code} when I try to upload a file.",
        "Since the last software update the dashboard won't load — it just shows a blank page.",
        "Sync between the desktop and mobile apps has stopped working.",
        "Your API returns a 500 error for every request since this morning.",
        "The export button does nothing in Chrome, even after clearing the browser cache.",
    ),
    "shipping": (
        "My package was due on Monday but the tracking hasn't moved in five days.",
        "The courier marked order {order_id} as delivered, but nothing was left at my door.",
        "The parcel arrived with the box crushed and two items dented.",
        "Can you ship to a different address? I'm moving before the delivery date.",
        "The tracking number you sent me isn't recognised on the carrier's site.",
        "Only half of my shipment arrived; the second box is missing.",
    ),
    "account": (
        "I can't sign in because I forgot my password and the reset link never shows up.",
        "I'd like to change the email address on my profile to {email}.",
        "My login has been locked after too many attempts.",
        "Please add my colleague as a second user on our team workspace.",
        "I lost my phone and can no longer receive two-factor codes.",
        "How do I change the username shown on my profile?",
    ),
    "cancellation": (
        "Please cancel my subscription at the end of the current period.",
        "I want to close my membership; we no longer need it.",
        "How do I cancel order {order_id} before it is processed?",
        "We're switching providers, so please terminate our contract effective next month.",
        "Stop the automatic renewal of my plan — I don't want to continue.",
        "I'd like to end my trial now rather than have it roll over.",
    ),
}  # fmt: skip
#: Unusual-topic tickets for topic drift: their wording avoids (or misleads) the lexicon.
TICKET_TOPIC_SENTENCES: dict[str, tuple[str, ...]] = {
    "billing": ("Your team sent our llama-grooming co-op a statement in Icelandic krónur; our "
                "treasurer needs it restated in dollars for the annual audit.",),
    "technical": ("The beehive humidity sensor you sold us reboots whenever the queen-cell "
                  "heater switches on, and the readings jump around.",),
    "shipping": ("The live lobsters we ordered for the gala are somewhere between Halifax and "
                 "Boston and nobody can say where they are.",),
    "account": ("Our falconry club needs the membership admin rights moved from our late "
                "chairman to the new secretary.",),
    "cancellation": ("The eclipse tour got moved to next spring, so we won't be needing the "
                     "telescope rental after all.",),
}  # fmt: skip
GREETINGS: tuple[str, ...] = ("Hello,", "Hi team,", "Hi,", "Good morning,")
CLOSINGS: tuple[str, ...] = ("Thanks,", "Best,", "Regards,")
#: Neutral sentences for padding (length drift): no values, no lexicon words.
NEUTRAL_SENTENCES: tuple[str, ...] = (
    "I've been a customer for a few years and this is the first time I've had to write in.",
    "I'd appreciate a reply when you get a chance.",
    "Thanks in advance for looking into this.",
    "Let me know if you need any more details from me.",
    "I'm usually very happy with you, so I hope this is a one-off.",
    "My manager asked me to follow up on this today.",
    "I tried the help centre first but couldn't find an answer there.",
    "It's not urgent, but I'd like to get it sorted this week.",
    "A friend recommended your company to me last spring.",
    "Sorry for the long message, I wanted to give you the full picture.",
)

# --- chat: free-text questions -------------------------------------------------------------
CHAT_QUESTIONS: tuple[str, ...] = (
    "What should I pack for a three-day hiking trip near {city}?",
    "Can you suggest a simple weeknight dinner that uses chickpeas and spinach?",
    "How do I write a polite follow-up email after a job interview?",
    "What's the difference between a Roth IRA and a traditional IRA?",
    "Give me three tips for keeping houseplants alive in winter.",
    "How should I prepare for a half marathon in twelve weeks?",
    "Explain what a mortgage offset account is in plain words.",
    "What are some good icebreaker questions for a team meeting?",
    "How do I remove a red wine stain from a wool carpet?",
    "Write a short birthday message for my colleague {first_name}.",
    "What's a good way to learn basic Spanish in three months?",
    "Which sights would you recommend for a weekend in {city}?",
)
CHAT_TOPIC_QUESTIONS: tuple[str, ...] = (
    "How do I calibrate a brass sextant before a celestial-navigation exam?",
    "Explain quantum annealing to a beekeeper who has never used a computer.",
    "What is the etiquette for returning a borrowed falcon to its handler?",
    "How many cubic metres of moss does a small bog garden need?",
    "Compose a limerick about tax law for medieval blacksmiths.",
)

# --- rag: product documentation with one answer sentence ----------------------------------
RAG_FAMILIES: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("Aurora", "e-bike", ("X1", "X2", "X3", "X5")),
    ("Vela", "e-scooter", ("S2", "S4", "S6", "S8")),
    ("Solace", "mobility scooter", ("M3", "M5", "M7", "M9")),
    ("Ridge", "electric mountain bike", ("300", "500", "700", "900")),
    ("Atlas", "cargo trike", ("C1", "C2", "C4", "C6")),
)
#: attribute -> (answer-sentence templates, question templates, paraphrase without keyword)
RAG_ATTRIBUTES: dict[str, tuple[tuple[str, ...], tuple[str, ...], str]] = {
    "warranty": (("The warranty period for the {p} is {v}.",
                  "Every {p} comes with a manufacturer warranty of {v}."),
                 ("What is the warranty period for the {p}?",
                  "How long is the warranty on the {p}?"),
                 "If my {p} breaks down, for how long am I covered?"),
    "battery": (("The {p} has a battery life of {v} in normal use.",
                 "Battery life on the {p} is rated at {v}."),
                ("What is the battery life of the {p}?",
                 "How long does the battery of the {p} last?"),
                "How long can I use the {p} before it runs flat?"),
    "weight": (("The {p} has a weight of {v} without accessories.",
                "Weight of the {p}: {v}, measured without accessories."),
               ("What is the weight of the {p}?", "Could you tell me the weight of the {p}?"),
               "How heavy is the {p}?"),
    "charging": (("The charging time of the {p} is {v} from empty.",
                  "A full charging cycle of the {p} takes {v}."),
                 ("What is the charging time of the {p}?",
                  "How long is the charging time for the {p}?"),
                 "How soon is the {p} ready again after I plug it in?"),
    "load": (("The {p} supports a maximum load of {v}.",
              "Maximum load for the {p} is {v}, including the rider."),
             ("What is the maximum load of the {p}?", "What maximum load can the {p} carry?"),
             "How much can I put on the {p}?"),
    "range": (("The {p} has a range of {v} on one charge.",
               "Range of the {p} is quoted as {v} under test conditions."),
              ("What is the range of the {p}?", "What range does the {p} have?"),
              "How far does the {p} go?"),
    "noise": (("The noise level of the {p} is {v} at one metre.",
               "Measured noise level for the {p} is {v}."),
              ("What is the noise level of the {p}?", "How high is the noise level of the {p}?"),
              "Will the {p} disturb my neighbours?"),
}  # fmt: skip
RAG_FILLER: tuple[str, ...] = (
    "Every {family} {kind} is assembled in Porto and inspected before it leaves the plant.",
    "The {family} line was introduced to replace an older series of {kind}s.",
    "Owners can register their {family} {kind} online to receive firmware notices.",
    "Spare parts for the {family} range are stocked by authorised dealers.",
    "The {family} companion app shows trip statistics and service reminders.",
    "Cleaning the {family} {kind} with a damp cloth is recommended after wet use.",
    "Dealers offer a free first inspection for every {family} {kind}.",
    "The {family} range received a design award for its frame and controls.",
    "Accessories such as racks, bags and covers are sold separately for the {family} line.",
    "Firmware for {family} products is updated over the air when the {kind} is idle.",
    "Customer reviews praise the {family} {kind} for its sturdy build.",
    "Storage indoors at room temperature prolongs the life of any {family} {kind}.",
)

# --- agent: goals that need one tool --------------------------------------------------------
AGENT_GOALS: dict[str, tuple[str, ...]] = {
    "lookup_order": (
        "Hi, where is my order {order_id}? It's been a while since I placed it.",
        "Can you check the status of order {order_id} for me?",
        "My purchase {order_id} hasn't shown up yet. What's going on with it?",
    ),
    "get_weather": (
        "What's the weather like in {city} right now?",
        "Is it raining in {city} at the moment? I'm heading out soon.",
        "Can you check the current weather in {city} for me?",
        "I'm flying to {city} tonight — what are the conditions there?",
    ),
    "convert_currency": (
        "How much is {amount} {src} in {dst}?",
        "Convert {amount} {src} to {dst}, please.",
        "I need to pay an invoice of {amount} {src}. What is that in {dst}?",
    ),
}
AGENT_TOPIC_GOALS: dict[str, str] = {
    "lookup_order": "The birthday present I ordered for my niece (number {digits}) still "
    "hasn't turned up. Any news?",
    "get_weather": "Do I need an umbrella for the lantern festival by the harbour tonight? "
    "I live right by the {city} waterfront.",
    "convert_currency": "I owe my landlord {amount} of the local money where I live now; "
    "roughly what is that worth back home?",
}
WEATHER_CITIES: tuple[str, ...] = (
    "Lisbon", "Lyon", "Osaka", "Denver", "Cape Town", "Reykjavik", "Melbourne", "Toronto",
    "Nairobi", "Kraków", "Hanoi", "Buenos Aires", "Seattle", "Edinburgh", "Munich",
    "Rio de Janeiro", "Salt Lake City", "Vancouver", "Marrakesh", "Singapore", "Oslo", "Porto",
    "Valencia", "Zürich", "Frankfurt am Main",
)  # fmt: skip

# --- prompts --------------------------------------------------------------------------------
SYSTEM_TASK: dict[str, str] = {
    "extract": "You are an order-operations assistant. Extract the customer's full name, email "
    "address, order ID, total amount in US dollars and order date (YYYY-MM-DD) from the "
    "customer message.",
    "classify": "You triage customer support tickets. Classify the ticket into exactly one of "
    "these categories: billing, technical, shipping, account, cancellation.",
    "rag": "You answer product questions using only the provided context. If the context "
    "does not contain the answer, say that you don't know.",
    "agent": "You are a customer support agent with access to tools. Use a tool to look up "
    "live information before answering; never guess order statuses, weather or exchange "
    "rates.",
    "chat": "You are a friendly, concise assistant for Northwind Outfitters customers.",
}
SYSTEM_FORMAT: dict[str, dict[str, str]] = {
    "extract": {"schema": "Respond in JSON that follows the provided schema; use null for "
                "anything missing.",
                "instruction": "Return only a JSON object with keys: customer_name, email, "
                "order_id, amount_usd, order_date. Use null for anything missing.",
                "none": "Reply in one or two plain sentences."},
    "classify": {"schema": "Respond in JSON that follows the provided schema.",
                 "instruction": "Return only a JSON object with key: label.",
                 "none": "Reply with the category name only."},
    "rag": {"schema": "Respond in JSON that follows the provided schema.",
            "instruction": "Return only a JSON object with key: answer.",
            "none": "Answer in one short sentence."},
    "agent": {"schema": "When you have the result, respond in JSON that follows the provided "
              "schema.",
              "instruction": "When you have the result, return only a JSON object with key: "
              "answer.",
              "none": "When you have the result, answer in one short sentence."},
}  # fmt: skip
USER_HEADERS: dict[str, str] = {
    "extract": "Customer message:", "classify": "Support ticket:",
    "context": "Context:", "question": "Question:",
}  # fmt: skip
#: Boilerplate for prompt bloat (context that retrieval pulled in for no good reason).
POLICY_SENTENCES: tuple[str, ...] = (
    "Agents must verify the customer's identity before discussing personal details.",
    "Escalate any message that mentions legal action to the duty manager.",
    "Use British or American spelling consistently within one reply.",
    "Do not promise delivery dates that the warehouse has not confirmed.",
    "Messages from business customers are answered within four working hours.",
    "Never include internal notes or ticket history in a reply to the customer.",
    "Offer the satisfaction survey only after the issue is resolved.",
    "Keep replies friendly and professional, and avoid slang.",
    "Customers in the EU may ask for a copy of the personal data we hold.",
    "Store locations and opening hours are listed on the company website.",
    "Gift cards cannot be exchanged for cash except where the law requires it.",
    "Loyalty points expire twenty-four months after they are earned.",
)
