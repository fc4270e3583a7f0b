import urllib.request


def test_status_page_names_the_server(deployed_app):
    with urllib.request.urlopen(deployed_app.http_url("/"), timeout=10) as resp:
        assert b"Mumble" in resp.read()
