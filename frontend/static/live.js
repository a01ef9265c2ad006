// Live regions: an element with data-live-src (a Server-Sent Events URL) refreshes
// whenever the server sends an event, and says when it did in the element named by
// data-live-updated (a status line). With data-live-parts, it asks the page's own URL
// with ?partial=delta&have=… for only the parts (elements with data-part and data-v)
// whose version changed and swaps them; it reloads the whole region from ?partial=1
// only when the region's set of parts changed, or when it has no parts.
for (const region of document.querySelectorAll('[data-live-src]')) {
  if (!('EventSource' in window)) break;
  let timer = null;
  const bump = (key) => { region.dataset[key] = String(Number(region.dataset[key] || 0) + 1); };
  const done = () => {
    const status = document.getElementById(region.dataset.liveUpdated || '');
    if (status) status.textContent = `Updated at ${new Date().toLocaleTimeString('en-GB')}.`;
    bump('refreshed');
  };
  const reload = async () => {
    const url = new URL(window.location.href);
    url.searchParams.set('partial', '1');
    const res = await fetch(url, { credentials: 'same-origin', headers: { Accept: 'text/html' } });
    if (!res.ok) return;
    region.innerHTML = await res.text();
    bump('reloaded');
    done();
  };
  const refresh = async () => {
    const parts = [...region.querySelectorAll('[data-part]')];
    if (!region.dataset.liveParts || parts.length === 0) return reload();
    const url = new URL(window.location.href);
    url.searchParams.set('partial', 'delta');
    url.searchParams.set('have', parts.map((p) => `${p.dataset.part}.${p.dataset.v}`).join(','));
    const res = await fetch(url, { credentials: 'same-origin', headers: { Accept: 'application/json' } });
    if (!res.ok) return;
    const delta = await res.json();
    if (delta.keys.join(',') !== parts.map((p) => p.dataset.part).join(',')) return reload();
    for (const [key, html] of Object.entries(delta.parts)) {
      const el = parts.find((p) => p.dataset.part === key);
      if (el) el.outerHTML = html;
    }
    bump('deltas');
    done();
  };
  const source = new EventSource(region.dataset.liveSrc);
  source.addEventListener(region.dataset.liveEvent || 'message', () => {
    clearTimeout(timer);
    timer = setTimeout(refresh, 250);
  });
  source.addEventListener('open', () => { region.dataset.live = 'connected'; });
}
