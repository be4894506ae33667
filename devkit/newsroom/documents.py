"""Non-article resources: robots.txt per outlet and a small but valid PDF report."""

from __future__ import annotations

from devkit.newsroom.outlets import Outlet


def robots_txt(outlet: Outlet, origin: str) -> str:
    """Allow everything except one path that no feed links to."""
    feeds = "\n".join(f"# feed: {origin}{spec.path}" for spec in outlet.feeds)
    return (
        f"# robots.txt for {outlet.name}\n"
        "User-agent: *\n"
        f"Disallow: {outlet.robots_disallow}\n"
        "\n"
        f"{feeds}\n"
    )


_REPORT_LINES = (
    (18, "Port of Brennick Authority"),
    (14, "Annual Report and Accounts 2025"),
    (11, ""),
    (11, "Container throughput: 3.41 million TEU (2024: 3.28 million TEU)"),
    (11, "Revenue: 612 million marks (2024: 588 million marks)"),
    (11, "Operating profit: 94 million marks"),
    (11, "Capital expenditure: 131 million marks, of which Eastquay 58 million"),
    (11, "Employees at 31 December: 5,870"),
    (11, ""),
    (11, "Owned jointly by the Republic of Veloria and the City of Brennick."),
)


def _pdf_string(text: str) -> str:
    return text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")


def annual_report_pdf() -> bytes:
    """A one-page PDF 1.4 with a correct xref table: readers and sniffers accept it as real."""
    ops = ["BT", "72 770 Td"]
    for size, line in _REPORT_LINES:
        ops.append(f"/F1 {size} Tf 0 -{size + 9} Td ({_pdf_string(line)}) Tj")
    ops.append("ET")
    stream = "\n".join(ops).encode("latin-1")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
        b"/Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Title (Port of Brennick Authority - Annual Report 2025) "
        b"/Author (Port of Brennick Authority) /Producer (Ledger Documents) "
        b"/CreationDate (D:20261109100000+01'00') >>",
    ]
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n" % (len(objects) + 1)
    out += b"0000000000 65535 f \n"
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    out += b"trailer\n<< /Size %d /Root 1 0 R /Info 6 0 R >>\n" % (len(objects) + 1)
    out += b"startxref\n%d\n%%%%EOF\n" % xref
    return bytes(out)
