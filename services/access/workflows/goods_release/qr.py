"""The QR code on a release slip: a signed token the guard's phone scans, and its image.

The token is ``itsdangerous.URLSafeSerializer(key, salt=SALT).dumps({"s": slip_no, "n": nonce})``:
the slip's number and the random nonce kept on the slip when it was issued, signed (HMAC-SHA1 by
itsdangerous' default, with a key derived from the salt) with the office's signing key
(`propdesk.config.Settings.signing_key`: PROPDESK_SECRET_KEY, else the key generated once under the
data dir, the one the desk's sessions use; the salt keeps the two uses apart). Nobody can make a
token without the key, and a token made for a slip whose nonce differs (a forged or copied slip
number) does not match: slip numbers are guessable, tokens are not.

What the QR code encodes is ``<desk>/gate/scan?t=<token>`` when PROPDESK_DESK_URL names the desk's
address (the guard's phone camera opens the desk's gate page), else the token alone (the desk's
own scanner reads it). The image is made by segno (pure Python, SVG or PNG, no Pillow).
"""
from __future__ import annotations

import base64
import io
import os
import secrets

import segno
from itsdangerous import BadData, URLSafeSerializer

#: The purpose the key signs for (itsdangerous derives a key per salt).
SALT = "propdesk.access.release-slip"
#: The desk's address the QR code opens (optional), e.g. https://desk.example.com
DESK_URL_ENV = "PROPDESK_DESK_URL"


def new_nonce() -> str:
    """The random part of a slip's token (128 bits)."""
    return secrets.token_hex(16)


def signing_key() -> bytes:
    from propdesk.config import Settings

    return Settings.from_env().signing_key()


def make_token(slip_no: str, nonce: str, key: bytes | None = None) -> str:
    return URLSafeSerializer(key or signing_key(), salt=SALT).dumps({"s": slip_no, "n": nonce})


def read_token(token: str, key: bytes | None = None) -> tuple[str, str] | None:
    """(slip_no, nonce) of a genuine token, None for anything not signed with the office's key."""
    try:
        data = URLSafeSerializer(key or signing_key(), salt=SALT).loads(token)
    except (BadData, ValueError, TypeError):
        return None
    if not isinstance(data, dict) or not isinstance(data.get("s"), str) or not isinstance(data.get("n"), str):
        return None
    return data["s"], data["n"]


def content(token: str) -> str:
    """What the QR code encodes: the desk's gate page for the token, or the token alone."""
    base = os.environ.get(DESK_URL_ENV, "").strip().rstrip("/")
    return f"{base}/gate/scan?t={token}" if base else token


def image(text: str, kind: str = "svg", scale: int = 4) -> dict:
    """The QR code of `text`: {"media_type", "data" (SVG text or base64 PNG), "data_uri"}."""
    qr = segno.make(text, error="m")
    buf = io.BytesIO()
    if kind == "png":
        qr.save(buf, kind="png", scale=scale, border=2)
        raw = buf.getvalue()
        encoded = base64.b64encode(raw).decode("ascii")
        return {"media_type": "image/png", "data": encoded, "data_uri": f"data:image/png;base64,{encoded}"}
    qr.save(buf, kind="svg", scale=scale, border=2, xmldecl=False, svgns=True, title="物品放行条 QR")
    svg = buf.getvalue().decode("utf-8")
    return {"media_type": "image/svg+xml", "data": svg,
            "data_uri": "data:image/svg+xml;base64," + base64.b64encode(svg.encode("utf-8")).decode("ascii")}
