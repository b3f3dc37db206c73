#!/usr/bin/env python3
"""Generates a prompt repository for benchmarks and crash tests.

gen-repo.py DIR --templates 10000 --namespaces 20   # a fresh repository with one commit
gen-repo.py DIR --change N                           # commit a one-file change (template N % count)
"""
import argparse, os, subprocess, sys

GIT = ["git", "-c", "user.name=Bench Bot", "-c", "user.email=bench@example.com", "-c", "commit.gpgsign=false"]

def git(repo, *args):
    subprocess.run(GIT + ["-C", repo] + list(args), check=True, stdout=subprocess.DEVNULL)

TEMPLATE = """apiVersion: promptops.dev/v1alpha1
kind: PromptTemplate
metadata:
  name: {name}
  namespace: {ns}
  labels: {{team: {ns}, owner: bench}}
spec:
  description: Generated template {i}.
  model: {{provider: openai, name: gpt-4o-mini}}
  inputs:
    customer: {{type: string, required: true}}
    topic: {{type: string, default: general}}
    items: {{type: array, items: {{type: object, properties: {{id: {{type: string}}}}}}}}
  messages:
    - role: system
      content: |
        {{{{> voice}}}}
        You help {{{{customer}}}} with {{{{topic}}}} (template {i}, revision {rev}).
        {{{{#items}}}}- {{{{id}}}}
        {{{{/items}}}}
    - role: user
      content: "{{{{topic}}}}?"
  tests:
    - name: basic
      vars: {{customer: Ana}}
      assert: [{{type: contains, value: Ana}}]
"""

VOICE = """apiVersion: promptops.dev/v1alpha1
kind: PromptTemplate
metadata: {{name: voice, namespace: {ns}}}
spec:
  text: "Be brief and kind."
"""

DEPLOYMENT = """apiVersion: promptops.dev/v1alpha1
kind: Deployment
metadata: {{name: {name}-prod, namespace: {ns}}}
spec:
  template: {name}
  environment: production
  strategy: {{type: Direct}}
"""

def write(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write(text)

def template_path(repo, i, namespaces):
    ns = f"team-{i % namespaces:02d}"
    return ns, f"t-{i:05d}", os.path.join(repo, "prompts", ns, f"t-{i:05d}.yaml")

def main():
    p = argparse.ArgumentParser()
    p.add_argument("dir")
    p.add_argument("--templates", type=int, default=10000)
    p.add_argument("--namespaces", type=int, default=20)
    p.add_argument("--deployment-every", type=int, default=50)
    p.add_argument("--change", type=int, default=None, help="commit a change to one template")
    p.add_argument("--change-all", action="store_true", help="commit a change to every template")
    a = p.parse_args()
    repo = a.dir
    if a.change_all:
        import re
        for i in range(a.templates):
            ns, name, path = template_path(repo, i, a.namespaces)
            with open(path) as f:
                rev = int(re.search(r"revision (\d+)\)", f.read()).group(1)) + 1
            write(path, TEMPLATE.format(name=name, ns=ns, i=i, rev=rev))
        git(repo, "commit", "-q", "-am", f"change all {a.templates} templates")
    elif a.change is None:
        os.makedirs(repo, exist_ok=True)
        subprocess.run(["git", "init", "-q", "-b", "main", repo], check=True)
        for n in range(a.namespaces):
            write(os.path.join(repo, "prompts", f"team-{n:02d}", "voice.yaml"), VOICE.format(ns=f"team-{n:02d}"))
        for i in range(a.templates):
            ns, name, path = template_path(repo, i, a.namespaces)
            write(path, TEMPLATE.format(name=name, ns=ns, i=i, rev=0))
            if i % a.deployment_every == 0:
                write(os.path.join(repo, "prompts", ns, f"{name}-deploy.yaml"), DEPLOYMENT.format(name=name, ns=ns))
        git(repo, "add", "-A")
        git(repo, "commit", "-q", "-m", f"generate {a.templates} templates")
    else:
        i = a.change % a.templates
        ns, name, path = template_path(repo, i, a.namespaces)
        with open(path) as f:
            text = f.read()
        import re
        rev = int(re.search(r"revision (\d+)\)", text).group(1)) + 1
        write(path, TEMPLATE.format(name=name, ns=ns, i=i, rev=rev))
        git(repo, "commit", "-q", "-am", f"change {name} to revision {rev}")
    print(subprocess.run(["git", "-C", repo, "rev-parse", "HEAD"], capture_output=True, text=True).stdout.strip())

if __name__ == "__main__":
    main()
