"""The harness itself: emulator start/stop, admin API, ansible-playbook runs, result files, secret scan."""
from __future__ import annotations

import json

import pytest

from harness import assert_no_secrets as scan

PLAYBOOK = """
- hosts: localhost
  gather_facts: false
  tasks:
    - name: Say something harmless
      ansible.builtin.debug:
        msg: "hello {{ emulator_region }}"
      register: greeting
    - name: Save the result
      ansible.builtin.copy:
        content: "{{ greeting | to_json }}"
        dest: "{{ out_dir }}/greeting.json"
        mode: "0600"
    - name: Show which CA bundle the play sees
      ansible.builtin.copy:
        content: "{{ {'aws_ca': lookup('env', 'AWS_CA_BUNDLE'), 'requests_ca': lookup('env', 'REQUESTS_CA_BUNDLE')} | to_json }}"
        dest: "{{ out_dir }}/env.json"
        mode: "0600"
"""


def test_emulator_health_and_state(emulator):
    health = emulator.health()
    assert health["status"] == "ok"
    assert health["pid"] == emulator.state["pid"]
    for key in ("http_port", "https_port", "aws_endpoint", "https_endpoint", "admin_url", "ca_file", "aws", "azure"):
        assert key in emulator.state
    assert emulator.requests() == []


def test_trivial_playbook_runs_with_emulator_env(emulator, run_playbook, assert_no_secrets):
    result = run_playbook(PLAYBOOK, emulator=emulator).assert_ok()
    assert result.result("greeting")["msg"] == f"hello {emulator.region}"
    env = result.result("env")
    assert env == {"aws_ca": emulator.ca_file, "requests_ca": emulator.ca_file}
    assert_no_secrets(result.output, emulator)


def test_failed_playbook_reports_rc(tmp_path, run_playbook):
    result = run_playbook("- hosts: localhost\n  gather_facts: false\n  tasks:\n"
                          "    - ansible.builtin.fail:\n        msg: on purpose\n", verbosity=0)
    assert result.rc != 0
    assert "on purpose" in result.stdout
    with pytest.raises(AssertionError):
        result.result("missing")


def test_secret_scan_catches_a_leak(emulator):
    secret = emulator.state["aws"]["secret_key"]
    with pytest.raises(AssertionError) as info:
        scan(f"some output {secret} more", emulator)
    assert secret not in str(info.value)
    scan(json.dumps({"access": "nothing here"}), emulator)
    scan(f"key {emulator.state['aws']['access_key']}", emulator, allow=("aws.access_key",))
