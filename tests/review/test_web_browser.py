"""The browser review in a real headless Chromium (Debian's chromium + chromium-driver, driven by Selenium).

One browser for the module; every test serves its own queue on a free 127.0.0.x port and checks
``reviewed.csv`` after the keys it presses.
"""

from __future__ import annotations

import pandas as pd
import pytest
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import Select, WebDriverWait

from review.conftest import S1, S2, S3, S5
from review.web_serving import headless_chrome, rows, serving, wait_for, wait_rows

EVIL = "<img src=x onerror=alert(1)>"
WAIT = 10


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    driver = headless_chrome(tmp_path_factory.mktemp("chrome-profile"))
    try:
        yield driver
    finally:
        driver.quit()


@pytest.fixture(autouse=True)
def _no_script_errors(browser):
    """Every test ends with no error in the page's console (a script error, a refused resource)."""
    browser.get_log("browser")
    yield
    errors = [entry["message"] for entry in browser.get_log("browser") if entry["level"] == "SEVERE"
              and "409" not in entry["message"]]  # an undo the server refuses on purpose
    assert not errors


def open_page(driver, url: str) -> None:
    driver.get(url)
    WebDriverWait(driver, WAIT).until(lambda d: d.execute_script("return document.body.dataset.ready") == "true")


def press(driver, *keys: str) -> None:
    """Type ``keys`` into whatever has the focus, as a person would."""
    ActionChains(driver).send_keys(*keys).perform()


def shown(driver) -> str:
    return driver.find_element(By.ID, "text").text


def wait_shown(driver, text: str) -> None:
    WebDriverWait(driver, WAIT).until(lambda d: shown(d) == text and d.find_element(By.ID, "focus").is_displayed())


def text_of(driver, element_id: str) -> str:
    return driver.find_element(By.ID, element_id).text


def decided(saved: list[dict]) -> list[tuple[str, str, str, str]]:
    return [(r["text"], r["decision"], r["layer"], r["type"]) for r in saved]


def test_keys_write_at_once_undo_and_reload_resume(browser, queue_csv, data_dir):
    with serving(queue_csv, data_dir) as server:
        open_page(browser, server.url)
        assert browser.find_element(By.ID, "ask-name").is_displayed()  # no --reviewer: asked once
        name = browser.find_element(By.ID, "name-input")
        name.clear()
        name.send_keys("ana", Keys.ENTER)
        assert not browser.find_element(By.ID, "ask-name").is_displayed()
        assert text_of(browser, "reviewer-name") == "ana"
        assert shown(browser) == S2
        assert "0.30 1. General context" in text_of(browser, "suggestion")
        assert "No hay recursos" in text_of(browser, "examples")

        press(browser, "2")  # the layer only: shown as changed, nothing written yet
        WebDriverWait(browser, WAIT).until(lambda d: "[changed]" in text_of(d, "choice"))
        assert not (data_dir / "reviewed.csv").exists()
        press(browser, "s")  # both heads set by key: saved, next
        assert decided(wait_rows(data_dir, 1)) == [(S2, "correct", "institutional_framework", "strategy")]
        wait_shown(browser, S5)
        press(browser, "a")
        assert decided(wait_rows(data_dir, 2))[1] == (S5, "accept", "information_data", "benefit")
        wait_shown(browser, S3)
        press(browser, "u")  # back to S5, marked undecided again in the store
        saved = wait_rows(data_dir, 3)
        assert (saved[2]["text"], saved[2]["decision"], saved[2]["via"]) == (S5, "", "web")
        assert {r["reviewer"] for r in saved} == {"ana"}
        wait_shown(browser, S5)
        assert "[suggested]" in text_of(browser, "choice")

        browser.refresh()  # resumes at the first undecided statement; the name is remembered
        WebDriverWait(browser, WAIT).until(lambda d: d.execute_script("return document.body.dataset.ready") == "true")
        assert shown(browser) == S5 and not browser.find_element(By.ID, "ask-name").is_displayed()
        assert text_of(browser, "progress-text").startswith("reviewed 1 of 5 · 4 remaining")

        press(browser, "?")  # the help overlay: keys and the layer definitions
        assert "Institutional framework" in text_of(browser, "help-layers")
        assert "laws, regulations" in text_of(browser, "help-layers") and "x" in text_of(browser, "help-keys")
        press(browser, Keys.ESCAPE)
        assert not browser.find_element(By.ID, "help").is_displayed()
    with serving(queue_csv, data_dir, reviewer="bea") as server:  # a restarted server resumes too
        open_page(browser, server.url)
        assert shown(browser) == S5 and text_of(browser, "reviewer-name") == "bea"
        assert len(rows(data_dir)) == 3


def test_join_an_idea_with_the_i_key(browser, queue_csv, data_dir):
    """``i``, an idea id and Enter move the statement into that idea; an unknown id changes nothing."""
    queue = pd.read_csv(queue_csv).assign(idea_id=lambda f: [f"I{i:03d}" for i in range(1, len(f) + 1)])
    queue.to_csv(queue_csv, index=False)
    target = queue.loc[queue["text"] == S1, "idea_id"].item()
    with serving(queue_csv, data_dir, reviewer="ana") as server:
        open_page(browser, server.url)
        wait_shown(browser, S2)
        press(browser, "i", "I999", Keys.ENTER)  # unknown: a warning, nothing pending
        WebDriverWait(browser, WAIT).until(lambda d: "cannot join idea I999" in d.find_element(By.ID, "message").text)
        assert "joins idea" not in text_of(browser, "choice")
        field = browser.find_element(By.ID, "idea")
        field.clear()
        field.send_keys(target.lower(), Keys.ENTER)
        WebDriverWait(browser, WAIT).until(lambda d: "joins idea" in text_of(d, "choice"))
        press(browser, "a")
        saved = wait_rows(data_dir, 1)
    from smgov_nlp.text import text_hash

    assert (saved[0]["text"], saved[0]["idea_with"]) == (S2, text_hash(S1))


def test_bulk_accept_three_in_the_list_view_and_jump(browser, queue_csv, data_dir):
    with serving(queue_csv, data_dir, reviewer="ana") as server:
        open_page(browser, server.url)
        press(browser, "l")
        WebDriverWait(browser, WAIT).until(lambda d: d.find_element(By.ID, "list").is_displayed())
        assert len(browser.find_elements(By.CSS_SELECTOR, "#items-body tr")) == 5
        press(browser, " ", Keys.ARROW_DOWN, " ", Keys.ARROW_DOWN, " ")
        WebDriverWait(browser, WAIT).until(lambda d: text_of(d, "bulk-accept") == "Accept selected (3)")
        press(browser, "a")
        saved = wait_rows(data_dir, 3)
        assert decided(saved) == [(S2, "accept", "general_context", "risk"),
                                     (S5, "accept", "information_data", "benefit"),
                                     (S3, "accept", "interorganizational_collaboration", "benefit")]
        assert len({r["batch"] for r in saved}) == 1 and saved[0]["batch"]
        WebDriverWait(browser, WAIT).until(lambda d: len(d.find_elements(By.CSS_SELECTOR, "#items-body tr")) == 2)
        assert "accepted 3 suggestions" in text_of(browser, "message")

        Select(browser.find_element(By.ID, "filter-status")).select_by_value("all")
        Select(browser.find_element(By.ID, "filter-layer")).select_by_value("technology")
        listed = browser.find_elements(By.CSS_SELECTOR, "#items-body td.text-cell")
        assert [cell.text for cell in listed] == [S1]
        listed[0].click()  # jump to any statement
        wait_shown(browser, S1)
        assert len(rows(data_dir)) == 3


def test_statement_text_and_file_names_are_rendered_as_text(browser, tmp_path, data_dir):
    queue = tmp_path / "review_queue.csv"
    pd.DataFrame({"text": [EVIL], "layer": ["technology"], "type": ["risk"], "file": ["<b>notas</b>.txt"],
                  "nearest_examples": ["<script>window.hit = 1</script>"]}).to_csv(queue, index=False)
    with serving(queue, data_dir, reviewer="ana") as server:
        open_page(browser, server.url)
        assert shown(browser) == EVIL
        assert browser.execute_script("return document.getElementById('text').textContent") == EVIL
        assert "file <b>notas</b>.txt" in text_of(browser, "where")
        assert "<script>window.hit = 1</script>" in text_of(browser, "examples")
        press(browser, "l")
        assert browser.find_element(By.CSS_SELECTOR, "#items-body td.text-cell").text == EVIL
        injected = browser.execute_script(
            "return [document.querySelectorAll('img').length, document.querySelectorAll('b').length,"
            " document.querySelectorAll('script:not([src])').length, window.hit === undefined]")
        assert injected == [0, 0, 0, True]


def test_token_path_on_another_loopback_address(browser, queue_csv, data_dir):
    with serving(queue_csv, data_dir, reviewer="ana", host="127.0.0.2") as server:
        assert "?token=" in server.url
        open_page(browser, server.url)
        press(browser, "a")
        assert decided(wait_rows(data_dir, 1)) == [(S2, "accept", "general_context", "risk")]
        browser.delete_all_cookies()
        browser.get(f"http://127.0.0.2:{server.port}/")
        assert "a token is required" in browser.find_element(By.TAG_NAME, "body").text
        browser.get_log("browser")  # the refused page logged its 403 on purpose


def test_two_tabs_never_lose_a_decision(browser, queue_csv, data_dir):
    with serving(queue_csv, data_dir, reviewer="ana") as server:
        first = browser.current_window_handle
        open_page(browser, server.url)
        browser.switch_to.new_window("tab")
        try:
            open_page(browser, server.url)
            browser.find_element(By.ID, "do-accept").click()  # second tab: accept S2 with the button
            wait_rows(data_dir, 1)
            browser.switch_to.window(first)
            assert shown(browser) == S2  # the first tab still shows it, and decides it again
            press(browser, "6", "b")
            assert decided(wait_rows(data_dir, 2)) == [(S2, "accept", "general_context", "risk"),
                                                       (S2, "correct", "technology", "benefit")]
            browser.switch_to.window(browser.window_handles[-1])
            press(browser, "u")  # the second tab's undo would take back the first tab's decision: refused
            WebDriverWait(browser, WAIT).until(lambda d: "another tab" in text_of(d, "message"))
            assert len(rows(data_dir)) == 2
            browser.close()
        finally:
            browser.switch_to.window(first)


def test_a_fifty_statement_queue_is_cleared_with_the_keyboard_alone(browser, tmp_path, data_dir):
    queue = tmp_path / "review_queue.csv"
    texts = [f"Statement number {i} about social media" for i in range(50)]
    pd.DataFrame({"text": texts, "layer": "technology", "type": "benefit",
                  "layer_confidence": [round(0.2 + i / 100, 2) for i in range(50)],
                  "type_confidence": 0.9}).to_csv(queue, index=False)
    with serving(queue, data_dir, reviewer="ana") as server:
        open_page(browser, server.url)
        press(browser, "n")
        WebDriverWait(browser, WAIT).until(lambda d: d.switch_to.active_element.get_attribute("id") == "note")
        press(browser, "check the budget", Keys.ENTER, "m", "a")  # a note and "an idea of its own"
        first = wait_rows(data_dir, 1)[0]
        assert (first["note"], first["idea_with"], first["decision"]) == ("check the budget", "own", "accept")
        press(browser, "x", " ", "3", "r")  # not a statement; skip one; a correction
        press(browser, "a" * 46)
        saved = wait_rows(data_dir, 49)
        press(browser, "a")  # the skipped one comes round again
        saved = wait_rows(data_dir, 50)
        assert [r["decision"] for r in saved[:3]] == ["accept", "not_statement", "correct"]
        assert sorted(r["text"] for r in saved) == sorted(texts)
        WebDriverWait(browser, WAIT).until(lambda d: d.find_element(By.ID, "finished").is_displayed())
        wait_for(lambda: text_of(browser, "progress-text").startswith("reviewed 50 of 50 · 0 remaining"))
        assert "decisions/min" in text_of(browser, "progress-text")
        assert len(rows(data_dir)) == 50
