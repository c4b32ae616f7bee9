/**
 * The dashboard's only script: it listens to the API's server-sent events and reloads the page's
 * `<main>` (rendered, and escaped, by the server) when something it shows changed; and the action
 * buttons call the API. A `key` query parameter on the page is passed on to every request, for guards
 * that read one. No data is ever put into markup here.
 */
export const DASHBOARD_SCRIPT = `
(() => {
  const root = document.body.dataset.api;
  const key = new URLSearchParams(location.search).get('key');
  const withKey = (url) => {
    if (!key) return url;
    const u = new URL(url, location.href);
    u.searchParams.set('key', key);
    return u.toString();
  };
  const keyLinks = () => {
    if (!key) return;
    for (const a of document.querySelectorAll('a[href^="/"]')) a.href = withKey(a.getAttribute('href'));
    for (const form of document.querySelectorAll('form[method="get"]')) {
      if (form.querySelector('input[name="key"]')) continue;
      const hidden = document.createElement('input');
      hidden.type = 'hidden';
      hidden.name = 'key';
      hidden.value = key;
      form.appendChild(hidden);
    }
  };
  keyLinks();
  const watching = document.body.dataset.execution || null;
  let pending = null;
  const refresh = () => {
    if (pending) return;
    pending = setTimeout(async () => {
      pending = null;
      const u = new URL(location.href);
      u.searchParams.set('fragment', '1');
      // The page's own URL carries the key, if any.
      const answer = await fetch(u.toString());
      if (answer.ok) {
        document.querySelector('main').innerHTML = await answer.text();
        keyLinks();
      }
    }, 150);
  };
  const events = new EventSource(withKey(root + '/events'));
  events.addEventListener('execution', (event) => {
    const change = JSON.parse(event.data);
    if (!watching || change.id === watching) refresh();
  });
  document.addEventListener('click', async (event) => {
    const button = event.target.closest('button[data-action]');
    if (!button) return;
    const id = button.dataset.id;
    const action = button.dataset.action;
    const request =
      action === 'cancel'
        ? { path: '/cancel', body: {} }
        : action === 'retry'
          ? { path: '/retry', body: {} }
        : action === 'fork'
          ? { path: '/fork', body: { fromStep: button.dataset.step } }
        : action === 'approve'
          ? { path: '/resume', body: { approved: true } }
          : action === 'reject'
            ? { path: '/resume', body: { approved: false } }
            : { path: '/resume', body: {} };
    button.disabled = true;
    const answer = await fetch(withKey(root + '/executions/' + encodeURIComponent(id) + request.path), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(request.body),
    });
    const status = document.getElementById('action-status');
    if (!answer.ok) {
      const problem = await answer.json().catch(() => ({ error: answer.statusText }));
      status.textContent = problem.error || answer.statusText;
      button.disabled = false;
    } else if (action === 'fork') {
      // The fork is a new execution: its page is where it goes on.
      const fork = await answer.json();
      location.href = withKey(root + '/dashboard/executions/' + encodeURIComponent(fork.id));
    } else {
      status.textContent = '';
      refresh();
    }
  });
})();
`;
