// The hosted pages' frame: one small HTML layout, clearly marked SANDBOX, and escaping.

export function escapeHtml(text: string): string {
  return text
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&#39;');
}

const STYLE = `
body{font-family:system-ui,sans-serif;background:#f6f8fa;color:#1a1f36;margin:0}
.banner{background:#ffbb00;color:#1a1f36;font-weight:700;text-align:center;padding:.5rem;letter-spacing:.05em}
main{max-width:28rem;margin:2rem auto;background:#fff;border-radius:8px;padding:1.5rem;box-shadow:0 1px 4px #0002}
h1{font-size:1.25rem;margin-top:0}.total{font-size:2rem;font-weight:700;margin:.25rem 0 1rem}
label{display:block;margin:.75rem 0 .25rem;font-size:.9rem}
input{width:100%;box-sizing:border-box;padding:.5rem;font-size:1rem;border:1px solid #c1c9d2;border-radius:4px}
.row{display:flex;gap:.75rem}.row>div{flex:1}
.actions{display:flex;gap:.75rem;margin-top:1.25rem;align-items:center}
button,.button{padding:.6rem 1.2rem;font-size:1rem;border-radius:4px;border:0;cursor:pointer;text-decoration:none}
.primary{background:#635bff;color:#fff}.secondary{background:#e3e8ee;color:#1a1f36}.danger{background:#df1b41;color:#fff}
.error{background:#fde8ec;color:#a41c3a;padding:.75rem;border-radius:4px}
table{width:100%;border-collapse:collapse;font-size:.85rem}td{padding:.2rem 0}.hint{margin-top:1.5rem;color:#4f566b}
code{font-family:ui-monospace,monospace}`;

export function layout(title: string, body: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" href="data:,">
<title>SANDBOX · ${escapeHtml(title)}</title>
<style>${STYLE}</style>
</head>
<body>
<div class="banner" data-testid="sandbox-banner">SANDBOX: test mode, no real card is charged</div>
<main>
${body}
</main>
</body>
</html>`;
}

export function errorBox(message: string | null): string {
  return message
    ? `<p class="error" role="alert" data-testid="checkout-error">${escapeHtml(message)}</p>`
    : '';
}
