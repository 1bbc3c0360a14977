"""The demo programme: what `recap demo` loads. Written in the project's own words.

Kigali, Rajshahi and Sebkha (Nouakchott) are named by the programme; Musanze and Sylhet stand in
for the two other pilot cities and are illustrative. Figures are rounded public estimates.
"""

from __future__ import annotations

from datetime import date
from typing import Any

DEMO_PASSWORD = "resilient-demo"  # noqa: S105 - printed for the demo, never used in production

COUNTRIES = [
    # name, ISO code, region
    ("Rwanda", "RW", "africa"),
    ("Bangladesh", "BD", "south_asia"),
    ("Mauritania", "MR", "africa"),
    ("Germany", "DE", "europe"),
    ("Belgium", "BE", "europe"),
    ("South Africa", "ZA", "africa"),
    ("Mauritius", "MU", "africa"),
    ("United States", "US", "north_america"),
    ("Canada", "CA", "north_america"),
    ("Mexico", "MX", "central_america"),
    ("Brazil", "BR", "south_america"),
    ("Colombia", "CO", "south_america"),
    ("Argentina", "AR", "south_america"),
    ("India", "IN", "south_asia"),
    ("South Korea", "KR", "east_asia"),
    ("Japan", "JP", "east_asia"),
    ("Taiwan", "TW", "east_asia"),
    ("China", "CN", "east_asia"),
    ("Philippines", "PH", "southeast_asia"),
    ("Indonesia", "ID", "southeast_asia"),
    ("Australia", "AU", "oceania"),
]
COUNTRY_NAMES_FR = {
    "RW": "Rwanda",
    "BD": "Bangladesh",
    "MR": "Mauritanie",
    "DE": "Allemagne",
    "BE": "Belgique",
    "ZA": "Afrique du Sud",
    "MU": "Maurice",
    "US": "États-Unis",
    "CA": "Canada",
    "MX": "Mexique",
    "BR": "Brésil",
    "CO": "Colombie",
    "AR": "Argentine",
    "IN": "Inde",
    "KR": "Corée du Sud",
    "JP": "Japon",
    "TW": "Taïwan",
    "CN": "Chine",
    "PH": "Philippines",
    "ID": "Indonésie",
    "AU": "Australie",
}

PARTNERS = [
    (
        "ICLEI – Local Governments for Sustainability",
        "partner",
        "DE",
        "Global network of local and regional governments; leads the programme.",
    ),
    (
        "Resilient Cities Network",
        "partner",
        "",
        "Network of chief resilience officers; leads the resilient-recovery deep dive in Kigali.",
    ),
    ("Cities Alliance", "partner", "BE", "Global partnership for urban poverty reduction."),
    ("GIZ", "partner", "DE", "German development agency working with Cities Alliance."),
]

DONOR = (
    "Federal Ministry for Economic Cooperation and Development (BMZ)",
    "funder",
    "DE",
    "Germany's development ministry; funds the programme.",
)

FUNDERS = [
    (
        "City Climate Finance Gap Fund",
        (
            "Early-stage technical assistance for low-carbon, resilient urban projects in "
            "cities of ODA-eligible countries, up to pre-feasibility."
        ),
    ),
    (
        "C40 Cities Finance Facility",
        (
            "Concept-to-feasibility support for mobility, energy, water and blue-green "
            "infrastructure projects."
        ),
    ),
    (
        "Cities Development Initiative for Asia",
        "Pre-feasibility and feasibility studies for secondary cities in Asia.",
    ),
    (
        "AfDB Urban and Municipal Development Fund",
        (
            "Planning, municipal finance and project preparation grants for African cities "
            "and utilities."
        ),
    ),
    (
        "GCF Project Preparation Facility",
        "Preparation of funding proposals for mitigation and adaptation projects.",
    ),
]

CITIES = [
    {
        "name": "Kigali",
        "slug": "kigali",
        "country": "RW",
        "population": 1_600_000,
        "population_year": 2022,
        "latitude": "-1.94410",
        "longitude": "30.06190",
        "office": "Africa Secretariat",
        "government": "City of Kigali",
        "summary": "Rwanda's capital, growing fast, with a resilient-recovery deep dive led "
        "with its Chief Resilience Officer.",
        "context": (
            "Kigali expects its population to more than double by 2050, from about 1.6 million "
            "to about 3.8 million. Heavy rain floods the wetlands and valley settlements, and "
            "epidemics have shown how quickly services can be overwhelmed.\n\n"
            "The city names unplanned settlements, the loss of farmland to sprawl, gaps in "
            "basic services and too few decent jobs as the stresses a recovery must tackle. "
            "With the programme it is building a portfolio of transformative actions that "
            "serve the economy, equity and preparedness at once."
        ),
    },
    {
        "name": "Musanze",
        "slug": "musanze",
        "country": "RW",
        "population": 480_000,
        "population_year": 2022,
        "latitude": "-1.49980",
        "longitude": "29.63470",
        "office": "Africa Secretariat",
        "government": "Musanze District",
        "summary": "Secondary city at the foot of the Virunga volcanoes (illustrative pilot).",
        "context": (
            "A tourism and farming hub where steep slopes, intense rain and landslides meet a "
            "growing town. The demo uses it to show a second Rwandan city in the programme."
        ),
    },
    {
        "name": "Rajshahi",
        "slug": "rajshahi",
        "country": "BD",
        "population": 850_000,
        "population_year": 2022,
        "latitude": "24.37450",
        "longitude": "88.60420",
        "office": "South Asia Secretariat",
        "government": "Rajshahi City Corporation",
        "summary": "River city in north-west Bangladesh, known for its green streets, facing "
        "heat and water stress.",
        "context": (
            "Summers are getting hotter and the groundwater is falling, so safe drinking water "
            "is a daily worry in busy markets and transport hubs. Drinking-water kiosks placed "
            "where people gather were one of the first small measures taken with the "
            "programme."
        ),
    },
    {
        "name": "Sylhet",
        "slug": "sylhet",
        "country": "BD",
        "population": 530_000,
        "population_year": 2022,
        "latitude": "24.89490",
        "longitude": "91.86870",
        "office": "South Asia Secretariat",
        "government": "Sylhet City Corporation",
        "summary": "City in north-east Bangladesh exposed to flash floods (illustrative pilot).",
        "context": (
            "Flash floods from the hills upstream and waterlogging in low-lying wards disrupt "
            "trade and health services. The demo uses it to show a second Bangladeshi city."
        ),
    },
    {
        "name": "Sebkha (Nouakchott)",
        "slug": "sebkha",
        "country": "MR",
        "population": 72_000,
        "population_year": 2013,
        "latitude": "18.07000",
        "longitude": "-15.98000",
        "office": "Africa Secretariat",
        "government": "Commune de Sebkha",
        "summary": "Coastal commune of Nouakchott, low-lying and exposed to flooding and sand.",
        "context": (
            "Much of Sebkha is low-lying behind the coastal dune; rising "
            "groundwater and storm surges flood homes, and sand encroaches on streets. Better "
            "coordination of the response to disasters is a first step the commune chose."
        ),
    },
]

PROGRAMME = {
    "name": "Resilient Cities Action Package",
    "short_name": "ReCAP 21",
    "slug": "recap-21",
    "summary": (
        "Helps cities in Rwanda, Bangladesh and Mauritania plan a recovery from the pandemic "
        "that is green, fair and ready for the next shock."
    ),
    "start_date": date(2021, 9, 1),
    # Its page publishes no end date: the demo runs it to mid-2027, so that the values it
    # reports for 2026 fall inside the programme's period (nothing outside it counts).
    "end_date": date(2027, 6, 30),
    "projects_per_country_target": 2,
    "trainings_target": 6,
    "measures_target": 5,
}

#: (title, date, mode, trainers, cities, topics): six sessions of the programme's capacity
#: building; their attendance and knowledge checks are drawn in `demo.results` (illustrative).
TRAININGS = [
    (
        "Green recovery and resilience: the basics for city teams",
        date(2022, 3, 15),
        "virtual",
        "UN-Habitat Urban Resilience Hub",
        ["kigali", "musanze", "rajshahi", "sylhet", "sebkha"],
        "Shocks and stresses; the seven qualities of resilient systems.",
    ),
    (
        "Choosing recovery actions with a triple dividend",
        date(2022, 6, 8),
        "virtual",
        "UN-Habitat; ICLEI",
        ["kigali", "musanze", "rajshahi", "sebkha"],
        "Criteria, weights and packages that fit a budget.",
    ),
    (
        "From priority action to bankable project concept",
        date(2022, 10, 19),
        "hybrid",
        "UN-Habitat; City Climate Finance Gap Fund",
        ["kigali", "rajshahi", "sylhet"],
        "What funders and project preparation facilities ask for.",
    ),
    (
        "Public health preparedness in city services",
        date(2023, 2, 7),
        "in_person",
        "WHO Rwanda country office; UN-Habitat",
        ["kigali", "musanze"],
        "Primary care, health management and public life during outbreaks.",
    ),
    (
        "Préparation aux inondations et coordination des secours",
        date(2023, 6, 13),
        "in_person",
        "UN-Habitat; Protection civile de Mauritanie",
        ["sebkha"],
        "Flood early warning, shelters and the commune's coordination arrangements.",
    ),
    (
        "Monitoring measures and reporting results",
        date(2024, 3, 5),
        "virtual",
        "UN-Habitat monitoring and evaluation team",
        ["kigali", "musanze", "rajshahi", "sylhet", "sebkha"],
        "Indicators, evidence and approvals; what the donor report draws on.",
    ),
]

#: (city, title, hazards, cost, co-finance, co-financers, people reached, history, description)
#: with history as (status, date, note); figures are illustrative.
MEASURES = [
    (
        "rajshahi",
        "Drinking-water kiosks in busy public places",
        ["extreme_heat", "water_insecurity", "epidemic"],
        48_000,
        12_000,
        "Rajshahi City Corporation",
        12_400,
        [
            ("planned", date(2022, 5, 10), "Sites chosen near markets and bus stands."),
            ("in_progress", date(2022, 8, 1), "Kiosks under construction; card system tested."),
            ("implemented", date(2022, 11, 30), "Eight kiosks open, selling safe water by card."),
        ],
        "Kiosks selling safe water by card near markets and bus stands.",
    ),
    (
        "kigali",
        "Solar street lights at health facilities",
        ["infrastructure_failure", "epidemic"],
        36_000,
        6_000,
        "City of Kigali",
        9_800,
        [
            ("planned", date(2022, 7, 4), "Twelve health centres chosen with the district."),
            ("in_progress", date(2022, 12, 12), "Lights installed at the first five centres."),
            ("implemented", date(2023, 3, 20), "All twelve centres lit after dark, off the grid."),
        ],
        "Lighting that keeps clinics reachable and safe after dark, off the grid.",
    ),
    (
        "musanze",
        "Biodiversity gardens in schools",
        ["extreme_heat", "heavy_rain", "food_insecurity"],
        22_000,
        4_000,
        "Musanze District; parents' associations",
        3_100,
        [
            ("planned", date(2023, 1, 16), "Six schools volunteered."),
            ("in_progress", date(2023, 9, 4), "Four gardens planted; rain tanks on order."),
        ],
        "School gardens that cool playgrounds, hold rainwater and teach.",
    ),
    (
        "sebkha",
        "A greened main street that drains and shades",
        ["flood_flash", "extreme_heat", "sand_encroachment"],
        30_000,
        5_000,
        "Commune de Sebkha",
        7_500,
        [
            ("planned", date(2023, 4, 3), "Route agreed with traders and the commune."),
            ("in_progress", date(2023, 11, 20), "Planted swales along the first 400 m."),
        ],
        "Trees and planted swales along the main street that take storm water and give shade.",
    ),
    (
        "sebkha",
        "Disaster coordination arrangements",
        ["flood_flash", "flood_coastal"],
        4_000,
        0,
        "",
        0,
        [("planned", date(2023, 6, 13), "Agreed at the flood preparedness training.")],
        "A shared contact list, roles and a drill plan for the commune's response partners.",
    ),
]

# The project pipeline's demo: what each concept's record says (illustrative, in the programme's
# spirit; the cities' real projects are theirs to enter). "actions" are codes of Kigali's
# endorsed package to start from (those the run chose); a concept without them starts blank.
PIPELINE_FUNDER = ("City Climate Finance Gap Fund", "gap-fund")
PIPELINE: list[dict[str, Any]] = [
    {
        "city": "kigali",
        "title": "Green drainage corridors for flood-prone wetlands",
        "actions": ["NBS-02", "DRM-02", "DRM-01"],
        "take": 2,
        "stage": "submitted",
        "record": {
            "location": "Nyabugogo and Rwampara wetland edges, Nyarugenge and Kicukiro districts",
            "applicant": "City of Kigali",
            "applicant_type": "local_government",
            "lead_department": "Urban Planning and Infrastructure",
            "contact_name": "Claudine Uwase",
            "contact_email": "kigali.coordinator@demo.recap.localhost",
            "summary": "Restore wetland buffers and build vegetated channels that carry storm "
            "water safely past the valley-bottom settlements, with flood early warning for the "
            "households that stay.",
            "problem": "Flash floods from the hills cut the eastern valley floors off several "
            "times a year, damaging homes, markets and roads; informal settlements on the "
            "wetland edges are hit first and hardest.",
            "objectives": "Keep the valley floors passable in a 1-in-10-year storm; halve flood "
            "damage to homes in the corridors; give 12 hours' warning to every household at "
            "risk.",
            "kind": "rehabilitation",
            "climate_objectives": ["adaptation", "drr"],
            "beneficiaries": 85_000,
            "vulnerable_groups": "Households in informal settlements on the wetland edges; "
            "market traders, most of them women; older people and people with disabilities.",
            "plan_fit": "Kigali Master Plan 2050 (green city and wetland rehabilitation); the "
            "national green growth and climate resilience strategy.",
            "scalability": "The corridor design repeats along the city's other wetlands; the "
            "early-warning service covers the whole city once in place.",
            "preparation_stage": "concept",
            "council_approval": "adopted",
            "council_reference": "City council decision of 2026-09-18",
            "national_endorsement": "Ministry of Environment (letter requested)",
            "total_cost": 1_450_000,
            "om_cost_per_year": 60_000,
            "people_resilient": 85_000,
        },
        "funding": [
            ("own", "City of Kigali capital budget", 250_000, "secured"),
            ("government_grant", "Rwanda Green Fund", 400_000, "committed"),
            ("grant", "Project preparation facility (sought)", 300_000, "sought"),
        ],
        "preparation": [("feasibility", 180_000), ("esia", 70_000), ("design", 90_000)],
        "indicators": [
            ("Households protected from a 1-in-10-year flood", "households", 0, 17_000),
            ("Hectares of wetland buffer restored", "ha", 0, 120),
        ],
        "studies": [("Flood risk mapping of the eastern valleys", "2025-11-30")],
        "reviews": [
            (
                "reviewer",
                3,
                (
                    "A strong, well-owned concept. Add the operation and maintenance plan for the "
                    "channels and say who runs the warning service."
                ),
            ),
            (
                "reviewer.two",
                2,
                (
                    "Clear problem and beneficiaries. The financing plan needs the national "
                    "co-finance confirmed in writing before a facility will take it up."
                ),
            ),
        ],
        "shared": ["gap-fund"],
        "funder_question": "Is the land along the corridors the city's, or would any "
        "household have to move?",
        "days_in_stage": 21,
    },
    {
        "city": "kigali",
        "title": "Primary health posts ready for floods and heat",
        "actions": ["HLT-01", "HLT-04"],
        "take": 1,
        "stage": "candidate",
        "record": {
            "summary": "Retrofit the health posts in flood-prone sectors with raised "
            "floors, backup power and cool rooms.",
            "lead_department": "Health",
        },
        "days_in_stage": 9,
    },
    {
        "city": "rajshahi",
        "title": "Shaded, water-wise market streets",
        "stage": "presented",
        "record": {
            "location": "Shaheb Bazar and the New Market streets, Rajshahi",
            "applicant": "Rajshahi City Corporation",
            "applicant_type": "local_government",
            "lead_department": "Engineering",
            "contact_name": "Rafiq Hossain",
            "contact_email": "rajshahi.editor@demo.recap.localhost",
            "summary": "Street trees, shade structures and rainwater harvesting along the main "
            "market routes.",
            "problem": "Heat waves and water shortages in the dry season hit traders and "
            "shoppers in the open markets.",
            "objectives": "Cool the market streets by shade and trees; harvest rain for the "
            "market's water points.",
            "kind": "expansion",
            "sector": "nature_based",
            "sub_sectors": ["water_sanitation"],
            "climate_objectives": ["adaptation", "mitigation"],
            "hazards": ["extreme_heat", "water_insecurity"],
            "beneficiaries": 40_000,
            "vulnerable_groups": "Street vendors and porters, older shoppers.",
            "plan_fit": "Rajshahi's green city plan and its heat action plan.",
            "scalability": "Every market street of the city, then the division's towns.",
            "preparation_stage": "prefeasibility",
            "council_approval": "adopted",
            "council_reference": "Corporation meeting of 2026-03-02",
            "total_cost": 1_400_000,
            "om_cost_per_year": 35_000,
            "people_resilient": 40_000,
        },
        "funding": [
            ("own", "Rajshahi City Corporation", 150_000, "secured"),
            ("grant", "Project preparation (sought)", 500_000, "sought"),
        ],
        "preparation": [("feasibility", 350_000), ("esia", 60_000)],
        "reviews": [
            ("reviewer", 2, "Good co-benefits; show how the rainwater tanks are maintained."),
            ("reviewer.two", 2, "Ready for a facility's feasibility support."),
        ],
        "shared": ["c40-cff", "cdia"],
        "days_in_stage": 64,
    },
    {
        "city": "sebkha",
        "title": "Community flood-warning and drainage upgrade",
        "stage": "drafted",
        "record": {
            "applicant": "Commune de Sebkha",
            "applicant_type": "local_government",
            "summary": "Early warning for storm surges and pumped drainage for the lowest "
            "neighbourhoods.",
            "problem": "Sea water and rain pond for weeks in the lowest streets, where the "
            "water table is high.",
            "objectives": "Drain the lowest neighbourhoods within two days of a storm and warn "
            "households a day ahead.",
            "sector": "drm",
            "hazards": ["flood_coastal", "heavy_rain"],
            "climate_objectives": ["adaptation", "drr"],
            "preparation_stage": "concept",
        },
        "reviews": [
            (
                "reviewer",
                1,
                (
                    "The idea is sound; the record still needs the beneficiaries, the cost and "
                    "the council's position."
                ),
            ),
        ],
        "days_in_stage": 30,
    },
]

# username, first name, last name, role, scope (city slug / programme slug / funder name), e-mail
USERS = [
    ("admin", "Ada", "Admin", "platform_admin", None),
    ("kigali.coordinator", "Claudine", "Uwase", "city_coordinator", "kigali"),
    ("kigali.editor", "Eric", "Mugisha", "city_editor", "kigali"),
    ("kigali.viewer", "Vestine", "Ingabire", "city_viewer", "kigali"),
    ("rajshahi.editor", "Rafiq", "Hossain", "city_editor", "rajshahi"),
    ("sebkha.editor", "Mariem", "Sidi", "city_editor", "sebkha"),
    ("programme.manager", "Paula", "Manager", "programme_manager", "recap-21"),
    ("reviewer", "Rita", "Reviewer", "reviewer", "recap-21"),
    ("reviewer.two", "Samuel", "Osei", "reviewer", "recap-21"),
    ("rajshahi.coordinator", "Nasrin", "Akter", "city_coordinator", "rajshahi"),
    ("funder", "Felix", "Funder", "funder", "City Climate Finance Gap Fund"),
]

# city slug → (hazard code, likelihood, impact, trend, affected groups, affected areas)
HAZARDS = {
    "kigali": [
        (
            "flood_flash",
            5,
            4,
            "rising",
            "Households in valley-bottom settlements; market traders",
            "Wetland edges and valley floors",
        ),
        (
            "informal_settlements",
            5,
            3,
            "rising",
            "About half of residents in unplanned neighbourhoods",
            "Hillside and valley settlements",
        ),
        (
            "epidemic",
            3,
            5,
            "stable",
            "Informal workers, older people, patients with chronic illness",
            "Whole city; dense markets and transport hubs",
        ),
        ("unemployment", 4, 4, "stable", "Young people; informal workers", "Whole city"),
        ("landslide", 3, 4, "rising", "Households on steep slopes", "High-risk zones on hillsides"),
        (
            "rapid_urbanisation",
            5,
            3,
            "rising",
            "Newcomers; farmers at the urban edge",
            "Peri-urban sectors",
        ),
        ("service_gaps", 4, 3, "stable", "Unplanned neighbourhoods", "Outer sectors"),
    ],
    "rajshahi": [
        (
            "extreme_heat",
            4,
            4,
            "rising",
            "Rickshaw pullers, street vendors, older people",
            "Markets and bus stands",
        ),
        (
            "water_insecurity",
            4,
            4,
            "rising",
            "Low-income households without piped water",
            "Whole city",
        ),
        ("drought", 3, 3, "rising", "Peri-urban farmers", "City edge"),
        ("flood_riverine", 2, 4, "stable", "Riverside communities", "Padma riverbank"),
    ],
    "sebkha": [
        (
            "flood_coastal",
            4,
            5,
            "rising",
            "Households in the lowest neighbourhoods",
            "Areas behind the dune",
        ),
        (
            "flood_flash",
            4,
            4,
            "rising",
            "Households cut off after heavy rain",
            "Low-lying neighbourhoods of the commune",
        ),
        ("sand_encroachment", 4, 3, "stable", "Street traders; commuters", "Northern streets"),
        ("water_insecurity", 3, 4, "stable", "Households buying water from carts", "Whole commune"),
    ],
}

# Catalogue actions each city has adopted as candidates.
CANDIDATES = {
    "kigali": [
        "DRM-01",
        "NBS-02",
        "HOU-01",
        "HLT-01",
        "HLT-04",
        "ECO-01",
        "MOB-02",
        "GOV-06",
        "DRM-02",
    ],
    "rajshahi": ["WAT-01", "HLT-01", "MOB-02"],
}
