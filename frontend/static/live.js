// Live regions: an element with data-live-src (a Server-Sent Events URL) reloads its
// contents from the page's own URL with ?partial=1 whenever the server sends an event,
// and says when it did in the element named by data-live-updated (a status line).
for (const region of document.querySelectorAll('[data-live-src]')) {
  if (!('EventSource' in window)) break;
  let timer = null;
  const refresh = async () => {
    const url = new URL(window.location.href);
    url.searchParams.set('partial', '1');
    const res = await fetch(url, { credentials: 'same-origin', headers: { Accept: 'text/html' } });
    if (!res.ok) return;
    region.innerHTML = await res.text();
    const status = document.getElementById(region.dataset.liveUpdated || '');
    if (status) status.textContent = `Updated at ${new Date().toLocaleTimeString('en-GB')}.`;
    region.dataset.refreshed = String(Number(region.dataset.refreshed || 0) + 1);
  };
  const source = new EventSource(region.dataset.liveSrc);
  source.addEventListener(region.dataset.liveEvent || 'message', () => {
    clearTimeout(timer);
    timer = setTimeout(refresh, 250);
  });
  source.addEventListener('open', () => { region.dataset.live = 'connected'; });
}
