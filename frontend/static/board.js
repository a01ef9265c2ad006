// Live vacancy board: when any provider changes a vacancy, the server sends an event
// and this script reloads the results (the same filters) in place, announcing it to
// screen readers through the status line.
const region = document.getElementById('board-results');
if (region && 'EventSource' in window) {
  let timer = null;
  const refresh = async () => {
    const url = new URL(window.location.href);
    url.searchParams.set('partial', '1');
    const res = await fetch(url, { credentials: 'same-origin', headers: { Accept: 'text/html' } });
    if (!res.ok) return;
    region.innerHTML = await res.text();
    const when = new Date().toLocaleTimeString('en-GB', { hour: '2-digit', minute: '2-digit', second: '2-digit' });
    const updated = document.getElementById('board-updated');
    if (updated) updated.textContent = `Updated at ${when}.`;
    region.dataset.refreshed = String(Number(region.dataset.refreshed || 0) + 1);
  };
  const source = new EventSource(region.dataset.liveSrc);
  source.addEventListener('vacancy', () => {
    clearTimeout(timer);
    timer = setTimeout(refresh, 250); // several changes at once refresh once
  });
  source.addEventListener('open', () => { region.dataset.live = 'connected'; });
}

// The map: the council area or home that has keyboard focus is named below the map
// (the pointer gets each one's <title> as a tooltip).
if (region) {
  const name = (event) => {
    const target = event.target.closest && event.target.closest('.hearth-map__area, .hearth-map__home');
    const out = document.getElementById('map-focus-name');
    if (target && out) out.textContent = target.getAttribute('aria-label');
  };
  region.addEventListener('focusin', name);
}
