"""alerts.channels.webhook: JSON POST to a real receiver on loopback, URL and auth from the Connection."""

import base64
import hashlib
import hmac
import socket

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Response

from alerts.channels import DeliveryError, Envelope
from alerts.channels.webhook import send, webhook_url

from .alert_fixtures import JUST_AFTER, charted_spike_alert, make_config, spike_alert

HOOK = {"channels": {"pr_hook": {"kind": "webhook", "connection": "pr_webhook"}}}


def envelope(alert=None) -> Envelope:
    return Envelope(alert=alert or spike_alert(), channel="pr_hook", languages=("zh", "en"), now=JUST_AFTER)


def channel(tmp_path):
    return make_config(tmp_path, HOOK).channels["pr_hook"]


def test_the_payload_carries_fields_explanation_text_and_idempotency_key(tmp_path, receiver):
    send(envelope(), channel(tmp_path), {"extra": {"url": receiver.url, "allow_private": True}, "password": "tok-123456"}, timeout=5)
    [request] = receiver.requests
    alert = spike_alert()
    assert request["headers"]["Idempotency-Key"] == f"{alert.alert_id}:pr_hook"
    assert request["headers"]["Authorization"] == "Bearer tok-123456"
    payload = request["json"]
    assert (payload["alert_id"], payload["brand"], payload["kind"], payload["severity"]) == (
        alert.alert_id, "demo_coffee", "negative_spike", "warning")
    assert (payload["observed"], payload["expected"], payload["ratio"]) == (38.0, 9.0, 4.2)
    assert payload["bucket_start"] == "2026-11-26T06:00:00+00:00"
    assert payload["details"]["samples"][1]["url"] == "https://weibo.com/1234567890/NwXyZ1"
    assert payload["title"] == {"zh": "【警告】示例咖啡 负面声量激增 ×4.2", "en": "[WARNING] 示例咖啡: negative mentions spike ×4.2"}
    assert "拉肚子" in payload["text"]["zh"] and "Sample posts" in payload["text"]["en"]
    assert request["body"].decode("utf-8")  # UTF-8 JSON, Chinese not \u-escaped
    assert "示例咖啡" in request["body"].decode("utf-8")


def test_a_spike_posts_its_chart_per_language_as_base64_png(tmp_path, receiver):
    send(envelope(charted_spike_alert()), channel(tmp_path), {"extra": {"url": receiver.url, "allow_private": True}},
         timeout=5)
    [request] = receiver.requests
    charts = request["json"]["charts"]
    assert [(c["lang"], c["content_type"], c["filename"]) for c in charts] == [
        ("zh", "image/png", "chart-zh.png"), ("en", "image/png", "chart-en.png")]
    assert all(base64.b64decode(c["base64"])[:8] == b"\x89PNG\r\n\x1a\n" for c in charts)
    send(envelope(), channel(tmp_path), {"extra": {"url": receiver.url, "allow_private": True}}, timeout=5)
    assert receiver.requests[1]["json"]["charts"] == []


def test_hmac_signing_lets_the_receiver_verify_the_body(tmp_path, receiver):
    secret = {"extra": {"url": receiver.url, "auth": "hmac", "allow_private": True}, "password": "shared-secret-42"}
    send(envelope(), channel(tmp_path), secret, timeout=5)
    [request] = receiver.requests
    expected = hmac.new(b"shared-secret-42", request["body"], hashlib.sha256).hexdigest()
    assert request["headers"]["X-Brandmon-Signature"] == f"sha256={expected}"
    assert "Authorization" not in request["headers"]


@pytest.mark.parametrize("status, retryable", [(400, False), (401, False), (404, False), (408, True),
                                               (429, True), (500, True), (502, True), (503, True)])
def test_4xx_is_permanent_except_timeouts_and_rate_limits(tmp_path, receiver, status, retryable):
    receiver.statuses = [status]
    with pytest.raises(DeliveryError) as failure:
        send(envelope(), channel(tmp_path), {"extra": {"url": receiver.url, "allow_private": True}}, timeout=5)
    assert failure.value.retryable is retryable and str(status) in str(failure.value)


def test_an_unreachable_receiver_is_retryable(tmp_path):
    with pytest.raises(DeliveryError) as failure:
        send(envelope(), channel(tmp_path), {"extra": {"url": "http://127.0.0.1:1/hook", "allow_private": True}},
             timeout=2)
    assert failure.value.retryable


@pytest.mark.parametrize("fields, url", [
    ({"extra": {"url": "https://hooks.example.com/x?k=1"}, "host": "ignored"}, "https://hooks.example.com/x?k=1"),
    ({"host": "https://hooks.example.com/brandmon"}, "https://hooks.example.com/brandmon"),
    ({"host": "https://hooks.example.com", "schema": "alerts/pr"}, "https://hooks.example.com/alerts/pr"),
    ({"conn_type": "https", "host": "hooks.example.com", "port": 8443, "schema": "alerts"},
     "https://hooks.example.com:8443/alerts"),  # AIRFLOW_CONN_X='https://hooks.example.com:8443/alerts'
    ({"conn_type": "http", "host": "127.0.0.1", "port": 9000, "schema": "http", "extra": {"path": "/in"}},
     "http://127.0.0.1:9000/in"),
    ({"conn_type": "generic", "host": "hooks.example.com"}, "https://hooks.example.com"),
])
def test_url_from_connection_fields(fields, url):
    assert webhook_url(fields) == url


def test_a_connection_without_url_or_host_is_permanent():
    with pytest.raises(DeliveryError) as failure:
        webhook_url({"extra": {}})
    assert not failure.value.retryable


def refused(tmp_path, fields) -> DeliveryError:
    with pytest.raises(DeliveryError) as failure:
        send(envelope(), channel(tmp_path), fields, timeout=2)
    assert not failure.value.retryable and "'pr_webhook'" in str(failure.value)  # names the Connection
    return failure.value


@pytest.mark.parametrize("url", ["file:///etc/passwd", "gopher://127.0.0.1:6379/_FLUSHALL", "ftp://example.com/x",
                                 "dict://127.0.0.1:11211/stat", "hooks.example.com/no-scheme"])
def test_only_http_and_https_urls_are_posted_to(tmp_path, url):
    error = refused(tmp_path, {"extra": {"url": url, "allow_private": True}})
    assert "must be http:// or https://" in str(error)


@pytest.mark.parametrize("url", ["http://169.254.169.254/latest/meta-data/", "http://[fd00:ec2::254]/latest",
                                 "http://metadata.google.internal/computeMetadata/v1/", "http://100.100.100.200/latest",
                                 "http://169.254.10.1/", "http://[fe80::1]/", "http://[::ffff:169.254.169.254]/",
                                 "http://0.0.0.0:8080/", "http://224.0.0.1/"])
def test_metadata_link_local_and_non_unicast_addresses_are_refused_even_when_private_is_allowed(tmp_path, url):
    error = refused(tmp_path, {"extra": {"url": url, "allow_private": True}})
    assert "refused to send to" in str(error)


@pytest.mark.parametrize("url", ["http://127.0.0.1:9/hook", "http://10.1.2.3/hook", "http://192.168.1.20/hook",
                                 "http://[::1]:9/hook", "http://localhost:9/hook"])
def test_loopback_and_private_addresses_need_allow_private(tmp_path, url):
    error = refused(tmp_path, {"extra": {"url": url}})
    assert '"allow_private": true' in str(error)


def test_allow_private_from_a_uri_connection_is_a_string(tmp_path, receiver):
    send(envelope(), channel(tmp_path), {"extra": {"url": receiver.url, "allow_private": "true"}}, timeout=5)
    assert len(receiver.requests) == 1


def test_a_name_that_changes_its_answer_after_the_check_is_not_resolved_again(tmp_path, receiver, monkeypatch):
    """DNS rebinding: the first answer (checked) is the receiver, later answers point at the metadata
    service; the POST goes to the address that was checked, as the name."""
    real = socket.getaddrinfo
    asked = []

    def rebinding(host, port, *args, **kwargs):
        if host != "hooks.example.test":
            return real(host, port, *args, **kwargs)
        asked.append(host)
        return real("127.0.0.1" if len(asked) == 1 else "169.254.169.254", port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", rebinding)
    port = receiver.server.port
    send(envelope(), channel(tmp_path), {"extra": {"url": f"http://hooks.example.test:{port}/hook",
                                                   "allow_private": True}}, timeout=2)
    [request] = receiver.requests
    assert request["headers"]["Host"] == f"hooks.example.test:{port}" and asked == ["hooks.example.test"]


def test_https_to_the_checked_address_still_verifies_the_certificate_of_the_name(tmp_path, monkeypatch):
    """The request goes to the checked address, yet TLS checks the certificate against the URL's
    name: a certificate for that name passes, one for another name fails."""
    real = socket.getaddrinfo
    monkeypatch.setattr(socket, "getaddrinfo", lambda host, port, *a, **k: real(
        "127.0.0.1" if host in ("hooks.example.test", "other.example.test") else host, port, *a, **k))
    context, ca_file = tls_for("hooks.example.test", tmp_path)
    monkeypatch.setenv("SSL_CERT_FILE", str(ca_file))
    server = HTTPServer(host="127.0.0.1", port=0, ssl_context=context)
    server.expect_request("/hook").respond_with_handler(lambda request: Response("ok"))
    server.start()
    try:
        fields = {"extra": {"url": f"https://hooks.example.test:{server.port}/hook", "allow_private": True}}
        send(envelope(), channel(tmp_path), fields, timeout=5)
        wrong = {"extra": {"url": f"https://other.example.test:{server.port}/hook", "allow_private": True}}
        with pytest.raises(DeliveryError, match="CERTIFICATE_VERIFY_FAILED|certificate"):
            send(envelope(), channel(tmp_path), wrong, timeout=5)
    finally:
        server.stop()
    assert len(server.log) == 1


def tls_for(name: str, folder):
    """A server TLS context with a self-signed certificate for `name`, and that certificate as a CA file."""
    import datetime as dt
    import ssl

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = dt.datetime.now(dt.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(subject).issuer_name(subject).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - dt.timedelta(hours=1))
            .not_valid_after(now + dt.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName(name)]), critical=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    cert_file, key_file = folder / "cert.pem", folder / "key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert_file, key_file)
    return context, cert_file
