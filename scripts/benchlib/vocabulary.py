"""Synthetic workshop statements: Spanish and English statements about social media in government.

Built from templates and parallel vocabularies (risk / benefit / strategy, in a ``type`` column),
short and long (40-80 words), a share of them near-duplicates (translations and rewordings of
another statement). Every statement carries a number drawn from a seeded generator mixed with a
per-run salt, so each run's statements are new to any embedding cache.
"""

from __future__ import annotations

import csv
import random
import statistics
from dataclasses import dataclass
from pathlib import Path

# Parallel vocabularies: (Spanish, English) with the same meaning, so a statement can be
# re-rendered in the other language as a near-duplicate of the same idea.
TOPIC = [
    ("capacitación en redes sociales", "social media training"),
    ("protocolos de respuesta a crisis", "crisis response protocols"),
    ("lineamientos de uso institucional", "institutional usage guidelines"),
    ("presupuesto para comunicación digital", "a budget for digital communication"),
    ("coordinación entre áreas", "coordination between departments"),
    ("políticas de privacidad", "privacy policies"),
    ("personal especializado", "specialised staff"),
    ("objetivos claros", "clear objectives"),
    ("indicadores de desempeño", "performance indicators"),
    ("verificación de la información", "fact-checking of the information"),
    ("gestión segura de contraseñas", "secure password management"),
    ("un marco normativo", "a legal framework"),
    ("seguimiento a los comentarios", "follow-up on comments"),
    ("apoyo de los directivos", "support from senior management"),
    ("un calendario de publicaciones", "a publishing calendar"),
    ("criterios de moderación", "moderation criteria"),
    ("un manual de identidad gráfica", "a visual identity manual"),
    ("un plan de continuidad", "a continuity plan"),
    ("reglas para archivar las publicaciones", "rules for archiving posts"),
    ("un inventario de cuentas oficiales", "an inventory of official accounts"),
]
ENTITY = [
    ("la Secretaría de Salud", "the Health Ministry"),
    ("el ayuntamiento", "the city council"),
    ("la alcaldía", "the mayor's office"),
    ("protección civil", "civil protection"),
    ("el gobierno estatal", "the state government"),
    ("la dirección de comunicación social", "the communications office"),
    ("el instituto electoral", "the electoral institute"),
    ("la policía municipal", "the municipal police"),
    ("la secretaría de finanzas", "the finance department"),
    ("la oficina de transparencia", "the transparency office"),
    ("el área de informática", "the IT department"),
    ("la secretaría de educación", "the education department"),
    ("el organismo de agua potable", "the water utility"),
    ("la fiscalía", "the prosecutor's office"),
]
CHANNEL = [
    ("Facebook", "Facebook"), ("X", "X"), ("WhatsApp", "WhatsApp"), ("Instagram", "Instagram"),
    ("TikTok", "TikTok"), ("YouTube", "YouTube"), ("Telegram", "Telegram"),
    ("el portal institucional", "the official website"), ("las transmisiones en vivo", "live streams"),
]
THREAT = [
    ("robo de identidad", "identity theft"),
    ("cuentas falsas", "fake accounts"),
    ("hackeo de las cuentas", "account hacking"),
    ("desinformación", "misinformation"),
    ("comentarios ofensivos", "offensive comments"),
    ("filtración de datos personales", "leaks of personal data"),
    ("crisis de reputación", "reputational crises"),
    ("publicaciones con errores", "posts with errors"),
    ("uso político de las cuentas", "political use of the accounts"),
    ("saturación de mensajes", "message overload"),
    ("campañas de bots", "bot campaigns"),
    ("cuentas abandonadas tras el cambio de administración", "accounts abandoned after a change of administration"),
]
BENEFIT = [
    ("la transparencia", "transparency"),
    ("la participación ciudadana", "citizen participation"),
    ("la rendición de cuentas", "accountability"),
    ("la difusión de avisos", "the spread of public notices"),
    ("la imagen institucional", "the institution's image"),
    ("la atención a la ciudadanía", "service to citizens"),
    ("la confianza en el gobierno", "trust in government"),
    ("la respuesta ante emergencias", "emergency response"),
    ("la retroalimentación sobre trámites", "feedback on public services"),
    ("la colaboración con otras dependencias", "collaboration with other agencies"),
]
AUDIENCE = [
    ("los jóvenes", "young people"), ("la población rural", "rural residents"),
    ("los adultos mayores", "older adults"), ("las comunidades indígenas", "indigenous communities"),
    ("los periodistas", "journalists"), ("las empresas locales", "local businesses"),
    ("las organizaciones civiles", "civil society organisations"), ("los vecinos", "residents"),
]
STAFF = [
    ("los community managers", "the community managers"), ("el personal de comunicación", "communications staff"),
    ("los mandos medios", "middle managers"), ("los funcionarios de atención ciudadana", "front-desk officials"),
    ("el equipo jurídico", "the legal team"), ("los enlaces de cada área", "the liaison officers of each department"),
]
SLOTS = {"topic": TOPIC, "entity": ENTITY, "channel": CHANNEL, "threat": THREAT, "benefit": BENEFIT,
         "audience": AUDIENCE, "staff": STAFF}

TEMPLATES = {  # type -> [(Spanish, English)]
    "risk": [
        ("Falta de {topic} en {entity}", "Lack of {topic} at {entity}"),
        ("Riesgo de {threat} en {channel}", "Risk of {threat} on {channel}"),
        ("{threat} en las cuentas de {entity}", "{threat} on the accounts of {entity}"),
        ("Sin {topic}, {entity} no puede manejar bien {channel}", "Without {topic}, {entity} cannot run {channel} properly"),
        ("{audience} no tienen acceso a {channel}", "{audience} have no access to {channel}"),
        ("{threat} daña la credibilidad de {entity}", "{threat} damages the credibility of {entity}"),
        ("Nadie atiende {channel} fuera del horario de oficina", "Nobody answers {channel} outside office hours"),
    ],
    "benefit": [
        ("Mejora {benefit} de {entity}", "Improves {benefit} at {entity}"),
        ("{channel} permite llegar a {audience} sin intermediarios", "{channel} lets us reach {audience} without intermediaries"),
        ("Fomenta {benefit} entre {audience}", "Encourages {benefit} among {audience}"),
        ("Las redes sociales fortalecen {benefit} en {entity}", "Social media strengthens {benefit} at {entity}"),
        ("Ahorro en costos de difusión para {entity}", "Lower outreach costs for {entity}"),
        ("{channel} da retroalimentación inmediata a {entity}", "{channel} gives {entity} immediate feedback"),
    ],
    "strategy": [
        ("Definir {topic} para {channel}", "Define {topic} for {channel}"),
        ("Capacitar a {staff} en el uso de {channel}", "Train {staff} in the use of {channel}"),
        ("Crear {topic} con apoyo de {entity}", "Create {topic} with support from {entity}"),
        ("Establecer un protocolo contra {threat}", "Set up a protocol against {threat}"),
        ("Medir {benefit} con indicadores trimestrales", "Measure {benefit} with quarterly indicators"),
        ("Designar a {staff} como responsables de {channel}", "Make {staff} responsible for {channel}"),
    ],
}
NUMBERED = [  # (Spanish, English, range of n): a number makes every statement new to any cache
    ("en {n} municipios", "in {n} municipalities", (2, 2500)),
    ("según la encuesta {n}", "according to survey {n}", (1000, 99_999)),
    ("(caso {n})", "(case {n})", (1000, 999_999)),
    ("desde hace {n} meses", "for the last {n} months", (2, 60)),
    ("en {n} publicaciones revisadas", "in {n} reviewed posts", (20, 20_000)),
    ("con {n} seguidores", "with {n} followers", (500, 2_000_000)),
    ("folio {n}", "file {n}", (10_000, 999_999)),
]
OPENERS = [  # rewordings for near-duplicates
    ("Creo que {s}", "I think {s}"), ("Nos preocupa: {s}", "Our concern: {s}"), ("Es importante: {s}", "Important: {s}"),
    ("Coincidimos en que {s}", "We agreed that {s}"), ("En resumen, {s}", "In short, {s}"),
]
ELABORATIONS = {
    "risk": [
        ("porque el personal cambia cada vez que entra una nueva administración",
         "because the staff changes every time a new administration comes in"),
        ("y nadie revisa los mensajes durante el fin de semana ni en días festivos",
         "and nobody reads the messages over the weekend or on public holidays"),
        ("lo que genera desconfianza entre la ciudadanía que espera respuestas rápidas",
         "which breeds distrust among citizens who expect quick answers"),
        ("y cuando hay una emergencia no sabemos quién autoriza las publicaciones",
         "and when there is an emergency we do not know who approves the posts"),
        ("además de que las contraseñas las conocen personas que ya no trabajan aquí",
         "on top of passwords being known by people who no longer work here"),
    ],
    "benefit": [
        ("porque la gente ya pasa buena parte del día en sus teléfonos",
         "because people already spend a good part of the day on their phones"),
        ("y además permite medir qué temas le interesan realmente a la población",
         "and it also lets us measure which topics really matter to people"),
        ("lo que reduce las filas en las oficinas y las llamadas al conmutador",
         "which shortens the queues at the offices and the calls to the switchboard"),
        ("sobre todo en temporada de lluvias cuando hay que avisar rápido de los cierres",
         "especially in the rainy season when road closures must be announced fast"),
    ],
    "strategy": [
        ("con un responsable por área y revisiones mensuales de los resultados",
         "with one person in charge per department and monthly reviews of the results"),
        ("y publicar el documento para que la ciudadanía conozca las reglas",
         "and publish the document so that citizens know the rules"),
        ("incluyendo un procedimiento para cuando cambie la administración",
         "including a procedure for when the administration changes"),
        ("aprovechando los cursos gratuitos que ofrecen las propias plataformas",
         "using the free courses the platforms themselves offer"),
    ],
}
INTROS = [
    ("En la mesa {k} se comentó que", "At table {k} participants said that"),
    ("Varias personas de la mesa {k} señalaron que", "Several people at table {k} pointed out that"),
    ("La relatoría de la mesa {k} registra que", "The notes of table {k} record that"),
]
TYPES = ("risk", "benefit", "strategy")


@dataclass
class Idea:
    """The choices behind one statement, so it can be re-rendered as a near-duplicate."""

    kind: str
    template: int
    slots: dict
    numbered: int
    n: int
    long: bool
    elaborations: tuple
    intro: int
    k: int


def _render(idea: Idea, lang: int, opener: int | None = None, drop_number: bool = False) -> str:
    es_en = TEMPLATES[idea.kind][idea.template][lang]
    values = {name: SLOTS[name][i][lang] for name, i in idea.slots.items()}
    text = es_en.format(**values)
    text = text[0].upper() + text[1:]
    if not drop_number:
        text += " " + NUMBERED[idea.numbered][lang].format(n=idea.n)
    if idea.long:
        extra = ", ".join(ELABORATIONS[idea.kind][e][lang] for e in idea.elaborations)
        intro = INTROS[idea.intro][lang].format(k=idea.k)
        text = f"{intro} {text[0].lower()}{text[1:]}, {extra}"
    if opener is not None:
        text = OPENERS[opener][lang].format(s=text[0].lower() + text[1:])
    return text


def _new_idea(rng: random.Random, long_share: float) -> Idea:
    kind = rng.choice(TYPES)
    template = rng.randrange(len(TEMPLATES[kind]))
    names = [name for name in SLOTS if "{" + name + "}" in TEMPLATES[kind][template][0]]
    long = rng.random() < long_share
    elaborations = tuple(rng.sample(range(len(ELABORATIONS[kind])), k=min(len(ELABORATIONS[kind]), rng.choice((2, 3, 4))))) if long else ()
    numbered = rng.randrange(len(NUMBERED))
    low, high = NUMBERED[numbered][2]
    return Idea(kind, template, {name: rng.randrange(len(SLOTS[name])) for name in names},
                numbered, rng.randint(low, high), long, elaborations,
                rng.randrange(len(INTROS)), rng.randrange(1, 40))


def generate_statements(n: int, seed: int = 0, salt: str = "", near_dup: float = 0.3,
                        long_share: float = 0.15, spanish: float = 0.6) -> list[dict]:
    """``n`` unique statements ``{"id", "text", "type", "lang"}``; ``near_dup`` of them reword an earlier one.

    Deterministic for a given (seed, salt, n); a new salt gives statements no cache has seen.
    """
    rng = random.Random(f"{seed}:{salt}:{n}")
    seen: set[str] = set()
    ideas: list[tuple[Idea, int]] = []
    rows: list[dict] = []
    while len(rows) < n:
        if ideas and rng.random() < near_dup:
            idea, lang = rng.choice(ideas)
            move = rng.random()
            if move < 0.4:
                text, lang = _render(idea, 1 - lang), 1 - lang  # translation
            elif move < 0.8:
                text = _render(idea, lang, opener=rng.randrange(len(OPENERS)))
            else:
                text = _render(idea, lang, opener=rng.randrange(len(OPENERS)), drop_number=True)
        else:
            idea, lang = _new_idea(rng, long_share), int(rng.random() >= spanish)
            text = _render(idea, lang)
            ideas.append((idea, lang))
        if text in seen:
            continue
        seen.add(text)
        rows.append({"id": f"b{len(rows) + 1:06d}", "text": text, "type": idea.kind, "lang": "es" if lang == 0 else "en"})
    return rows


def text_stats(rows: list[dict]) -> dict:
    """Length and mix of a generated set (throughput depends on statement length)."""
    words = [len(r["text"].split()) for r in rows]
    return {"n": len(rows), "mean_words": round(statistics.mean(words), 1), "median_words": statistics.median(words),
            "share_40_plus_words": round(sum(w >= 40 for w in words) / len(words), 3),
            "mean_chars": round(statistics.mean(len(r["text"]) for r in rows), 1),
            "share_spanish": round(sum(r["lang"] == "es" for r in rows) / len(rows), 3)}


def write_csv(rows: list[dict], path: Path) -> Path:
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=["id", "text", "type"], extrasaction="ignore", lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    return path


def write_transcript(rows: list[dict], path: Path) -> Path:
    """Workshop notes: a preamble, then "Riesgos", "Beneficios" and "Estrategias" sections of bullets."""
    headings = {"risk": "Riesgos", "benefit": "Beneficios", "strategy": "Estrategias"}
    lines = ["Taller «Redes sociales en el gobierno» (benchmark)", "Secretaría: Dirección de Comunicación Social",
             "Fecha: 12 de marzo de 2026", "Mesa 1", ""]
    for kind in TYPES:
        lines += [headings[kind]]
        lines += [f"- {r['text']}" for r in rows if r["type"] == kind]
        lines += [""]
    path.write_text("\n".join(lines), encoding="utf-8")
    return path

