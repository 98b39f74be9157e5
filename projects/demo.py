"""The demo project: a small, tagged, single-label project a newcomer can train on at once.

The texts are written for this studio (short support tickets of an imaginary online shop), so
the demo carries no third-party data and no licence questions. Most tickets are tagged; a few per
class are left untagged so the tagging view and "next untagged" have something to show.
"""

from __future__ import annotations

from django.contrib.auth.base_user import AbstractBaseUser
from django.db import transaction

from projects.models import Membership, Project, ProjectKind
from projects.services import create_class, create_document, create_project

DEMO_PROJECT_NAME = "Demo-Support-Tickets"
DEMO_DESCRIPTION = (
    "Sample support tickets of an online shop, sorted into five classes. "
    "Written for the studio's demo; most are tagged, a few are left for you to tag."
)
# How many tickets at the end of each class's list stay untagged.
UNTAGGED_PER_CLASS = 2

TICKETS: dict[str, list[str]] = {
    "Billing": [
        "I was charged twice for the same order this morning. Please refund one of the payments.",
        "My invoice shows a price higher than the one on the product page when I bought it.",
        "Can you send me a VAT invoice with my company name and address on it?",
        "The refund you promised two weeks ago still has not reached my credit card.",
        "Why did my subscription renew at the full price when I had a discount code?",
        "Please cancel my yearly plan and return the unused months to my card.",
        "The checkout says my card was declined but my bank sees a pending payment.",
        "I paid with a gift card and the remaining balance disappeared from my account.",
        "There is a fee on my statement labelled 'service charge' that nobody told me about.",
        "Could I pay the rest of my order by bank transfer instead of by card?",
        "The coupon SPRING20 was accepted but the total did not go down.",
        "I need a copy of every receipt from last year for my tax return.",
        "You billed me in dollars although I live in Germany and chose euros.",
        "My monthly payment went out on the 3rd instead of the 1st, is the date changing?",
        "I was charged for express delivery but my parcel came with the standard service.",
        "A charge of 49.90 appeared for an order I cancelled before it shipped.",
        "How do I change the credit card that my subscription is paid with?",
    ],
    "Technical problem": [
        "The app crashes every time I open the order history on my phone.",
        "The website shows a blank white page after I press the Pay button.",
        "Search returns no results at all, even for products on the home page.",
        "Pictures of the products do not load; I only see grey boxes.",
        "I get error 502 when I try to upload a photo for my review.",
        "The page keeps reloading in a loop when I open my basket in Firefox.",
        "Since the last update the app logs me out after a few seconds.",
        "Notifications arrive three or four times for the same message.",
        "The size chart button does nothing when I click it.",
        "The tracking map on the order page is stuck on 'loading' forever.",
        "My wish list is empty on the laptop but full on my phone.",
        "The app uses so much battery that my phone gets hot while browsing.",
        "Dark mode makes the prices invisible, black text on a black background.",
        "The chat window closes by itself before the agent can answer.",
        "The app crashes every time I open my order history on my phone.",
        "Filters on the category page reset whenever I scroll down.",
        "The download link for my digital manual gives a 404 page.",
    ],
    "Account access": [
        "I forgot my password and the reset email never arrives.",
        "My account is locked after too many login attempts, please unlock it.",
        "I no longer have the phone number for two-factor codes; how do I get in?",
        "Someone changed the email address on my account without my permission.",
        "The reset link says it has expired although I clicked it immediately.",
        "I cannot sign in with Google any more, it says the account does not exist.",
        "Please merge my two accounts, I created a second one by mistake.",
        "How can I delete my account and all the data you hold about me?",
        "I changed my email address and now the old one is still used to sign in.",
        "The login page says my password is wrong but it works in the app.",
        "I think my account was hacked: there are orders I never placed.",
        "The verification code sent by text message is never accepted.",
        "My business account lost access to the team members I invited.",
        "I want to change my username but the settings page does not allow it.",
        "I changed my email address and now the login link goes to the old one.",
        "After moving to a new country I cannot log in, it asks for a code I never receive.",
        "Please remove the old device that is still signed in to my account.",
    ],
    "Shipping": [
        "My parcel has said 'out for delivery' for four days now. Where is it?",
        "The courier left my package at the wrong address, a neighbour two streets away.",
        "The box arrived crushed and the glass vase inside is broken.",
        "Can I change the delivery address after the order has been dispatched?",
        "Only two of the three items I ordered were in the parcel.",
        "Do you ship to Norway, and how much would express delivery cost?",
        "The tracking number you sent me does not work on the carrier's website.",
        "I ordered next-day delivery but the parcel came a week later; refund the shipping fee.",
        "Can the parcel be delivered to a pickup point instead of my home?",
        "The customs office is asking me to pay import duties, is that normal?",
        "The package was marked delivered but nothing was at my door.",
        "How long does standard shipping take to the Canary Islands?",
        "I need the order before Friday for a birthday; can you speed it up?",
        "The driver refused to carry the sofa upstairs although I paid for that service.",
        "The tracking number you sent me does not exist on the courier's website.",
        "My return label is for the wrong country, the post office would not accept it.",
        "Please send the replacement for the damaged lamp as soon as possible.",
    ],
    "Feature request": [
        "It would be great to filter products by delivery time.",
        "Please add a way to save several delivery addresses on my account.",
        "Could you add PayPal as a payment method?",
        "I would love a price alert when an item on my wish list goes on sale.",
        "Please let me share my wish list with family before my birthday.",
        "An option to pay in three instalments would help with big purchases.",
        "Could the app support landscape mode on tablets?",
        "Please add a comparison view for two or three products side by side.",
        "It would be useful to download all invoices at once as a zip file.",
        "Could you show the carbon footprint of each delivery option?",
        "Let me choose a delivery time window, like evenings only.",
        "Please add Spanish and Italian to the list of languages on the website.",
        "A button to reorder everything from a previous order would save me time.",
        "I wish the reviews could be sorted by the size the reviewer bought.",
        "Please let me save several delivery addresses and pick one at checkout.",
        "Please allow gift wrapping with a personal message for each item.",
        "Could you add a barcode scanner to the app to find products in store?",
    ],
}


def demo_project_name_for(user: AbstractBaseUser) -> str:
    """The demo's name for this user: the shared name, or a personal one if another user owns it.

    Project names are unique in the studio, so a second user pressing "Open a demo project" gets
    their own copy instead of membership in someone else's project.
    """
    project = Project.objects.filter(name__iexact=DEMO_PROJECT_NAME).first()
    if project is None or Membership.objects.filter(project=project, user=user).exists():
        return DEMO_PROJECT_NAME
    suffix = "".join(c for c in user.get_username() if c.isalnum() or c in "_.-")
    return f"{DEMO_PROJECT_NAME}-{suffix or user.pk}"[:50]


@transaction.atomic
def create_demo_project(*, owner: AbstractBaseUser) -> tuple[Project, bool]:
    """Create the demo project owned by `owner`, or return it when it exists; `(project, created)`.

    Idempotent so the launcher's `--demo` flag, the command and the button can all be used any
    number of times: an existing demo is returned unchanged (the user's own tagging is kept).
    """
    name = demo_project_name_for(owner)
    existing = Project.objects.filter(name__iexact=name).first()
    if existing is not None:
        return existing, False
    project = create_project(
        owner=owner,
        name=name,
        kind=ProjectKind.SINGLE_LABEL,
        language="en",
        description=DEMO_DESCRIPTION,
    )
    for class_name, texts in TICKETS.items():
        category = create_class(project, class_name)
        slug = class_name.lower().replace(" ", "-")
        tagged = len(texts) - UNTAGGED_PER_CLASS
        for i, text in enumerate(texts):
            create_document(
                project,
                name=f"tickets/{slug}-{i + 1:02}.txt",
                text=text,
                language="en",
                classes=[category] if i < tagged else [],
                user=owner,
            )
    return project, True
