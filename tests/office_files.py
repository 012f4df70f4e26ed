"""Builders of the Office, OpenDocument and EPUB files the fidelity tests read: DOCX from
python-docx with parts added, PPTX, XLSX, ODF and EPUB from zipfile and XML."""

from __future__ import annotations

import re
import struct
import zipfile
import zlib
from pathlib import Path

import docx

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"


REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"


WORD_CT = "application/vnd.openxmlformats-officedocument.wordprocessingml"


CHART_CT = "application/vnd.openxmlformats-officedocument.drawingml.chart+xml"


def rewrite(path: Path, edits: dict[str, bytes], extra: dict[str, bytes]) -> None:
    """Rewrite the zip at `path`, each member in `edits` given new bytes, `extra` added."""
    with zipfile.ZipFile(path) as zin:
        members = {info.filename: zin.read(info) for info in zin.infolist()}
    members |= edits | extra
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zout:
        for name, data in members.items():
            zout.writestr(name, data)


def note_part(kind: str, notes: dict[int, str]) -> bytes:
    """A footnotes or endnotes part: Word's two separators, then one note per id."""
    items = [
        f'<w:{kind} w:type="separator" w:id="-1"><w:p><w:r><w:separator/></w:r></w:p></w:{kind}>',
        f'<w:{kind} w:type="continuationSeparator" w:id="0"><w:p><w:r><w:t>SEPARATOR</w:t>'
        f"</w:r></w:p></w:{kind}>",
    ]
    for note_id, text in notes.items():
        items.append(
            f'<w:{kind} w:id="{note_id}"><w:p><w:r><w:{kind}Ref/></w:r>'
            f'<w:r><w:t xml:space="preserve"> {text}</w:t></w:r></w:p></w:{kind}>'
        )
    return f'<w:{kind}s xmlns:w="{W_NS}">{"".join(items)}</w:{kind}s>'.encode()


def word_with(tmp_path: Path, body: str, charts: dict[str, bytes] | None = None) -> Path:
    """A DOCX saved by python-docx with a comment by "Ann Lee" (id 0) on its first paragraph,
    whose body is then replaced by `body`, with footnotes 1-2 and endnote 1 added, and the
    chart parts `charts` as relationships rId<key>."""
    charts = charts or {}
    document = docx.Document()
    run = document.add_paragraph("anchor").runs[0]
    document.add_comment(run, text="Please cite the 2019 survey.", author="Ann Lee")
    path = tmp_path / "notes.docx"
    document.save(str(path))
    with zipfile.ZipFile(path) as zf:
        xml = zf.read("word/document.xml").decode()
        rels = zf.read("word/_rels/document.xml.rels").decode()
        types = zf.read("[Content_Types].xml").decode()
    xml = re.sub(r"<w:body>.*?(<w:sectPr)", lambda _: f"<w:body>{body}<w:sectPr", xml, flags=re.S)
    rels = rels.replace(
        "</Relationships>",
        f'<Relationship Id="rId90" Type="{REL_NS}/footnotes" Target="footnotes.xml"/>'
        f'<Relationship Id="rId91" Type="{REL_NS}/endnotes" Target="endnotes.xml"/>'
        + "".join(
            f'<Relationship Id="rId{key}" Type="{REL_NS}/chart" Target="charts/{key}.xml"/>'
            for key in charts
        )
        + "</Relationships>",
    )
    types = types.replace(
        "</Types>",
        f'<Override PartName="/word/footnotes.xml" ContentType="{WORD_CT}.footnotes+xml"/>'
        f'<Override PartName="/word/endnotes.xml" ContentType="{WORD_CT}.endnotes+xml"/>'
        + "".join(
            f'<Override PartName="/word/charts/{key}.xml" ContentType="{CHART_CT}"/>'
            for key in charts
        )
        + "</Types>",
    )
    rewrite(
        path,
        {"word/document.xml": xml.encode(), "word/_rels/document.xml.rels": rels.encode(),
         "[Content_Types].xml": types.encode()},
        {"word/footnotes.xml": note_part("footnote", {1: "Smith 2020, p. 4.", 2: "Ibid."}),
         "word/endnotes.xml": note_part("endnote", {1: "Data as of June."}),
         **{f"word/charts/{key}.xml": data for key, data in charts.items()}},
    )  # fmt: skip
    return path


def para(*runs: str) -> str:
    return f"<w:p>{''.join(runs)}</w:p>"


def run(text: str) -> str:
    return f'<w:r><w:t xml:space="preserve">{text}</w:t></w:r>'


P_NS = "http://schemas.openxmlformats.org/presentationml/2006/main"


A_NS = "http://schemas.openxmlformats.org/drawingml/2006/main"


C_NS = "http://schemas.openxmlformats.org/drawingml/2006/chart"


PKG_REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"


def shape(text: str, placeholder: str = "") -> str:
    ph = f'<p:nvPr><p:ph type="{placeholder}"/></p:nvPr>' if placeholder else "<p:nvPr/>"
    return (
        f'<p:sp><p:nvSpPr><p:cNvPr id="2" name="s"/><p:cNvSpPr/>{ph}</p:nvSpPr><p:spPr/>'
        f"<p:txBody><a:bodyPr/><a:p><a:r><a:t>{text}</a:t></a:r></a:p></p:txBody></p:sp>"
    )


def picture(alt: str) -> str:
    return (
        f'<p:pic><p:nvPicPr><p:cNvPr id="4" name="Picture 3" descr="{alt}"/><p:cNvPicPr/>'
        '<p:nvPr/></p:nvPicPr><p:blipFill><a:blip r:embed="rId9"/></p:blipFill><p:spPr/></p:pic>'
    )


def group(*shapes: str) -> str:
    return (
        f'<p:grpSp><p:nvGrpSpPr><p:cNvPr id="5" name="g"/></p:nvGrpSpPr>{"".join(shapes)}</p:grpSp>'
    )


def frame(graphic: str, uri: str) -> str:
    return (
        '<p:graphicFrame><p:nvGraphicFramePr><p:cNvPr id="6" name="f"/></p:nvGraphicFramePr>'
        f'<a:graphic><a:graphicData uri="{uri}">{graphic}</a:graphicData></a:graphic>'
        "</p:graphicFrame>"
    )


def table(*rows: tuple[str, ...]) -> str:
    cells = "".join(
        "<a:tr>"
        + "".join(
            f"<a:tc><a:txBody><a:p><a:r><a:t>{c}</a:t></a:r></a:p></a:txBody></a:tc>" for c in row
        )
        + "</a:tr>"
        for row in rows
    )
    return frame(f"<a:tbl>{cells}</a:tbl>", f"{A_NS}/table")


def chart_ref(rel_id: str) -> str:
    return frame(f'<c:chart xmlns:c="{C_NS}" r:id="{rel_id}"/>', f"{C_NS}")


def cache(kind: str, values: list[str]) -> str:
    points = "".join(f'<c:pt idx="{i}"><c:v>{v}</c:v></c:pt>' for i, v in enumerate(values))
    ref = "strRef" if kind == "str" else "numRef"
    count = f'<c:ptCount val="{len(values)}"/>'
    return f"<c:{ref}><c:f>Sheet1!A1</c:f><c:{kind}Cache>{count}{points}</c:{kind}Cache></c:{ref}>"


def chart_part(title: str, series: dict[str, list[str]], categories: list[str]) -> bytes:
    title_xml = (
        f"<c:title><c:tx><c:rich><a:bodyPr/><a:p><a:r><a:t>{title}</a:t></a:r></a:p></c:rich></c:tx></c:title>"
        if title
        else ""
    )
    sers = "".join(
        f'<c:ser><c:idx val="{i}"/><c:tx>{cache("str", [name])}</c:tx>'
        f"<c:cat>{cache('str', categories)}</c:cat><c:val>{cache('num', values)}</c:val></c:ser>"
        for i, (name, values) in enumerate(series.items())
    )
    return (
        f'<c:chartSpace xmlns:c="{C_NS}" xmlns:a="{A_NS}"><c:chart>{title_xml}'
        f"<c:plotArea><c:barChart>{sers}</c:barChart><c:catAx/><c:valAx/></c:plotArea>"
        "</c:chart></c:chartSpace>"
    ).encode()


def rels(*targets: tuple[str, str, str]) -> bytes:
    items = "".join(
        f'<Relationship Id="{i}" Type="{REL_NS}/{kind}" Target="{target}"/>'
        for i, kind, target in targets
    )
    return f'<Relationships xmlns="{PKG_REL_NS}">{items}</Relationships>'.encode()


def presentation(tmp_path: Path, slides: list[str], charts: dict[str, bytes]) -> Path:
    """A PPTX of `slides` (spTree contents) whose relationship rId<key> is charts[key]."""
    ids = "".join(f'<p:sldId id="{256 + n}" r:id="rId{n}"/>' for n in range(1, len(slides) + 1))
    members = {
        "[Content_Types].xml": b"<Types/>",
        "ppt/presentation.xml": (
            f'<p:presentation xmlns:p="{P_NS}" xmlns:r="{REL_NS}"><p:sldIdLst>{ids}</p:sldIdLst>'
            "</p:presentation>"
        ).encode(),
        "ppt/_rels/presentation.xml.rels": rels(
            *((f"rId{n}", "slide", f"slides/slide{n}.xml") for n in range(1, len(slides) + 1))
        ),
    }
    for n, tree in enumerate(slides, 1):
        members[f"ppt/slides/slide{n}.xml"] = (
            f'<p:sld xmlns:p="{P_NS}" xmlns:a="{A_NS}" xmlns:r="{REL_NS}"><p:cSld><p:spTree>'
            f"{tree}</p:spTree></p:cSld></p:sld>"
        ).encode()
        members[f"ppt/slides/_rels/slide{n}.xml.rels"] = rels(
            *((f"rId{k}", "chart", f"../charts/{k}.xml") for k in charts)
        )
    for name, data in charts.items():
        members[f"ppt/charts/{name}.xml"] = data
    path = tmp_path / "deck.pptx"
    with zipfile.ZipFile(path, "w") as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return path


ODF_NS = {
    "office": "urn:oasis:names:tc:opendocument:xmlns:office:1.0",
    "text": "urn:oasis:names:tc:opendocument:xmlns:text:1.0",
    "table": "urn:oasis:names:tc:opendocument:xmlns:table:1.0",
    "dc": "http://purl.org/dc/elements/1.1/",
    "draw": "urn:oasis:names:tc:opendocument:xmlns:drawing:1.0",
    "svg": "urn:oasis:names:tc:opendocument:xmlns:svg-compatible:1.0",
    "xlink": "http://www.w3.org/1999/xlink",
    "form": "urn:oasis:names:tc:opendocument:xmlns:form:1.0",
}


def opendocument(tmp_path: Path, name: str, mimetype: str, body: str) -> Path:
    spaces = " ".join(f'xmlns:{prefix}="{uri}"' for prefix, uri in ODF_NS.items())
    content = f'<office:document-content {spaces} office:version="1.3"><office:body>{body}'
    path = tmp_path / name
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("mimetype", mimetype)
        zf.writestr("content.xml", f"{content}</office:body></office:document-content>")
    return path


def book(tmp_path: Path, metadata: str) -> Path:
    opf = (
        '<package xmlns="http://www.idpf.org/2007/opf" version="3.0" unique-identifier="uid">'
        '<metadata xmlns:dc="http://purl.org/dc/elements/1.1/" '
        f'xmlns:opf="http://www.idpf.org/2007/opf">{metadata}</metadata>'
        '<manifest><item id="c1" href="c1.xhtml" media-type="application/xhtml+xml"/></manifest>'
        '<spine><itemref idref="c1"/></spine></package>'
    )
    container = (
        '<container xmlns="urn:oasis:names:tc:opendocument:xmlns:container" version="1.0">'
        '<rootfiles><rootfile full-path="OEBPS/book.opf" '
        'media-type="application/oebps-package+xml"/></rootfiles></container>'
    )
    path = tmp_path / "book.epub"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("mimetype", "application/epub+zip")
        zf.writestr("META-INF/container.xml", container)
        zf.writestr("OEBPS/book.opf", opf)
        zf.writestr(
            "OEBPS/c1.xhtml",
            '<html xmlns="http://www.w3.org/1999/xhtml"><body><p>Chapter one.</p></body></html>',
        )
    return path


def tiny_png() -> bytes:
    def chunk(kind: bytes, body: bytes) -> bytes:
        return (
            struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
        )

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\0\xff\xff\xff"))
        + chunk(b"IEND", b"")
    )


DGM_NS = "http://schemas.openxmlformats.org/drawingml/2006/diagram"


def smartart_data(*points: tuple[str, list[str]]) -> bytes:
    """A SmartArt data model of (point type, paragraphs) points."""
    items = "".join(
        f'<dgm:pt modelId="{n}" {f"type={kind!r}" if kind else ""}><dgm:t><a:bodyPr/>'
        + "".join(f"<a:p><a:r><a:t>{text}</a:t></a:r></a:p>" for text in paragraphs)
        + "</dgm:t></dgm:pt>"
        for n, (kind, paragraphs) in enumerate(points)
    )
    return (
        f'<dgm:dataModel xmlns:dgm="{DGM_NS}" xmlns:a="{A_NS}"><dgm:ptLst>{items}</dgm:ptLst>'
        "<dgm:cxnLst/></dgm:dataModel>"
    ).encode()
