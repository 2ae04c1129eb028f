"""The generated task pack: people, app data, instructions and evaluations (our own text).

Runs inside the AppWorld virtual environment only (imported by generate_pack.py). Each
scenario has a shared evaluation (AppWorld's `evaluate(test, public_data, private_data,
main_user, models, ground_truth_answer)` contract, checked against the database diff the
engine computes between the task's start state and the agent's end state) and one or
more tasks that differ in their data, so scenario goal completion means something.
Everything here is written for this harness; no AppWorld app code or data is copied.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

SUPERVISOR = {
    "first_name": "Jordan",
    "last_name": "Reyes",
    "email": "jordan.reyes@gmail.com",
    "phone_number": "5550100001",
    "birthday": "1990-04-12",
    "sex": "female",
}
PASSWORDS = {"simple_note": "jr-notes-4411", "venmo": "jr-venmo-9273", "phone": "jr-phone-1830"}
FRIENDS = [
    {
        "first_name": "Alex",
        "last_name": "Moreno",
        "email": "alex.moreno@gmail.com",
        "phone_number": "5550100002",
    },
    {
        "first_name": "Priya",
        "last_name": "Shah",
        "email": "priya.shah@gmail.com",
        "phone_number": "5550100003",
    },
    {
        "first_name": "Sam",
        "last_name": "Okafor",
        "email": "sam.okafor@gmail.com",
        "phone_number": "5550100004",
    },
    {
        "first_name": "Lena",
        "last_name": "Kim",
        "email": "lena.kim@gmail.com",
        "phone_number": "5550100005",
    },
]
DATETIME = "2023-05-18T12:00:00"


@dataclass
class PackTask:
    id: str  # <scenario>_<n>, AppWorld's id format (scenario = generator id)
    instruction: str
    difficulty: int
    apps: list[str]  # the apps the task needs (besides supervisor and api_docs)
    notes: list[dict[str, Any]] = field(default_factory=list)
    contacts: list[dict[str, Any]] = field(default_factory=list)  # phone contacts
    answer: Any = None  # the expected answer (None: the task asks for an action)
    public_data: dict[str, Any] = field(default_factory=dict)
    private_data: dict[str, Any] = field(default_factory=dict)


def _filler_notes() -> list[dict[str, Any]]:
    return [
        {
            "title": "Book ideas",
            "content": "The Overstory; Piranesi; Klara and the Sun",
            "tags": ["reading"],
        },
        {"title": "Pancakes", "content": "flour, milk, 2 eggs, butter", "tags": ["recipe"]},
        {"title": "Gym plan", "content": "Mon legs, Wed back, Fri chest", "tags": ["health"]},
    ]


def tasks() -> list[PackTask]:
    alex, priya, sam, lena = FRIENDS
    recipe_notes = _filler_notes() + [
        {"title": "Lentil soup", "content": "lentils, carrots, cumin", "tags": ["recipe"]},
        {"title": "Shakshuka", "content": "eggs, tomatoes, peppers", "tags": ["recipe", "brunch"]},
    ]
    return [
        # Scenario "gnote": write a note (difficulty 1, one app).
        PackTask(
            id="gnote_1",
            instruction=(
                "Create a new note in SimpleNote titled 'Packing list' whose content is "
                "exactly 'passport, charger, socks'."
            ),
            difficulty=1,
            apps=["simple_note"],
            notes=_filler_notes(),
            public_data={"title": "Packing list", "content": "passport, charger, socks"},
        ),
        PackTask(
            id="gnote_2",
            instruction=(
                "Create a new note in SimpleNote titled 'Call list' whose content is "
                "exactly 'dentist, landlord, grandma'."
            ),
            difficulty=1,
            apps=["simple_note"],
            notes=_filler_notes(),
            public_data={"title": "Call list", "content": "dentist, landlord, grandma"},
        ),
        # Scenario "gcount": answer a question from app data (difficulty 1).
        PackTask(
            id="gcount_1",
            instruction="How many of my SimpleNote notes are tagged 'recipe'?",
            difficulty=1,
            apps=["simple_note"],
            notes=recipe_notes,
            answer=3,
        ),
        # Scenario "gpay": read a note, then pay on Venmo (difficulty 2, two apps).
        PackTask(
            id="gpay_1",
            instruction=(
                "My SimpleNote note titled 'IOU' says how much I owe and to whom. Pay that "
                "exact amount to that person on Venmo with the description 'IOU'."
            ),
            difficulty=2,
            apps=["simple_note", "venmo"],
            notes=_filler_notes()
            + [
                {
                    "title": "IOU",
                    "content": f"I owe {alex['first_name']} {alex['last_name']} "
                    f"$42.50 for the concert tickets.",
                    "tags": ["money"],
                }
            ],
            public_data={"receiver_email": alex["email"], "amount": 42.5, "description": "IOU"},
        ),
        # Scenario "groom": contacts + note + payment (difficulty 3, three apps).
        PackTask(
            id="groom_1",
            instruction=(
                "My share of this month's utilities is written in my SimpleNote note titled "
                "'Utilities'. Send that amount on Venmo to my roommate (the contact with the "
                "'roommate' relationship in my phone's contact book), with the description "
                "'utilities'."
            ),
            difficulty=3,
            apps=["simple_note", "venmo", "phone"],
            notes=_filler_notes()
            + [
                {
                    "title": "Utilities",
                    "content": "Electricity and water, my share: $61.20",
                    "tags": ["money", "home"],
                }
            ],
            contacts=[
                {**priya, "relationships": ["friend"]},
                {**sam, "relationships": ["roommate"]},
                {**lena, "relationships": ["coworker"]},
            ],
            public_data={
                "receiver_email": sam["email"],
                "amount": 61.2,
                "description": "utilities",
            },
        ),
    ]


# Evaluations per scenario: (source of `evaluate`, the requirements in order, and for
# each whether it already passes when the agent does nothing: AppWorld's no_op labels).
_COMMON = """
import json


def _supervisor_task(models):
    return models.end.supervisor.Task.all()[0]


def _given_answer(models):
    return json.loads(_supervisor_task(models).answer)
"""

NOTE_EVAL = (
    _COMMON
    + '''

def evaluate(test, public_data, private_data, main_user, models, ground_truth_answer):
    with test("""
        Exactly one SimpleNote note was added, with the requested title and content.
    """):
        added, updated, removed = models.changed_records("simple_note.Note")
        test.case(len(added), "==", 1)
        test.case(added[0].title.strip(), "==", public_data.title)
        test.case(added[0].content.strip(), "==", public_data.content)
    with test("""
        No existing note was changed or deleted, and nothing changed in other apps.
    """):
        added, updated, removed = models.changed_records("simple_note.Note")
        test.case(len(updated) + len(removed), "==", 0)
        changed = models.changed_model_names(ignore=["simple_note.User"])
        test.case(changed - {"simple_note.Note"}, "==", set())
    with test("""
        The task was marked complete with the supervisor's complete_task.
    """):
        test.case(_supervisor_task(models).status, "==", "success")
'''
)
NOTE_REQS = [False, True, False]

COUNT_EVAL = (
    _COMMON
    + '''

def evaluate(test, public_data, private_data, main_user, models, ground_truth_answer):
    with test("""
        The task was completed with the right answer.
    """):
        test.case(_supervisor_task(models).status, "==", "success")
        test.answer(_given_answer(models), ground_truth_answer)
    with test("""
        Nothing was changed in any app.
    """):
        test.case(models.changed_model_names(ignore=["simple_note.User"]), "==", set())
'''
)
COUNT_REQS = [False, True]

PAY_EVAL = (
    _COMMON
    + '''

def evaluate(test, public_data, private_data, main_user, models, ground_truth_answer):
    with test("""
        Exactly one Venmo payment was sent from the supervisor to the right person,
        for the right amount and with the right description.
    """):
        added, updated, removed = models.changed_records("venmo.Transaction")
        test.case(len(added), "==", 1)
        payment = added[0]
        sender = models.end.venmo.User.find_one(email=main_user.email)
        receiver = models.end.venmo.User.find_one(email=public_data.receiver_email)
        test.case(payment.sender_id, "==", sender.id)
        test.case(payment.receiver_id, "==", receiver.id)
        test.case(round(payment.amount, 2), "==", public_data.amount)
        test.case(payment.description.strip().lower(), "==", public_data.description.lower())
    with test("""
        No other data was changed (only the payment, balances and Venmo notifications).
    """):
        allowed = {"venmo.Transaction", "venmo.User", "venmo.Notification"}
        changed = models.changed_model_names(ignore=["simple_note.User", "phone.User"])
        test.case(changed - allowed, "==", set())
        added, updated, removed = models.changed_records("venmo.Transaction")
        test.case(len(updated) + len(removed), "==", 0)
    with test("""
        The task was marked complete with the supervisor's complete_task.
    """):
        test.case(_supervisor_task(models).status, "==", "success")
'''
)
PAY_REQS = [False, True, False]

EVALUATIONS = {
    "gnote": (NOTE_EVAL, NOTE_REQS),
    "gcount": (COUNT_EVAL, COUNT_REQS),
    "gpay": (PAY_EVAL, PAY_REQS),
    "groom": (PAY_EVAL, PAY_REQS),
}
