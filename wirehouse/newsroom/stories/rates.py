"""The central bank's rate decision (story B): a Meridian Wire story and its two republications.

The Courier runs it verbatim under its own headline and template; the Gazette runs it with a
new headline, one paragraph trimmed and its own credit line. Both must be recognised as copies
of the wire original.
"""

from __future__ import annotations

from datetime import UTC, datetime

from wirehouse.newsroom.model import VELORIA_WINTER, Piece, paragraphs

RATES = "rate-decision"

_WIRE_TEXT = paragraphs(
    """
AMSEL, Nov 11 (Meridian Wire) - The Bank of Veloria kept its main interest rate at 3.25 percent on
Wednesday for a third consecutive meeting and signalled that borrowing costs were unlikely to fall
before the spring, saying inflation was easing more slowly than it had expected.

The monetary policy board voted five to two to hold the rate, with two members favouring a cut of a
quarter of a percentage point to 3.00 percent. All fourteen economists polled by Meridian Wire last
week had expected the bank to keep rates unchanged, though several had predicted a split vote.

"The last mile of disinflation is proving the slowest, and we intend to walk it carefully,"
Governor Mirela Antanas told a news conference after the decision. She said the board wanted to see
services prices slow further before it would consider easing policy, and that a cut in December was
"not our central scenario."

Annual consumer price inflation fell to 3.1 percent in October from 3.4 percent in September,
official data showed last week, but remains well above the bank's 2 percent target. Services
inflation, which is driven largely by wages, stood at 4.6 percent. The bank now expects inflation
to reach its target in the third quarter of 2027, a quarter later than forecast in August.

The bank trimmed its forecast for economic growth this year to 1.2 percent from 1.4 percent, citing
weaker exports to Ardland and a slowdown in construction. Antanas said the three-day dock strike at
the Port of Brennick was likely to have only a passing effect on prices, but that a longer dispute
could disrupt supplies of imported goods ahead of the holiday season.

The Velorian mark was little changed after the decision at 1.084 per Ardish thaler. Yields on
two-year government bonds rose three basis points to 2.91 percent as investors pared bets on a
December cut. Money markets now price about a 30 percent chance of a reduction at the bank's next
meeting, down from 45 percent before the announcement.

Finance Minister Edvard Lune said the government respected the bank's independence and that its
budget for 2027 would help bring inflation down by keeping spending growth below the rate of
nominal growth in the economy. Business groups had urged the bank to cut rates, arguing that high
borrowing costs were holding back investment by small firms.

(Reporting by Hana Lisowski; Editing by Piet Maranz)
"""
)

WIRE_RATES = Piece(
    key="meridian-rates",
    outlet="meridian",
    path="/article/economy/bank-of-veloria-holds-key-rate-idMWB4412",
    title="Bank of Veloria holds key rate at 3.25%, signals no cut before spring",
    published=datetime(2026, 11, 11, 13, 5, tzinfo=UTC),
    story=RATES,
    author="Hana Lisowski",
    section="Economy",
    caption="Governor Mirela Antanas arrives for the news conference in Amsel. [Photo/Meridian]",
    tags=("Bank of Veloria", "Interest rates", "Inflation"),
    paragraphs=_WIRE_TEXT,
)

COURIER_RATES = Piece(
    key="courier-rates",
    outlet="courier",
    path="/2026/11/11/economy/central-bank-keeps-interest-rates-on-hold",
    title="Central bank keeps interest rates on hold as inflation lingers",
    published=datetime(2026, 11, 11, 14, 20, tzinfo=VELORIA_WINTER),
    story=RATES,
    author="Meridian Wire",
    kind="wire-verbatim",
    copy_of=WIRE_RATES.key,
    section="Economy",
    caption="The Bank of Veloria's headquarters on Mint Square in Amsel.",
    tags=("Economy", "Bank of Veloria"),
    paragraphs=_WIRE_TEXT,
)

GAZETTE_RATES = Piece(
    key="gazette-rates",
    outlet="gazette",
    path="/business/rates-stay-put-as-bank-of-veloria-urges-patience/",
    title="Rates stay put at 3.25% as Bank of Veloria urges patience",
    published=datetime(2026, 11, 11, 17, 0, tzinfo=VELORIA_WINTER),
    story=RATES,
    author="Hana Lisowski",
    kind="wire-edited",
    copy_of=WIRE_RATES.key,
    section="Business",
    summary="The central bank holds its main rate for a third meeting in a row.",
    caption="Shoppers on Northgate high street. Borrowing costs may not fall before spring.",
    tags=("Business", "Interest rates"),
    # the Gazette cuts the last sentence of the finance minister's paragraph and credits itself
    paragraphs=(
        *_WIRE_TEXT[:6],
        _WIRE_TEXT[6].split(". Business groups")[0] + ".",
        "Reporting by Hana Lisowski in Amsel; with agency inputs.",
    ),
)

PIECES = (WIRE_RATES, COURIER_RATES, GAZETTE_RATES)
