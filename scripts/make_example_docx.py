"""Regenerate data/examples/mesa3_notas.docx (fictitious example transcript).

The document is written by the project for README demos and tests of the
``precode`` command. It is deterministic: the core properties are set to a
fixed date, and the zip container is rewritten with fixed timestamps and
a fixed entry order. Running the script twice produces byte-identical files.

Usage:
    .venv/bin/python scripts/make_example_docx.py [output_path]
"""

from __future__ import annotations

import datetime as dt
import io
import sys
import zipfile
from pathlib import Path

from docx import Document

FIXED_DATE = dt.datetime(2026, 3, 12, 9, 0, 0)
ZIP_DATE = (2026, 3, 12, 9, 0, 0)

DEFAULT_OUT = Path(__file__).resolve().parents[1] / "data" / "examples" / "mesa3_notas.docx"

TITLE = "Taller «Redes sociales en el gobierno» 2026 — Mesa 3"
PREAMBLE = [
    "Secretario: Jorge Anaya Ruiz",
    "Fecha: 12 de marzo de 2026",
]

# (heading, items written with 'List Bullet' style, items written as plain "• " paragraphs)
SECTIONS = [
    (
        "Riesgos percibidos",
        [
            "Suplantación de identidad con perfiles falsos",
            "Abrir cuentas sin una estrategia definida",
            "Personal sin capacitación en redes sociales",
            "Insultos y críticas agresivas de los usuarios",
            "Brecha digital: muchas comunidades no tienen conexión a internet",
            "Información desactualizada en las cuentas",
        ],
        [
            "Presupuesto limitado para el proyecto",
            "Infraestructura tecnológica insuficiente en los municipios",
            "Procesos burocráticos que retrasan las respuestas",
        ],
    ),
    (
        "Ventajas",
        [
            "Comunicación directa con el ciudadano",
            "Impulsa la cultura de participación ciudadana",
            "Gobierno más transparente",
            "Herramientas sin costo de licencia",
            "Los ciudadanos pueden generar contenido (videos, comentarios)",
        ],
        [
            "Fuente de información para la toma de decisiones",
            "Escalabilidad de las plataformas",
            "Promueve la libertad de expresión",
        ],
    ),
    (
        "Estrategias",
        [
            "Definir la estrategia: contenidos, objetivos y medición",
            "Capacitar a los servidores públicos en el uso de redes",
            "Monitoreo continuo de comentarios en redes sociales",
            "Código de ética y reglas de uso para funcionarios y ciudadanos",
            "Identificar el público objetivo de cada programa",
            "Renovar la infraestructura tecnológica",
        ],
        [
            "Compartir experiencias con otras dependencias",
            "Organizar la información desde la perspectiva del ciudadano",
            "Promover el uso de redes sociales entre la población",
        ],
    ),
]


def build_document() -> Document:
    doc = Document()
    doc.add_paragraph(TITLE, style="Title")
    for line in PREAMBLE:
        doc.add_paragraph(line)
    for heading, bullet_items, plain_items in SECTIONS:
        doc.add_heading(heading, level=2)
        for item in bullet_items:
            doc.add_paragraph(item, style="List Bullet")
        for item in plain_items:
            doc.add_paragraph("• " + item)

    cp = doc.core_properties
    cp.author = "smgov-nlp"
    cp.last_modified_by = "smgov-nlp"
    cp.title = "Notas de la Mesa 3 (ejemplo ficticio)"
    cp.comments = "Fictitious example transcript written by the smgov-nlp project."
    cp.language = "es-MX"
    cp.revision = 1
    cp.created = FIXED_DATE
    cp.modified = FIXED_DATE
    cp.last_printed = FIXED_DATE
    return doc


def _normalize_zip(raw: bytes) -> bytes:
    """Rewrite the zip with fixed timestamps so the output is byte-stable."""
    src = zipfile.ZipFile(io.BytesIO(raw))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            zi = zipfile.ZipInfo(info.filename, date_time=ZIP_DATE)
            zi.compress_type = zipfile.ZIP_DEFLATED
            zi.external_attr = 0o644 << 16
            zi.create_system = 0
            dst.writestr(zi, src.read(info.filename))
    return out.getvalue()


def main(argv: list[str]) -> int:
    out_path = Path(argv[1]) if len(argv) > 1 else DEFAULT_OUT
    buf = io.BytesIO()
    build_document().save(buf)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    out_path.write_bytes(_normalize_zip(buf.getvalue()))
    print(f"wrote {out_path}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
