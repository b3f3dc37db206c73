#!/usr/bin/env python3
"""Seeds a libFuzzer corpus directory for one of the Fuzz/ targets (used by hack/fuzz).

usage: fuzz-seed.py TARGET CORPUS_DIR

Every seed is written under the SHA-1 of its bytes (libFuzzer's own naming), so seeding an
existing corpus again adds nothing twice. Sources: Fuzz/TARGET/seeds/ (hand-written), the
repository's examples/**/*.yaml, and, for FuzzMustache, the templates in Tests/ (string
literals holding a tag) and the Mustache spec files when the workspace has them.
"""
import glob
import hashlib
import json
import os
import re
import sys

import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def write(corpus, data):
    if isinstance(data, str):
        data = data.encode()
    path = os.path.join(corpus, hashlib.sha1(data).hexdigest())
    if not os.path.exists(path):
        with open(path, "wb") as f:
            f.write(data)
        return 1
    return 0


def example_docs():
    for path in sorted(glob.glob(os.path.join(ROOT, "examples", "**", "*.yaml"), recursive=True)):
        try:
            with open(path) as f:
                for doc in yaml.safe_load_all(f):
                    if isinstance(doc, dict):
                        yield doc
        except yaml.YAMLError:
            continue


def example_templates():
    """(template text, [test vars]) of every example PromptTemplate."""
    for doc in example_docs():
        if doc.get("kind") != "PromptTemplate":
            continue
        spec = doc.get("spec") or {}
        texts = [spec["text"]] if isinstance(spec.get("text"), str) else []
        texts += [m.get("content", "") for m in spec.get("messages") or [] if isinstance(m, dict)]
        tests = [t.get("vars") or {} for t in spec.get("tests") or [] if isinstance(t, dict)]
        yield doc["metadata"]["name"], texts, tests


def swift_literals(path):
    """Single-line Swift string literals holding a Mustache tag, unescaped."""
    text = open(path, encoding="utf-8").read()
    for m in re.finditer(r'(?<![#\\])"((?:[^"\\\n]|\\.)*)"', text):
        s = m.group(1)
        if "{{" not in s and "<%" not in s:
            continue
        s = re.sub(r"\\\((.*?)\)", "", s)  # drop interpolations
        s = s.replace("\\n", "\n").replace("\\t", "\t").replace('\\"', '"').replace("\\\\", "\\")
        yield s


def spec_cases():
    spec_dir = os.environ.get("MUSTACHE_SPEC_DIR") or os.path.join(ROOT, "..", "shared", "conformance", "mustache-spec")
    if not os.path.isdir(spec_dir):
        spec_dir = "/work/shared/conformance/mustache-spec"
    for path in sorted(glob.glob(os.path.join(spec_dir, "*.json"))):
        if "lambdas" in path:
            continue
        for case in json.load(open(path)).get("tests", []):
            yield case


def seed_mustache(corpus):
    n = 0
    for _, texts, tests in example_templates():
        for text in texts:
            n += write(corpus, text)
            for vars in tests[:2]:
                n += write(corpus, text + "\0" + json.dumps(vars))
    for path in sorted(glob.glob(os.path.join(ROOT, "Tests", "**", "*.swift"), recursive=True)):
        for s in swift_literals(path):
            n += write(corpus, s)
    for case in spec_cases():
        template = case["template"]
        partials = list((case.get("partials") or {}).items())[:3]
        names = ["a", "b", "c"]
        # The target registers partials as a, b, c: rename them in every text.
        def rename(text):
            for (name, _), new in zip(partials, names):
                text = re.sub(r"([<>]\s*)" + re.escape(name) + r"(\s*(?:\}\}|%>|\|))", r"\g<1>" + new + r"\g<2>", text)
            return text
        parts = [rename(template), json.dumps(case.get("data"))] + [rename(src) for _, src in partials]
        n += write(corpus, "\0".join(parts))
    return n


def seed_manifest(corpus):
    n = 0
    for path in sorted(glob.glob(os.path.join(ROOT, "examples", "**", "*.yaml"), recursive=True)):
        with open(path, "rb") as f:
            n += write(corpus, f.read())
    for path in sorted(glob.glob(os.path.join(ROOT, "manifests", "*.yaml"))):
        with open(path, "rb") as f:
            n += write(corpus, f.read())
    return n


def seed_render_request(corpus):
    n = 0
    for name, _, tests in example_templates():
        for i, vars in enumerate(tests):
            n += write(corpus, json.dumps({"variables": vars}))
            n += write(corpus, json.dumps({"key": f"{name}-{i}", "variables": vars}, ensure_ascii=False))
    return n


def main():
    target, corpus = sys.argv[1], sys.argv[2]
    os.makedirs(corpus, exist_ok=True)
    n = 0
    seeds = os.path.join(ROOT, "Fuzz", target, "seeds")
    for path in sorted(glob.glob(os.path.join(seeds, "*"))):
        with open(path, "rb") as f:
            n += write(corpus, f.read())
    n += {"FuzzMustache": seed_mustache, "FuzzManifest": seed_manifest, "FuzzRenderRequest": seed_render_request}[target](corpus)
    print(f"{target}: {n} new seed(s) in {corpus}", file=sys.stderr)


if __name__ == "__main__":
    main()
