"""HTML page frame shared by the candidate, consent, sign-up and dashboard pages.

Every value that came from a user or a client goes through ``esc`` before it reaches markup;
pages also forbid scripts through Content-Security-Policy as a second line of defence.
"""

from html import escape

from .web import Response

STYLE = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:0;background:#f5f6f8;
color:#1f2933}
main{max-width:720px;margin:2rem auto;background:#fff;border-radius:8px;padding:1.5rem 2rem;
box-shadow:0 1px 3px rgba(0,0,0,.12)}
h1{font-size:1.4rem;margin-top:0}.muted{color:#616e7c}.error{color:#b42318}
.banner{font-size:.8rem;color:#616e7c;text-align:center;margin-top:1rem}
.slots{display:flex;flex-wrap:wrap;gap:.5rem}.day{margin:1rem 0 .4rem;font-weight:600}
button,.button{background:#2057c8;color:#fff;border:0;border-radius:6px;padding:.5rem .9rem;
cursor:pointer;font-size:.95rem;text-decoration:none;display:inline-block}
button.secondary,.button.secondary{background:#e4e7eb;color:#1f2933}
label{display:block;margin:.6rem 0 .2rem}input,select{padding:.4rem;width:100%;
box-sizing:border-box}
dl{display:grid;grid-template-columns:max-content 1fr;gap:.3rem 1rem}dt{font-weight:600}
"""

CSP = "default-src 'none'; style-src 'unsafe-inline'; form-action 'self' http: https:"


def esc(value):
    return escape("" if value is None else str(value), quote=True)


def page(title, body_html, status=200, headers=None):
    document = (
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
        "<meta name='viewport' content='width=device-width, initial-scale=1'>"
        f"<title>{esc(title)}</title><style>{STYLE}</style></head><body><main>"
        f"{body_html}"
        "<p class='banner'>Cronofy Simulator &mdash; not the real Cronofy</p>"
        "</main></body></html>"
    )
    all_headers = {
        "Content-Type": "text/html; charset=utf-8",
        "Content-Security-Policy": CSP,
        "X-Content-Type-Options": "nosniff",
        "Cache-Control": "no-store",
    }
    all_headers.update(headers or {})
    return Response(status, document, all_headers)


def error_page(title, message, status):
    body = f"<h1 class='error' id='cronofy-sim-error-title'>{esc(title)}</h1>"
    body += f"<p id='cronofy-sim-error-message'>{esc(message)}</p>"
    return page(title, body, status)


def hidden_inputs(values):
    return "".join(
        f"<input type='hidden' name='{esc(name)}' value='{esc(value)}'>"
        for name, value in values.items()
        if value is not None
    )
