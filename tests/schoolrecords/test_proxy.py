"""The proxy in front of gunicorn: only it publishes ports, it reads requests whole with short timeouts.

docker-compose.yml and deploy/nginx.conf (docs/operations.md, "The proxy"): slow clients that dribble
a header line every few seconds held gunicorn's 16 threads and stopped the site when gunicorn
faced the network; nginx must be the only way in, and its limits must agree with the site's.
"""

import ipaddress
import re
import runpy
import shutil
import subprocess
from pathlib import Path

import yaml
from django.conf import settings

from tests.schoolrecords.test_deploy import COMPOSE_SECRETS, ROOT, compose_config

NGINX_CONF = ROOT / "deploy" / "nginx.conf"


def raw_compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def resolved_compose(tmp_path: Path) -> dict:
    """The file as docker compose resolves it (anchors merged, variables filled in)."""
    result = compose_config(tmp_path, **COMPOSE_SECRETS)
    assert result.returncode == 0, result.stderr
    return yaml.safe_load(result.stdout)


def gunicorn_settings(**env: str) -> dict:
    import os

    saved = {name: os.environ.get(name) for name in ("GUNICORN_BIND", "WEB_CONCURRENCY", "GUNICORN_THREADS")}
    try:
        for name in saved:
            os.environ.pop(name, None)
        os.environ.update(env)
        return runpy.run_path(str(ROOT / "gunicorn.conf.py"))
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


# --- a small reader for nginx's configuration -------------------------------------------------

def nginx_tokens(text: str) -> list[str]:
    text = re.sub(r"#[^\n]*", "", text)
    return re.findall(r'"[^"]*"|[{};]|[^\s{};"]+', text)


def nginx_tree(text: str) -> list:
    """[(name, [args], children or None)], refusing unbalanced braces and unterminated directives."""
    tokens = nginx_tokens(text)
    position = 0

    def block(depth: int) -> list:
        nonlocal position
        items, words = [], []
        while position < len(tokens):
            token = tokens[position]
            position += 1
            if token == ";":
                assert words, "an empty directive"
                items.append((words[0], words[1:], None))
                words = []
            elif token == "{":
                assert words, "a block without a name"
                items.append((words[0], words[1:], block(depth + 1)))
                words = []
            elif token == "}":
                assert depth > 0, "a closing brace too many"
                assert not words, f"unterminated directive {words}"
                return items
            else:
                words.append(token.strip('"'))
        assert depth == 0, "an unclosed block"
        assert not words, f"unterminated directive {words}"
        return items

    return block(0)


def directives(tree: list, name: str) -> list[list[str]]:
    """The arguments of every `name` directive, at any depth."""
    found = []
    for item_name, args, children in tree:
        if item_name == name:
            found.append(args)
        if children:
            found.extend(directives(children, name))
    return found


def one(tree: list, name: str) -> list[str]:
    found = directives(tree, name)
    assert len(found) == 1, f"{name}: {found}"
    return found[0]


def seconds(value: str) -> float:
    number, unit = re.fullmatch(r"(\d+)(ms|s|m|h|d)?", value).groups()
    return int(number) * {"ms": 0.001, "s": 1, None: 1, "m": 60, "h": 3600, "d": 86400}[unit]


def size_bytes(value: str) -> int:
    number, unit = re.fullmatch(r"(\d+)([kKmMgG]?)", value).groups()
    return int(number) * {"": 1, "k": 1024, "m": 1024 ** 2, "g": 1024 ** 3}[unit.lower()]


def config_tree() -> list:
    return nginx_tree(NGINX_CONF.read_text())


def upstream(tree: list) -> list:
    """The `upstream schoolrecords` block: gunicorn's address and nginx's connections to it."""
    http = next(children for name, _, children in tree if name == "http")
    return next(children for name, args, children in http if name == "upstream" and args == ["schoolrecords"])


def site_location(tree: list) -> list:
    """The HTTPS server's `location /`, which passes requests to gunicorn."""
    http = next(children for name, _, children in tree if name == "http")
    servers = [children for name, _, children in http if name == "server"]
    tls = [server for server in servers if any("ssl" in args for args in directives(server, "listen"))]
    assert len(tls) == 1
    return next(children for name, args, children in tls[0] if name == "location" and args == ["/"])


# --- docker-compose.yml ------------------------------------------------------------------------

def test_only_the_proxy_publishes_ports_as_compose_resolves_the_file(tmp_path):
    services = resolved_compose(tmp_path)["services"]

    assert {"proxy", "web", "worker", "beat", "migrate", "db", "redis"} <= set(services)
    assert {name for name, service in services.items() if service.get("ports")} == {"proxy"}
    assert {str(port["target"]) if isinstance(port, dict) else port.split(":")[-1]
            for port in services["proxy"]["ports"]} == {"80", "443"}


def test_web_answers_only_on_the_internal_network_the_proxy_shares():
    compose = raw_compose()
    services, networks = compose["services"], compose["networks"]
    web, proxy = services["web"], services["proxy"]

    assert "ports" not in web and [str(port) for port in web["expose"]] == ["8000"]
    assert networks["edge"]["internal"] is True
    subnet = ipaddress.ip_network(networks["edge"]["ipam"]["config"][0]["subnet"])
    web_address = ipaddress.ip_address(web["networks"]["edge"]["ipv4_address"])
    proxy_address = ipaddress.ip_address(proxy["networks"]["edge"]["ipv4_address"])
    assert web_address in subnet and proxy_address in subnet
    # The proxy and web share `edge` and nothing else; the proxy alone faces the world (front).
    assert set(proxy["networks"]) & set(web["networks"]) == {"edge"}
    assert not networks.get("front", {}) or not networks["front"].get("internal")

    # gunicorn binds to web's own address on `edge`, not to every interface, and nothing overrides it.
    assert web["environment"]["GUNICORN_BIND"] == f"{web_address}:8000"
    assert "--bind" not in web["command"] and "-b" not in web["command"]
    assert gunicorn_settings(GUNICORN_BIND=web["environment"]["GUNICORN_BIND"])["bind"] == f"{web_address}:8000"
    # Started without the environment (a plain server), gunicorn listens on loopback only.
    assert gunicorn_settings()["bind"].startswith("127.0.0.1:")

    # The proxy is the one address whose X-Forwarded-For the site believes.
    trusted = re.fullmatch(r"\$\{TRUSTED_PROXIES:-(.*)\}", web["environment"]["TRUSTED_PROXIES"]).group(1)
    assert trusted == str(proxy_address)
    # And nginx sends to web's address.
    assert one(upstream(config_tree()), "server") == [f"{web_address}:8000"]


def test_the_other_services_keep_their_parts():
    services = raw_compose()["services"]

    assert services["beat"]["command"][:4] == ["celery", "-A", "schoolrecords", "beat"]
    assert services["migrate"]["environment"]["DATABASE_ROLE"] == "owner"
    assert "schoolrecords_app" in services["web"]["environment"]["DATABASE_URL"]
    assert services["proxy"]["image"].startswith("nginx:")
    assert "./deploy/nginx.conf:/etc/nginx/nginx.conf:ro" in services["proxy"]["volumes"]


# --- deploy/nginx.conf -------------------------------------------------------------------------

def test_nginx_closes_slow_clients_within_ten_seconds():
    tree = config_tree()

    for name in ("client_header_timeout", "client_body_timeout", "send_timeout", "keepalive_timeout"):
        http = next(children for item, _, children in tree if item == "http")
        value = [args for item, args, _ in http if item == name]
        assert len(value) == 1 and len(value[0]) == 1, (name, value)
        assert 0 < seconds(value[0][0]) <= 10, (name, value)
    assert one(tree, "reset_timedout_connection") == ["on"]


def test_nginx_buffers_requests_and_answers_and_limits_each_address():
    tree = config_tree()

    assert one(tree, "proxy_request_buffering") == ["on"]
    assert one(tree, "proxy_buffering") == ["on"]
    zone = one(tree, "limit_conn_zone")
    assert zone[0] == "$binary_remote_addr"
    zone_name = zone[1].split("=")[1].split(":")[0]
    limit = one(tree, "limit_conn")
    assert limit[0] == zone_name and 0 < int(limit[1]) <= 64


def test_nginx_body_limit_is_the_sites():
    tree = config_tree()

    assert size_bytes(one(tree, "client_max_body_size")[0]) == settings.REQUEST_MAX_BYTES
    # The compose file leaves REQUEST_MAX_MB at the site's default, which is the one above.
    assert "REQUEST_MAX_MB" not in raw_compose()["x-app"]["environment"]


def test_nginx_waits_for_gunicorn_longer_than_gunicorn_and_drops_idle_connections_first():
    tree = config_tree()
    gunicorn = gunicorn_settings()

    assert seconds(one(tree, "proxy_read_timeout")[0]) > gunicorn["timeout"]
    assert seconds(one(upstream(tree), "keepalive_timeout")[0]) < gunicorn["keepalive"]


def test_nginx_replaces_the_forwarded_headers_with_what_it_saw():
    location = site_location(config_tree())
    headers = {args[0].lower(): args[1] for args in directives(location, "proxy_set_header")}

    assert headers["x-forwarded-for"] == "$remote_addr"  # never $proxy_add_x_forwarded_for: this is the edge
    assert headers["x-forwarded-proto"] == "$scheme"
    assert headers["host"] == "$host"
    assert one(location, "proxy_pass") == ["http://schoolrecords"]


def test_plain_http_only_redirects_to_https_or_serves_the_acme_challenge():
    http = next(children for name, _, children in config_tree() if name == "http")
    plain = [children for name, _, children in http if name == "server"
             and not any("ssl" in args for args in directives(children, "listen"))]

    assert len(plain) == 1
    assert directives(plain[0], "proxy_pass") == []
    assert one(plain[0], "return") == ["301", "https://$host$request_uri"]


def test_the_reader_refuses_a_broken_configuration():
    for broken in ("http { server { listen 80; }", "http { listen 80 }", "events { } }"):
        try:
            nginx_tree(broken)
        except AssertionError:
            continue
        raise AssertionError(f"accepted: {broken!r}")


def test_nginx_accepts_the_configuration(tmp_path):
    """Balanced and terminated always; and `nginx -t` on it, with local paths, where nginx is installed."""
    text = NGINX_CONF.read_text()
    nginx_tree(text)
    nginx = shutil.which("nginx") or next((path for path in ("/usr/sbin/nginx",) if Path(path).exists()), None)
    if nginx is None:
        # Not installed here (docker-compose's image has it): the reader above is the check.
        assert "include /etc/nginx/mime.types;" in text
        return
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=test",
                    "-keyout", str(tmp_path / "privkey.pem"), "-out", str(tmp_path / "fullchain.pem")],
                   check=True, capture_output=True)
    mime = next(Path(p) for p in ("/etc/nginx/mime.types", "/usr/local/nginx/conf/mime.types") if Path(p).exists())
    local = (text.replace("user nginx;", "")
             .replace("/var/run/nginx.pid", str(tmp_path / "nginx.pid"))
             .replace("/var/log/nginx/", f"{tmp_path}/")
             .replace("/etc/nginx/tls/", f"{tmp_path}/")
             .replace("/etc/nginx/mime.types", str(mime)))
    (tmp_path / "nginx.conf").write_text(local)
    result = subprocess.run([nginx, "-t", "-p", str(tmp_path), "-e", str(tmp_path / "error.log"),
                             "-c", str(tmp_path / "nginx.conf")], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
