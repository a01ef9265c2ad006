// A simulation that is queued or running: every two seconds, fetch the page again and
// replace the progress region (a role="status" live region, so screen readers hear it
// move on without focus jumping); once the run has finished, load the page with its result.
const region = document.getElementById('simulation-live');
if (region) {
  const tick = async () => {
    try {
      const res = await fetch(window.location.href, { credentials: 'same-origin', headers: { Accept: 'text/html' } });
      if (!res.ok) return;
      const doc = new DOMParser().parseFromString(await res.text(), 'text/html');
      const next = doc.getElementById('simulation-live');
      if (!next) {
        window.location.reload();
        return;
      }
      region.innerHTML = next.innerHTML;
    } finally {
      setTimeout(tick, 2000);
    }
  };
  setTimeout(tick, 2000);
}
