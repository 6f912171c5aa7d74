"""Runs tests/diff/*.case through `sluice diff --format json` and checks the expected subset.

A case file has sections started by lines '--- NAME': files (any name with an extension: the
inputs, written to a temporary directory), 'args' (the command line after `sluice diff`, on one
line; {T} is the temporary directory), 'exit' (the expected exit status) and 'expect' (a JSON
object: every key given must equal the report's value; 'samples' compares kind and key only).
"""
import json, os, shlex, subprocess, sys, tempfile

sluice, cases = sys.argv[1], sys.argv[2:]
failed = 0
for case in cases:
    secs, name = {}, None
    for line in open(case, encoding="utf-8").read().split("\n"):
        if line.startswith("--- "):
            name = line[4:].strip()
            secs[name] = []
        elif name is not None:
            secs[name].append(line)
    with tempfile.TemporaryDirectory() as t:
        for n, lines in secs.items():
            if "." in n:
                with open(os.path.join(t, n), "w", encoding="utf-8") as f:
                    f.write("\n".join(lines).rstrip("\n") + "\n")
        args = shlex.split(" ".join(secs["args"]).replace("{T}", t))
        p = subprocess.run([sluice, "diff", *args, "--format", "json"], cwd=t,
                           capture_output=True, text=True)
        want_exit = int("".join(secs.get("exit", ["0"])).strip())
        msg = []
        if p.returncode != want_exit:
            msg.append(f"exit {p.returncode}, expected {want_exit}: {p.stderr.strip()}")
        if "expect" in secs and p.returncode in (0, 1):
            try:
                got = json.loads(p.stdout)
            except ValueError:
                got = {}
                msg.append(f"not a JSON report: {p.stdout[:200]!r} {p.stderr.strip()[:300]}")
            want = json.loads("\n".join(secs["expect"]))
            for k, v in want.items():
                g = got.get(k)
                if k == "samples" and g is not None:
                    g = [{"kind": s["kind"], "key": s["key"]} for s in g]
                if g != v:
                    msg.append(f"{k}: got {json.dumps(g)}, expected {json.dumps(v)}")
        if msg:
            failed += 1
            print(f"FAIL {os.path.basename(case)}\n  " + "\n  ".join(msg))
print(f"{len(cases) - failed}/{len(cases)} diff cases pass")
sys.exit(1 if failed else 0)
