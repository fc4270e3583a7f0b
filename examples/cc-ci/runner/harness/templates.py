"""Swarm's `template_driver: golang` for the functions recipes use: `{{ env "NAME" }}` and
`{{ secret "name" }}`. Anything else is an error rather than a silent blank, so a template this
renderer cannot follow fails the test that renders it."""

import re

_ACTION = re.compile(r"\{\{-?\s*(.*?)\s*-?\}\}", re.S)
_CALL = re.compile(r'^(env|secret)\s+"([^"]*)"$')


class TemplateError(ValueError):
    pass


def render(text, env, secrets=None):
    secrets = secrets or {}

    def action(m):
        call = _CALL.match(m.group(1))
        if not call:
            raise TemplateError(f"unsupported template action {m.group(0)!r}")
        kind, name = call.groups()
        if kind == "env":
            return env.get(name, "")
        if name not in secrets:
            raise TemplateError(f"template reads secret {name!r}, which is not provided")
        return secrets[name]

    return _ACTION.sub(action, text)
