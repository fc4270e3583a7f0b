import pytest

from runner.harness import recipes


@pytest.mark.parametrize(
    "text, expected",
    [
        ("${DOMAIN}", "a.example"),
        ("${MISSING:-fallback}", "fallback"),
        ("${EMPTY:-fallback}", "fallback"),
        ("${EMPTY-fallback}", ""),
        ("$DOMAIN/x", "a.example/x"),
        ("$${NOT_INTERPOLATED}", "${NOT_INTERPOLATED}"),
        ("Host(`${DOMAIN}`)", "Host(`a.example`)"),
    ],
)
def test_interpolate(text, expected):
    assert recipes.interpolate(text, {"DOMAIN": "a.example", "EMPTY": ""}) == expected


def test_labels_in_map_and_list_form_agree():
    as_map = {"deploy": {"labels": {"backupbot.backup": "true", "a.b": "x=y"}}}
    as_list = {"deploy": {"labels": ["backupbot.backup=true", "a.b=x=y"]}}
    assert recipes.labels(as_map) == recipes.labels(as_list) == {"backupbot.backup": "true", "a.b": "x=y"}


def test_environment_takes_bare_names_from_the_deploy_environment():
    service = {"environment": ["DOMAIN", "URL=https://${DOMAIN}/", "PORT=${PORT:-3000}"]}
    env = recipes.environment(service, {"DOMAIN": "a.example"})
    assert env == {"DOMAIN": "a.example", "URL": "https://a.example/", "PORT": "3000"}


def test_env_sample_ignores_commented_lines(tmp_path):
    (tmp_path / ".env.sample").write_text('DOMAIN=a.example\n#SMTP_HOST=mail\nNAME="Quoted value"\n')
    assert recipes.env_sample(tmp_path) == {"DOMAIN": "a.example", "NAME": "Quoted value"}


def test_stack_name_replaces_dots():
    assert recipes.stack_name("pds.example.com") == "pds_example_com"
