/**
 * The central dashboard page: Jember's districts with each village's package coloured by
 * state (health's renderMapSvg, the same map `jfleet status --map` draws), a table grouped by
 * district with filters (state, district, text), and when each package was last seen. One
 * self-contained HTML document (inline CSS, SVG and a small script), so it works offline and
 * under a strict CSP. Pure: the caller passes the fleet, the district geometry and the
 * village reference.
 */
import { renderMapSvg, STATE_COLORS, villageStates, type DistrictsGeoJson } from '../health/map.js';
import type { VillageReference } from '../inventory/villages.js';
import { STATE_ORDER, type FleetPackage, type FleetState, type HealthStateName } from '../report/contract.js';

export type DistrictGeoJson = DistrictsGeoJson;

const COLOURS: Record<HealthStateName | 'none', string> = { ...STATE_COLORS, none: '#cfd8dc' };

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

export function relativeTime(iso: string | null, now: Date): string {
  if (!iso) return 'never';
  const s = Math.round((now.getTime() - Date.parse(iso)) / 1000);
  if (s < 0) return 'just now';
  if (s < 90) return `${s} s ago`;
  if (s < 90 * 60) return `${Math.round(s / 60)} min ago`;
  if (s < 36 * 3600) return `${Math.round(s / 3600)} h ago`;
  return `${Math.round(s / 86400)} d ago`;
}

const SCRIPT = `
(function () {
  var st = document.getElementById('filter-state');
  var di = document.getElementById('filter-district');
  var tx = document.getElementById('filter-text');
  function apply() {
    var s = st.value, d = di.value, t = tx.value.trim().toLowerCase();
    var shown = 0;
    document.querySelectorAll('tr.pkg').forEach(function (tr) {
      var ok = (!s || tr.dataset.state === s) && (!d || tr.dataset.district === d) && (!t || tr.dataset.search.indexOf(t) >= 0);
      tr.hidden = !ok;
      if (ok) shown++;
    });
    document.querySelectorAll('tbody.group').forEach(function (g) {
      g.hidden = !g.querySelector('tr.pkg:not([hidden])');
    });
    document.querySelectorAll('#map circle[data-village]').forEach(function (c) {
      // a village code starts with its district's code: 35.09.13.2006 is in 35.09.13
      var ok = (!s || c.dataset.state === s) && (!d || c.dataset.village.slice(0, 8) === d);
      c.classList.toggle('dim', !ok);
    });
    document.querySelectorAll('#map path[data-district]').forEach(function (p) {
      p.classList.toggle('selected', !!d && p.dataset.district === d);
    });
    document.getElementById('shown').textContent = String(shown);
    // Keep the filters in the address, so a reload (below) or a shared link shows the same view.
    var p = new URLSearchParams();
    if (s) p.set('state', s);
    if (d) p.set('district', d);
    if (t) p.set('q', t);
    history.replaceState(null, '', location.pathname + (p.toString() ? '?' + p.toString() : ''));
  }
  [st, di].forEach(function (e) { e.addEventListener('change', apply); });
  tx.addEventListener('input', apply);
  var q = new URLSearchParams(location.search);
  if (q.get('state')) st.value = q.get('state');
  if (q.get('district')) di.value = q.get('district');
  if (q.get('q')) tx.value = q.get('q');
  apply();
  // A wall display stays current: reload every minute unless someone is typing a search.
  setInterval(function () { if (document.activeElement !== tx) location.reload(); }, 60000);
})();
`;

export function renderDashboard(fleet: FleetState, opts: { now: Date; ref: VillageReference; geo: DistrictGeoJson }): string {
  const { now, ref, geo } = opts;
  const byDistrict = new Map<string, { name: string; packages: FleetPackage[] }>();
  for (const p of fleet.packages) {
    let g = byDistrict.get(p.district.code);
    if (!g) byDistrict.set(p.district.code, (g = { name: p.district.name, packages: [] }));
    g.packages.push(p);
  }
  const groups = [...byDistrict.entries()].sort(([a], [b]) => a.localeCompare(b));
  const badge = (s: HealthStateName | 'none', text: string) => `<span class="badge" style="background:${COLOURS[s]}">${escapeHtml(text)}</span>`;
  const counts = STATE_ORDER.map((s) => `<li data-count-state="${s}">${badge(s, s)} <b>${fleet.counts[s]}</b></li>`).join('');
  const districtOptions = ref.districts
    .map((d) => `<option value="${d.code}">${escapeHtml(d.name)}${byDistrict.has(d.code) ? ` (${byDistrict.get(d.code)!.packages.length})` : ''}</option>`)
    .join('');
  const body = groups
    .map(([code, g]) => {
      const c = STATE_ORDER.map((s) => [s, g.packages.filter((p) => p.state === s).length] as const).filter(([, n]) => n > 0);
      const head = `<tr class="district-head"><th colspan="6">${escapeHtml(g.name)} <small>${code} · ${g.packages.length} package(s): ${c.map(([s, n]) => `${n} ${s}`).join(', ')}</small></th></tr>`;
      const rows = g.packages
        .sort((a, b) => a.village.name.localeCompare(b.village.name) || a.id.localeCompare(b.id))
        .map((p) => {
          const bad = p.checks.filter((k) => k.state !== 'ok');
          const search = `${p.id} ${p.village.name} ${p.village.code} ${p.district.name} ${p.release ?? ''}`.toLowerCase();
          const flags = [p.hard ? '' : 'soft', p.flapping ? 'flapping' : '', p.silenced ? 'silenced' : ''].filter(Boolean).join(', ');
          return `<tr class="pkg" data-id="${escapeHtml(p.id)}" data-state="${p.state}" data-district="${p.district.code}" data-village="${p.village.code}" data-search="${escapeHtml(search)}">
<td><a href="/v1/devices/${encodeURIComponent(p.id)}/history">${escapeHtml(p.id)}</a></td>
<td>${escapeHtml(p.village.name)} <small>${p.village.code}</small></td>
<td>${badge(p.state, p.state)}${flags ? ` <small>${flags}</small>` : ''}</td>
<td>${escapeHtml(p.release ?? '—')}</td>
<td class="seen" title="${escapeHtml(p.lastSeen ?? 'never')}">${relativeTime(p.lastSeen, now)}${p.tunnel ? `<br><small class="tunnel" data-tunnel="${p.tunnel.state}" title="tunnel via ${escapeHtml(p.tunnel.bastion)}${p.tunnel.connectedSince ? `, connected since ${escapeHtml(p.tunnel.connectedSince)}` : ''}">tunnel ${p.tunnel.state === 'up' ? `up since ${relativeTime(p.tunnel.connectedSince, now)}` : `${escapeHtml(p.tunnel.state)}, seen ${relativeTime(p.tunnel.lastSeen, now)}`}</small>` : ''}</td>
<td>${bad.length ? bad.map((k) => `<div><b>${escapeHtml(k.name)}</b> ${escapeHtml(k.output)}</div>`).join('') : '<small>all checks ok</small>'}</td>
</tr>`;
        })
        .join('\n');
      return `<tbody class="group" data-district="${code}">${head}\n${rows}</tbody>`;
    })
    .join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Jember kiosk fleet — jfleet central</title>
<style>
body{font:14px/1.4 system-ui,sans-serif;margin:0;color:#222;background:#fafafa}
header{padding:12px 20px;background:#1a237e;color:#fff}header h1{margin:0;font-size:20px}header p{margin:4px 0 0;opacity:.85}
main{display:flex;flex-wrap:wrap;gap:20px;padding:16px 20px}
section.mapbox{flex:0 0 auto}section.tablebox{flex:1 1 600px;min-width:0}
ul.counts{list-style:none;padding:0;display:flex;gap:14px;margin:0 0 10px}
.badge{display:inline-block;padding:1px 7px;border-radius:9px;color:#fff;font-size:12px}
#map svg{border:1px solid #bbb;max-width:100%;height:auto}
#map path.selected{fill:#fff8e1;stroke:#ff6f00;stroke-width:2}#map circle.dim{opacity:.12}
.filters{display:flex;gap:10px;margin-bottom:10px;flex-wrap:wrap}
table{border-collapse:collapse;width:100%;background:#fff}td,th{padding:4px 8px;border-bottom:1px solid #eee;text-align:left;vertical-align:top}
tr.district-head th{background:#eceff1;font-size:15px}small{color:#666}
</style></head>
<body>
<header><h1>Jember village kiosk fleet</h1>
<p>${fleet.packages.length} package(s) · ${fleet.reports} report(s) received · last report ${fleet.lastReportAt ? `<time datetime="${fleet.lastReportAt}">${relativeTime(fleet.lastReportAt, now)}</time>` : 'never'} · page generated <time datetime="${fleet.generatedAt}">${escapeHtml(fleet.generatedAt)}</time></p></header>
<main>
<section class="mapbox"><ul class="counts">${counts}</ul>
<div id="map">${renderMapSvg(ref, geo, villageStates(fleet.packages.map((p) => ({ village: p.village.code, state: p.state }))), {
    width: 820,
    title: 'Jember village kiosks',
    subtitle: `${fleet.packages.length} package(s) in ${new Set(fleet.packages.map((p) => p.village.code)).size} village(s)`,
  })}</div></section>
<section class="tablebox">
<div class="filters">
<label>State <select id="filter-state"><option value="">all</option>${STATE_ORDER.map((s) => `<option value="${s}">${s}</option>`).join('')}</select></label>
<label>District <select id="filter-district"><option value="">all</option>${districtOptions}</select></label>
<label>Search <input id="filter-text" type="search" placeholder="package, village, release"></label>
<span><b id="shown">${fleet.packages.length}</b> shown</span>
</div>
<table id="packages"><thead><tr><th>Package</th><th>Village</th><th>State</th><th>Release</th><th>Last seen</th><th>Checks</th></tr></thead>
${body || '<tbody><tr><td colspan="6">No report received yet.</td></tr></tbody>'}
</table>
<p><small>JSON: <a href="/v1/fleet">/v1/fleet</a> · a package's history: /v1/devices/ID/history</small></p>
</section></main>
<script>${SCRIPT}</script>
</body></html>
`;
}
