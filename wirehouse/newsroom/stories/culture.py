"""Culture: a lighthouse, a gallery wing (the slow page) and a choir with no date anywhere."""

from __future__ import annotations

from datetime import datetime

from wirehouse.newsroom.model import VELORIA_WINTER, Piece, paragraphs

POST_LIGHTHOUSE = Piece(
    key="post-lighthouse",
    outlet="post",
    path="/news/local/brennick-point-lighthouse-shines-again-48190",
    title="Brennick Point lighthouse shines again after six-year restoration",
    published=datetime(2026, 11, 9, 18, 45, tzinfo=VELORIA_WINTER),
    story="lighthouse-restoration",
    author="Maud Pellow",
    section="News",
    caption="The restored lantern of Brennick Point lighthouse lit at dusk.",
    tags=("Brennick Point", "Heritage", "Volunteers"),
    paragraphs=paragraphs(
        """
The lamp in Brennick Point lighthouse shone out across the harbour mouth last night for the first
time in eleven years, after a band of volunteers completed a six-year restoration of the
150-year-old tower. Hundreds of people gathered on the headland and along the Old Basin wall to
watch the beam sweep over the water shortly after sunset.

The lighthouse was switched off in 2015, when the maritime authority replaced it with an automatic
beacon on the breakwater and put the tower up for sale. The Brennick Point Lighthouse Trust bought
it for a symbolic one mark in 2019 and has since raised 2.3 million marks from donations, grants
and a long-running series of quiz nights in the city's pubs.

Trust chairman Alfred Quillon, a retired harbour pilot, said the volunteers had done everything
from scraping paint to rebuilding the lantern's brass frame. "Some of us had never held a trowel
before we started. Now we could probably build a lighthouse from scratch, though I would not
recommend it," he said, to laughter from the crowd.

The original lens, made of more than three hundred hand-ground glass prisms, was sent to specialist
restorers in Ardland and returned in the summer. The light is now powered by a modern lamp and will
shine every evening from dusk until midnight. It is not part of the official navigation system, so
sailors are asked not to rely on it.

From the spring, the trust plans to open the tower to visitors on weekends, with guided tours up
the 132 steps to the lantern gallery. The old keeper's cottage at the foot of the tower has been
converted into a small museum about the history of the port, including photographs of the great
storm of 1953 and the ships lost in it.

Among those watching was 88-year-old Elsie Marnoch, whose father was the last principal keeper at
Brennick Point. "When I was a girl, I could read in bed by that light. I never thought I would see
it turn again," she said. The trust has asked her to perform the official reopening ceremony in
April.
"""
    ),
)

# Served slowly (Newsroom(slow_seconds=...)): a real article behind a sluggish server.
COURIER_GALLERY = Piece(
    key="courier-gallery",
    outlet="courier",
    path="/2026/11/11/culture/national-gallery-reopens-glass-wing",
    title="National Gallery reopens its glass wing with a survey of Velorian coastal painters",
    published=datetime(2026, 11, 11, 10, 0, tzinfo=VELORIA_WINTER),
    story="gallery-reopening",
    author="Teodor Lisk",
    section="Culture",
    summary="'Salt and Light' brings together more than 140 works about the sea.",
    caption="Visitors in the restored glass wing. Photo: National Gallery of Veloria",
    tags=("Art", "Museums", "Amsel"),
    paragraphs=paragraphs(
        """
After four years behind scaffolding, the glass wing of the National Gallery in Amsel reopens to the
public on Saturday with an exhibition that sets out to show how the sea shaped Velorian painting.
"Salt and Light" brings together more than 140 works from the late eighteenth century to the
present, about a third of them borrowed from private collections and rarely seen in public.

The wing, a cast-iron and glass hall built for the trade exhibition of 1889, was closed in 2022
after engineers found corrosion in its roof. The restoration cost 48 million marks, paid for by the
state and a foundation set up by the shipping family Calder. Each of its 2,600 panes of glass was
removed, cleaned or replaced, and refitted by hand.

The exhibition opens with the harbour scenes of Anneliese Brock, whose small oil sketches of
fishermen mending nets in the Old Basin at Brennick were dismissed by critics in her lifetime as
unfinished. Hung together for the first time, they look startlingly modern, with their loose
brushwork and their refusal to make the working waterfront picturesque.

The centre of the hall is given over to the great storm paintings of the 1950s, when a generation
of artists returned again and again to the flood of 1953 and its aftermath. The largest, Joris
Aldenkamp's six-metre canvas of the broken sea wall at Northgate, has not been shown since it was
damaged in a fire at the artist's studio and restored last year.

Curator Mireille Sandvik said she wanted visitors to leave with a sense of the sea as a place of
work as well as beauty. "Most of the people in these paintings are not looking at the view. They
are hauling, mending, unloading, waiting for a boat to come home," she said. "The sea in Velorian
painting is almost never a holiday."

The final rooms bring the story up to date with photographs, video and a sound installation by the
Skarren-born artist Liv Oddny, who recorded the noise of the port of Brennick over a single night.
Played in a darkened room, the clanking of containers and the calls of the crane drivers have an
oddly soothing rhythm, like breathing.

"Salt and Light" runs until May 30. Admission to the glass wing is free on the first Sunday of each
month. The gallery says it expects more than 200,000 visitors, and it has introduced timed tickets
for weekends to prevent overcrowding in the restored hall.
"""
    ),
)

# No date in the page, the URL or the feed item: published_at is None in the truth.
GAZETTE_CHOIR = Piece(
    key="gazette-choir",
    outlet="gazette",
    path="/community/a-hundred-years-of-song/",
    title="A hundred years of song: the Northgate Choral Society at its centenary",
    published=None,
    story="choir-centenary",
    author="Hettie Colgrave",
    section="Community",
    caption="Conductor Lorna Featherby rehearses the society in the Chapel Lane hall.",
    tags=("Music", "Northgate", "Community"),
    paragraphs=paragraphs(
        """
On a wet evening in the church hall on Chapel Lane, fifty-odd singers are working through the same
bars of music for the fourth time. "Altos, you are arriving at the top note as if it were a bus you
nearly missed," says the conductor, Lorna Featherby, and the room dissolves into laughter. The
Northgate Choral Society has been rehearsing like this, in one hall or another, for a hundred
years.

The society was founded a century ago by a schoolmaster and a group of fishermen's wives who wanted
to sing something other than hymns. It has survived two wars, a flood that ruined its entire music
library and, more recently, the long silence of the pandemic, when members met online and sang into
their laptops with the sound switched off.

Today it has 58 members, the youngest sixteen and the oldest ninety-one. Featherby, who has
conducted the choir for twenty-two years, says the mix of ages is its secret. "The teenagers bring
energy and the older singers bring patience, and somewhere in the middle we make music," she says.
"Nobody auditions. If you can hold a tune, or want to learn, you are in."

Its oldest member, Walter Penhale, joined as a boy soprano and has sung with the society for more
than seventy years, apart from two years away at sea. He remembers performing for the opening of
the new harbour wall and singing carols on the deck of a lifeboat. "I have sung every part except
soprano, and I am not going to start now," he says.

To mark the centenary, the society has commissioned a new work from the composer Ivar Lindqvist,
who grew up in Northgate. Called "Tide Tables", it sets words by local schoolchildren about the sea
and the weather, and will be performed at the society's anniversary concert alongside the piece it
sang at its very first public performance, a setting of an old fishing song.

Money remains a worry. Rents for rehearsal space have risen, and the society depends on ticket
sales, a small grant from the district council and the proceeds of its famous cake stall. Treasurer
Gwen Hobart says the choir has never turned away a singer for lack of money and does not intend to
start, even if the cakes have to get bigger.

Back in the church hall, the altos try the passage once more and hit the top note squarely.
Featherby nods, lifts her hands and moves on to the next page. "Another hundred years," she says
afterwards, packing away her scores. "We will need a bigger hall."
"""
    ),
)

PIECES = (POST_LIGHTHOUSE, COURIER_GALLERY, GAZETTE_CHOIR)
