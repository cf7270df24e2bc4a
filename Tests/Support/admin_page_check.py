#!/usr/bin/env python3
"""Drives Switchboard's admin page in Debian's Chromium (headless, through chromium-driver
and Selenium) against a running `switchboard serve`, as a person would use it, and writes
a screenshot of each screen.

usage: admin_page_check.py BASE_URL ADMIN_TOKEN COMPANY_TOKEN SCREENSHOT_FOLDER

The store behind the server holds the example companies, and one whose name is
`<script>alert(1)</script> & Sons`; the Twilio stand-in knows the example accounts.
Prints one line per step; exits 1 at the first failure.
"""
import json
import os
import sys
import time
import urllib.request

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import Select, WebDriverWait

BASE, ADMIN, COMPANY, SHOTS = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4]
ACME = "65a1f0c2e4b0a1a2b3c4d5e1"
BIRCH = "65a1f0c2e4b0a1a2b3c4d5e2"
os.makedirs(SHOTS, exist_ok=True)

options = webdriver.ChromeOptions()
options.binary_location = "/usr/bin/chromium"
for argument in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1280,1000"):
    options.add_argument(argument)
options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
wait = WebDriverWait(driver, 10)


def step(name):
    print(f"step: {name}", flush=True)


def find(css):
    return wait.until(EC.presence_of_element_located((By.CSS_SELECTOR, css)))


def visible(css):
    return wait.until(EC.visibility_of_element_located((By.CSS_SELECTOR, css)))


def text_in(css, text):
    wait.until(EC.text_to_be_present_in_element((By.CSS_SELECTOR, css), text))
    return driver.find_element(By.CSS_SELECTOR, css).text


def shot(name):
    driver.save_screenshot(os.path.join(SHOTS, name + ".png"))


def api(method, path, body=None, headers=None):
    request = urllib.request.Request(BASE.replace("/admin/", "") + path, method=method,
                                     data=json.dumps(body).encode() if body is not None else None,
                                     headers={"Authorization": f"Bearer {ADMIN}", "Content-Type": "application/json", **(headers or {})})
    try:
        with urllib.request.urlopen(request) as response:
            return response.status, json.loads(response.read() or b"null")
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"null")


def sign_in(token):
    area = visible("#token")
    area.clear()
    area.send_keys(token)
    driver.find_element(By.CSS_SELECTOR, "form button[type=submit]").click()


def open_company(company_id):
    """Opens the company afresh (a reload: the same hash alone would not read it again)."""
    driver.get(BASE + f"#/companies/{company_id}")
    driver.refresh()
    visible("#f-accountSid")


def check_labels():
    unlabelled = driver.execute_script("""
        return [...document.querySelectorAll('input, select, textarea')].filter(e => e.type !== 'hidden' && !e.getAttribute('aria-label')
          && !(e.id && document.querySelector(`label[for="${e.id}"]`))).map(e => e.outerHTML.slice(0, 80));""")
    assert not unlabelled, f"inputs without labels: {unlabelled}"


try:
    step("signed out, the page offers the sign-in only: no navigation, no sign-out")
    driver.get(BASE)
    visible("#token")
    for element in ("tabs", "who", "sign-out"):
        assert not driver.find_element(By.ID, element).is_displayed(), f"#{element} shown to someone not signed in"

    step("a bad token is refused at its field")
    sign_in("not a token")
    assert "three parts" in text_in("#token-error", "token")
    shot("sign-in")

    hint = find("#token-hint")
    assert "`" not in hint.text and hint.find_elements(By.TAG_NAME, "code"), hint.text

    step("an admin signs in and sees who and until when")
    sign_in(ADMIN)
    who = text_in("#who-text", "platform admin")
    assert "ops@example.com" in who and "until" in who, who
    assert driver.execute_script("return document.cookie") == "", "a cookie was set"
    assert ADMIN not in driver.current_url, "the token is in the URL"
    assert driver.execute_script("return sessionStorage.getItem('switchboard.token')") == ADMIN

    assert "Signed in." in text_in("#announcer", "Signed in")

    step("the companies, filterable by name and by number")
    find("#companies-table tbody tr")
    rows = driver.find_elements(By.CSS_SELECTOR, "#companies-table tbody tr")
    assert len(rows) >= 5, len(rows)
    names = driver.find_element(By.CSS_SELECTOR, "#companies-table").text
    assert "<script>alert(1)</script> & Sons" in names, "the company name was not shown as text"
    assert not driver.find_elements(By.CSS_SELECTOR, "#companies-table script"), "a company name became markup"
    shot("companies")
    step("each company's last health check in the list, and problems only")
    acme_row = find(f"#companies-table tr[data-company='{ACME}']")
    assert "DOWN" in acme_row.find_element(By.CSS_SELECTOR, ".health-status").text, acme_row.text
    assert "no Voice URL is set" in acme_row.find_element(By.CSS_SELECTOR, ".health-problem").text, acme_row.text
    odd = [r for r in driver.find_elements(By.CSS_SELECTOR, "#companies-table tbody tr") if "alert(1)" in r.text]
    assert odd and "NOT_CONFIGURED" in odd[0].text, [r.text for r in odd]
    driver.find_element(By.ID, "problems-only").click()
    wait.until(lambda d: "companies with problems" in d.find_element(By.ID, "companies-count").text)
    problem_rows = driver.find_elements(By.CSS_SELECTOR, "#companies-table tbody tr")
    assert len(problem_rows) == 4 and all("DOWN" in r.text for r in problem_rows), [r.text for r in problem_rows]
    assert "alert(1)" not in driver.find_element(By.CSS_SELECTOR, "#companies-table").text
    driver.find_element(By.ID, "problems-only").click()
    wait.until(lambda d: len(d.find_elements(By.CSS_SELECTOR, "#companies-table tbody tr")) >= 5)
    search = driver.find_element(By.ID, "filter")
    search.send_keys("cedar")
    wait.until(lambda d: len(d.find_elements(By.CSS_SELECTOR, "#companies-table tbody tr")) == 1)
    search.clear()
    search.send_keys("555 030 0002")
    wait.until(lambda d: "Cedar Plumbing" in d.find_element(By.CSS_SELECTOR, "#companies-table tbody").text
               and len(d.find_elements(By.CSS_SELECTOR, "#companies-table tbody tr")) == 1)

    step("a company's configuration: the token masked, what is typed revealed on demand")
    driver.find_element(By.CSS_SELECTOR, "#companies-table tbody tr a").click()  # Cedar, the one filtered
    visible("#f-accountSid")
    assert "Signed in." not in driver.find_element(By.ID, "announcer").text, "the sign-in message stayed on a later screen"
    open_company(ACME)
    token = find("#f-authToken")
    assert token.get_attribute("type") == "password"
    assert "••••8bc2" in token.get_attribute("placeholder"), token.get_attribute("placeholder")
    token.send_keys("abc")
    driver.find_element(By.CSS_SELECTOR, "button.reveal").click()
    assert token.get_attribute("type") == "text" and token.get_attribute("value") == "abc"
    driver.find_element(By.CSS_SELECTOR, "button.reveal").click()
    assert token.get_attribute("type") == "password"
    token.clear()
    check_labels()
    shot("company")

    step("Check now: the company's account and numbers, checked and shown")
    driver.find_element(By.ID, "check-now").click()
    found = text_in("#company-health", "checked")
    assert "DOWN" in found and "+15550100001: calls no URL set; messages no URL set" in found, found
    assert "Account: the account is active" in found and "not_set" not in found, found
    shot("company-health")

    step("calls and messages: the last of each with how it ended, and Send a test message")
    text_in("#activity-calls", "No calls yet")
    text_in("#opt-outs", "Nobody has opted out")
    to = find("#f-to")
    to.send_keys("555")
    driver.find_element(By.ID, "send-test").click()
    assert "not a phone number" in text_in("#f-to-error", "phone")
    to.clear()
    to.send_keys("+1 555 765 4321")
    driver.find_element(By.ID, "send-test").click()
    sent = text_in("#test-result", "Sent")
    assert "+15550100001" in sent and "SM" in sent, sent
    listed = text_in("#activity-messages", "+15557654321")
    assert "outbound-api" in listed and "queued" in listed and "sent" in listed, listed
    shot("company-activity")

    step("a validation error is shown at its field, and nothing is saved")
    sid = driver.find_element(By.ID, "f-accountSid")
    sid.clear()
    sid.send_keys("AC123")
    driver.find_element(By.ID, "save").click()
    assert "32 hexadecimal" in text_in("#f-accountSid-error", "AC")
    assert sid.get_attribute("aria-invalid") == "true"
    status, stored = api("GET", f"/api/companies/{ACME}/twilio/config")
    assert stored["twilioConfig"]["accountSid"] == "AC05bdef0d221517e1d93f0d0c6b40255d"

    step("Test connection with credentials Twilio refuses says so, at the fields")
    open_company(ACME)
    find("#f-authToken").send_keys("0000000000000000000000000000000f")
    driver.find_element(By.ID, "test-connection").click()
    assert "Twilio rejected" in text_in("#f-authToken-error", "Twilio")
    shot("test-connection-refused")

    step("edit and save: the change is stored")
    open_company(ACME)
    assert not driver.find_element(By.ID, "f-forwardFallback").is_displayed(), "the forward's fallback shown outside forward mode"
    Select(find("#f-callRoutingMode")).select_by_value("forward")
    visible("#f-forwardNumber").send_keys("+1 (555) 019-9999")
    assert Select(visible("#f-forwardFallback")).first_selected_option.get_attribute("value") == "voicemail"
    assert driver.find_element(By.ID, "f-voicemailGreeting").is_displayed(), "the greeting the fallback plays is not editable"
    Select(find("#f-forwardFallback")).select_by_value("hangup")
    assert not driver.find_element(By.ID, "f-voicemailGreeting").is_displayed()
    visible("#f-whisperMessage").send_keys("Call for Acme <front desk> & co")
    assert visible("#f-forwardRingSeconds").get_attribute("value") == "20", "the default ring time is not shown"
    find("#f-forwardRingSeconds").clear()
    find("#f-forwardRingSeconds").send_keys("18")
    driver.find_element(By.ID, "f-recordingEnabled").click()
    driver.find_element(By.ID, "save").click()
    saved = text_in("#result", "Saved")
    assert "null" not in saved and "undefined" not in saved, f"the result after a plain Save: {saved!r}"
    status, stored = api("GET", f"/api/companies/{ACME}/twilio/config")
    config = stored["twilioConfig"]
    assert config["callRoutingMode"] == "forward" and config["forwardNumber"] == "+15550199999", config
    assert config["forwardRingSeconds"] == 18, config
    assert config["whisperMessage"] == "Call for Acme <front desk> & co" and config["recordingEnabled"] is True
    assert config["forwardFallback"] == "hangup", config
    assert config["authToken"] == "••••8bc2", "the stored token changed"

    step("a setting hidden in another mode is kept by a Save in that mode")
    open_company(ACME)
    assert find("#f-forwardRingSeconds").get_attribute("value") == "18"
    Select(find("#f-callRoutingMode")).select_by_value("voicemail")
    assert not driver.find_element(By.ID, "f-forwardRingSeconds").is_displayed(), "the ring time shown outside forward mode"
    driver.find_element(By.ID, "save").click()
    text_in("#result", "Saved")
    status, stored = api("GET", f"/api/companies/{ACME}/twilio/config")
    assert stored["twilioConfig"]["forwardRingSeconds"] == 18, stored["twilioConfig"]
    Select(find("#f-callRoutingMode")).select_by_value("forward")
    driver.find_element(By.ID, "save").click()
    text_in("#result", "Saved")

    step("a save sends only what changed, as a JSON Merge Patch: a WhatsApp sender stays one")
    status, stored = api("GET", f"/api/companies/{ACME}/twilio/config")
    numbers = stored["twilioConfig"]["phoneNumbers"]
    assert len(numbers) == 2, numbers
    numbers[1]["channel"] = "whatsapp"
    status, _ = api("PATCH", f"/api/companies/{ACME}/twilio/config", {"phoneNumbers": numbers},
                    {"Content-Type": "application/merge-patch+json"})
    assert status == 200, status
    open_company(ACME)
    assert Select(find("#f-phoneNumbers-1-channel")).first_selected_option.get_attribute("value") == "whatsapp"
    assert Select(find("#f-phoneNumbers-0-channel")).first_selected_option.get_attribute("value") == "sms"
    driver.execute_script("""
        window.sentRequests = [];
        const original = window.fetch;
        window.fetch = (url, init = {}) => {
          window.sentRequests.push({ url: String(url), method: init.method, type: init.headers?.['Content-Type'], body: init.body });
          return original(url, init);
        };""")
    reply = visible("#f-smsAutoReply")
    reply.clear()
    reply.send_keys("Thanks! Acme Dental replies within the hour.")
    driver.find_element(By.ID, "save").click()
    text_in("#result", "Saved")
    sent = [r for r in driver.execute_script("return window.sentRequests") if "/twilio/config" in r["url"] and r["method"] != "GET"]
    assert len(sent) == 1 and sent[0]["method"] == "PATCH" and sent[0]["type"] == "application/merge-patch+json", sent
    assert json.loads(sent[0]["body"]) == {"smsAutoReply": "Thanks! Acme Dental replies within the hour."}, sent[0]["body"]
    status, stored = api("GET", f"/api/companies/{ACME}/twilio/config")
    config = stored["twilioConfig"]
    assert [n["channel"] for n in config["phoneNumbers"]] == ["sms", "whatsapp"], config["phoneNumbers"]
    assert config["smsAutoReply"] == "Thanks! Acme Dental replies within the hour." and config["forwardRingSeconds"] == 18, config

    step("voicemails: caller, time and transcript as text, and a player that loads the recording")
    open_company(BIRCH)
    listed = text_in("#voicemails", "+15557654321")
    assert "Hello, it's <Dana> about the lease." in listed, listed
    assert not driver.find_elements(By.CSS_SELECTOR, "#voicemails Dana"), "a transcript became markup"
    driver.find_element(By.CSS_SELECTOR, "#voicemails button.play").click()
    audio = find("#voicemails audio")
    try:
        wait.until(lambda d: d.execute_script(
            "const a = document.querySelector('#voicemails audio'); return a && a.readyState >= 1 && isFinite(a.duration) && a.duration > 0"))
    except Exception:
        state = driver.execute_script(
            "const a = document.querySelector('#voicemails audio'); return [document.querySelector('#voicemails').innerText, a && a.readyState, a && a.error && a.error.message]")
        raise AssertionError(f"the recording did not load: {state}")
    duration = driver.execute_script("return document.querySelector('#voicemails audio').duration")
    assert 3.5 < duration < 4.5, duration
    shot("voicemails")

    step("voicemails and missed calls: who is told, checked at its field, kept in E.164")
    open_company(ACME)
    assert find("#f-notifyOn-voicemail").is_selected() and not find("#f-notifyOn-missed-call").is_selected()
    find("#f-notifySms").send_keys("555\n+1 (555) 777-0001")
    find("#f-notifyEmail").send_keys("front-desk@acme.example")
    driver.find_element(By.ID, "f-notifyOn-missed-call").click()
    driver.find_element(By.ID, "save").click()
    problem = text_in("#f-notifySms-error", "entry 1")
    assert "not a phone number" in problem, problem
    find("#f-notifySms").clear()
    find("#f-notifySms").send_keys("+1 (555) 777-0001")
    driver.find_element(By.ID, "save").click()
    text_in("#result", "Saved")
    status, stored = api("GET", f"/api/companies/{ACME}/twilio/config")
    config = stored["twilioConfig"]
    assert config["notifySms"] == ["+15557770001"] and config["notifyEmail"] == ["front-desk@acme.example"], config
    assert config["notifyOn"] == ["voicemail", "missed-call"], config
    open_company(ACME)
    assert find("#f-notifySms").get_attribute("value") == "+15557770001"
    assert find("#f-notifyOn-missed-call").is_selected()
    shot("company-notifications")

    step("hours, closed dates, after hours, a ring group and the blocklist: checked at their fields, saved, shown again")
    open_company(ACME)
    Select(find("#f-callRoutingMode")).select_by_value("forward")
    visible("#f-forwardNumbers").send_keys("+1 555 039 9991\n+15550100001")
    Select(find("#f-forwardStrategy")).select_by_value("sequential")
    driver.find_element(By.ID, "f-forwardScreening").click()
    driver.find_element(By.ID, "add-hours").click()
    assert find("#f-businessHours-0-days-fri").is_selected() and not find("#f-businessHours-0-days-sat").is_selected()
    assert find("#f-timezone").get_attribute("value"), "adding hours fills in the browser's time zone"
    find("#f-timezone").clear()
    find("#f-timezone").send_keys("America/New_York")
    driver.find_element(By.ID, "add-hours").click()
    driver.find_element(By.ID, "f-businessHours-1-days-sat").click()
    find("#f-businessHours-1-open").send_keys("9am")
    find("#f-businessHours-1-close").send_keys("13:00")
    find("#f-closedDates").send_keys("2026-12-25")
    Select(visible("#f-afterHours-callRoutingMode")).select_by_value("voicemail")
    visible("#f-afterHours-voicemailGreeting").send_keys("Acme Dental is closed. Leave a message.")
    Select(find("#f-afterHours-smsMode")).select_by_value("auto-reply")
    visible("#f-afterHours-smsAutoReply").send_keys("We are closed; we reply tomorrow from 9.")
    find("#f-blockedCallers").send_keys("+1900*\n+1 555 765 0000")
    driver.find_element(By.ID, "f-rejectAnonymous").click()
    check_labels()
    driver.find_element(By.ID, "save").click()
    problem = text_in("#f-forwardNumbers-error", "entry 2")
    assert "own numbers" in problem, problem
    problem = text_in("#f-businessHours-1-open-error", "HH:MM")
    find("#f-forwardNumbers").clear()
    find("#f-forwardNumbers").send_keys("+1 555 039 9991\n+1 555 039 9992")
    find("#f-businessHours-1-open").clear()
    find("#f-businessHours-1-open").send_keys("09:00")
    driver.find_element(By.ID, "save").click()
    text_in("#result", "Saved")
    status, stored = api("GET", f"/api/companies/{ACME}/twilio/config")
    config = stored["twilioConfig"]
    assert config["forwardNumbers"] == ["+15550399991", "+15550399992"], config
    assert config["forwardStrategy"] == "sequential" and config["forwardScreening"] is True, config
    assert config["timezone"] == "America/New_York", config
    assert config["businessHours"] == [
        {"days": ["mon", "tue", "wed", "thu", "fri"], "open": "09:00", "close": "17:00"},
        {"days": ["sat"], "open": "09:00", "close": "13:00"}], config
    assert config["closedDates"] == ["2026-12-25"], config
    assert config["afterHours"] == {"callRoutingMode": "voicemail", "voicemailGreeting": "Acme Dental is closed. Leave a message.",
                                    "smsMode": "auto-reply", "smsAutoReply": "We are closed; we reply tomorrow from 9."}, config
    assert config["blockedCallers"] == ["+1900*", "+15557650000"] and config["rejectAnonymous"] is True, config
    open_company(ACME)
    assert find("#f-businessHours-1-days-sat").is_selected() and find("#f-businessHours-1-close").get_attribute("value") == "13:00"
    assert find("#f-afterHours-voicemailGreeting").get_attribute("value") == "Acme Dental is closed. Leave a message."
    assert find("#f-forwardScreening").is_selected()
    assert "null" not in driver.find_element(By.ID, "view").text and "undefined" not in driver.find_element(By.ID, "view").text
    driver.execute_script("document.getElementById('f-timezone').scrollIntoView()")
    shot("company-hours")

    step("a number another company holds: 409, shown at that number")
    driver.find_element(By.ID, "add-number").click()
    new_row = find("#f-phoneNumbers-2-phoneNumber")
    new_row.send_keys("+15550200001")
    driver.find_element(By.ID, "save").click()
    message = text_in("#f-phoneNumbers-2-phoneNumber-error", "+15550200001")
    assert "another company" in message or "company" in message, message

    step("a change made meanwhile: 412, not overwritten, with a way to reload")
    open_company(ACME)
    status, current = api("GET", f"/api/companies/{ACME}/twilio/config")
    current["twilioConfig"]["voicemailGreeting"] = "Changed by someone else"
    status, _ = api("PUT", f"/api/companies/{ACME}/twilio/config?verify=false", current["twilioConfig"])
    assert status == 200, status
    driver.find_element(By.ID, "f-recordingEnabled").click()
    driver.find_element(By.ID, "save").click()
    assert "changed since you read it" in text_in("#result", "changed")
    visible("#reload")
    status, after = api("GET", f"/api/companies/{ACME}/twilio/config")
    assert after["twilioConfig"]["voicemailGreeting"] == "Changed by someone else"

    step("set up webhooks on Twilio, reported per number")
    driver.find_element(By.ID, "reload").click()
    visible("#configure-webhooks").click()
    report = text_in("#webhook-report", "+15550100001")
    assert "updated" in report or "unchanged" in report, report

    step("the health dashboard, with every company")
    driver.get(BASE + "#/health")
    visible("#every-company").click()
    driver.find_element(By.ID, "run-health").click()
    text_in("#health-results", "Overall")
    badges = [b.text for b in driver.find_elements(By.CSS_SELECTOR, ".dependency .badge")]
    assert len(badges) == 3 and all(b in ("HEALTHY", "DEGRADED", "DOWN", "NOT_CONFIGURED") for b in badges), badges
    assert "company:" in driver.find_element(By.CSS_SELECTOR, "[data-dependency=twilio]").text
    find("#health-companies tbody tr")
    summary = text_in("#health-summary", "Companies")
    assert "Never checked" in summary and "DOWN" in summary, summary
    shot("health")

    step("on a phone-width screen, nothing overflows")
    driver.set_window_size(390, 844)
    open_company(ACME)
    overflow = driver.execute_script("return document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 1, f"the page is {overflow}px wider than the screen"
    shot("company-phone")
    driver.set_window_size(1280, 1000)

    step("a company token sees its own company only")
    driver.find_element(By.ID, "sign-out").click()
    visible("#token")
    for element in ("tabs", "who", "sign-out"):
        assert not driver.find_element(By.ID, element).is_displayed(), f"#{element} shown after signing out"
    sign_in(COMPANY)
    visible("#f-accountSid")
    assert "Birch & Partners Law" in find("#company-title").text
    assert not driver.find_element(By.ID, "tab-companies").is_displayed()
    driver.get(BASE + f"#/companies/{ACME}")
    assert "no company has id" in text_in("#view .error", "company")
    driver.get(BASE + "#/health")
    assert "platform admins" in text_in("#view", "platform admins")

    step("no browser errors, no alert")
    # The API's own 4xx and 5xx answers (a refused token, a missing company) are expected;
    # any other error — a missing file such as the icon, a script error — is not.
    errors = [entry for entry in driver.get_log("browser") if entry["level"] == "SEVERE"
              and not ("/api/" in entry["message"] and ("status of 4" in entry["message"] or "status of 5" in entry["message"]))]
    assert not errors, errors
    print("admin page: all steps passed")
except Exception as error:  # every way a step can fail: say which, with a screenshot
    shot("failure")
    print(f"FAILED: {type(error).__name__}: {error}", flush=True)
    print(driver.execute_script("return document.body.innerText")[:2000])
    sys.exit(1)
finally:
    driver.quit()
