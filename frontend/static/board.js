// Live vacancy board. When any provider changes a vacancy the server sends an event;
// this script asks /board/delta (the same filters and page) for the page's homes and
// the cards whose version differs from the ones shown, and swaps only those. When the
// page's set of homes or the total changed, it reloads the results instead. Either way
// it says so in the status line, which screen readers announce.
const region = document.getElementById('board-results');
const now = () => new Date().toLocaleTimeString('en-GB', { hour: '2-digit', minute: '2-digit', second: '2-digit' });
const updated = () => {
  const el = document.getElementById('board-updated');
  if (el) el.textContent = `Updated at ${now()}.`;
};
const bump = (key) => { region.dataset[key] = String(Number(region.dataset[key] || 0) + 1); };

if (region && 'EventSource' in window) {
  let timer = null;
  const reload = async () => {
    const url = new URL(window.location.href);
    url.searchParams.set('partial', '1');
    const res = await fetch(url, { credentials: 'same-origin', headers: { Accept: 'text/html' } });
    if (!res.ok) return;
    region.innerHTML = await res.text();
    updated();
    bump('reloaded');
    bump('refreshed');
  };
  const refresh = async () => {
    const cards = [...region.querySelectorAll('[data-testid="home-card"]')];
    const url = new URL(region.dataset.deltaSrc, window.location.href);
    new URL(window.location.href).searchParams.forEach((v, k) => url.searchParams.append(k, v));
    url.searchParams.set('have', cards.map((c) => `${c.dataset.home}.${c.dataset.v}`).join(','));
    const res = await fetch(url, { credentials: 'same-origin', headers: { Accept: 'application/json' } });
    if (!res.ok) return;
    const delta = await res.json();
    const status = document.getElementById('board-status');
    const same = delta.ids.join(',') === cards.map((c) => c.dataset.home).join(',') && String(delta.total) === status?.dataset.total;
    if (!same) {
      await reload();
      return;
    }
    for (const [id, html] of Object.entries(delta.cards)) {
      const card = document.getElementById(`home-${id}`);
      if (card) card.outerHTML = html;
    }
    updated();
    bump('deltas');
    bump('refreshed');
  };
  const source = new EventSource(region.dataset.liveSrc);
  source.addEventListener('vacancy', () => {
    clearTimeout(timer);
    timer = setTimeout(refresh, 250); // several changes at once refresh once
  });
  source.addEventListener('open', () => { region.dataset.live = 'connected'; });
}

// The map loads only when asked: opening "Show these homes on a map" fetches its
// fragment (without JavaScript, the link inside opens the map page).
const mapDetails = document.getElementById('board-map');
if (mapDetails) {
  mapDetails.addEventListener('toggle', async () => {
    if (!mapDetails.open || mapDetails.dataset.loaded) return;
    mapDetails.dataset.loaded = 'loading';
    const res = await fetch(mapDetails.dataset.mapSrc, { credentials: 'same-origin', headers: { Accept: 'text/html' } });
    if (!res.ok) { delete mapDetails.dataset.loaded; return; }
    document.getElementById('board-map-body').innerHTML = await res.text();
    mapDetails.dataset.loaded = 'true';
  });
}

// The map: the council area or home that has keyboard focus is named below the map
// (the pointer gets each one's <title> as a tooltip).
document.addEventListener('focusin', (event) => {
  const target = event.target.closest && event.target.closest('.hearth-map__area, .hearth-map__home');
  const out = document.getElementById('map-focus-name');
  if (target && out) out.textContent = target.getAttribute('aria-label');
});
