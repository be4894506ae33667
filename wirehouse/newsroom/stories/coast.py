"""The northern coast: the gale (a wire brief and the long story that contains its sentences),
ferries, the sea wall, seagrass and an offshore wind farm.

The brief's three sentences all reappear inside the long gale story: a containment that must not
be mistaken for a duplicate.
"""

from __future__ import annotations

from datetime import UTC, datetime

from wirehouse.newsroom.model import VELORIA_WINTER, Piece, Revision, paragraphs

GALE = "coast-gale"

_BRIEF_1 = (
    "AMSEL, Nov 12 (Meridian Wire) - The National Weather Service issued an amber wind warning on "
    "Thursday for Veloria's northern coast, forecasting gusts of up to 110 kilometres per hour "
    "from Friday evening."
)
_BRIEF_2 = (
    "Ferry crossings to the Skarren Islands are likely to be cancelled and coastal roads could "
    "close at high tide, the service said."
)
_BRIEF_3 = "The warning is in force until noon on Saturday."

WIRE_GALE_BRIEF = Piece(
    key="meridian-gale-brief",
    outlet="meridian",
    path="/article/weather/amber-wind-warning-northern-coast-idMWW5120",
    title="Weather service issues amber wind warning for Veloria's northern coast",
    published=datetime(2026, 11, 12, 6, 40, tzinfo=UTC),
    story=GALE,
    author="Oskar Venn",
    kind="brief",
    section="Weather",
    tags=("Weather", "Northgate"),
    paragraphs=(f"{_BRIEF_1} {_BRIEF_2} {_BRIEF_3}",),
)

_GALE_P1 = (
    f"{_BRIEF_1} Forecasters said the storm, the first major gale of the autumn, would bring heavy "
    "rain and high seas to an area stretching from Northgate to the border with Ardland."
)
_GALE_REST = paragraphs(
    f"""
{_BRIEF_2} Skarren Ferries said it had already cancelled its Friday evening and Saturday morning
sailings from Northgate and would add extra crossings on Sunday if conditions allowed. About 3,000
people live on the three inhabited islands.

The worst of the wind is expected overnight into Saturday, when a spring tide will coincide with
the peak of the storm. "It is the combination of wind direction and a very high tide that concerns
us most," said Ruth Aldane, chief forecaster at the weather service. "People living close to the
sea wall in Northgate and in the low-lying villages should prepare now."

The Northgate district council opened two rest centres and distributed sandbags from its depot on
Mill Road. Council leader Bram Ostrander said emergency crews would close the coast road between
Northgate and Hollin Bay if waves overtopped the sea defences, as they did during a storm in
February last year that damaged more than forty homes.

The port of Brennick, which reopens on Friday after a three-day dock strike, said large vessels
might have to wait outside the harbour until the wind eased. Rail operator Velorail said it would
run reduced services on the coastal line and urged passengers to check before travelling. Power
distributor NordGrid said it had placed repair crews on standby.

{_BRIEF_3} Forecasters said calmer but colder weather would follow on Sunday, with the first frosts
of the season likely inland. The weather service updates its warnings every six hours and publishes
them on its website and through its mobile application.
"""
)

WIRE_GALE = Piece(
    key="meridian-gale",
    outlet="meridian",
    path="/article/weather/northern-coast-braces-for-gale-idMWW5121",
    title="Northern coast braces for first big autumn gale as ferries cancelled",
    published=datetime(2026, 11, 12, 9, 10, tzinfo=UTC),
    story=GALE,
    author="Oskar Venn",
    section="Weather",
    caption="Waves break over the harbour wall at Northgate. [Photo/Meridian]",
    tags=("Weather", "Northgate", "Skarren Islands"),
    paragraphs=(_GALE_P1, *_GALE_REST),
)

# Edition 2: the wire updates the gale story in place (the warning turns red).
WIRE_GALE_UPDATE = Revision(
    key="meridian-gale",
    edition=2,
    modified=datetime(2026, 11, 13, 14, 20, tzinfo=UTC),
    paragraphs=(
        _GALE_P1,
        *paragraphs(
            """
The weather service raised its warning to red for the Northgate district on Friday afternoon,
saying gusts could reach 130 kilometres per hour on exposed coasts overnight. Council leader Bram
Ostrander urged residents of seafront streets to stay with friends or family inland, and police
closed the coast road to Hollin Bay from 6 p.m. as a precaution.
"""
        ),
        *_GALE_REST,
    ),
)

GAZETTE_FERRY = Piece(
    key="gazette-ferry",
    outlet="gazette",
    path="/news/skarren-ferries-adds-winter-sailings/",
    title="Skarren Ferries adds winter sailings after islanders' campaign",
    published=datetime(2026, 11, 9, 12, 0, tzinfo=VELORIA_WINTER),
    story="ferry-winter-timetable",
    author="Hettie Colgrave",
    section="News",
    caption="The Skarren Lass leaving Northgate harbour.",
    tags=("Skarren Islands", "Ferries", "Transport"),
    paragraphs=paragraphs(
        """
Skarren Ferries will run two extra return sailings a week between Northgate and the Skarren Islands
this winter, after a campaign by islanders who said the reduced timetable left them cut off for
days at a time. The additional crossings, on Tuesdays and Thursdays, start on the first of December
and will run until the end of March.

Under the timetable introduced last winter, the company ran just one return crossing a day to Great
Skarren and three a week to Little Skarren between December and March. Islanders said that when a
sailing was cancelled because of bad weather, they could be left without deliveries of fresh food
and medicines for up to four days.

The campaign group Lifeline Skarren collected more than 1,900 signatures, a remarkable number on
islands with about 3,000 residents, and presented its petition to the district council in
September. Its chair, Morag Tulliver, who runs the shop on Little Skarren, said the decision was "a
victory for common sense and for everyone who wrote, phoned and turned up to meetings."

The company's managing director, Hal Brodie, said rising fuel costs and a shortage of crew had
forced the cuts last year, and that the extra sailings had only become possible because the
district council had agreed to increase its subsidy by 400,000 marks. "We always wanted to run more
boats. We could not do it while losing money on every crossing," he said.

The extra services will use the smaller of the company's two vessels, the Skarren Lass, which can
carry 120 passengers and twelve cars. Fares will not change. The company said it would keep a
standby crew in Northgate on days when storms were forecast, so that a cancelled sailing could be
rescheduled as soon as the weather allowed.

Councillor Edith Marwood, who chairs the council's transport committee, said the council would
review the arrangement in the spring. "Islanders pay their taxes like everyone else and they have a
right to a ferry that turns up," she said. The council is also studying whether a new, larger
vessel could be funded with help from the national government.
"""
    ),
)

GAZETTE_SEA_WALL = Piece(
    key="gazette-sea-wall",
    outlet="gazette",
    path="/news/sea-wall-repairs-finished-ahead-of-winter/",
    title="Northgate sea wall repairs finished weeks ahead of winter",
    published=datetime(2026, 10, 28, 9, 30, tzinfo=VELORIA_WINTER),
    story="sea-wall-repairs",
    author="Hettie Colgrave",
    section="News",
    caption="The rebuilt section of the sea wall below Mill Road.",
    tags=("Northgate", "Flood defences"),
    paragraphs=paragraphs(
        """
Repairs to the Northgate sea wall, damaged during the storm of February last year, have been
completed three weeks ahead of schedule, the district council said this week. Contractors have
rebuilt a 400-metre stretch of the wall between the lifeboat station and the bottom of Mill Road,
where waves broke through and flooded more than forty homes.

The work cost 7.4 million marks, most of it paid by the national flood defence programme. The new
section is eighty centimetres higher than the old wall and has a curved face, designed to throw
waves back out to sea rather than letting them run up and over the top. Drainage under the
promenade has also been replaced to stop water backing up into the streets behind.

Residents of Sea View Terrace, which was worst hit in the flood, said they were relieved the work
was finished before the winter storms. "We spent eight months living upstairs while the ground
floor dried out. Every time the wind gets up I still go and look at the water," said Aileen Rusk,
who has lived on the terrace for thirty years.

Council leader Bram Ostrander said the wall had been designed to withstand the kind of storm
expected once in two hundred years, taking into account the rise in sea level forecast for the rest
of the century. "No defence can promise that the sea will never come over, but this wall gives the
town a much better chance," he said at a short ceremony on the promenade.

The promenade, which has been closed to the public since the spring, reopens on Saturday with new
lighting, benches and a wider path for cyclists. The council has also installed flood gates at the
two slipways, which will be closed when high tides and strong winds are forecast together.
Volunteers from the lifeboat station have been trained to operate them.

The council still has to find money for the second phase of the project, which would raise the wall
along the harbour front. Ostrander said he had asked the Ministry of the Environment to include
Northgate in next year's funding round. Until then, temporary barriers will be kept in store and
put up whenever a storm warning is issued.
"""
    ),
)

COURIER_SEAGRASS = Piece(
    key="courier-seagrass",
    outlet="courier",
    path="/2026/11/06/science/skarren-seagrass-meadows-recovering",
    title="Seagrass meadows off the Skarren Islands are recovering, survey finds",
    published=datetime(2026, 11, 6, 8, 0, tzinfo=VELORIA_WINTER),
    story="seagrass-survey",
    author="Priya Castellane",
    section="Science",
    summary="A ban on bottom trawling is working, say scientists from the University of Northgate.",
    caption="A diver surveys a seagrass meadow in the sound off Great Skarren.",
    tags=("Environment", "Oceans", "Skarren Islands"),
    paragraphs=paragraphs(
        """
Seagrass meadows off the Skarren Islands have grown by almost a third since 2019, according to a
survey published on Friday, in one of the clearest signs yet that a ban on bottom trawling in the
islands' waters is working. Scientists from the University of Northgate mapped the meadows using
drones, sonar and divers over two summers.

The survey found 1,840 hectares of seagrass in the protected zone around the three inhabited
islands, up from 1,410 hectares in the last full survey seven years ago. The largest gains were in
the sheltered sound between Great Skarren and Little Skarren, where meadows that had been reduced
to scattered patches have joined up again.

"Seagrass is a slow plant. When you see it spread this fast, it tells you that something important
has changed," said marine ecologist Hedda Morven, who led the study. She said the main reason was
the trawling ban introduced in 2018, though cleaner water from improved sewage treatment on the
islands had also helped.

Seagrass meadows store large amounts of carbon in their roots and in the sediment beneath them, and
they provide nurseries for young fish, including cod and plaice. The researchers estimate that the
Skarren meadows lock away about 2,600 tonnes of carbon a year, and that the recovery has increased
juvenile fish numbers in the sound by around forty percent.

Not all the news was good. The survey found that meadows near the ferry terminal at Great Skarren
had shrunk, probably because of propeller wash and anchoring by pleasure boats in summer. The
researchers have recommended mooring buoys and a no-anchoring zone in the bay, which the islands'
council will consider at its meeting next month.

Fishermen, who fought the ban when it was introduced, were cautiously positive. "We were told we
would get more fish back if we gave the sea a rest. I was not convinced, but the catches around the
edge of the zone have been better these last two years," said Bjorn Aske, chairman of the Skarren
Fishermen's Association.

The Ministry of the Environment said the findings would inform a review of marine protected areas
due next year. Environmental groups want similar bans along other parts of the northern coast,
where trawling is still permitted close to shore. The full survey has been published in the journal
Coastal Ecology.
"""
    ),
)

LEDGER_WIND = Piece(
    key="ledger-wind",
    outlet="ledger",
    path="/energy/tidewater-wins-approval-for-skarren-deep-wind-farm",
    title="Tidewater Energy wins approval for 900-megawatt wind farm off the Skarren Islands",
    published=datetime(2026, 11, 11, 7, 30, tzinfo=VELORIA_WINTER),
    story="offshore-wind",
    author="Jonas Petrak",
    section="Energy",
    summary="The 2.7 billion mark Skarren Deep project is the largest renewable scheme approved.",
    caption="Tidewater's survey vessel in the Skarren Deep last summer.",
    tags=("Energy", "Tidewater Energy", "Renewables"),
    paragraphs=paragraphs(
        """
Tidewater Energy has won planning approval for a 900-megawatt wind farm in the Skarren Deep, the
largest renewable energy project yet approved in Veloria, the company said on Wednesday. The 2.7
billion mark project, to be built about 40 kilometres north of the islands, would produce enough
electricity for roughly 900,000 homes once it is completed in 2031.

Tidewater, which is listed in Amsel and part-owned by the state pension fund, said it would take a
final investment decision in the second half of next year, after it had secured turbine supplies
and a price for its power under the government's contracts-for-difference scheme. Shares in the
company rose 4.2 percent by midday, their biggest one-day gain since March.

Chief executive Soren Vallet said the approval vindicated the company's decision to invest early in
surveying the site. "We have spent four years and 60 million marks understanding the seabed, the
birds and the fishing grounds of the Skarren Deep. That work is why this project was approved in
one round, without a public inquiry," he told analysts on a conference call.

The wind farm would use 60 turbines of 15 megawatts each, mounted on fixed foundations in water
between 35 and 50 metres deep. Power would come ashore at Northgate, where the grid operator
NordGrid plans a new substation. Tidewater said it expected the construction phase to support about
1,500 jobs, including at the port of Brennick, its preferred base for assembly.

Analysts said the main risk for the project was cost inflation. "Turbine and cable prices have come
down from their peak, but they are still about a quarter higher than when this project was first
designed," said Mats Orlen, a utilities analyst at Kessler Brothers. "The strike price in next
year's auction will decide whether this gets built."

Fishing organisations on the northern coast, which had objected to the plan, said they were
disappointed but would continue to negotiate with Tidewater over compensation and access to the
area between the turbines. The company has agreed to fund a study of how the foundations affect
fish stocks, in partnership with the University of Northgate.

The approval comes as the government seeks to raise the share of electricity from renewable sources
to 80 percent by 2035, from 52 percent last year. Energy Minister Kaja Strand said the Skarren Deep
project alone would add about seven percentage points to that share when fully operational.
"""
    ),
)

PIECES = (
    WIRE_GALE_BRIEF,
    WIRE_GALE,
    GAZETTE_FERRY,
    GAZETTE_SEA_WALL,
    COURIER_SEAGRASS,
    LEDGER_WIND,
)
REVISIONS = (WIRE_GALE_UPDATE,)
