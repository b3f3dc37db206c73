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
from selenium.common.exceptions import NoAlertPresentException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
NS, DEPLOYMENT, TEMPLATE = "helpdesk", "support-reply-prod", "support-reply"
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
        self.procs.append(subprocess.Popen([self.binary, "controller", "--repo", self.repo, "--db", os.path.join(self.work, "store.db"),
                                            "--listen", "127.0.0.1:%d" % self.port, "--interval", "300ms"],
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
            with urllib.request.urlopen(self.base + "/api/v1/namespaces/%s/templates/hostile-note" % NS, timeout=5) as r:
                if len(json.load(r)["versions"]) == 2:
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

    def deployment(self):
        with urllib.request.urlopen(self.base + "/api/v1/namespaces/%s/deployments/%s" % (NS, DEPLOYMENT), timeout=5) as r:
            return json.load(r)

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


def no_alert(driver):
    try:
        alert = driver.switch_to.alert
        fail("an alert opened: %r" % alert.text)
    except NoAlertPresentException:
        pass


def crawl(driver, scenario):
    """Every same-origin link reachable from /ui/ (up to 300 pages): each answers 2xx and
    loads without a console error or a failed request."""
    seen, queue, pages = set(), [scenario.base + "/ui/"], 0
    while queue and pages < 300:
        url = queue.pop(0)
        if url in seen:
            continue
        seen.add(url)
        try:
            with urllib.request.urlopen(url, timeout=10) as r:
                status = r.status
        except urllib.error.HTTPError as e:
            status = e.code
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
        for a in driver.find_elements(By.CSS_SELECTOR, "a[href]"):
            href = a.get_attribute("href")
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
        with urllib.request.urlopen(scenario.base + path, timeout=10) as r:
            if r.status != 200:
                fail("%s answered %d" % (path, r.status))
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
    while driver.find_element(By.ID, "live-state").text != "live":
        if time.time() > deadline:
            fail("the page never connected its event stream: %r" % driver.find_element(By.ID, "live-state").text)
        time.sleep(0.1)
    points_before = len(driver.find_elements(By.CSS_SELECTOR, "#live circle.point"))
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
        while driver.find_element(By.ID, "weight-text").text != "%d%%" % weight:
            if time.time() - seen_at > 2.0:
                fail("the page did not show weight %d%% within 2 s of the controller (shows %s)"
                     % (weight, driver.find_element(By.ID, "weight-text").text))
            time.sleep(0.05)
        lags.append(time.time() - seen_at)
        if weight == 20:
            current = driver.find_element(By.CSS_SELECTOR, "li[aria-current=step]").text
            if "analysis" not in current.lower() and "20" not in current:
                fail("the current step is not shown: %r" % current)
    # Measurements arrived meanwhile: the chart grew without a reload.
    deadline = time.time() + 10
    while len(driver.find_elements(By.CSS_SELECTOR, "#live circle.point")) <= points_before:
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


def static_peer(pages):
    """The same bytes (each page's HTML and its assets) from Python's static file server."""
    import functools
    import http.server
    import threading
    root = tempfile.mkdtemp(prefix="promptops-static-")
    for name, url in pages:
        with urllib.request.urlopen(url, timeout=10) as r:
            html = r.read()
        with open(os.path.join(root, name + ".html"), "wb") as f:
            f.write(html)
        for asset in set(__import__("re").findall(rb'/ui/assets/[A-Za-z0-9._-]+', html)):
            target = os.path.join(root, asset.decode().lstrip("/"))
            os.makedirs(os.path.dirname(target), exist_ok=True)
            with urllib.request.urlopen(url.split("/ui/")[0] + asset.decode(), timeout=10) as r, open(target, "wb") as f:
                f.write(r.read())
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=root)
    handler.log_message = lambda *a: None
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return "http://127.0.0.1:%d" % server.server_address[1], server, root


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
    peer_base, server, root = static_peer(pages)
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
            bench(driver, scenario, runs, artifacts)
            return
        pages = crawl(driver, scenario)
        print("crawl: %d pages from /ui/, no 4xx/5xx, no console error, no failed request" % pages)
        hostile(driver, scenario)
        print("hostile content: no alert, no element from the payload")
        driver.get(scenario.base + "/ui/")
        driver.save_screenshot(os.path.join(artifacts, "overview.png"))
        lags = live_canary(driver, scenario, artifacts)
        print("live canary: weight 20%% and 50%% shown %.2f s and %.2f s after the controller had them, chart grew, no reload" % tuple(lags))
        print("screenshots: %s/overview.png, %s/deployment.png" % (artifacts, artifacts))
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
