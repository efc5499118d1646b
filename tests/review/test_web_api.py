"""The browser review's server side without a browser: the JSON API (Starlette's TestClient), its
security rules, the real uvicorn server (ports, tokens, concurrent tabs, Ctrl-C) and the CLI."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import urllib.error
import urllib.request
from pathlib import Path

import pandas as pd
import pytest
from starlette.testclient import TestClient

from review.conftest import S1, S2, S3, S5, S6
from review.web_serving import rows, serving
from smgov_nlp.errors import SmgovError
from smgov_nlp.review.context import transcript_context
from smgov_nlp.review.store import DecisionStore, load_reviewed_examples
from smgov_nlp.review.web.app import SESSION_HEADER, create_app
from smgov_nlp.review.web.server import load_review, open_socket, run_web_review, served_url
from smgov_nlp.text import text_hash

ORDER = [S2, S5, S3, S6, S1]  # most uncertain first; the blank row and the duplicate of S2 left out


def client_for(review, token: str | None = None, base_url: str = "http://127.0.0.1") -> TestClient:
    return TestClient(create_app(review, token), base_url=base_url)


@pytest.fixture
def review(queue_csv, data_dir):
    return load_review(queue_csv, data_dir)


@pytest.fixture
def client(review):
    with client_for(review) as client:
        yield client


def post(client: TestClient, review, path: str, body: dict, tab: str = "tab1", reviewer: str = "ana"):
    return client.post(path, json={"tab": tab, "reviewer": reviewer, **body},
                       headers={SESSION_HEADER: review.session_token})


# --- reading ------------------------------------------------------------------------------


def test_state_lists_the_queue_most_uncertain_first_with_suggestions_and_security_headers(client, review):
    response = client.get("/api/state")
    assert response.status_code == 200
    state = response.json()
    assert [item["text"] for item in state["items"]] == ORDER
    first = state["items"][0]
    assert (first["layer"], first["layer_confidence"], first["layer_runner_up"]) == \
        ("general_context", 0.3, "institutional_framework")
    assert first["nearest_examples"] == ["No hay recursos", "Budget cuts"]
    assert (first["file"], first["line"]) == ("taller.txt", "2")
    assert state["items"][3]["layer_runner_up_confidence"] is None  # a missing confidence is null, never NaN
    assert state["status"] == [None] * 5 and state["reviewer"] is None
    assert state["progress"] | {"per_minute": 0} == {"total": 5, "reviewed": 0, "remaining": 5, "this_session": 0,
                                                     "per_minute": 0}
    assert [layer["key"] for layer in state["layers"]] == ["1", "2", "3", "4", "5", "6"]
    assert all(layer["definition"] for layer in state["layers"])
    assert state["session"] == review.session_token
    assert "script-src 'self'" in response.headers["content-security-policy"]
    assert response.headers["x-content-type-options"] == "nosniff"
    assert "set-cookie" not in response.headers


def test_page_and_its_own_assets_are_served(client):
    page = client.get("/")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert "http" not in page.text  # no CDN: every asset is the page's own
    assert 'type="module" src="static/app.js"' in page.text
    for name in ("app.js", "state.js", "focus.js", "list.js"):  # ES modules: no build step
        script = client.get(f"/static/{name}")
        assert script.status_code == 200 and "javascript" in script.headers["content-type"]
        for html_sink in (".innerHTML", ".outerHTML", "insertAdjacentHTML", "document.write", "eval("):
            assert html_sink not in script.text, (name, html_sink)
    assert client.get("/static/app.css").status_code == 200


@pytest.mark.parametrize("path", ["/static/../app.py", "/static/%2e%2e/app.py", "/static/..%2fsession.py",
                                  "/static/%2e%2e%2f%2e%2e%2fcli.py", "/../../pyproject.toml", "/static/",
                                  "/static//etc/passwd", "/app.py", "/favicon.ico"])
def test_nothing_but_the_own_assets_is_served(client, path):
    response = client.get(path)
    assert response.status_code == 404
    assert "import" not in response.text and "root:" not in response.text


def test_another_host_name_is_refused_without_a_token(client):
    """DNS rebinding: a page of another site resolved to 127.0.0.1 must not read the review."""
    assert client.get("/api/state", headers={"host": "attacker.example"}).status_code == 400
    assert client.get("/api/state", headers={"host": "localhost:8765"}).status_code == 200



def test_join_an_idea_by_its_id_links_to_one_of_its_statements(queue_csv, data_dir):
    """The page gets idea id -> a member's text_hash (statements.csv beside the queue included); a decision
    may link to a member of another idea, never to an unknown statement or to itself."""
    queue = pd.read_csv(queue_csv).assign(idea_id=lambda f: [f"I{i:03d}" for i in range(1, len(f) + 1)])
    queue.to_csv(queue_csv, index=False)
    pd.DataFrame({"idea_id": ["I900"], "text": ["Solo en statements.csv"]}).to_csv(
        queue_csv.with_name("statements.csv"), index=False)
    review = load_review(queue_csv, data_dir)
    with client_for(review) as client:
        ideas = client.get("/api/state").json()["ideas"]
        assert ideas["i900"] == text_hash("Solo en statements.csv") and len(ideas) >= 5
        s2 = text_hash(S2)
        body = {"text_hash": s2, "layer": "technology", "type": "risk"}
        assert post(client, review, "/api/decide", {**body, "idea_with": s2}).status_code == 400  # itself
        assert post(client, review, "/api/decide", {**body, "idea_with": "f" * 64}).status_code == 400  # unknown
        assert post(client, review, "/api/decide", {**body, "idea_with": ideas["i900"]}).status_code == 200
    assert DecisionStore(data_dir).idea_links() == {s2: text_hash("Solo en statements.csv")}

# --- changes: POST, JSON and the session token only --------------------------------------------


def test_decide_accept_correct_not_statement_and_undo(client, review, data_dir):
    s2, s5, s3 = (text_hash(text) for text in (S2, S5, S3))
    response = post(client, review, "/api/decide", {"text_hash": s2, "layer": "general_context", "type": "risk"})
    assert response.status_code == 200
    assert response.json()["status"][0]["decision"] == "accept"
    assert response.json()["progress"]["reviewed"] == 1
    post(client, review, "/api/decide", {"text_hash": s5, "layer": "technology", "type": "benefit",
                                         "idea_with": "own", "note": "  see the 2019 plan  "})
    post(client, review, "/api/decide", {"text_hash": s3, "verdict": "not_statement", "layer": "x"})
    saved = rows(data_dir)
    assert [(r["text"], r["decision"], r["layer"], r["type"], r["via"], r["reviewer"]) for r in saved] == [
        (S2, "accept", "general_context", "risk", "web", "ana"),
        (S5, "correct", "technology", "benefit", "web", "ana"),
        (S3, "not_statement", "", "", "web", "ana"),
    ]
    assert (saved[1]["idea_with"], saved[1]["note"]) == ("own", "see the 2019 plan")

    undone = post(client, review, "/api/undo", {})
    assert undone.status_code == 200 and undone.json()["index"] == 2
    assert rows(data_dir)[-1]["decision"] == "" and rows(data_dir)[-1]["text"] == S3
    assert DecisionStore(data_dir).get(s3) is None
    assert post(client, review, "/api/undo", {}).json()["index"] == 1
    assert post(client, review, "/api/undo", {}).json()["index"] == 0
    nothing = post(client, review, "/api/undo", {})
    assert nothing.status_code == 409 and "nothing to undo" in nothing.json()["error"]
    assert len(DecisionStore(data_dir)) == 0 and len(rows(data_dir)) == 6
    summary = review.summary()
    assert (summary.total, summary.decided, summary.undone) == (5, 0, 3)


def test_decisions_made_in_the_browser_are_training_rows(client, review, data_dir):
    post(client, review, "/api/decide", {"text_hash": text_hash(S2), "layer": "technology", "type": "risk"})
    post(client, review, "/api/decide", {"text_hash": text_hash(S5), "verdict": "not_statement"})
    examples = load_reviewed_examples(data_dir)
    assert examples[["text", "layer", "type"]].values.tolist() == [[S2, "technology", "risk"]]


def test_changes_need_post_json_and_the_session_token(client, review, data_dir):
    body = {"tab": "t", "reviewer": "ana", "text_hash": text_hash(S2), "layer": "technology", "type": "risk"}
    assert client.post("/api/decide", json=body).status_code == 403  # no token
    assert client.post("/api/decide", json=body, headers={SESSION_HEADER: "guess"}).status_code == 403
    form = client.post("/api/decide", data=body, headers={SESSION_HEADER: review.session_token})  # a form post
    assert form.status_code == 415
    broken = client.post("/api/decide", content=b"{not json", headers={SESSION_HEADER: review.session_token,
                                                                        "content-type": "application/json"})
    assert broken.status_code == 400
    for path in ("/api/decide", "/api/undo", "/api/bulk-accept"):
        assert client.get(path, params=body).status_code == 405
    assert not (data_dir / "reviewed.csv").exists()


def test_get_never_changes_state(client, review, data_dir):
    post(client, review, "/api/decide", {"text_hash": text_hash(S2), "layer": "technology", "type": "risk"})
    before = (data_dir / "reviewed.csv").read_bytes()
    for path in ("/", "/api/state", "/api/status", "/static/app.js", "/api/decide", "/api/undo", "/api/bulk-accept"):
        client.get(path, params={"tab": "tab1", "text_hash": text_hash(S5), "layer": "technology", "type": "risk"})
        client.head(path)
    assert (data_dir / "reviewed.csv").read_bytes() == before
    assert post(client, review, "/api/undo", {}).status_code == 200  # the undo history is untouched too


@pytest.mark.parametrize(("body", "status", "says"), [
    ({"text_hash": "0" * 64, "layer": "technology", "type": "risk"}, 404, "no statement"),
    ({"text_hash": text_hash(S2), "layer": "politics", "type": "risk"}, 400, "expected a layer"),
    ({"text_hash": text_hash(S2), "layer": "technology"}, 400, "expected a layer"),
    ({"text_hash": text_hash(S2), "verdict": "maybe"}, 400, "verdict"),
    ({"text_hash": text_hash(S2), "layer": "technology", "type": "risk", "idea_with": "x"}, 400, "idea_with"),
    ({"text_hash": text_hash(S2), "layer": "technology", "type": "risk", "reviewer": ""}, 400, "reviewer"),
    ({"text_hash": text_hash(S2), "layer": "technology", "type": "risk", "tab": "../x"}, 400, "tab"),
    ({"text_hash": text_hash(S2), "layer": "technology", "type": "risk", "note": 3}, 400, "note"),
])
def test_bad_requests_say_why_and_write_nothing(client, review, data_dir, body, status, says):
    response = client.post("/api/decide", json={"tab": "tab1", "reviewer": "ana", **body},
                           headers={SESSION_HEADER: review.session_token})
    assert response.status_code == status and says in response.json()["error"]
    assert not (data_dir / "reviewed.csv").exists()


def test_the_reviewer_given_on_the_command_line_wins(queue_csv, data_dir):
    review = load_review(queue_csv, data_dir, reviewer="  bea ")
    with client_for(review) as client:
        assert client.get("/api/state").json()["reviewer"] == "bea"
        post(client, review, "/api/decide", {"text_hash": text_hash(S2), "layer": "technology", "type": "risk"},
             reviewer="")
    assert rows(data_dir)[0]["reviewer"] == "bea"


def test_bulk_accept_is_one_batch_of_undecided_suggestions_and_one_undo(client, review, data_dir):
    hashes = [text_hash(text) for text in (S2, S5, S3, S6)]
    post(client, review, "/api/decide", {"text_hash": hashes[3], "layer": "technology", "type": "risk"})
    response = post(client, review, "/api/bulk-accept", {"text_hashes": hashes})
    assert response.status_code == 200
    result = response.json()
    assert (result["accepted"], result["already_decided"], result["no_suggestion"]) == (3, 1, 0)
    bulk = rows(data_dir)[1:]
    assert [(r["text"], r["decision"], r["layer"], r["type"]) for r in bulk] == [
        (S2, "accept", "general_context", "risk"), (S5, "accept", "information_data", "benefit"),
        (S3, "accept", "interorganizational_collaboration", "benefit")]
    assert {r["batch"] for r in bulk} == {result["batch"]} and result["batch"]
    assert post(client, review, "/api/undo", {}).json()["undone"] == 3
    assert set(DecisionStore(data_dir).latest()) == {hashes[3]}
    assert post(client, review, "/api/bulk-accept", {"text_hashes": []}).status_code == 400


def test_undo_keeps_a_decision_made_since_in_another_tab(client, review, data_dir):
    s2 = text_hash(S2)
    post(client, review, "/api/decide", {"text_hash": s2, "layer": "technology", "type": "risk"}, tab="one")
    post(client, review, "/api/decide", {"text_hash": s2, "layer": "technology", "type": "benefit"}, tab="two",
         reviewer="bea")
    refused = post(client, review, "/api/undo", {}, tab="one")
    assert refused.status_code == 409 and "another tab" in refused.json()["error"]
    assert (DecisionStore(data_dir).get(s2).type, DecisionStore(data_dir).get(s2).reviewer) == ("benefit", "bea")
    assert post(client, review, "/api/undo", {}, tab="one").status_code == 409  # nothing left in tab one
    assert post(client, review, "/api/undo", {}, tab="two").status_code == 200  # tab two takes its own back:
    assert DecisionStore(data_dir).get(s2).type == "risk"  # to the state before it, tab one's decision


def test_a_restarted_review_resumes_from_the_store(queue_csv, data_dir, review, client):
    post(client, review, "/api/decide", {"text_hash": text_hash(S2), "layer": "technology", "type": "risk"})
    again = load_review(queue_csv, data_dir)
    state = again.state()
    assert [item["text"] for item in state["items"]] == ORDER  # decided statements stay listed, in place
    assert state["status"][0]["layer"] == "technology" and state["status"][1:] == [None] * 4
    assert (again.already_decided, again.undecided_at_start) == (1, 4)


def test_transcript_context_comes_from_statements_csv_beside_a_precode_queue(tmp_path):
    lines = [f"line {i}" for i in range(1, 8)]
    pd.DataFrame({"statement_id": [f"S{i}" for i in range(1, 8)], "text": lines,
                  "file": ["a.txt"] * 4 + ["b.txt"] * 3, "line": [1, 2, 3, 4, 1, 2, 3]}).to_csv(
        tmp_path / "statements.csv", index=False)
    context = transcript_context(tmp_path / "review_queue.csv", ["S2", "S5", "S9", ""])
    assert [(c["text"], c["self"]) for c in context["S2"]] == [
        ("line 1", False), ("line 2", True), ("line 3", False), ("line 4", False)]
    assert [c["text"] for c in context["S5"]] == ["line 5", "line 6", "line 7"]  # never across files
    assert set(context) == {"S2", "S5"}
    assert transcript_context(tmp_path / "elsewhere" / "q.csv", ["S2"]) == {}


# --- the access token, on any host but 127.0.0.1 ---------------------------------------------------


def test_with_a_token_every_request_needs_it(review, data_dir):
    with client_for(review, token="s3cret", base_url="http://127.0.0.2:8765") as client:
        assert client.get("/").status_code == 403
        assert client.get("/static/app.js").status_code == 403
        assert client.get("/api/state").status_code == 403
        assert client.get("/?token=wrong").status_code == 403
        page = client.get("/?token=s3cret")
        assert page.status_code == 200 and "HttpOnly; SameSite=Strict" in page.headers["set-cookie"]
        assert client.get("/static/app.js").status_code == 200  # the cookie carries it from now on
        assert client.get("/api/state").status_code == 200
        client.cookies.clear()
        refused = client.post("/api/decide", json={"tab": "t", "reviewer": "a", "text_hash": text_hash(S2),
                                                   "layer": "technology", "type": "risk"},
                              headers={SESSION_HEADER: review.session_token})
        assert refused.status_code == 403
    assert not (data_dir / "reviewed.csv").exists()


# --- the real server ------------------------------------------------------------------------


def http(url: str, body: dict | None = None, session: str = "") -> tuple[int, dict]:
    data = None if body is None else json.dumps(body).encode()
    headers = {"Content-Type": "application/json", SESSION_HEADER: session} if body is not None else {}
    request = urllib.request.Request(url, data=data, headers=headers, method="POST" if body is not None else "GET")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read() or b"null")
    except urllib.error.HTTPError as exc:
        return exc.code, {}


def test_two_tabs_posting_at_once_lose_no_decision(queue_csv, data_dir):
    with serving(queue_csv, data_dir, reviewer="ana") as server:
        base = server.url
        _, state = http(base + "api/state")
        hashes = [item["text_hash"] for item in state["items"]]
        barrier = threading.Barrier(len(hashes))
        results = []

        def decide(number: int, text_hash_: str) -> None:
            barrier.wait(timeout=10)
            results.append(http(base + "api/decide", {"tab": f"tab{number % 2}", "text_hash": text_hash_,
                                                      "layer": "technology", "type": "risk"}, state["session"])[0])

        threads = [threading.Thread(target=decide, args=pair) for pair in enumerate(hashes)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(20)
        assert results == [200] * len(hashes)
    assert sorted(r["text_hash"] for r in rows(data_dir)) == sorted(hashes)
    assert set(DecisionStore(data_dir).latest()) == set(hashes)


def test_token_path_on_another_loopback_address(queue_csv, data_dir):
    with serving(queue_csv, data_dir, reviewer="ana", host="127.0.0.2") as server:
        assert server.token and server.url == f"http://127.0.0.2:{server.port}/?token={server.token}"
        assert http(f"http://127.0.0.2:{server.port}/api/state")[0] == 403
        status, state = http(f"http://127.0.0.2:{server.port}/api/state?token={server.token}")
        assert status == 200 and len(state["items"]) == 5


def test_a_port_in_use_is_a_one_line_error(queue_csv, data_dir):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(SmgovError, match=f"port {port} on 127.0.0.1 is already in use"):
            open_socket("127.0.0.1", port)
        result = subprocess.run([sys.executable, "-m", "smgov_nlp.cli", "review", str(queue_csv), "--web",
                                 "--no-browser", "--port", str(port), "--data", str(data_dir)],
                                capture_output=True, text=True, timeout=60, env=os.environ | {"COLUMNS": "200"})
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        f"error: port {port} on 127.0.0.1 is already in use; pass another --port (e.g. --port {port + 1}), "
        "or stop the program using it"]


def test_urls_tokens_and_bad_hosts():
    assert served_url("127.0.0.1", 8765, None) == "http://127.0.0.1:8765/"
    assert served_url("::1", 80, "t") == "http://[::1]:80/?token=t"
    with pytest.raises(SmgovError, match="cannot serve on"):
        open_socket("192.0.2.1", 0)  # TEST-NET-1: never an address of this machine


def test_missing_and_empty_queues_get_the_terminal_messages(tmp_path, data_dir):
    with pytest.raises(SmgovError, match="missing.csv"):
        run_web_review(tmp_path / "missing.csv", data_dir, open_browser=False)
    empty = tmp_path / "empty.csv"
    empty.write_text("text,layer,type\n   ,,\n", encoding="utf-8")
    summary = run_web_review(empty, data_dir, open_browser=False, on_ready=lambda url: pytest.fail("served"))
    assert summary.nothing_to_review


def test_cli_serves_until_ctrl_c_and_prints_the_url_and_a_summary(queue_csv, data_dir):
    process = subprocess.Popen([sys.executable, "-m", "smgov_nlp.cli", "review", str(queue_csv), "--web",
                                "--no-browser", "--port", "0", "--data", str(data_dir), "--reviewer", "ana"],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        line = process.stdout.readline()
        assert line.startswith("reviewing at http://127.0.0.1:") and line.rstrip().endswith("(Ctrl-C stops)")
        url = line.split()[2]
        _, state = http(url + "api/state")
        status, _ = http(url + "api/decide", {"tab": "t", "text_hash": text_hash(S2), "layer": "general_context",
                                              "type": "risk"}, state["session"])
        assert status == 200
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=20)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    assert process.returncode == 0, err
    assert "Traceback" not in err
    assert f"1 decided (1 accepted, 0 corrected, 0 not a statement), 0 skipped, 4 left -> {data_dir / 'reviewed.csv'}" \
        in " ".join(err.split())
    assert [r["reviewer"] for r in rows(data_dir)] == ["ana"]


def test_precode_queue_shows_reasons_and_context(tmp_path):
    queue = tmp_path / "out" / "review_queue.csv"
    queue.parent.mkdir()
    pd.DataFrame({"statement_id": ["S00002"], "text": ["Falta de presupuesto"], "layer": ["technology"],
                  "type": ["risk"], "review_reason": ["new idea; layer uncertain: technology or general_context"],
                  "matched_idea": ["t1-004: Lack of budget"], "error_risk": ["0.61"], "file": ["m.txt"],
                  "line": ["4"]}).to_csv(queue, index=False)
    pd.DataFrame({"statement_id": ["S00001", "S00002"], "text": ["Título", "Falta de presupuesto"],
                  "file": ["m.txt", "m.txt"], "line": [3, 4]}).to_csv(queue.parent / "statements.csv", index=False)
    item = load_review(queue, tmp_path / "data").state()["items"][0]
    assert item["review_reason"].startswith("new idea") and item["matched_idea"] == "t1-004: Lack of budget"
    assert item["error_risk"] == 0.61
    assert [(c["line"], c["self"]) for c in item["context"]] == [("3", False), ("4", True)]
    assert Path(queue).exists()
