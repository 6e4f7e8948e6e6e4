"""Write tests/data/privacy/comments.jsonl: synthetic auditors' evidence comments, labelled.

Run: .venv/bin/python scripts/make_privacy_corpus.py   (seeded: the same file every time)

Each line is one comment: {"id", "text", "details": [{"kind", "start", "end"}]}. A comment
with no details is a clean one, written in the field's own words (Asset, AssetPlus, RoSH, CSE,
CIN, WDYT, PSR, Referral Order panel, Restorative Justice Conference, services' places). The
phrasing follows the 2016 Bromley case file audit report; the names are a list written here
for the purpose (the sort of names on a London youth offending service's caseload), not taken
from the detector's gazetteer, so the recall measured on them is honest. Every value is made
up: dates, postcodes, phone numbers (Ofcom's drama ranges and random ones), NHS numbers with
a valid check digit, National Insurance numbers of a valid shape, references of the shapes
case-management systems print.
"""

from __future__ import annotations

import json
import random
import string
from pathlib import Path

OUT = Path(__file__).resolve().parents[1] / "tests" / "data" / "privacy" / "comments.jsonl"
SEED = 2019
N_LABELLED = 340
N_CLEAN = 200

FIRST = """
Kieran Tyler Jayden Reece Callum Connor Liam Kyle Jordan Tyrone Marcus Dwayne Andre Kofi Kwame
Tunde Femi Chidi Emeka Oluwaseun Ayo Mohammed Ahmed Omar Bilal Hamza Yusuf Zain Arjun Ravi
Sanjay Kacper Jakub Szymon Mateusz Dawid Ionut Andrei Florin Darius Lukas Mantas Tomas Jamal
Malik Tariq Shane Dean Darren Lee Ryan Bradley Aaron Nathan Leon Kai Alfie Harley Mason Riley
Shanice Chantelle Jade Chloe Leah Courtney Demi Tia Aaliyah Amira Fatima Ayesha Zara Nadia
Precious Blessing Grace Tiwa Sade Amelia Ellie Megan Jasmine Kayleigh Paige Stacey Kerry
Sarah Michelle Donna Tracey Karen Lisa Joanne Samantha Nicola Claire Patricia Bernadette
Siobhan Aoife Niamh Roisin Magdalena Agnieszka Oana Ioana Ruta Lina Halima Hodan Ebony Tanisha
""".split()
SURNAMES = """
O'Brien O'Connor McCarthy McAllister Murphy Kelly Doyle Walsh Smith Jones Williams Taylor
Brown Davies Evans Wilson Thomas Johnson Roberts Robinson Wright Thompson Walker White Hughes
Edwards Green Hall Wood Harris Lewis Martin Jackson Clarke Clark Turner Hill Scott Cooper
Morris Ward Moore King Watson Baker Harrison Morgan Patel Khan Ahmed Hussain Begum Ali Shah
Mahmood Iqbal Okafor Okonkwo Adeyemi Adebayo Mensah Boateng Asante Owusu Osei Nwosu Eze
Campbell Francis Grant Thomas-Reid Bailey Richards Kowalski Nowak Wisniewski Lewandowski
Popescu Ionescu Kazlauskas Petrauskas Fernandes Silva Costa Yilmaz Demir Hassan Mohamud
Abdi Farah Sinclair Gallagher Quinn Byrne Flanagan Fitzgerald Rowe Pearce Hodges Barnes
""".split()
STREETS = (
    """
Elm Road|Station Road|Kestrel Close|Mead Way|Hayes Lane|Croydon Road|Masons Hill|Orchard
Grove|Westmoreland Road|Homesdale Road|Tweedy Road|Cromwell Avenue|Southlands Road|Crescent
Way|Ravensbourne Avenue|Chatterton Road|Palace View|Kings Hall Road|Anerley Park|Burnt Ash
Lane|Hillview Crescent|Chesham Avenue|Lennard Road|Sefton Road|Plaistow Lane|Burnhill
Road|Bourne Way|Mottingham Lane|Cotmandene Crescent|Winchester Park
""".replace("\n", " ")
    .strip()
    .split("|")
)
AREAS = """BR1 BR2 BR3 BR5 BR6 BR7 SE6 SE9 SE12 SE20 SE26 CR0 CR4 DA14 DA15 TN16 SE1 E15 N17 SW9
M14 B23 LS8 NG7""".split()
UNIT = "ABDEFGHJLNPQRSTUWXYZ"
NICKNAMES = ["Kez", "Jay", "Tee", "Mo", "Deji", "Kuba", "Shan", "Bex"]
MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August",
          "September", "October", "November", "December"]  # fmt: skip
ROLES = ["SW", "social worker", "case manager", "YOT officer", "ETE worker", "school SENCO",
         "CAMHS nurse", "police officer", "Children's Services manager"]  # fmt: skip
REF_SHAPES = ["ChildView ref {n6}", "CMS {n6}", "YOS/{yy4}/{n4}", "case no. {n4}",
              "PNC {yy2}/{n6}{L}", "ref: BR{n5}", "Careworks ID {n6}", "case ref {n5}",
              "CRN {L}{n6}", "YJ-{n6}", "ref {n4}", "Mosaic ID {n7}"]  # fmt: skip


def _ordinal(d: int) -> str:
    return f"{d}{'th' if 11 <= d % 100 <= 13 else {1: 'st', 2: 'nd', 3: 'rd'}.get(d % 10, 'th')}"


def _date(rng: random.Random, birth: bool) -> str:
    y = rng.randint(2000, 2005) if birth else rng.randint(2014, 2016)
    m, d = rng.randint(1, 12), rng.randint(1, 28)
    month = MONTHS[m - 1]
    shapes = [
        f"{d:02d}/{m:02d}/{y}", f"{d}/{m}/{y % 100:02d}", f"{d}.{m}.{y % 100:02d}",
        f"{_ordinal(d)} {month} {y}", f"{month} {_ordinal(d)}", f"{d:02d}-{month[:3]}-{y}",
        f"{d}-{month[:3]}-{y % 100:02d}", f"{d} {month[:3]} {y}", f"{y}-{m:02d}-{d:02d}",
        f"{d} {month}", f"{_ordinal(d)} of {month}", f"{d:02d}.{m:02d}.{y}",
    ]  # fmt: skip
    return rng.choice(shapes)


def _postcode(rng: random.Random) -> str:
    code = f"{rng.choice(AREAS)} {rng.randint(1, 9)}{rng.choice(UNIT)}{rng.choice(UNIT)}"
    return (
        code
        if rng.random() < 0.85
        else code.lower()
        if rng.random() < 0.5
        else code.replace(" ", "")
    )


def _phone(rng: random.Random) -> str:
    digits = lambda n: "".join(rng.choice(string.digits) for _ in range(n))  # noqa: E731
    shapes = [
        f"07700 900{digits(3)}", f"07{rng.choice('4589')}{digits(2)} {digits(6)}",
        f"07{rng.choice('4589')}{digits(8)}", f"020 8{digits(3)} {digits(4)}",
        f"01689 8{digits(5)}", f"+44 7{rng.choice('4589')}{digits(2)} {digits(6)}",
        f"+44 (0)20 8{digits(3)} {digits(4)}",
        f"+33 6 {digits(2)} {digits(2)} {digits(2)} {digits(2)}",
        f"+48 5{digits(2)} {digits(3)} {digits(3)}", f"+234 80{digits(1)} {digits(3)} {digits(4)}",
        f"0208 {rng.choice('3456')}{digits(2)} {digits(4)}",
    ]  # fmt: skip
    return rng.choice(shapes)


def _nhs(rng: random.Random) -> str:
    while True:
        body = [rng.randint(0, 9) for _ in range(9)]
        body[0] = rng.randint(4, 9)
        check = 11 - sum(d * w for d, w in zip(body, range(10, 1, -1), strict=True)) % 11
        check = 0 if check == 11 else check
        if check != 10:
            s = "".join(map(str, body)) + str(check)
            return rng.choice([f"{s[:3]} {s[3:6]} {s[6:]}", s, f"{s[:3]}-{s[3:6]}-{s[6:]}"])


def _ni(rng: random.Random) -> str:
    first, second = rng.choice("ABCEGHJKLMNOPRSTWXYZ"), rng.choice("ABCEGHJKLMNPRSTWXYZ")
    while first + second in ("BG", "GB", "NK", "KN", "TN", "NT", "ZZ"):
        second = rng.choice("ABCEGHJKLMNPRSTWXYZ")
    n = [f"{rng.randint(0, 99):02d}" for _ in range(3)]
    end = rng.choice("ABCD")
    return rng.choice([f"{first}{second} {' '.join(n)} {end}", f"{first}{second}{''.join(n)}{end}"])


def _ref(rng: random.Random) -> str:
    fill = {
        "n4": f"{rng.randint(1000, 9999)}", "n5": f"{rng.randint(10000, 99999)}",
        "n6": f"{rng.randint(100000, 999999)}", "n7": f"{rng.randint(1000000, 9999999)}",
        "yy2": f"{rng.randint(14, 16)}", "yy4": f"{rng.randint(2014, 2016)}",
        "L": rng.choice(string.ascii_uppercase),
    }  # fmt: skip
    return rng.choice(REF_SHAPES).format(**fill)


def _email(rng: random.Random, first: str, last: str) -> str:
    user = rng.choice([f"{first}.{last}", f"{first[0]}{last}", f"{first}{rng.randint(1, 99)}"])
    domain = rng.choice(["gmail.com", "hotmail.co.uk", "bromley.gov.uk", "outlook.com",
                         "yahoo.co.uk", "school.bromley.sch.uk"])  # fmt: skip
    return f"{user.lower().replace(chr(39), '')}@{domain}"


# Labelled templates: {name} slots are filled and labelled; the rest is the auditor's wording.
TEMPLATES = """
{child} was seen at home on {date} but the Asset was not updated until three weeks later.
Asset completed {date}, outside the 20 working day timescale. {child}'s views not recorded.
WDYT completed with {child} but not used to inform the analysis of offending.
{child}'s mum ({parent}) was not contacted before the Referral Order panel.
Mum {parent} disclosed DV at the home visit; no referral to MARAC evidenced.
DOB {dob} - {child} turns 18 during the order and there is no transition plan to probation.
Home address {address}, {postcode}, is on the front sheet but not in the RoSH.
Family moved to {postcode} - no evidence the new address was checked with the police.
Contact number for dad on file is {phone}; no record of him being invited to the panel.
Mum's mobile {phone} recorded in contacts rather than on the case summary.
School contact ({email}) not consulted for the PSR.
Email from the social worker ({email}) is pasted into contacts in full.
NHS no. {nhs} on the health screening; CAMHS referral not followed up.
Health assessment lists NHS number {nhs} - no evidence the school nurse was contacted.
NI number {ni} on the ETE referral; no evidence of Connexions involvement.
{child} gave his NI number ({ni}) at the ETE meeting, recorded in the contact log.
{ref} - ChildView shows the RoSH completed after the PSR.
Chronology on {ref} does not match the Asset.
{role} {worker} was not invited to the planning meeting; CIN plan not reflected in the YOS plan.
Ms {surname} from the school attended the Referral Order panel but her views were not recorded.
Mr {surname} (stepdad) present at the home visit on {date}.
{initial}. {surname} completed the PSR; management oversight not evident.
{child_lower} said he did not understand the plan - language too professional.
Spoke to {child} and {sibling} together; no separate assessment of {sibling}'s needs.
{child} was arrested on {date} with {codef}; the co-defendant link is not analysed.
Victim ({victim_title} {victim}) contacted for Restorative Justice Conference, outcome not recorded.
CSE screening not completed although {child} was missing from {address} on {date}.
{CHILD} - RoSH not countersigned by a manager.
Lives with nan ({grandparent}) at {address}; no assessment of the placement.
Interpreter for {parent} not arranged; mum's first language is not English.
Gatekeeping form for the PSR signed by {worker} on {date}, after the court date.
Plan not signed by {child}; copy sent to {email}.
Referral Order contract for {child} ({ref}) does not match the panel report.
Case manager {worker} left in {month}; case reallocated to {worker2} with no handover recorded.
{child}, DOB {dob}, NHS {nhs}: health needs identified but not in the plan.
Address on file {address} {postcode}; phone {phone}.
Custody: {child} at Cookham Wood since {date}; resettlement planning not started.
YP's girlfriend ({partner}) named in the Asset as a protective factor, not analysed.
Management oversight: {worker} QA'd the Asset on {date} but actions not followed up.
{child}'s brother {sibling} also open to the YOS under {ref}.
ETE: {child} attends the PRU; contact {phone} for the head of year.
Police intelligence mentions {codef}'s address {address}.
Breach report dated {date} not countersigned; {worker} to review.
No WDYT on file. Mum ({parent}, {phone}) says {child} was never offered one.
Education worker emailed {email} on {date} - no reply chased.
Assessment records DOB as {dob} on Asset and {dob2} on ChildView.
{child} prefers to be called {nickname}; this is used throughout the contacts.
Dad ({parent_male}) in custody, visits not considered in the plan.
Foster carer {carer} not invited to the review.
{title} {surname} (GP) letter on file but its content not analysed.
""".strip().splitlines()

CLEAN = """
Asset completed within National Standards timescales and countersigned by the manager.
There was evidence of back dating the Asset on the system, which is poor practice.
The RoSH was duplicated from the previous order without any updating.
WDYT questionnaire completed but not used to inform the analysis.
Plan was not SMART: outcomes were not specific or measurable.
Good use of the in house Substance Misuse worker.
Education worker involved from the start; ETE needs clearly identified.
CSE not considered in the assessment although there were indicators.
CIN plan not referenced in the YOS plan; no link to Children's Social Care actions.
PSR proposal did not address the needs identified in the Asset.
Referral Order report six pages long; guidance says no more than two.
The Referral Order panel did not draw on community resources for the contract.
Restorative Justice Conference held; good impact for both the young person and the victim.
Victim's views were sought and recorded before the panel.
Reparation completed first, before any offending behaviour work.
No evidence of management oversight on the case management system.
Gatekeeping form for the PSR is on the paper file, not on the system.
Vulnerability under assessed; VMP copied from the Asset.
RMP not specific about who will do what, and by when.
Compliance panel held but the outcome is not recorded.
Risk panel discussion not evidenced.
Exit planning not evident; no step down process recorded.
Diversity needs identified in the assessment but not carried into the plan.
Speech and language needs identified; no SALT referral.
Contacts do not link back to the planned interventions.
Young person's voice is not evident in the assessment.
Factors against desistance well described; factors for desistance not explored.
Medication refused; impact on engagement not explored.
Custody plan followed the YOI's standard work; resettlement needs not explored.
Case discussed in supervision, recorded on the system.
Escalation to CSC should have happened and was not documented.
Court disregarded the YOS proposal; no escalation of the concern.
Electronic Monitoring information shared promptly on a high risk case.
Intensive Supervision and Surveillance requirement well managed.
AssetPlus completed, good analysis of the offence.
Pre sentence report of a sufficient standard.
Plan written in YP friendly language and signed.
Referral to CAMHS made and followed up.
MAPPA level 1, appropriately recorded.
Triage outcome recorded; Out of Court Disposal panel minutes on file.
YRO with supervision and curfew requirements; curfew breaches dealt with promptly.
Home visit completed within 10 working days.
Two of the three planned sessions were missed with no follow up.
Case transferred from Lewisham YOS; transfer documents incomplete.
Young person placed out of borough in Kent; liaison with the host YOT evident.
Bromley YOS seconded police officer shared intelligence appropriately.
Court report prepared for Bromley Magistrates; proposal followed.
Crown Court sentence; PSR proposal not followed and no reasons recorded.
Feltham YOI resettlement meeting attended by the case manager.
Placement at Medway STC; sentence plan reviewed at the 10 day meeting.
Seen at Orpington office and at school.
Sessions held at the Beckenham hub; attendance good.
Catch22 mentoring referral made but not followed up.
ETE referral to the Princes Trust programme evident.
Parenting worker involved; Parenting Order not considered.
Substance misuse assessment completed by the in house worker.
Team Manager countersigned the RoSH but made no comment.
Head of Service QA noted on the file.
Deputy Head of Service chaired the risk panel.
Level 1 staff member held a high risk case without additional oversight.
Quality of the PSR good; the analysis links back to offending.
Asset scores were not reflected in the intervention level.
Scaled Approach intervention level set at enhanced.
Timescales met for the initial assessment but not for the review.
Review of the Asset not completed at the three month point.
Referral Order contract signed at the first panel meeting.
Panel members played little part in drawing up the contract.
Victim declined to take part in restorative justice.
Indirect reparation completed at the community garden.
Letter of apology written but not passed to the victim.
RoSH rated medium; rationale clear and defensible.
Safety and Well-being section not completed.
No analysis of the impact of the CIN plan on the young person.
Child protection concerns escalated appropriately to the MASH.
LAC review minutes are on the file but not referenced in the plan.
Information from the school was timely and detailed.
There was a number of cases where the YP refused medication.
Young person in custody; plan focused on the YOI's programme only.
The plan did not cover the fire setting history identified in the Asset.
Not evident on the system.
Evidence of good partnership working with the school.
No evidence of the case manager reading the previous Asset.
Contacts recorded using the Aim, Content, Outcome format.
Will need a new Asset when the YRO starts; none planned.
May have benefited from a referral to the Junction Project.
Mum engaged well with the parenting worker and attended both panels.
Dad not seen; no explanation recorded.
Review due in March was not held until May.
Worker changed in June and again in September; no handover recorded.
Mark on the contact log shows the home visit was cancelled.
Social worker attended the Referral Order panel; CIN plan shared.
Spoke with the Team Manager, who agreed the RoSH needed updating.
Case manager has 18 cases, above the service's own limit of 15.
Young person was 17 at sentence and turns 18 before the order ends.
Attended 14 of 16 appointments; the two missed were followed up the same day.
Order made for 12 months; the review at 3 months was on time.
YOT Officer and Education, Training and Employment worker visited together.
Victim Liaison Officer contacted the victim within 5 working days.
Police Community Support Officer shared information on the estate.
Referral to Bromley Children's Project not followed up.
Missing episodes reported to the police; return home interview completed.
Carer attended the planning meeting; foster placement stable.
Brother also known to the YOS; no joint working evident.
""".strip().splitlines()


def _fill(rng: random.Random, template: str) -> tuple[str, list[dict[str, object]]]:
    first, surname = rng.choice(FIRST), rng.choice(SURNAMES)
    street = f"{rng.randint(1, 180)} {rng.choice(STREETS)}"
    if rng.random() < 0.15:
        street = f"Flat {rng.randint(1, 30)}, {street}"
    values: dict[str, tuple[str, str]] = {
        "child": (first if rng.random() < 0.7 else f"{first} {surname}", "name"),
        "CHILD": (f"{first} {surname}".upper(), "name"),
        "child_lower": (first.lower(), "name"),
        "parent": (rng.choice(FIRST) + ("" if rng.random() < 0.6 else f" {surname}"), "name"),
        "parent_male": (f"{rng.choice(FIRST[:60])} {surname}", "name"),
        "sibling": (rng.choice(FIRST), "name"),
        "codef": (f"{rng.choice(FIRST)} {rng.choice(SURNAMES)}", "name"),
        "victim_title": (rng.choice(["Mr", "Mrs", "Ms", "Miss"]), None),  # a title names nobody
        "victim": (rng.choice(SURNAMES), "name"),
        "grandparent": (rng.choice(FIRST[60:]), "name"),
        "partner": (rng.choice(FIRST[60:]), "name"),
        "carer": (f"{rng.choice(FIRST)} {rng.choice(SURNAMES)}", "name"),
        "nickname": (
            rng.choice(["Kez", "Jay", "Tee", "Mo", "Deji", "Kuba", "Shan", "Bex"]),
            "name",
        ),
        "worker": (
            rng.choice([rng.choice(FIRST), f"{rng.choice(FIRST)} {rng.choice(SURNAMES)}"]),
            "name",
        ),
        "worker2": (rng.choice(FIRST), "name"),
        "surname": (surname, "name"),
        "initial": (first[0], None),  # an initial alone names nobody; the surname after it does
        "title": (rng.choice(["Dr", "Dr", "Mr", "Ms"]), None),
        "role": (rng.choice(ROLES), None),
        "month": (rng.choice(MONTHS), None),
        "date": (_date(rng, birth=False), "date"),
        "dob": (_date(rng, birth=True), "date"),
        "dob2": (_date(rng, birth=True), "date"),
        "address": (street, "address"),
        "postcode": (_postcode(rng), "postcode"),
        "phone": (_phone(rng), "phone"),
        "email": (_email(rng, first, surname), "email"),
        "nhs": (_nhs(rng), "nhs"),
        "ni": (_ni(rng), "ni"),
        "ref": (_ref(rng), "reference"),
    }
    text, details = "", []
    for literal, field, _, _ in string.Formatter().parse(template):
        text += literal
        if field is None:
            continue
        value, kind = values[field]
        start = len(text)
        text += value
        if kind == "reference":  # the system's name ("ChildView ref") identifies nobody
            start += len(value) - len(value.split()[-1])
        if kind is not None:
            details.append({"kind": kind, "start": start, "end": len(text)})
    return text, details


def _clean(rng: random.Random) -> str:
    return " ".join(rng.sample(CLEAN, rng.choice([1, 1, 2, 2, 3])))


def build() -> list[dict[str, object]]:
    """Return the corpus: labelled comments first, then clean ones."""
    rng = random.Random(SEED)
    rows = []
    for i in range(N_LABELLED):
        template = TEMPLATES[i % len(TEMPLATES)]
        text, details = _fill(rng, template)
        if rng.random() < 0.3:  # often a detail sits among ordinary evidence
            extra = rng.choice(CLEAN)
            text = text + " " + extra
        rows.append({"id": f"L{i + 1:03d}", "text": text, "details": details})
    for i in range(N_CLEAN):
        rows.append({"id": f"C{i + 1:03d}", "text": _clean(rng), "details": []})
    return rows


def main() -> None:
    """Write the corpus."""
    OUT.parent.mkdir(parents=True, exist_ok=True)
    with OUT.open("w", encoding="utf-8") as f:
        for row in build():
            f.write(json.dumps(row, ensure_ascii=False) + "\n")
    print(f"{OUT}: {N_LABELLED} labelled, {N_CLEAN} clean comments")


if __name__ == "__main__":
    main()
