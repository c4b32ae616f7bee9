import { DASHBOARD_SCRIPT } from './dashboard-script';
import { DASHBOARD_STYLE } from './dashboard-style';
import { html, SafeHtml } from './html';

/** The whole page; `main` is what the script reloads. */
export function page(
  title: string,
  apiPath: string,
  main: SafeHtml,
  nonce: string,
  watching: string | null = null,
): SafeHtml {
  return html`<!doctype html>
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <title>${title}</title>
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <style nonce="${nonce}">
          ${constant(DASHBOARD_STYLE)}
        </style>
      </head>
      <body data-api="${apiPath}" data-execution="${watching ?? ''}">
        <header>
          <a href="${apiPath}/dashboard">Durable workflows</a>
          <form method="get" action="${apiPath}/dashboard" role="search">
            <input
              type="search"
              name="q"
              placeholder="execution id or input value"
              aria-label="Search executions"
            />
          </form>
        </header>
        <main>${main}</main>
        <script nonce="${nonce}">
          ${constant(DASHBOARD_SCRIPT)};
        </script>
      </body>
    </html>`;
}

/** Constant markup of the module (style, script, attributes), never data. */
export function constant(markup: string): SafeHtml {
  return new SafeHtml(markup);
}
