"""docs/try_it.md works as written: its shell lines and its first playbook, taken from the guide itself, run
twice against an emulator started with the guide's scenario, and the second run is an idempotent pass."""
from __future__ import annotations

import os
import re
import subprocess

from harness import REPO, EmulatorProcess, assert_no_secrets

GUIDE = REPO / "docs/try_it.md"
GUIDE_STATE = ".build/emulator/state.json"
GUIDE_COLLECTIONS = "$PWD/.build/collections"


def code_block_after(text: str, marker: str, lang: str) -> str:
    match = re.search(re.escape(marker) + rf"\s*```{lang}\n(.*?)```", text, re.S)
    assert match, f"the guide has no ```{lang} block after {marker!r}"
    return match.group(1)


def guide_parts() -> tuple[str, list[str], str, list[str]]:
    text = GUIDE.read_text()
    setup = [line.split("  #")[0].strip() for line in
             code_block_after(text, "## Start the emulator and take its environment", "bash").splitlines()]
    scenario = re.search(r"--scenario (\w+)", text).group(1)
    playbook = code_block_after(text, "Save this as `first_playbook.yml`:", "yaml")
    runs = code_block_after(text, "Run it, then run it again:", "bash").splitlines()
    return scenario, setup, playbook, runs


def test_the_guides_first_playbook_runs_twice_as_shown(tmp_path):
    scenario, setup, playbook, runs = guide_parts()
    assert setup[0] == "make emulator" and f"--state-file {GUIDE_STATE} --scenario {scenario}" in GUIDE.read_text()
    emu = EmulatorProcess(tmp_path / "emulator", scenario=scenario)
    try:
        work = tmp_path / "work"
        work.mkdir()
        (work / "first_playbook.yml").write_text(playbook)
        collections = os.environ.get("ANSIBLE_COLLECTIONS_PATH") or str(REPO / ".build" / "dev")
        # the guide's set-up minus `make emulator` (the emulator above is its `start`), for this emulator's state
        script = ["set -u", f'cd "{REPO}"']
        script += [line.replace(GUIDE_STATE, str(emu.state_file)).replace(GUIDE_COLLECTIONS, collections)
                   for line in setup[1:]]
        script.append(f'cd "{work}"')
        script += [f"{cmd} > out{i}.txt 2>&1; echo $? > rc{i}" for i, cmd in enumerate(runs)]
        env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "AZURE_", "ANSIBLE_"))}
        env.update({"ANSIBLE_LOCAL_TEMP": str(work / ".tmp"), "ANSIBLE_NOCOLOR": "1",
                    "AWS_CONFIG_FILE": str(work / "absent"), "AWS_SHARED_CREDENTIALS_FILE": str(work / "absent")})
        subprocess.run(["bash", "-c", "\n".join(script)], env=env, check=True, timeout=300)
        outputs = [(work / f"out{i}.txt").read_text() for i in range(len(runs))]
        codes = [int((work / f"rc{i}").read_text()) for i in range(len(runs))]
        requests = emu.requests()
    finally:
        emu.stop()
    assert len(runs) == 2 and all(cmd == "ansible-playbook first_playbook.yml" for cmd in runs)
    assert codes == [0, 0], "\n\n".join(outputs)
    assert re.search(r"localhost\s*: ok=3\s+changed=2\s", outputs[0]), outputs[0]
    assert re.search(r"localhost\s*: ok=3\s+changed=0\s", outputs[1]), outputs[1]  # nothing left to do, gate passes
    started = [r for r in requests if r.get("operation") in ("CreateJobForDevices", "EdgeDeviceJobs_CreateOrUpdate")]
    assert sorted(r["operation"] for r in started) == ["CreateJobForDevices", "EdgeDeviceJobs_CreateOrUpdate"]
    for out in outputs:
        assert_no_secrets(out, emu)
