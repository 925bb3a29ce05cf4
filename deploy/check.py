#!/usr/bin/env python3
"""Static checks of everything under deploy/ that no Rust test reads (run by .ci/run).

* every YAML file parses (multi-document);
* Kubernetes objects have apiVersion, kind and a name; probes point at the server's real
  HTTP paths on a declared port; files named by kustomization.yaml exist;
* the compose file has three name-server replicas and a broker, and its build file exists;
* every namesrv_* metric that the alert rules and the Grafana dashboard query is one the
  server exports (crates/actors/src/metrics.rs), so no alert watches a series that never
  exists;
* the Dockerfile is multi-stage, runs as a non-root user, and copies files that exist.

The .properties files are loaded through the server's own loader by a Rust test
(crates/server/src/config.rs), not here.
"""

import json
import pathlib
import re
import sys

import yaml

ROOT = pathlib.Path(__file__).resolve().parent.parent
DEPLOY = ROOT / "deploy"
HTTP_PATHS = {"/healthz", "/readyz", "/metrics", "/rocketmq/nsaddr"}
errors = []


def check(ok, what):
    if not ok:
        errors.append(what)


def exported_metrics():
    source = (ROOT / "crates/actors/src/metrics.rs").read_text()
    names = set(re.findall(r'"(namesrv_[a-z_]+)"', source))
    # Histograms export _bucket, _sum and _count series.
    for name in list(names):
        names |= {name + "_bucket", name + "_sum", name + "_count"}
    return names


def used_metrics(text):
    return set(re.findall(r"\b(namesrv_[a-z_]+)", text))


def main():
    docs = {}
    for path in sorted(DEPLOY.rglob("*.y*ml")):
        try:
            docs[path] = [d for d in yaml.safe_load_all(path.read_text()) if d is not None]
        except yaml.YAMLError as e:
            check(False, f"{path}: does not parse: {e}")

    k8s = DEPLOY / "kubernetes"
    for path, objs in docs.items():
        if k8s not in path.parents:
            continue
        for obj in objs:
            check("apiVersion" in obj and "kind" in obj, f"{path}: object without apiVersion/kind")
            if obj.get("kind") == "Kustomization":
                for res in obj.get("resources", []):
                    check((path.parent / res).exists(), f"{path}: resource {res} missing")
                for gen in obj.get("configMapGenerator", []):
                    for f in gen.get("files", []):
                        check((path.parent / f.split("=")[-1]).exists(), f"{path}: {f} missing")
                continue
            check(obj.get("metadata", {}).get("name"), f"{path}: {obj.get('kind')} without a name")
            if obj.get("kind") == "StatefulSet":
                for c in obj["spec"]["template"]["spec"]["containers"]:
                    ports = {p["name"] for p in c.get("ports", [])}
                    for probe in ("startupProbe", "livenessProbe", "readinessProbe"):
                        get = c.get(probe, {}).get("httpGet")
                        check(get is not None, f"{path}: {c['name']} has no HTTP {probe}")
                        if get:
                            check(get["path"] in HTTP_PATHS, f"{path}: {probe} path {get['path']}")
                            check(get["port"] in ports, f"{path}: {probe} port {get['port']}")

    compose = DEPLOY / "compose/compose.yaml"
    services = docs.get(compose, [{}])[0].get("services", {})
    check(
        sum(1 for name in services if name.startswith("namesrv-")) == 3,
        f"{compose}: three name-server replicas",
    )
    check("broker" in services, f"{compose}: a broker")
    for name, svc in services.items():
        build = svc.get("build")
        if build:
            dockerfile = (compose.parent / build["context"] / build["dockerfile"]).resolve()
            check(dockerfile.exists(), f"{compose}: {name} builds from missing {dockerfile}")

    exported = exported_metrics()
    alerts = DEPLOY / "prometheus/alerts.yml"
    rules = [r for g in docs.get(alerts, [{}])[0].get("groups", []) for r in g.get("rules", [])]
    check(len(rules) >= 3, f"{alerts}: alert rules")
    for rule in rules:
        check(rule.get("alert") and rule.get("expr"), f"{alerts}: rule without alert/expr")
        for m in used_metrics(str(rule.get("expr", ""))) - exported:
            check(False, f"{alerts}: {rule.get('alert')} uses {m}, which the server never exports")
    dashboard = DEPLOY / "grafana/namesrv-dashboard.json"
    text = dashboard.read_text()
    json.loads(text)
    for m in used_metrics(text) - exported:
        check(False, f"{dashboard}: queries {m}, which the server never exports")

    dockerfile = DEPLOY / "container/Dockerfile"
    lines = [l.strip() for l in dockerfile.read_text().splitlines() if l.strip() and not l.startswith("#")]
    check(sum(l.startswith("FROM ") for l in lines) >= 2, f"{dockerfile}: multi-stage")
    users = [l.split()[1] for l in lines if l.startswith("USER ")]
    check(users and users[-1].split(":")[0] not in ("root", "0"), f"{dockerfile}: runs as non-root")
    for l in lines:
        if l.startswith("COPY ") and "--from=" not in l:
            for src in l.split()[1:-1]:
                check((ROOT / src).exists(), f"{dockerfile}: COPY source {src} missing")

    for e in errors:
        print(f"deploy check: {e}", file=sys.stderr)
    print(f"deploy check: {len(docs)} YAML files, {len(rules)} alert rules, {'FAILED' if errors else 'ok'}")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
