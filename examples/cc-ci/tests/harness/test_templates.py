import pytest

from runner.harness import templates


def test_env_and_secret():
    out = templates.render('{{ env "DOMAIN" }} {{secret "key"}}', {"DOMAIN": "a.example"}, {"key": "s3"})
    assert out == "a.example s3"


def test_missing_env_renders_empty_like_swarm():
    assert templates.render('x{{ env "NOPE" }}y', {}) == "xy"


def test_unsupported_action_is_an_error():
    with pytest.raises(templates.TemplateError):
        templates.render('{{ if .Service }}x{{ end }}', {})
