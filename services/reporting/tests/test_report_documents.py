"""The documents of the Gesamtbericht: print HTML (escaped, German, charts with their data), PDF with the
totals (read back with a PDF text extractor), open-data JSON with status and figures hash."""

from __future__ import annotations

import datetime as dt
import io
import json
import re
import uuid

import pypdf

from quartier_reporting.domain.reports import (
    AreaInfo,
    CouncilNeedInfo,
    HearingInfo,
    MeasureFacts,
    MeetingInfo,
    NeedInfo,
    OfferInfo,
    PlanInfo,
    Report,
    ReportInput,
    Vocabulary,
    compute_report,
    figures_hash,
    key_figures,
    report_from_dict,
)
from quartier_reporting.service.report_documents import (
    ReportMeta,
    document_dict,
    render_csv,
    render_html,
    render_json,
    render_pdf,
)

NOW = dt.datetime(2026, 3, 2, 9, 30, tzinfo=dt.UTC)


def _report() -> Report:
    areas = (
        AreaInfo("mitte", "Sozialraum Hamm-Mitte", ("mitte",)),
        AreaInfo("norden", "Sozialraum Hammer Norden", ("bockum-hoevel", "heessen")),
    )
    done = MeasureFacts(uuid.uuid4(), "<script>alert(1)</script> Sprachcafé", "Familienarbeit", outcome="done")
    partly = MeasureFacts(uuid.uuid4(), "Boule & Kaffee", "Senior:innenarbeit", outcome="partly")
    plan = PlanInfo(
        uuid.uuid4(),
        "norden",
        2025,
        "evaluated",
        (done, partly),
        (HearingInfo("bockum-hoevel", True), HearingInfo("heessen", True)),
        (CouncilNeedInfo(uuid.uuid4(), "heessen", "Mehr Licht", "taken_into_plan", done.measure_id),),
    )
    need = NeedInfo(uuid.uuid4(), "mitte", "resident", "Familienarbeit", "open", dt.date(2025, 4, 1), "Spielplatz")
    meeting = MeetingInfo(
        uuid.uuid4(), "norden", "Wir im Norden", dt.datetime(2025, 5, 6, 16, tzinfo=dt.UTC), False, 1234
    )
    offer = OfferInfo(uuid.uuid4(), "Krabbelgruppe", "Familienarbeit", "mitte")
    return compute_report(
        ReportInput(
            2025,
            areas,
            Vocabulary(("Quartiersmanagement", "Familienarbeit", "Senior:innenarbeit", "Kinder- und Jugendarbeit")),
            (("mitte", "Hamm-Mitte"), ("bockum-hoevel", "Hamm-Bockum-Hövel"), ("heessen", "Hamm-Heessen")),
            (plan,),
            (need,),
            (),
            (meeting,),
            (offer,),
        )
    )


def test_html_is_german_escaped_and_carries_the_charts_with_their_data() -> None:
    html = render_html(_report(), ReportMeta("draft", NOW))
    assert '<html lang="de">' in html
    assert "<script>alert" not in html and "&lt;script&gt;alert(1)&lt;/script&gt; Sprachcafé" in html
    assert "Boule &amp; Kaffee" in html
    assert "Entwurf, berechnet am 02.03.2026, 10:30 Uhr" in html
    assert html.count('role="img"') == 5
    assert html.count("<desc id=") == 5
    assert "Daten zum Diagramm „Maßnahmen je Sozialraum 2025“" in html
    for title in ("Handlungsfeld", "Querschnittsthema", "Leitziel", "Steuerungsziel"):
        assert f"Maßnahmen nach {title}" in html
    assert "Bedarfe: erfasst → in einen Plan aufgenommen → umgesetzt" in html
    assert "teilweise umgesetzt" in html and "nicht umgesetzt" in html
    assert "1.234" in html  # participants, German thousands separator


def test_pdf_contains_the_totals() -> None:
    report = _report()
    meta = ReportMeta("published", NOW, 3, NOW)
    pdf = render_pdf(report, meta)
    assert pdf.startswith(b"%PDF")
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    text = re.sub(r"\s+", " ", " ".join(page.extract_text() for page in reader.pages))
    assert "Gesamtbericht Stadtteilarbeit 2025" in text
    assert "Veröffentlichte Fassung, Version 3 vom 02.03.2026" in text
    totals = key_figures(report.city)
    assert dict((k, v) for k, _, v in totals)["participants"] == 1234
    for _, label, value in totals:
        number = f"{value:,}".replace(",", ".")
        assert re.search(rf"{re.escape(label)} {re.escape(number)}\b", text), (label, number)
    assert reader.metadata is not None and reader.metadata.title == "Gesamtbericht Stadtteilarbeit 2025"
    root = reader.trailer["/Root"].get_object()
    assert isinstance(root, pypdf.generic.DictionaryObject)
    assert str(root["/Lang"]) == "de" and "/StructTreeRoot" in root  # tagged PDF for screen readers


def test_json_document_has_status_version_and_the_figures() -> None:
    report = _report()
    draft = json.loads(render_json(report, ReportMeta("draft", NOW)))
    assert (draft["status"], draft["version"], draft["published_at"]) == ("draft", None, None)
    assert draft["figures_hash"] == figures_hash(report)
    assert report_from_dict(draft) == report
    published = document_dict(report, ReportMeta("published", NOW, 2, NOW))
    assert (published["status"], published["version"]) == ("published", 2)
    assert published["published_at"] == NOW.isoformat()


def test_csv_document_is_utf8_with_one_row_per_figure() -> None:
    report = _report()
    text = render_csv(report).decode("utf-8")
    lines = text.split("\r\n")
    assert lines[0] == "year,scope,area,dimension,key,label,value"
    figures = sum(len(s.figures) for scope in report.scopes() for s in scope.sections)
    assert len([line for line in lines[1:] if line]) == figures
    assert "2025,social_area,norden,neighbourhood_conferences,participants,Teilnehmende,1234" in lines
