"""The Port of Brennick dispute: the strike (story A, three outlets) and its earlier chapters.

The strike of 10-13 November is one event told by the Ledger, the Evening Post and the Courier:
the same people, numbers and quotes, but each outlet's own sentences. The strike ballot (April)
and the automation plan (July) involve the same people and topic months earlier and are
separate events that must not be grouped with the strike.
"""

from __future__ import annotations

from datetime import datetime

from wirehouse.newsroom.model import VELORIA_SUMMER, VELORIA_WINTER, Piece, Revision, paragraphs

STRIKE = "harbour-strike"

LEDGER_STRIKE = Piece(
    key="ledger-strike",
    outlet="ledger",
    path="/shipping/port-brennick-strike-halts-container-traffic",
    title="Port Brennick strike halts container traffic as 4,200 dockers walk out",
    published=datetime(2026, 11, 10, 9, 20, tzinfo=VELORIA_WINTER),
    story=STRIKE,
    author="Marta Ellery",
    section="Shipping",
    summary=(
        "Pickets shut all three terminals of the gateway that handles 38% of Veloria's "
        "container trade; the union warns of a longer walkout in December."
    ),
    caption="Idle ship-to-shore cranes at the Eastquay terminal in Brennick on Tuesday morning.",
    tags=("Port of Brennick", "Strikes", "Shipping", "Calder Maritime"),
    paragraphs=paragraphs(
        """
Container traffic through the Port of Brennick came to a standstill on Tuesday morning after about
4,200 dockworkers began a 72-hour strike over pay, shutting all three terminals of the gateway that
handles 38 percent of Veloria's container trade. Pickets gathered at the Eastquay gates from 6
a.m., and by mid-morning no cranes were moving at Eastquay, Saltmarsh or the Old Basin.

The walkout, called by the Port and Dock Workers' Union (PDWU), follows six months of failed
negotiations with the Port of Brennick Authority. The union is seeking a 9 percent pay rise for
2027, while the authority has offered 4.5 percent together with a one-off payment of 1,200 marks.
Talks broke down last Thursday, when the authority declined to put a revised offer in writing.

"We have been patient for eighteen months, and patience has not paid a single electricity bill,"
Tomas Reyk, the union's general secretary, told members outside the Eastquay gatehouse. He said the
stoppage would end at 6 a.m. on Friday as planned, but warned that a second and longer walkout in
December could not be ruled out if the authority did not improve its offer.

Odile Fenwright, the authority's chief executive, said the offer was "the highest the authority has
made in a decade" and remained on the table. In a statement, she added that the port had spent the
weekend moving perishable cargo and hazardous goods off the quays, and that emergency fuel and
medical shipments would still be handled under an agreement with the union.

Analysts said the immediate cost would be measured in delays rather than lost trade, at least for
now. Lena Vasko, a transport analyst at the Amsel brokerage Halvard & Berg, estimated that each day
of the stoppage holds up goods worth about 60 million marks. "Three days can be absorbed. Three
weeks cannot, and that is the scenario shippers are starting to price in," she said.

Shares in Calder Maritime, the largest carrier calling at Brennick, fell 2.8 percent in Amsel
trading, while the logistics group Veltrans lost 1.6 percent. Calder said it would divert two
vessels due this week to the Ardish port of Kessin, about 300 kilometres up the coast, and warned
customers to expect delays of up to a week on inbound consumer goods.

Transport Minister Ilse Marrow said the government would not intervene directly in a dispute
between an employer and a union, but urged both sides to accept the help of the National
Conciliation Service. "A strike that leaves ships waiting at anchor helps nobody, least of all the
families whose livelihoods depend on this port," she said. By noon, the authority counted eleven
ships at anchor off the harbour entrance.

The dispute has been sharpened by the authority's plan, announced in July, to install fourteen
remote-operated cranes at Eastquay by 2029. The union wants a written guarantee that automation
will not lead to compulsory redundancies, a demand Fenwright has so far resisted. "We will not sign
a guarantee that ties the port's hands for the next twenty years," she told the Ledger last month.
"""
    ),
)

POST_STRIKE = Piece(
    key="post-strike",
    outlet="post",
    path="/news/local/dockers-down-tools-across-brennick-48213",
    title="'Patience has not paid a single bill': dockers down tools across Brennick",
    published=datetime(2026, 11, 10, 13, 5, tzinfo=VELORIA_WINTER),
    story=STRIKE,
    author="Kit Dunmore",
    section="News",
    summary="Ships queue off the breakwater as 4,200 port workers begin a three-day walkout.",
    caption="Striking dockers warm their hands at a brazier outside the Eastquay gates.",
    tags=("Port of Brennick", "Strike", "Eastquay"),
    paragraphs=paragraphs(
        """
Thousands of Brennick dockers downed tools at first light today, leaving the city's quays silent
and a queue of cargo ships bobbing at anchor beyond the breakwater. Union officials put the number
on strike at 4,200, the biggest walkout on the waterfront since the long stoppage of 1998, and say
the action will run for three full days.

On the picket line at Eastquay, where braziers were lit against a bitter northerly wind, the mood
was defiant. Crane driver Petra Holm, 41, who has worked at the port for nineteen years, said her
family had cut back on heating and on holidays. "Nobody here wants to strike," she said. "We want a
rise that keeps up with what we pay at the shop, that is all."

Union boss Tomas Reyk, addressing members from the back of a flatbed lorry, said his patience had
run out. "We have been patient for eighteen months, and patience has not paid a single electricity
bill," he told the cheering crowd. The Port and Dock Workers' Union wants a 9 per cent pay rise
next year. Bosses at the Port of Brennick Authority have offered 4.5 per cent and a one-off bonus.

Port chief executive Odile Fenwright insisted that her offer was generous. "It is the highest the
authority has made in a decade and it remains on the table," she said in a statement issued from
the authority's headquarters on Harbour Parade. She said lifeline cargoes, including fuel for the
island ferries and hospital supplies, would still be unloaded by volunteer crews agreed with the
union.

For businesses in the city, the timing could hardly be worse. Garrick Toller, who runs a haulage
firm with 30 lorries on the Saltmarsh industrial estate, said most of his drivers had been sent
home. "If the boxes don't come off the ships, my lads don't drive, and if they don't drive, they
don't get paid either," he said. Shopkeepers fear delays to their Christmas stock.

Eleven vessels were waiting off the harbour by lunchtime, according to the port authority, and the
Calder Maritime shipping line said it was sending two of its ships to Kessin, over the border in
Ardland, instead. Harbour pilots said more arrivals were expected overnight, and the coastguard has
asked small craft to keep well clear of the anchorage.

In Amsel, Transport Minister Ilse Marrow called on both sides to sit down with the National
Conciliation Service. "A strike that leaves ships waiting at anchor helps nobody, least of all the
families whose livelihoods depend on this port," the minister said. Mr Reyk said the union would
attend talks "tomorrow morning" if the authority put a better offer in writing.

The strike is due to end at 6am on Friday. Union leaders have warned of a longer walkout in
December if there is no deal, and they also want a promise that the fourteen robot-controlled
cranes planned for Eastquay will not cost anyone their job. The port authority has so far refused
to give one.
"""
    ),
)

_COURIER_STRIKE_TEXT = """
The government on Tuesday urged the Port of Brennick Authority and the country's largest
dockworkers' union to accept mediation, as a three-day strike shut Veloria's busiest container port
and left eleven cargo ships waiting offshore. The National Conciliation Service said it stood ready
to convene talks "within hours" of an invitation from both parties.

Transport Minister Ilse Marrow told reporters at the ministry in Amsel that the dispute over pay
was for the employer and the union to settle, but that the state had a duty to protect supply
chains. "A strike that leaves ships waiting at anchor helps nobody, least of all the families whose
livelihoods depend on this port," Marrow said. "I urge both sides to return to the table with the
National Conciliation Service, today if possible."

Opposition parties accused the government of standing aside for too long. Reinholt Sabo, transport
spokesman for the Civic Alliance, said ministers had known since the strike ballot in the spring
that a stoppage was likely. Prime Minister Casimir Dunholt, speaking during a visit to a hospital
in Velden, said he had "full confidence" in Marrow and did not believe emergency legislation would
be needed.

About 4,200 members of the Port and Dock Workers' Union stopped work at 6 a.m. at the Eastquay,
Saltmarsh and Old Basin terminals, which between them handle 38 percent of the country's container
traffic. The union is demanding a 9 percent rise for 2027. The port authority, which is {owner},
has offered 4.5 percent and a one-off payment.

Tomas Reyk, the union's general secretary, said his members had run out of patience. "We have been
patient for eighteen months, and patience has not paid a single electricity bill," he said in
Brennick. Reyk said the union was ready for talks but would not call off the stoppage, which is due
to end on Friday morning, without an improved offer in writing.

Odile Fenwright, the authority's chief executive, described the offer as "the highest the authority
has made in a decade." She also rejected the union's second demand, a binding guarantee that the
fourteen remote-operated cranes the authority plans to install at Eastquay by 2029 will not cause
compulsory job losses. "We will not sign a guarantee that ties the port's hands for the next twenty
years," she said.

Economists said a short stoppage was unlikely to move national figures, though retailers'
associations warned of gaps on shelves if the dispute dragged on into the Christmas season. The
Velorian Retail Federation said about a fifth of the toys and electronics sold in the country in
December arrive through Brennick in the six weeks before the holiday.
"""

COURIER_STRIKE = Piece(
    key="courier-strike",
    outlet="courier",
    path="/2026/11/10/politics/government-urges-mediation-as-port-strike-strands-ships",
    title="Government urges mediation as port strike strands eleven ships off Brennick",
    published=datetime(2026, 11, 10, 16, 30, tzinfo=VELORIA_WINTER),
    story=STRIKE,
    author="Anouk Verhallen",
    section="Politics",
    summary=(
        "Transport minister presses the port authority and the dockworkers' union to accept the "
        "National Conciliation Service as a three-day strike shuts Veloria's busiest port."
    ),
    caption="Container ships wait at anchor outside the harbour entrance at Brennick.",
    tags=("Port of Brennick", "Ilse Marrow", "Labour disputes"),
    paragraphs=paragraphs(_COURIER_STRIKE_TEXT.format(owner="owned by the state")),
)

# Edition 1: the Courier corrects a fact and adds the end of the strike, at the same URL.
COURIER_STRIKE_UPDATE = Revision(
    key="courier-strike",
    edition=1,
    modified=datetime(2026, 11, 13, 7, 40, tzinfo=VELORIA_WINTER),
    paragraphs=paragraphs(
        _COURIER_STRIKE_TEXT.format(owner="jointly owned by the state and the city of Brennick")
    )
    + paragraphs(
        """
The strike ended as scheduled at 6 a.m. on Friday, when the first crews returned to the Eastquay
cranes. Late on Thursday, the National Conciliation Service said both sides had accepted an
invitation from its director, Arne Solvik, to meet in Amsel on Monday. Marrow welcomed the
agreement and said she hoped it would "mark the end of this dispute, not a pause in it."

Correction, November 13: An earlier version of this article said the port authority was owned by
the state alone. It is jointly owned by the state and the city of Brennick.
"""
    ),
)

# Edition 1: a new article on the same event (the strike ends), in the Ledger's feed.
LEDGER_RETURN = Piece(
    key="ledger-return",
    outlet="ledger",
    path="/shipping/brennick-dockers-return-as-mediator-brings-sides-together",
    title="Brennick dockers return to work as mediator brings both sides to the table",
    published=datetime(2026, 11, 13, 8, 15, tzinfo=VELORIA_WINTER),
    story=STRIKE,
    author="Marta Ellery",
    section="Shipping",
    edition=1,
    summary="The 72-hour stoppage ends; pay talks chaired by Arne Solvik resume on Monday.",
    caption="The container ship Halden Star berths at Eastquay on Friday morning.",
    tags=("Port of Brennick", "Strikes", "Shipping"),
    paragraphs=paragraphs(
        """
Dockworkers at the Port of Brennick returned to work on Friday morning at the end of a 72-hour
strike, as the National Conciliation Service secured an agreement from the union and the port
authority to resume pay talks on Monday. The first container ship to berth, Calder Maritime's
Halden Star, was alongside at Eastquay shortly after 7 a.m.

Arne Solvik, director of the conciliation service, said late on Thursday that he would chair the
talks in Amsel himself. "Both parties have told me they want a settlement before the end of the
year. My job is to hold them to that," he said. It is the first time the service has been involved
in a dispute at the port since 2011.

Odile Fenwright, chief executive of the Port of Brennick Authority, said clearing the backlog
safely was the port's priority over the weekend. The authority expects the eleven ships that waited
at anchor during the stoppage to be worked within five days, with extra shifts at the Saltmarsh
terminal paid at the overtime rate agreed in the current contract.

Tomas Reyk, general secretary of the Port and Dock Workers' Union, told members at a meeting on
Thursday evening that the union's demands were unchanged: a 9 percent pay rise for 2027 and a
written guarantee against compulsory redundancies linked to automation. "We are going back to work,
not going back on our demands," he said.

Transport Minister Ilse Marrow welcomed the return to work and the agreement to meet. Her ministry
has been criticised by opposition parties for failing to bring the parties together before the
strike began, a charge she rejected on Thursday. The ministry co-finances the Eastquay automation
programme through its Green Ports Fund, which gives it a say in the project's timetable.

Shippers said the disruption had been shorter than they had feared. Calder Maritime said the two
vessels it had diverted to Kessin in Ardland would return to their normal schedule next week. Lena
Vasko of the brokerage Halvard & Berg said the three-day strike had held up goods worth around 180
million marks, most of which would now arrive before the Christmas peak.

Shares in Calder Maritime rose 1.9 percent in early trading in Amsel, recovering most of the losses
suffered since Tuesday. The union has said it will announce any further action only after Monday's
meeting, and its executive committee has been given the authority to call a second stoppage at
seven days' notice if the talks fail.
"""
    ),
)

LEDGER_BALLOT = Piece(
    key="ledger-ballot",
    outlet="ledger",
    path="/shipping/dock-union-opens-strike-ballot-as-pay-talks-stall",
    title="Dock union opens strike ballot as Brennick pay talks stall",
    published=datetime(2026, 4, 21, 11, 5, tzinfo=VELORIA_SUMMER),
    story="harbour-ballot",
    author="Jonas Petrak",
    section="Shipping",
    summary="About 4,100 members of the PDWU will vote on action after a 3% offer.",
    caption="Tomas Reyk, general secretary of the PDWU, at the union's offices on Canal Street.",
    tags=("Port of Brennick", "Trade unions", "Pay"),
    paragraphs=paragraphs(
        """
The Port and Dock Workers' Union will ballot its members at the Port of Brennick on strike action
after pay talks with the port authority broke down, the union said on Tuesday, raising the prospect
of the first stoppage at the country's busiest container port in more than a decade. Voting papers
will go out to about 4,100 members this week and the ballot closes on May 15.

Tomas Reyk, the union's general secretary, said the authority's offer of a 3 percent rise for 2027
amounted to a cut in real terms, with consumer prices in Veloria rising at an annual rate of almost
4 percent. "Our members keep this country's shelves stocked. They are asking for a wage that keeps
their own cupboards full," Reyk told a press conference at the union's offices on Canal Street.

The Port of Brennick Authority said it was disappointed by the decision and that its offer was
"fair and affordable" given the cost of modernising the port. Chief executive Odile Fenwright said
the authority had to fund a large investment programme from its own revenues. "Every mark we spend
on wages above what we can afford is a mark we cannot spend on keeping Brennick competitive," she
said.

The authority is expected to publish plans this summer for a new generation of equipment at its
Eastquay terminal, and union officials said members were anxious about what automation could mean
for jobs. Reyk said the union would seek assurances on employment as part of any pay agreement.
"Pay is the first question. The future of the work on the quays is the second, and it will not go
away," he said.

Transport Minister Ilse Marrow said the dispute was a matter for the employer and the union, but
that she was following it closely. "I expect both sides to keep talking while the ballot runs," she
said in a written statement. The ministry has no direct role in wage negotiations at the port,
which is jointly owned by the state and the city of Brennick.

Shipping lines reacted calmly. A spokeswoman for Calder Maritime, the largest carrier at Brennick,
said the company had contingency plans and would keep customers informed. Lena Vasko, a transport
analyst at Halvard & Berg, said a ballot was a long way from a strike. "Ballots are a negotiating
tool. The question is whether the authority finds more money before the result is known," she said.

Under Velorian law, a strike ballot is valid only if at least half of the members entitled to vote
take part. A strike must be announced at least fourteen days before it begins, which means that any
stoppage at Brennick could not start before early June. The last strike at the port, in 2011,
lasted a single day.
"""
    ),
)

_AUTOMATION = "harbour-automation"

POST_AUTOMATION = Piece(
    key="post-automation",
    outlet="post",
    path="/news/local/robot-cranes-plan-for-eastquay-47120",
    title="Port unveils 620-million-mark plan for remote-controlled cranes at Eastquay",
    published=datetime(2026, 7, 8, 10, 30, tzinfo=VELORIA_SUMMER),
    story=_AUTOMATION,
    author="Kit Dunmore",
    section="News",
    summary="Union fears up to 600 jobs could go as fourteen giant cranes are automated.",
    caption="An artist's impression of the new Eastquay cranes. Image: Port of Brennick Authority",
    tags=("Port of Brennick", "Eastquay", "Jobs"),
    paragraphs=paragraphs(
        """
The Port of Brennick is to spend 620 million marks on fourteen remote-controlled cranes for its
Eastquay terminal, bosses announced today, in the biggest shake-up of the city's waterfront for a
generation. The giant ship-to-shore cranes will be operated from a control room on Harbour Parade
instead of from cabins fifty metres above the quay, and the first should be working by 2028.

Port chief Odile Fenwright said the investment would secure Brennick's future against rival ports
in Ardland, which have already automated their terminals. "Standing still is not an option. Ships
are getting bigger and our customers expect them to be turned around faster," she told a packed
briefing at the authority's headquarters. All fourteen cranes should be in service by 2029.

But dockers' leader Tomas Reyk said members were alarmed. The Port and Dock Workers' Union
estimates that up to 600 jobs could go once the new cranes and automated yard vehicles are in full
use. "They call it modernisation. Our members call it the end of a trade that has fed families in
this city for two hundred years," Mr Reyk said outside the briefing.

Ms Fenwright said there would be no compulsory redundancies and that crane drivers would be offered
retraining as remote operators. She said the port expected to reduce staff numbers gradually as
older workers retired. Asked whether she would put that promise in writing, she said the authority
would "discuss the details with the union in the proper forum."

The government will pay 120 million marks towards the scheme from its Green Ports Fund, because the
electric cranes are expected to cut the terminal's diesel use by almost half. Transport Minister
Ilse Marrow, who attended the announcement, said the project showed that "a cleaner port and a
busier port can be the same port." She said jobs were a matter for the authority and the union.

Reaction on the quayside was mixed. Younger workers said they were curious about the new
control-room jobs, but many older hands said they feared being left behind. "I have driven cranes
for 26 years. I don't know how to do this job with a joystick in an office," said one Eastquay
crane driver, who asked not to be named.

The announcement comes weeks after members backed industrial action in a ballot over pay, though no
strike dates have been set. Talks between the union and the authority are due to resume in
September. Mr Reyk warned that automation would now be "on the table alongside pay" when they do.
"""
    ),
)

COURIER_AUTOMATION = Piece(
    key="courier-automation",
    outlet="courier",
    path="/2026/07/08/economy/brennick-port-to-automate-eastquay-terminal",
    title="Brennick port to automate Eastquay terminal with state backing",
    published=datetime(2026, 7, 8, 15, 45, tzinfo=VELORIA_SUMMER),
    story=_AUTOMATION,
    author="Anouk Verhallen",
    section="Economy",
    summary="A 620 million mark plan for remote-operated cranes gets 120 million from the state.",
    caption="The Eastquay container terminal, where fourteen cranes are to be replaced.",
    tags=("Port of Brennick", "Automation", "Ilse Marrow"),
    paragraphs=paragraphs(
        """
The Port of Brennick Authority on Wednesday announced a 620 million mark investment to automate its
largest container terminal, a project that the government will part-finance but that the country's
main dockworkers' union fears could cost hundreds of jobs. Fourteen remote-operated ship-to-shore
cranes are to be installed at Eastquay in stages, with the last due to enter service in 2029.

Chief executive Odile Fenwright said automation was necessary to keep Brennick competitive with
ports in neighbouring Ardland, where the terminal at Kessin has operated remote cranes since 2022.
"Standing still is not an option," Fenwright said at the presentation in Brennick. She pledged that
there would be no compulsory redundancies and said crane drivers would be retrained to work from a
central control room.

The Ministry of Transport will contribute 120 million marks from its Green Ports Fund, on the
grounds that the all-electric cranes and yard vehicles will almost halve the terminal's diesel
consumption. Transport Minister Ilse Marrow said the investment was "good for the climate and good
for the country's trade," adding that decisions on staffing were for the authority to negotiate
with employees.

Tomas Reyk, general secretary of the Port and Dock Workers' Union, said up to 600 positions could
disappear as a result of the plan. "They call it modernisation. Our members call it the end of a
trade that has fed families in this city for two hundred years," he said. Reyk demanded that the
promise of no compulsory redundancies be written into the next collective agreement.

The union's members voted in May to authorise strike action over pay, though the union has not yet
called a stoppage. Talks on a new wage agreement are due to resume in September, and Reyk said
automation would now be part of them. Labour market economists noted that the terminal's workforce,
at about 2,900 people, is older than the national average.

The opposition Civic Alliance said it supported modernisation but criticised the use of public
money without binding job guarantees. "If taxpayers are paying for the cranes, taxpayers are
entitled to know what happens to the people who drive them today," said its transport spokesman,
Reinholt Sabo. The government said the grant would be subject to the usual conditions on public
funding.

Port officials said the first two cranes would be ordered before the end of the year from a
manufacturer to be chosen by tender. The authority expects the new equipment to raise the
terminal's capacity by about a fifth and to shorten the time large ships spend alongside by up to a
day.
"""
    ),
)

PIECES = (
    LEDGER_STRIKE,
    POST_STRIKE,
    COURIER_STRIKE,
    LEDGER_RETURN,
    LEDGER_BALLOT,
    POST_AUTOMATION,
    COURIER_AUTOMATION,
)
REVISIONS = (COURIER_STRIKE_UPDATE,)
