#!/usr/bin/python3
"""The dashboard in a real browser: Debian's Chromium driven by Selenium (python3-selenium).

Starts a real controller (the binary given) on a throw-away git repository made from
examples/canary plus a template with hostile content, with hack/lib/model-simulator.py as the
stand-in model endpoint, then:
  1. crawls every link from /ui/: no 4xx/5xx, no console error, no failed request;
  2. opens the hostile template (and a diff of it): no alert, no element from the payload;
  3. opens the Deployment page, commits a prompt change, and checks the page's weight and
     chart follow the running canary within 2 s of the controller, with no reload;
  4. saves screenshots of the overview and the Deployment page (ARTIFACTS, default
     .build/browser-artifacts).
With --bench N it instead measures first contentful paint (Performance API) of /ui/ and of
the Deployment page N times each, and the page weight, and prints medians.

Usage: dashboard_test.py PROMPTOPS_BINARY [--bench N]
"""
import hashlib
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request

from selenium import webdriver
from selenium.common.exceptions import NoAlertPresentException, NoSuchElementException, StaleElementReferenceException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
NS, DEPLOYMENT, TEMPLATE = "helpdesk", "support-reply-prod", "support-reply"
# The dashboard signs in with this token (configured by its SHA-256, like any API token).
TOKEN = "browser-test-token-" + os.urandom(8).hex()
BROWSE = "https://git.example/acme/prompts/blob/{revision}/{path}#L{line}"
HOSTILE = """apiVersion: promptops.dev/v1alpha1
kind: PromptTemplate
metadata:
  name: hostile-note
  namespace: helpdesk
  labels: {kind: "x"}
spec:
  description: '<script>alert("d")</script> "><img src=x onerror=alert(1)> javascript:alert(2) <a href="javascript:alert(3)">click</a>'
  inputs:
    who: {type: string, default: "<b>"}
  text: |
    <script>alert("t")</script>
    "><img src=x onerror=alert(4)>
    <a href="javascript:alert(5)">link</a> {{who}}
"""


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def fail(message):
    raise AssertionError(message)


class Scenario:
    def __init__(self, binary):
        self.binary = binary
        self.work = tempfile.mkdtemp(prefix="promptops-browser-")
        self.repo = os.path.join(self.work, "prompts")
        self.procs = []
        self.sim_port, self.port = free_port(), free_port()
        while self.port == self.sim_port:
            self.port = free_port()
        self.base = "http://127.0.0.1:%d" % self.port

    def git(self, *args):
        subprocess.run(["git", "-C", self.repo, "-c", "user.name=Browser Test", "-c", "user.email=browser@example.com", *args],
                       check=True, stdout=subprocess.DEVNULL)

    def commit(self, message):
        self.git("add", "-A")
        self.git("commit", "-q", "-m", message)

    def start(self):
        shutil.copytree(os.path.join(ROOT, "examples/canary"), self.repo)
        os.remove(os.path.join(self.repo, "README.md"))
        path = os.path.join(self.repo, "helpdesk/deployment.yaml")
        with open(path) as f:
            text = f.read().replace("__SIM_PORT__", str(self.sim_port))
        with open(path, "w") as f:
            f.write(text)
        with open(os.path.join(self.repo, "helpdesk/hostile.yaml"), "w") as f:
            f.write(HOSTILE)
        self.git("init", "-q", "-b", "main")
        self.commit("Import the support prompts")
        log = open(os.path.join(self.work, "simulator.log"), "w")
        self.procs.append(subprocess.Popen([sys.executable, os.path.join(ROOT, "hack/lib/model-simulator.py"), str(self.sim_port)],
                                           stderr=log, stdout=log))
        self.log_path = os.path.join(self.work, "controller.log")
        config = os.path.join(self.work, "controller.yaml")
        with open(config, "w") as f:
            f.write("""apiVersion: promptops.dev/v1alpha1
kind: ControllerConfig
listen: 127.0.0.1:%d
store: {path: %s}
sources:
  - name: prompts
    url: %s
    branch: main
    interval: 300ms
    browseURL: %s
egress:
  - namespaces: ["*"]
    urls: ["http://127.0.0.1:%d/"]
access:
  tokens:
    - name: dashboard-viewer
      sha256: %s
      namespaces: ["*"]
      scopes: [read, audit]
""" % (self.port, os.path.join(self.work, "store.db"), self.repo, BROWSE, self.sim_port, hashlib.sha256(TOKEN.encode()).hexdigest()))
        self.procs.append(subprocess.Popen([self.binary, "controller", "--config", config],
                                           stderr=open(self.log_path, "w"), stdout=subprocess.DEVNULL))
        deadline = time.time() + 60
        while time.time() < deadline:
            try:
                if self.deployment()["stable"]["version"] >= 1:
                    break
            except (urllib.error.URLError, ConnectionError, KeyError, ValueError):
                pass
            time.sleep(0.2)
        else:
            fail("the controller did not serve %s within 60 s:\n%s" % (DEPLOYMENT, open(self.log_path).read()[-3000:]))
        # A second version of the hostile template, for its diff page.
        with open(os.path.join(self.repo, "helpdesk/hostile.yaml"), "a") as f:
            f.write("    <svg onload=alert(6)>\n")
        self.commit("Edit the hostile note")
        while time.time() < deadline:
            status, body = self.get("/api/v1/namespaces/%s/templates/hostile-note" % NS)
            if status == 200 and len(json.loads(body)["versions"]) == 2:
                return
            time.sleep(0.2)
        fail("the second version of hostile-note was not applied")

    def stop(self):
        for p in self.procs:
            p.terminate()
        for p in self.procs:
            try:
                p.wait(timeout=10)
            except subprocess.TimeoutExpired:
                p.kill()
        if os.environ.get("KEEP") != "1":
            shutil.rmtree(self.work, ignore_errors=True)

    def get(self, path_or_url, cookie=None):
        """GET with the API token (or a session cookie); returns (status, body)."""
        url = path_or_url if path_or_url.startswith("http") else self.base + path_or_url
        headers = {"Cookie": cookie} if cookie else {"Authorization": "Bearer " + TOKEN}
        try:
            with urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=10) as r:
                return r.status, r.read()
        except urllib.error.HTTPError as e:
            return e.code, e.read()

    def deployment(self):
        status, body = self.get("/api/v1/namespaces/%s/deployments/%s" % (NS, DEPLOYMENT))
        if status != 200:
            raise ValueError("HTTP %d" % status)
        return json.loads(body)

    def deployment_url(self):
        return self.base + "/ui/namespaces/%s/deployments/%s" % (NS, DEPLOYMENT)


def browser():
    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    for arg in ["--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu", "--window-size=1280,1000",
                "--disable-extensions", "--no-first-run", "--disable-background-networking"]:
        options.add_argument(arg)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    return webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)


def console_errors(driver):
    return [e for e in driver.get_log("browser") if e.get("level") == "SEVERE"]


def failed_requests(driver):
    """Navigation and resources of the current page answered 4xx/5xx (Resource Timing)."""
    return driver.execute_script("""
        return performance.getEntriesByType('navigation').concat(performance.getEntriesByType('resource'))
          .filter(function (e) { return e.responseStatus >= 400; })
          .map(function (e) { return e.name + ' ' + e.responseStatus; });""")


def text_of(driver, selector):
    """The text of the first element matching `selector`, read in one step (the live script
    replaces elements at any moment, so a found element can go stale before it is read)."""
    return driver.execute_script("var e = document.querySelector(arguments[0]); return e ? e.textContent : null;", selector)


def count_of(driver, selector):
    return driver.execute_script("return document.querySelectorAll(arguments[0]).length;", selector)


def no_alert(driver):
    try:
        alert = driver.switch_to.alert
        fail("an alert opened: %r" % alert.text)
    except NoAlertPresentException:
        pass


def body_text(driver):
    """The page's text, or "" while a navigation has no document yet (a fresh-clone CI run
    once polled between the form's POST and the next page and found no body)."""
    try:
        return driver.find_element(By.TAG_NAME, "body").text
    except (NoSuchElementException, StaleElementReferenceException):
        return ""


def sign_in(driver, scenario):
    """The dashboard asks for the token once; the session is an HttpOnly SameSite=Strict cookie."""
    driver.get(scenario.base + "/ui/namespaces/" + NS)
    if "/ui/login" not in driver.current_url:
        fail("an anonymous visit was not sent to the sign-in form: %s" % driver.current_url)
    driver.find_element(By.ID, "token").send_keys("wrong-token")
    driver.find_element(By.CSS_SELECTOR, "form.login button[type=submit]").click()
    deadline = time.time() + 10
    while "not known" not in body_text(driver):
        if time.time() > deadline:
            fail("a wrong token was not refused")
        time.sleep(0.05)
    driver.find_element(By.ID, "token").send_keys(TOKEN)
    driver.find_element(By.CSS_SELECTOR, "form.login button[type=submit]").click()
    deadline = time.time() + 10
    while driver.current_url != scenario.base + "/ui/namespaces/" + NS:
        if time.time() > deadline:
            fail("sign-in did not return to the page asked for: %s" % driver.current_url)
        time.sleep(0.05)
    cookies = {c["name"]: c for c in driver.get_cookies()}
    session = cookies.get("promptops_token")
    if not session or not session.get("httpOnly") or session.get("sameSite") != "Strict":
        fail("the session cookie is not HttpOnly + SameSite=Strict: %s" % cookies)
    if TOKEN in driver.page_source:
        fail("the token appears in the page")
    driver.get_log("browser")  # the refused attempt's 401 is expected; later pages start clean
    return "promptops_token=" + session["value"]


def crawl(driver, scenario, cookie):
    """Every same-origin link reachable from /ui/ (up to 300 pages): each answers 2xx and
    loads without a console error or a failed request."""
    seen, queue, pages = set(), [scenario.base + "/ui/"], 0
    while queue and pages < 300:
        url = queue.pop(0)
        if url in seen:
            continue
        seen.add(url)
        status, _ = scenario.get(url, cookie=cookie)
        if status >= 400:
            fail("%s answered %d" % (url, status))
        if "/api/" in urllib.parse.urlparse(url).path:
            continue
        driver.get(url)
        pages += 1
        errors, failed = console_errors(driver), failed_requests(driver)
        if errors or failed:
            fail("%s: console errors %s, failed requests %s" % (url, errors, failed))
        no_alert(driver)
        # Read in one step: the live script may swap the region at any moment.
        for href in driver.execute_script("return Array.from(document.querySelectorAll('a[href]')).map(function (a) { return a.href; });"):
            if href and href.startswith(scenario.base):
                target = href.split("#")[0]
                if target not in seen:
                    queue.append(target)
    if pages < 6:
        fail("the crawler reached only %d pages: %s" % (pages, sorted(seen)))
    return pages


def hostile(driver, scenario):
    for path in ["/ui/namespaces/%s/templates/hostile-note" % NS, "/ui/namespaces/%s/templates/hostile-note?from=1&to=2" % NS,
                 "/ui/namespaces/%s" % NS]:
        status, _ = scenario.get(path)
        if status != 200:
            fail("%s answered %d" % (path, status))
        driver.get(scenario.base + path)
        time.sleep(0.3)
        no_alert(driver)
        if driver.find_elements(By.CSS_SELECTOR, "img, main script, #live svg[onload], a[href^='javascript']"):
            fail("%s: an element was created from the payload" % path)
        scripts = driver.find_elements(By.TAG_NAME, "script")
        if len(scripts) != 1:
            fail("%s: %d script elements (only the dashboard's own may exist)" % (path, len(scripts)))
        if "hostile-note" not in path and "hostile-note" not in driver.page_source:
            fail("%s does not list the hostile template" % path)
        shown = driver.find_element(By.TAG_NAME, "body").text
        if "templates" in path and not ('<script>alert("d")</script>' in shown and "onerror=alert(1)>" in shown):
            fail("%s: the hostile description is not shown as text:\n%s" % (path, shown))
        if "from=1" in path and "<svg onload=alert(6)>" not in shown:
            fail("%s: the diff does not show the added line as text:\n%s" % (path, shown))


def live_canary(driver, scenario, artifacts):
    """A canary advancing in the running controller updates the open page within 2 s."""
    driver.get(scenario.deployment_url())
    driver.execute_script("window.__notReloaded = true;")
    # Wait until the page's stream is connected.
    deadline = time.time() + 10
    while not (text_of(driver, "#live-state") == "live" or (text_of(driver, "#live-state") or "").startswith("updated at")):
        if time.time() > deadline:
            fail("the page never connected its event stream: %r" % text_of(driver, "#live-state"))
        time.sleep(0.1)
    points_before = count_of(driver, "#live circle.point")
    prompt = os.path.join(scenario.repo, "helpdesk/support-reply.yaml")
    with open(prompt) as f:
        text = f.read()
    changed = text.replace("Answer in a {{tone}} tone.", "Answer in a {{tone}} tone. Offer a next step.")
    if changed == text:
        fail("the prompt edit did not apply")
    with open(prompt, "w") as f:
        f.write(changed)
    scenario.commit("Offer a next step")
    lags = []
    for weight in (20, 50):
        deadline = time.time() + 90
        while True:
            d = scenario.deployment()
            if (d.get("weights") or {}).get("canary") == weight or (d.get("canary") or {}).get("weight") == weight:
                break
            if time.time() > deadline:
                fail("the controller never reached weight %d: %s" % (weight, d))
            time.sleep(0.05)
        seen_at = time.time()
        while text_of(driver, "#weight-text") != "%d%%" % weight:
            if time.time() - seen_at > 2.0:
                fail("the page did not show weight %d%% within 2 s of the controller (shows %s)"
                     % (weight, text_of(driver, "#weight-text")))
            time.sleep(0.05)
        lags.append(time.time() - seen_at)
        if weight == 20:
            current = (text_of(driver, "li[aria-current=step]") or "")
            if "analysis" not in current.lower() and "20" not in current:
                fail("the current step is not shown: %r" % current)
    # Measurements arrived meanwhile: the chart grew without a reload.
    deadline = time.time() + 10
    while count_of(driver, "#live circle.point") <= points_before:
        if time.time() > deadline:
            fail("the chart did not grow (%d points)" % points_before)
        time.sleep(0.1)
    if not driver.execute_script("return window.__notReloaded === true"):
        fail("the page was reloaded")
    errors = console_errors(driver)
    if errors:
        fail("console errors on the live page: %s" % errors)
    driver.set_window_size(1280, 2000)
    driver.save_screenshot(os.path.join(artifacts, "deployment.png"))
    driver.set_window_size(1280, 1000)
    return lags


def static_peer(pages, scenario):
    """The same bytes (each page's HTML and its assets) from Python's static file server."""
    import functools
    import http.server
    import threading
    root = tempfile.mkdtemp(prefix="promptops-static-")
    for name, url in pages:
        _, html = scenario.get(url)
        with open(os.path.join(root, name + ".html"), "wb") as f:
            f.write(html)
        for asset in set(__import__("re").findall(rb'/ui/assets/[A-Za-z0-9._-]+', html)):
            target = os.path.join(root, asset.decode().lstrip("/"))
            os.makedirs(os.path.dirname(target), exist_ok=True)
            with urllib.request.urlopen(url.split("/ui/")[0] + asset.decode(), timeout=10) as r, open(target, "wb") as f:
                f.write(r.read())
    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass
    handler = functools.partial(Quiet, directory=root)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return "http://127.0.0.1:%d" % server.server_address[1], server, root


def layout(driver, scenario):
    """Readable at a phone's width (nothing wider than the screen but scrolling tables), in
    dark mode, and every chart reachable from the keyboard with an accessible name."""
    driver.set_window_size(390, 844)
    for url in [scenario.base + "/ui/", scenario.deployment_url(), scenario.base + "/ui/namespaces/%s/templates/%s" % (NS, TEMPLATE)]:
        driver.get(url)
        overflow = driver.execute_script("""
            var wide = [];
            document.querySelectorAll('main *').forEach(function (e) {
              if (e.closest('.scroll')) return;
              var r = e.getBoundingClientRect();
              if (r.right > document.documentElement.clientWidth + 1) wide.push(e.tagName + '.' + e.className);
            });
            return wide.slice(0, 5);""")
        if overflow:
            fail("%s is wider than a phone's screen: %s" % (url, overflow))
    driver.set_window_size(1280, 1000)
    driver.get(scenario.deployment_url())
    charts = driver.execute_script("""
        return Array.from(document.querySelectorAll('svg.chart')).map(function (c) {
          var t = document.getElementById(c.getAttribute('aria-labelledby'));
          return [c.getAttribute('tabindex'), c.getAttribute('role'), t ? t.textContent : ''];
        });""")
    if not charts or any(c[0] != "0" or c[1] != "img" or not c[2] for c in charts):
        fail("a chart is not focusable or has no accessible name: %s" % charts)
    light = driver.execute_script("return getComputedStyle(document.body).backgroundColor;")
    driver.execute_cdp_cmd("Emulation.setEmulatedMedia", {"features": [{"name": "prefers-color-scheme", "value": "dark"}]})
    dark = driver.execute_script("return getComputedStyle(document.body).backgroundColor;")
    driver.execute_cdp_cmd("Emulation.setEmulatedMedia", {"features": []})
    if light == dark:
        fail("no dark colours: %s" % light)


def blocked_commit(driver, scenario):
    """A commit with a bad reference blocks the namespace; the open overview shows where."""
    driver.get(scenario.base + "/ui/")
    path = os.path.join(scenario.repo, "helpdesk/deployment.yaml")
    with open(path) as f:
        text = f.read()
    with open(path, "w") as f:
        f.write(text.replace("template: support-reply", "template: no-such-template"))
    scenario.commit("Point the Deployment at a template that does not exist")
    deadline = time.time() + 15
    while True:
        links = driver.execute_script("return Array.from(document.querySelectorAll('.diagnostics a[href]')).map(function (a) { return a.href; });")
        if any(l.startswith("https://git.example/acme/prompts/blob/") and "/helpdesk/deployment.yaml#L" in l for l in links):
            break
        if time.time() > deadline:
            fail("the overview did not show the located error with its link: %s\n%s" % (links, text_of(driver, "main")))
        time.sleep(0.1)
    if "Blocked" not in (text_of(driver, "#live") or ""):
        fail("the namespace is not shown blocked")


def bench(driver, scenario, runs, artifacts):
    """FCP (Performance API) of the overview and of a Deployment page with a canary half way,
    next to the same bytes served by a static file server in the same run; page weight."""
    live_canary(driver, scenario, artifacts)

    def fcp(url):
        driver.get(url)
        for _ in range(100):
            value = driver.execute_script(
                "var e = performance.getEntriesByName('first-contentful-paint')[0]; return e ? e.startTime : null;")
            if value is not None:
                return value
            time.sleep(0.02)
        fail("no first-contentful-paint entry for %s" % url)

    def weight(url):
        driver.execute_cdp_cmd("Network.enable", {})
        driver.execute_cdp_cmd("Network.setCacheDisabled", {"cacheDisabled": True})
        driver.get(url)
        time.sleep(0.3)
        total = driver.execute_script("""
            var all = performance.getEntriesByType('navigation').concat(performance.getEntriesByType('resource'));
            return all.reduce(function (n, e) { return n + (e.transferSize || 0); }, 0);""")
        driver.execute_cdp_cmd("Network.setCacheDisabled", {"cacheDisabled": False})
        return total

    pages = [("overview", scenario.base + "/ui/"), ("deployment", scenario.deployment_url())]
    peer_base, server, root = static_peer(pages, scenario)
    try:
        for name, url in pages:
            fcp(url)
            ours = []
            theirs = []
            for _ in range(runs):  # interleaved, so both see the same machine
                ours.append(fcp(url))
                theirs.append(fcp(peer_base + "/" + name + ".html"))
            print("%-10s FCP median %.1f ms (min %.1f, max %.1f, n=%d) | peer, same bytes from a static file server: median %.1f ms"
                  % (name, statistics.median(ours), min(ours), max(ours), runs, statistics.median(theirs)))
            print("%-10s page weight with its assets, cache disabled: %.1f KB" % (name, weight(url) / 1024))
    finally:
        server.shutdown()
        shutil.rmtree(root, ignore_errors=True)


def main():
    if len(sys.argv) < 2:
        print(__doc__)
        sys.exit(2)
    runs = int(sys.argv[3]) if len(sys.argv) > 3 and sys.argv[2] == "--bench" else 0
    artifacts = os.environ.get("ARTIFACTS", os.path.join(ROOT, ".build/browser-artifacts"))
    os.makedirs(artifacts, exist_ok=True)
    scenario = Scenario(sys.argv[1])
    driver = None
    try:
        scenario.start()
        driver = browser()
        if runs:
            sign_in(driver, scenario)
            bench(driver, scenario, runs, artifacts)
            return
        cookie = sign_in(driver, scenario)
        print("sign-in: the form refuses a wrong token, then keeps the right one in an HttpOnly SameSite=Strict cookie")
        pages = crawl(driver, scenario, cookie)
        print("crawl: %d pages from /ui/, no 4xx/5xx, no console error, no failed request" % pages)
        driver.get(scenario.base + "/ui/namespaces/%s/templates/%s" % (NS, TEMPLATE))
        links = driver.execute_script("return Array.from(document.querySelectorAll(\"a[href^='https://git.example/']\")).map(function (a) { return a.href; });")
        if not any(l.endswith("/helpdesk/support-reply.yaml#L1") for l in links):
            fail("the template's file does not link to the git host: %s" % links)
        hostile(driver, scenario)
        print("hostile content: no alert, no element from the payload")
        driver.get(scenario.base + "/ui/")
        driver.save_screenshot(os.path.join(artifacts, "overview.png"))
        lags = live_canary(driver, scenario, artifacts)
        print("live canary: weight 20%% and 50%% shown %.2f s and %.2f s after the controller had them, chart grew, no reload" % tuple(lags))
        print("screenshots: %s/overview.png, %s/deployment.png" % (artifacts, artifacts))
        layout(driver, scenario)
        print("layout: no overflow at 390 px, charts focusable with names, dark colours")
        blocked_commit(driver, scenario)
        print("a broken commit: the overview shows the namespace blocked, the error at path:line:col linked to the git host")
        driver.find_element(By.CSS_SELECTOR, "form.session button[type=submit]").click()
        deadline = time.time() + 10
        while "/ui/login" not in driver.current_url or any(c["name"] == "promptops_token" for c in driver.get_cookies()):
            if time.time() > deadline:
                fail("signing out did not end the session: %s" % driver.current_url)
            time.sleep(0.05)
        print("sign-out: the session cookie is gone")
    except BaseException:
        if os.path.exists(getattr(scenario, "log_path", "")):
            sys.stderr.write("--- controller log (last lines) ---\n" + open(scenario.log_path).read()[-4000:])
        raise
    finally:
        if driver:
            driver.quit()
        scenario.stop()


if __name__ == "__main__":
    main()
