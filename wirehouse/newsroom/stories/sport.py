"""Sport: the cup run of Brennick Rovers, a regatta and the national squad; unrelated to the
port."""

from __future__ import annotations

from datetime import UTC, datetime

from wirehouse.newsroom.model import VELORIA_WINTER, Piece, paragraphs

POST_CUP = Piece(
    key="post-cup",
    outlet="post",
    path="/sport/rovers/sorel-the-hero-as-rovers-reach-cup-semi-finals-48160",
    title="Sorel the hero as Rovers knock out Amsel Athletic to reach cup semi-finals",
    published=datetime(2026, 11, 8, 19, 40, tzinfo=VELORIA_WINTER),
    story="cup-quarter-final",
    author="Sally Brannagh",
    section="Sport",
    caption="Jannik Sorel is mobbed by team-mates after his second penalty save.",
    tags=("Brennick Rovers", "Velorian Cup"),
    paragraphs=paragraphs(
        """
Brennick Rovers are into the semi-finals of the Velorian Cup for the first time in nine years after
goalkeeper Jannik Sorel saved two penalties in a dramatic shoot-out against Amsel Athletic at the
Harbour Road stadium. The tie finished 1-1 after extra time, and the home crowd of 14,800 was on
its feet long before Sorel's second save.

Athletic, who are top of the league and had won their previous seven matches, took the lead midway
through the first half when their captain Felix Arndt headed in a corner at the far post. Rovers
struggled to get into the game before the break and could have been further behind had Sorel not
pushed a long-range shot onto the bar.

The equaliser came eleven minutes into the second half. Winger Kasper Lowe, a half-time substitute,
skipped past two defenders on the left and crossed low for striker Benny Okon, who turned the ball
in from six yards. It was Okon's fifth goal in the competition this season and it sent the Harbour
Road end into raptures.

Neither side could find a winner in an extra half-hour that was played largely in the Rovers half,
and the tie went to penalties. After Okon, Lowe and captain Marek Duval had scored for Rovers,
Sorel dived to his right to keep out Arndt's effort and then stood firm to block a weak kick from
the Athletic substitute Hugo Fenn.

"I watched a lot of their penalties on video this week, so I had an idea where some of them would
go," said Sorel, 23, who has been in outstanding form this season. "But in the end you have to
trust your feeling. Tonight my feeling was good." Rovers manager Ellis Garbutt called it the best
night of his three years at the club.

The draw for the semi-finals takes place on Friday. Rovers will be joined in the last four by
Northgate Town, Velden United and the winners of Wednesday's delayed tie between Orrin Park and
Athletic Saltmarsh. The final will be played at the Stadion Amsel in May, and the winners earn a
place in next season's continental competition.
"""
    ),
)

POST_REGATTA = Piece(
    key="post-regatta",
    outlet="post",
    path="/sport/rowing/saltmarsh-crew-win-old-basin-regatta-48171",
    title="Saltmarsh crew win Old Basin Regatta for third year running",
    published=datetime(2026, 11, 9, 8, 0, tzinfo=VELORIA_WINTER),
    story="basin-regatta",
    author="Sally Brannagh",
    section="Sport",
    caption="The Saltmarsh eight cross the finish line in front of the harbour master's office.",
    tags=("Rowing", "Old Basin Regatta"),
    paragraphs=paragraphs(
        """
Saltmarsh Rowing Club won the men's eights at the Old Basin Regatta for the third year in a row on
Sunday, holding off a late charge from the Amsel University crew to win by less than a length. More
than 3,000 spectators lined the quays to watch the final, rowed on a flat, grey basin in
near-perfect conditions.

The Saltmarsh crew, stroked by firefighter Dane Quint, led from the start and were almost a length
clear at the halfway buoy. Amsel University raised their rate over the final 250 metres and closed
the gap with every stroke, but the home crew held on to cross the line in six minutes and two
seconds, three seconds outside the course record.

"They came at us like a train at the end. I could hear their cox shouting and I was not going to
look round," said Quint, who has rowed in all three winning crews. "The basin is our water. We
train here every morning before work, in the dark and the cold, and that is why this one means so
much."

In the women's eights, the Brennick Ladies' Boat Club took the title for the first time in nine
years, beating the defending champions from Velden by two lengths. Their coach, the former
international sculler Hanne Vollmer, said the crew had only been together since the summer. Four of
the eight were rowing in their first regatta.

The regatta, first held in 1887, is the oldest rowing event on the northern coast. It was cancelled
twice during the pandemic and has grown steadily since it returned, with 64 crews entered this
year, a record. Organisers said they would look at adding a junior event next autumn, because
demand for places from school crews had been so strong.

The day ended with the traditional procession of boats past the harbour master's office, where the
winning crews were presented with their trophies by the city's mayor, Ingrid Vanhorn. The Saltmarsh
club said it would use its prize money, 5,000 marks, to buy a new boat for its junior squad.
"""
    ),
)

# Edition 2: a new article appears in the Evening Post's feeds.
POST_CUP_DRAW = Piece(
    key="post-cup-draw",
    outlet="post",
    path="/sport/rovers/rovers-handed-home-semi-final-against-northgate-48260",
    title="Rovers handed home semi-final against Northgate Town in Velorian Cup draw",
    published=datetime(2026, 11, 13, 14, 5, tzinfo=VELORIA_WINTER),
    story="cup-semi-draw",
    author="Sally Brannagh",
    section="Sport",
    edition=2,
    caption="Rovers manager Ellis Garbutt at Harbour Road.",
    tags=("Brennick Rovers", "Velorian Cup", "Northgate Town"),
    paragraphs=paragraphs(
        """
Brennick Rovers will play Northgate Town at Harbour Road in the semi-finals of the Velorian Cup,
after the draw was made at the football federation's headquarters in Amsel this afternoon. The tie
revives one of the oldest rivalries on the northern coast, and the two clubs have not met in a
competitive match since Town were relegated six years ago.

Velden United will face Orrin Park, who beat Athletic Saltmarsh 2-0 in their delayed quarter-final
on Wednesday evening. Both semi-finals will be played over the weekend of February 6 and 7, with
the exact dates and kick-off times to be confirmed once the television schedule has been agreed
with the broadcaster.

Rovers manager Ellis Garbutt said he was pleased to have avoided a long journey to Velden. "A home
draw is all you can ask for. Our supporters were incredible against Athletic and they will be
incredible again," he said. "Northgate will come here with nothing to lose, and that makes them
dangerous. We will not take anything for granted."

Town, who sit sixth in the second division, reached the last four with a shock 2-1 win away at the
top-flight club Velden Rangers. Their player-coach Arlo Benning, who spent four seasons at Rovers
early in his career, said his side would travel south "with a full bus and a lot of belief". The
club has asked for an allocation of at least 2,000 tickets for its fans.

Rovers goalkeeper Jannik Sorel, whose two saves in the shoot-out against Athletic took his club
through, will join the national squad on Sunday after his first call-up for next week's qualifier
against Ardland. Garbutt said he was delighted for the player. "Nobody deserves it more. He will be
back with us in a fortnight, and hopefully with a cap," he said.

Tickets for the semi-final will go on sale to season-ticket holders on Monday and to members from
Wednesday. The club said the stadium's new south stand, closed since October for safety work on its
roof, would reopen in time for the tie, taking the capacity at Harbour Road back up to 16,500.
"""
    ),
)

WIRE_SQUAD = Piece(
    key="meridian-squad",
    outlet="meridian",
    path="/article/sport/veloria-call-up-uncapped-goalkeeper-idMWS3308",
    title="Veloria call up uncapped Rovers goalkeeper Sorel for Ardland qualifier",
    published=datetime(2026, 11, 11, 17, 30, tzinfo=UTC),
    story="national-squad",
    author="Dario Kesk",
    section="Sport",
    caption="Jannik Sorel during training in Brennick. [Photo/Meridian]",
    tags=("Football", "Veloria national team"),
    paragraphs=paragraphs(
        """
AMSEL, Nov 11 (Meridian Wire) - Veloria coach Ivo Marrant named uncapped Brennick Rovers goalkeeper
Jannik Sorel in a 24-man squad on Wednesday for next week's Continental Cup qualifier against
Ardland in Amsel, after first-choice goalkeeper Matteo Ruhl was ruled out with a broken finger.

Sorel, 23, has kept nine clean sheets in fourteen league matches this season and played a central
part in Rovers' run to the semi-finals of the Velorian Cup. "He has earned it with his
performances, not with his reputation," Marrant told reporters at the national training centre in
Velden. "I want players who are in form, and he is in form."

Veloria are second in their qualifying group with ten points from five matches, two behind leaders
Ardland, and a win at the Stadion Amsel on Nov 19 would take them top with one game remaining. Only
the group winners qualify automatically for the finals, while the runners-up go into a play-off
round in March.

Marrant recalled veteran defender Luka Brandis, 34, who has not played for his country since the
last qualifying campaign, to cover for the suspended Oskar Feld. He left out striker Teo Vance, the
league's joint top scorer with eight goals, saying he preferred players who were "comfortable
working without the ball" against Ardland's high press.

The omission of Vance drew criticism from fans and former players. Former captain Dag Ormsby, now a
television pundit, said it was "a strange day when eight goals in twelve games are not enough" to
earn a place. Marrant said the door remained open to the striker and that he had spoken to him by
telephone before announcing the squad.

Ardland beat Veloria 2-1 in Kessin in the reverse fixture in June, with a late goal from their
captain. Tickets for next week's match sold out within three hours of going on sale, the football
federation said. The squad meets in Velden on Sunday and will train at the stadium on the eve of
the match.

(Reporting by Dario Kesk; Editing by Piet Maranz)
"""
    ),
)

PIECES = (POST_CUP, POST_REGATTA, POST_CUP_DRAW, WIRE_SQUAD)
