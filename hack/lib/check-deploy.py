#!/usr/bin/env python3
"""Helpers of hack/check-deploy (needs PyYAML).

  check-deploy.py kubernetes DIR
      Cross-checks the Kubernetes manifests: the things that only fail once the
      pod runs (a probe on the wrong path, the store outside the volume, a
      `fromFile:` that nothing mounts, a Service aimed at no port).
  check-deploy.py systemd UNIT CONFIG
      The example controller.yaml parses and fits the unit's sandbox.
  check-deploy.py steps WORKFLOW OUTDIR [--expr=NAME=VALUE]... NAME=TEXT...
      Writes OUTDIR/NAME.sh for the one `run:` step containing TEXT, with the
      workflow's, job's and step's env exported and `${{ ... }}` replaced from
      --expr=, so the test runs the workflow's own text. Any other expression
      is an error: an untested substitution would hide a broken command.

Prints one PASS/FAIL line per check; exits 1 when any check fails.
"""
import os
import re
import shlex
import sys

import yaml

failures = 0


def check(ok, what, detail=""):
    global failures
    print(f"{'PASS' if ok else 'FAIL'}: {what}" + ("" if ok or not detail else f" ({detail})"))
    failures += 0 if ok else 1
    return ok


def secret_refs(node, kind):
    """Every {fromFile: X} / {fromEnv: X} value in a ControllerConfig."""
    if isinstance(node, dict):
        if list(node) == [kind]:
            yield node[kind]
        for v in node.values():
            yield from secret_refs(v, kind)
    elif isinstance(node, list):
        for v in node:
            yield from secret_refs(v, kind)


def under(path, directory):
    return os.path.normpath(path).startswith(os.path.normpath(directory).rstrip("/") + "/")


def check_config_header(config, where):
    check(config.get("apiVersion") == "promptops.dev/v1alpha1" and config.get("kind") == "ControllerConfig",
          f"{where}: a promptops.dev/v1alpha1 ControllerConfig")
    host = str(config.get("listen", "127.0.0.1:8080")).rsplit(":", 1)[0]
    access = config.get("access") or {}
    check(host in ("127.0.0.1", "localhost", "[::1]") or access.get("open") is True or bool(access.get("tokens")),
          f"{where}: a non-loopback listen has an explicit access section")


def kubernetes(directory):
    objects = {}
    for name in sorted(os.listdir(directory)):
        if name.endswith((".yaml", ".yml")):
            try:
                with open(os.path.join(directory, name)) as f:
                    for doc in yaml.safe_load_all(f):
                        if doc:
                            objects.setdefault(doc["kind"], []).append((name, doc))
            except yaml.YAMLError as error:
                check(False, f"{name} parses", str(error).replace("\n", " "))
    one = lambda kind: objects.get(kind, [(None, {})])[0][1]
    kustomization = one("Kustomization")
    files = {n for n in os.listdir(directory) if n.endswith((".yaml", ".yml")) and n != "kustomization.yaml"}
    check(set(kustomization.get("resources", [])) == files, "kustomization.yaml lists every manifest",
          f"listed {sorted(kustomization.get('resources', []))}, present {sorted(files)}")

    deployment, configmap, secret = one("Deployment"), one("ConfigMap"), one("Secret")
    pvc, service = one("PersistentVolumeClaim"), one("Service")
    spec = deployment.get("spec", {})
    pod = spec.get("template", {}).get("spec", {})
    container = (pod.get("containers") or [{}])[0]
    mounts = {m["name"]: m for m in container.get("volumeMounts", [])}
    volumes = {v["name"]: v for v in pod.get("volumes", [])}
    ports = {p.get("name"): p["containerPort"] for p in container.get("ports", [])}

    def port_of(ref):  # a probe's or Service's port: a name or a number
        return ports.get(ref) if isinstance(ref, str) else ref if ref in ports.values() else None

    check(spec.get("replicas") == 1, "Deployment has 1 replica (one SQLite writer)")
    check(spec.get("strategy", {}).get("type") == "Recreate", "Deployment strategy is Recreate (RWO volume)")
    check(pod.get("securityContext", {}).get("runAsNonRoot") is True
          and container.get("securityContext", {}).get("readOnlyRootFilesystem") is True,
          "pod runs as non-root on a read-only root filesystem")
    for probe, path in (("livenessProbe", "/healthz"), ("readinessProbe", "/readyz")):
        get = container.get(probe, {}).get("httpGet", {})
        check(get.get("path") == path and port_of(get.get("port")) is not None,
              f"{probe} is GET {path} on the container port", str(get))

    # The configuration file: the --config argument must be a key of the mounted ConfigMap.
    argv = container.get("command", []) + container.get("args", [])
    config_path = argv[argv.index("--config") + 1] if "--config" in argv else ""
    config_mount = next((mounts.get(n) for n, v in volumes.items()
                         if v.get("configMap", {}).get("name") == configmap.get("metadata", {}).get("name")), None)
    check(config_mount is not None and os.path.dirname(config_path) == config_mount["mountPath"]
          and os.path.basename(config_path) in configmap.get("data", {}),
          f"--config {config_path} is the mounted ConfigMap's key")
    try:
        config = yaml.safe_load(configmap.get("data", {}).get(os.path.basename(config_path), "")) or {}
        check(isinstance(config, dict), "the ConfigMap's controller.yaml parses")
    except yaml.YAMLError as error:
        check(False, "the ConfigMap's controller.yaml parses", str(error).replace("\n", " "))
        config = {}
    check_config_header(config, "ConfigMap")
    listen_port = int(str(config.get("listen", "")).rsplit(":", 1)[-1] or 0)
    check(listen_port in ports.values(), f"config listens on the container port {listen_port}")

    # The store lives on the claim, not in the (read-only or throw-away) root filesystem.
    store = config.get("store", {}).get("path", "")
    claim = next((mounts.get(n) for n, v in volumes.items()
                  if v.get("persistentVolumeClaim", {}).get("claimName") == pvc.get("metadata", {}).get("name")), None)
    check(claim is not None and under(store, claim["mountPath"]) and not claim.get("readOnly"),
          f"store.path {store} is on the PersistentVolumeClaim's writable mount")

    # Every secret the config names reaches the container, from the Secret.
    secret_name = secret.get("metadata", {}).get("name")
    keys = set(secret.get("stringData", {})) | set(secret.get("data", {}))
    secret_mount, files = None, {}
    for n, v in volumes.items():
        if v.get("secret", {}).get("secretName") == secret_name and n in mounts:
            secret_mount = mounts[n]
            items = v["secret"].get("items") or [{"key": k, "path": k} for k in keys]
            files = {os.path.join(secret_mount["mountPath"], i["path"]): i["key"] for i in items}
    check(secret_mount is not None and secret_mount.get("readOnly") is True, "the Secret is mounted read-only")
    for path in secret_refs(config, "fromFile"):
        check(files.get(path) in keys, f"fromFile {path} is a key of the mounted Secret")
    env = {e["name"]: e for e in container.get("env", [])}
    for var in secret_refs(config, "fromEnv"):
        ref = env.get(var, {}).get("valueFrom", {}).get("secretKeyRef", {})
        check(ref.get("name") == secret_name and ref.get("key") in keys, f"fromEnv {var} comes from the Secret")

    # The Service reaches the pod.
    labels = spec.get("template", {}).get("metadata", {}).get("labels", {})
    sspec = service.get("spec", {})
    check(sspec.get("selector") and sspec["selector"].items() <= labels.items(), "Service selects the pod")
    sport = (sspec.get("ports") or [{}])[0]
    check(sport.get("port") == 80 and port_of(sport.get("targetPort")) == listen_port,
          "Service port 80 targets the controller's port", str(sport))


def systemd(unit_path, config_path):
    with open(unit_path) as f:
        unit = dict(re.match(r"(\w+)=(.*)", line).groups() for line in f if re.match(r"\w+=", line))
    with open(config_path) as f:
        config = yaml.safe_load(f)
    check_config_header(config, os.path.basename(config_path))
    state = "/var/lib/" + unit.get("StateDirectory", "?")
    check(under(config.get("store", {}).get("path", ""), state),
          f"example store.path is inside StateDirectory ({state}), the unit's only writable place")
    check(f"--config /etc/promptops/{os.path.basename(config_path)}" in unit.get("ExecStart", ""),
          "ExecStart reads /etc/promptops/controller.yaml")


def steps(workflow, outdir, args):
    with open(workflow) as f:
        doc = yaml.safe_load(f)
    exprs = dict(a[len("--expr="):].split("=", 1) for a in args if a.startswith("--expr="))
    wanted = dict(a.split("=", 1) for a in args if not a.startswith("--expr="))

    def substitute(text):
        def one(m):
            if m.group(1) not in exprs:
                raise SystemExit(f"FAIL: {workflow}: no test value for ${{{{ {m.group(1)} }}}}")
            return exprs[m.group(1)]
        return re.sub(r"\$\{\{\s*(.+?)\s*\}\}", one, str(text))

    found = {name: [] for name in wanted}
    for job in doc["jobs"].values():
        for step in job.get("steps", []):
            for name, text in wanted.items():
                if text in step.get("run", ""):
                    found[name].append((job, step))
    for name, text in wanted.items():
        if not check(len(found[name]) == 1, f"exactly one workflow step runs '{text}'", f"{len(found[name])} do"):
            continue
        job, step = found[name][0]
        env = {**doc.get("env", {}), **job.get("env", {}), **step.get("env", {})}
        with open(os.path.join(outdir, name + ".sh"), "w") as out:
            for key, value in env.items():
                out.write(f"export {key}={shlex.quote(substitute(value))}\n")
            out.write(substitute(step["run"]))

if __name__ == "__main__":
    command, rest = sys.argv[1], sys.argv[2:]
    {"kubernetes": lambda: kubernetes(*rest),
     "systemd": lambda: systemd(*rest),
     "steps": lambda: steps(rest[0], rest[1], rest[2:])}[command]()
    sys.exit(1 if failures else 0)
