/**
 * The dashboard's only script: it listens to the API's server-sent events and reloads the page's
 * `<main>` (rendered, and escaped, by the server) when something it shows changed; and the action
 * buttons call the API (with the approval card's response, if one was typed). Times marked with
 * `datetime` are kept relative ("3 min ago", see relative-time.ts). A search's results are not
 * reloaded (each reload would search again). A `key` query parameter on the page is passed on to
 * every request, for guards that read one. No data is ever put into markup here.
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
  const units = [[60, 1, 's'], [3600, 60, 'min'], [86400, 3600, 'h'], [Infinity, 86400, 'd']];
  const relativeText = (at, now) => {
    const delta = Math.round((at - now) / 1000);
    const abs = Math.abs(delta);
    if (abs < 5) return 'just now';
    const [, seconds, name] = units.find(([limit]) => abs < limit);
    const count = Math.floor(abs / seconds);
    return delta < 0 ? count + ' ' + name + ' ago' : 'in ' + count + ' ' + name;
  };
  const relativeTimes = () => {
    const now = Date.now();
    for (const time of document.querySelectorAll('time[datetime]:not([data-fixed])')) {
      time.textContent = relativeText(Date.parse(time.dateTime), now);
    }
  };
  setInterval(relativeTimes, 5000);
  const watching = document.body.dataset.execution || null;
  let pending = null;
  const refresh = () => {
    if (pending || document.querySelector('[data-static]')) return;
    pending = setTimeout(async () => {
      pending = null;
      const u = new URL(location.href);
      u.searchParams.set('fragment', '1');
      // The page's own URL carries the key, if any.
      const answer = await fetch(u.toString());
      if (answer.ok) {
        // A response being typed into the approval card survives the reload.
        const typed = document.getElementById('response');
        const draft = typed ? typed.value : '';
        document.querySelector('main').innerHTML = await answer.text();
        const again = document.getElementById('response');
        if (again && draft) again.value = draft;
        keyLinks();
        relativeTimes();
      }
    }, 150);
  };
  // Workers come and go without an execution changing: the overview looks again now and then.
  if (!watching) setInterval(refresh, 15000);
  const events = new EventSource(withKey(root + '/events'));
  // A change between the page's rendering and the stream's (re)opening was never heard: once the
  // stream is open, the execution shown is looked at once, and the page reloaded if it moved on.
  events.addEventListener('open', async () => {
    const shown = document.getElementById('summary');
    if (!watching || !shown) return;
    const answer = await fetch(withKey(root + '/executions/' + encodeURIComponent(watching)));
    if (answer.ok && (await answer.json()).updatedAt !== shown.dataset.updated) refresh();
  });
  events.addEventListener('execution', (event) => {
    const change = JSON.parse(event.data);
    if (!watching || change.id === watching) refresh();
  });
  document.addEventListener('click', async (event) => {
    const button = event.target.closest('button[data-action]');
    if (!button) return;
    const id = button.dataset.id;
    const action = button.dataset.action;
    const typed = document.getElementById('response');
    const given = typed && typed.value.trim() ? { response: typed.value } : {};
    // One line per button action: the API path under the execution and the body it posts.
    const requests = {
      cancel: { path: '/cancel', body: {} },
      approve: { path: '/resume', body: { approved: true, ...given } },
      reject: { path: '/resume', body: { approved: false, ...given } },
      resume: { path: '/resume', body: given },
      retry: { path: '/retry', body: {} },
      fork: { path: '/fork', body: { fromStep: button.dataset.step } },
    };
    const request = requests[action];
    if (!request) return;
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
