/**
 * The central dashboard page: Jember's districts with each village's package coloured by
 * state (health's renderMapSvg, the same map `jfleet status --map` draws), a table grouped by
 * district with filters (state, district, text), and when each package was last seen. One
 * self-contained HTML document (inline CSS, SVG and a small script), so it works offline and
 * under a strict CSP. Every word comes from the catalog's `dashboard` section (and the state
 * names from `health.state`), in the language the server chose for the request (language.ts);
 * times are shown in the fleet's zone (WIB) and numbers as the language writes them. The data
 * attributes (state keywords, codes) stay as the API has them. Pure: the caller passes the
 * fleet, the district geometry, the village reference and the page's speech.
 */
import { renderMapSvg, STATE_COLORS, villageStates, type DistrictsGeoJson } from '../health/map.js';
import type { VillageReference } from '../inventory/villages.js';
import { STATE_ORDER, type FleetPackage, type FleetState, type HealthStateName } from '../report/contract.js';
import type { MessageKey, Translate } from '../i18n/catalog.js';
import { dateTime, type Formats, number } from '../i18n/format.js';
import { type Lang, LANGS } from '../i18n/language.js';

export type DistrictGeoJson = DistrictsGeoJson;

const COLOURS: Record<HealthStateName | 'none', string> = { ...STATE_COLORS, none: '#cfd8dc' };

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/** The words and formats one page speaks with: the catalog's translator, its language, Intl formats (WIB). */
export interface PageSpeech {
  lang: Lang;
  t: Translate;
  f: Formats;
}

const RELATIVE = new WeakMap<PageSpeech, Intl.RelativeTimeFormat>();

/** "3 minutes ago" / "3 menit yang lalu" (Intl's words for each language), "never" from the catalog. */
export function relativeTime(iso: string | null, now: Date, sp: PageSpeech): string {
  if (!iso) return sp.t('dashboard.never');
  const s = Math.round((now.getTime() - Date.parse(iso)) / 1000);
  // one formatter per page speech: making an Intl formatter costs more than formatting with it
  let rtf = RELATIVE.get(sp);
  if (!rtf) RELATIVE.set(sp, (rtf = new Intl.RelativeTimeFormat(sp.f.locale, { numeric: 'auto' })));
  if (s < 0) return rtf.format(0, 'second');
  if (s < 90) return rtf.format(-s, 'second');
  if (s < 90 * 60) return rtf.format(-Math.round(s / 60), 'minute');
  if (s < 36 * 3600) return rtf.format(-Math.round(s / 3600), 'hour');
  return rtf.format(-Math.round(s / 86400), 'day');
}

/** A catalog sentence with HTML put in for some of its values (each marker replaced after escaping the rest). */
function sentence(text: (vars: Record<string, string>) => string, html: Record<string, string>): string {
  const marks = Object.fromEntries(Object.keys(html).map((k, i) => [k, `\u0000${i}\u0000`]));
  let out = escapeHtml(text(marks));
  Object.keys(html).forEach((k, i) => {
    out = out.split(`\u0000${i}\u0000`).join(html[k] ?? '');
  });
  return out;
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
    document.getElementById('shown').textContent = shown.toLocaleString(document.body.dataset.locale);
    // Keep the filters (and a language picked with the switch) in the address, so a reload
    // (below) or a shared link shows the same view; the switch keeps the filters too.
    var p = new URLSearchParams();
    if (s) p.set('state', s);
    if (d) p.set('district', d);
    if (t) p.set('q', t);
    document.querySelectorAll('#lang-switch a[data-lang]').forEach(function (a) {
      var q = new URLSearchParams(p);
      q.set('lang', a.dataset.lang);
      a.setAttribute('href', '?' + q.toString());
    });
    if (lang) p.set('lang', lang);
    history.replaceState(null, '', location.pathname + (p.toString() ? '?' + p.toString() : ''));
  }
  [st, di].forEach(function (e) { e.addEventListener('change', apply); });
  tx.addEventListener('input', apply);
  var q = new URLSearchParams(location.search);
  var lang = q.get('lang');
  if (q.get('state')) st.value = q.get('state');
  if (q.get('district')) di.value = q.get('district');
  if (q.get('q')) tx.value = q.get('q');
  apply();
  // A wall display stays current: reload every minute unless someone is typing a search.
  setInterval(function () { if (document.activeElement !== tx) location.reload(); }, 60000);
})();
`;

export function renderDashboard(fleet: FleetState, opts: { now: Date; ref: VillageReference; geo: DistrictGeoJson; speech: PageSpeech }): string {
  const { now, ref, geo, speech: sp } = opts;
  const { f } = sp;
  // A page of 248 packages says the same few words hundreds of times: each text (a key without
  // values, a check's output, a minute of the clock) is looked up once per page.
  const once = <A extends string>(fn: (a: A) => string) => {
    const memo = new Map<A, string>();
    return (a: A): string => {
      let said = memo.get(a);
      if (said === undefined) memo.set(a, (said = fn(a)));
      return said;
    };
  };
  const word = once((key: MessageKey) => sp.t(key));
  const t = ((key: MessageKey, vars?: Record<string, string | number>) => (vars ? sp.t(key, vars) : word(key))) as Translate;
  t.phrase = once((english: string) => sp.t.phrase(english));
  const minute = once((iso: string) => dateTime(f, `${iso}:00Z`));
  // every zone's offset is whole minutes, so a time's minute in UTC names its minute anywhere
  const at = (iso: string) => (/^\d{4}-\d\d-\d\dT\d\d:\d\d/.test(iso) && iso.endsWith('Z') ? minute(iso.slice(0, 16)) : dateTime(f, iso));
  const n = (v: number) => number(f, v, 0);
  const stateLabel = (s: HealthStateName) => t(`health.state.${s}`);
  // a counted phrase keeps i18next's {{count}} (Jember has 248 villages: never a thousands separator)
  const packagesText = (count: number) => t('dashboard.packages', { count });
  const byDistrict = new Map<string, { name: string; packages: FleetPackage[] }>();
  for (const p of fleet.packages) {
    let g = byDistrict.get(p.district.code);
    if (!g) byDistrict.set(p.district.code, (g = { name: p.district.name, packages: [] }));
    g.packages.push(p);
  }
  const groups = [...byDistrict.entries()].sort(([a], [b]) => a.localeCompare(b));
  const badge = (s: HealthStateName | 'none', text: string) => `<span class="badge" style="background:${COLOURS[s]}">${escapeHtml(text)}</span>`;
  const counts = STATE_ORDER.map((s) => `<li data-count-state="${s}">${badge(s, stateLabel(s))} <b>${n(fleet.counts[s])}</b></li>`).join('');
  const districtOptions = ref.districts
    .map((d) => `<option value="${d.code}">${escapeHtml(d.name)}${byDistrict.has(d.code) ? ` (${n(byDistrict.get(d.code)!.packages.length)})` : ''}</option>`)
    .join('');
  const checkName = (name: string) => {
    const key = `dashboard.check.${name}` as MessageKey;
    const said = t(key);
    return said === key ? name : said;
  };
  // the tunnel of a reach: tunnel package is the link, shown apart from its state (data-tunnel keeps the API's keyword)
  const tunnelHtml = (tu: NonNullable<FleetPackage['tunnel']>) => {
    // the port it logged in on (22 or 443: a carrier that filters one shows here)
    const bastion = tu.port ? t('dashboard.tunnel.bastionPort', { bastion: tu.bastion, port: String(tu.port) }) : tu.bastion;
    const title = tu.connectedSince ? t('dashboard.tunnel.titleSince', { bastion, since: at(tu.connectedSince) }) : t('dashboard.tunnel.title', { bastion });
    const text =
      tu.state === 'up'
        ? t('dashboard.tunnel.up', { since: relativeTime(tu.connectedSince, now, sp) })
        : t(`dashboard.tunnel.${tu.state}`, { seen: relativeTime(tu.lastSeen, now, sp) });
    return `<small class="tunnel" data-tunnel="${tu.state}" title="${escapeHtml(title)}">${escapeHtml(text)}</small>`;
  };
  const body = groups
    .map(([code, g]) => {
      const c = STATE_ORDER.map((s) => [s, g.packages.filter((p) => p.state === s).length] as const).filter(([, k]) => k > 0);
      const summary = t('dashboard.district.summary', {
        code,
        packages: packagesText(g.packages.length),
        states: c.map(([s, k]) => t('dashboard.district.stateCount', { count: n(k), state: stateLabel(s) })).join(', '),
      });
      const head = `<tr class="district-head"><th colspan="6">${escapeHtml(g.name)} <small>${escapeHtml(summary)}</small></th></tr>`;
      const rows = g.packages
        .sort((a, b) => a.village.name.localeCompare(b.village.name) || a.id.localeCompare(b.id))
        .map((p) => {
          const bad = p.checks.filter((k) => k.state !== 'ok');
          const search = `${p.id} ${p.village.name} ${p.village.code} ${p.district.name} ${p.release ?? ''}`.toLowerCase();
          const flags = [p.hard ? '' : t('dashboard.flag.soft'), p.flapping ? t('dashboard.flag.flapping') : '', p.silenced ? t('dashboard.flag.silenced') : '']
            .filter(Boolean)
            .join(', ');
          const seenTitle = p.lastSeen ? at(p.lastSeen) : t('dashboard.never');
          return `<tr class="pkg" data-id="${escapeHtml(p.id)}" data-state="${p.state}" data-district="${p.district.code}" data-village="${p.village.code}" data-search="${escapeHtml(search)}">
<td><a href="/v1/devices/${encodeURIComponent(p.id)}/history">${escapeHtml(p.id)}</a></td>
<td>${escapeHtml(p.village.name)} <small>${p.village.code}</small></td>
<td>${badge(p.state, stateLabel(p.state))}${flags ? ` <small>${escapeHtml(flags)}</small>` : ''}</td>
<td>${p.release ? escapeHtml(p.release) : `<small>${escapeHtml(t('dashboard.noRelease'))}</small>`}</td>
<td class="seen" title="${escapeHtml(seenTitle)}">${p.lastSeen ? `<time datetime="${escapeHtml(p.lastSeen)}">${escapeHtml(relativeTime(p.lastSeen, now, sp))}</time>` : escapeHtml(t('dashboard.never'))}${p.tunnel ? `<br>${tunnelHtml(p.tunnel)}` : ''}</td>
<td>${
            bad.length
              ? bad
                  .map((k) => `<div data-check="${escapeHtml(k.name)}"><b>${escapeHtml(checkName(k.name))}</b> ${escapeHtml(t.phrase(k.output))}</div>`)
                  .join('')
              : `<small>${escapeHtml(t('dashboard.allChecksOk'))}</small>`
          }</td>
</tr>`;
        })
        .join('\n');
      return `<tbody class="group" data-district="${code}">${head}\n${rows}</tbody>`;
    })
    .join('\n');
  const villages = new Set(fleet.packages.map((p) => p.village.code)).size;
  const header = [
    escapeHtml(packagesText(fleet.packages.length)),
    escapeHtml(t('dashboard.reportsReceived', { count: fleet.reports })),
    fleet.lastReportAt
      ? sentence((v) => t('dashboard.lastReport', { when: v.when ?? '' }), {
          when: `<time datetime="${escapeHtml(fleet.lastReportAt)}" title="${escapeHtml(at(fleet.lastReportAt))}">${escapeHtml(relativeTime(fleet.lastReportAt, now, sp))}</time>`,
        })
      : escapeHtml(t('dashboard.lastReport', { when: t('dashboard.never') })),
    sentence((v) => t('dashboard.generated', { time: v.time ?? '' }), {
      time: `<time datetime="${escapeHtml(fleet.generatedAt)}">${escapeHtml(at(fleet.generatedAt))}</time>`,
    }),
  ].join(' · ');
  const langSwitch = LANGS.map((l) =>
    l === sp.lang
      ? `<b aria-current="true" lang="${l}">${escapeHtml(t(`dashboard.langName.${l}`))}</b>`
      : `<a href="?lang=${l}" data-lang="${l}" hreflang="${l}" lang="${l}">${escapeHtml(t(`dashboard.langName.${l}`))}</a>`,
  ).join(' | ');
  return `<!doctype html>
<html lang="${sp.lang}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(t('dashboard.title'))}</title>
<style>
body{font:14px/1.4 system-ui,sans-serif;margin:0;color:#222;background:#fafafa}
header{padding:12px 20px;background:#1a237e;color:#fff;display:flex;justify-content:space-between;gap:20px;flex-wrap:wrap}header h1{margin:0;font-size:20px}header p{margin:4px 0 0;opacity:.85}
nav.lang{align-self:center}nav.lang a{color:#fff}nav.lang b{border-bottom:2px solid #fff}
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
<body data-locale="${f.locale}">
<header><div><h1>${escapeHtml(t('dashboard.heading'))}</h1>
<p>${header}</p></div>
<nav class="lang" id="lang-switch" aria-label="${escapeHtml(t('dashboard.language'))}">${escapeHtml(t('dashboard.language'))}: ${langSwitch}</nav></header>
<main>
<section class="mapbox"><ul class="counts">${counts}</ul>
<div id="map">${renderMapSvg(ref, geo, villageStates(fleet.packages.map((p) => ({ village: p.village.code, state: p.state }))), {
    width: 820,
    title: t('dashboard.map.title'),
    subtitle: t('dashboard.map.subtitle', { packages: packagesText(fleet.packages.length), villages: t('dashboard.villages', { count: villages }) }),
    stateLabel,
    villageTitle: (v, s) => t('dashboard.map.village', { village: v.name, district: v.district, state: stateLabel(s) }),
  })}</div></section>
<section class="tablebox">
<div class="filters">
<label>${escapeHtml(t('dashboard.filter.state'))} <select id="filter-state"><option value="">${escapeHtml(t('dashboard.filter.all'))}</option>${STATE_ORDER.map((s) => `<option value="${s}">${escapeHtml(stateLabel(s))}</option>`).join('')}</select></label>
<label>${escapeHtml(t('dashboard.filter.district'))} <select id="filter-district"><option value="">${escapeHtml(t('dashboard.filter.all'))}</option>${districtOptions}</select></label>
<label>${escapeHtml(t('dashboard.filter.search'))} <input id="filter-text" type="search" placeholder="${escapeHtml(t('dashboard.filter.placeholder'))}"></label>
<span>${sentence((v) => t('dashboard.filter.shown', { n: v.n ?? '' }), { n: `<b id="shown">${n(fleet.packages.length)}</b>` })}</span>
</div>
<table id="packages"><thead><tr>${(['package', 'village', 'state', 'release', 'lastSeen', 'checks'] as const).map((c) => `<th>${escapeHtml(t(`dashboard.column.${c}`))}</th>`).join('')}</tr></thead>
${body || `<tbody><tr><td colspan="6">${escapeHtml(t('dashboard.noReport'))}</td></tr></tbody>`}
</table>
<p><small>${sentence((v) => t('dashboard.footer.json', { fleet: v.fleet ?? '' }), { fleet: '<a href="/v1/fleet">/v1/fleet</a>' })} · ${sentence(
    (v) => t('dashboard.footer.history', { path: v.path ?? '' }),
    { path: '/v1/devices/ID/history' },
  )}</small></p>
</section></main>
<script>${SCRIPT}</script>
</body></html>
`;
}

/** What a person's browser is told when the server will not show it the dashboard: a catalog message and its values. */
export interface PageRefusal {
  key: MessageKey;
  vars?: Record<string, string>;
}

/**
 * The page a browser gets instead of the dashboard (no read token, a Host the server does not
 * answer to, no such page, a server fault): the reason in the reader's language, with the API's
 * machine code beside it; the JSON clients get the API's error document as before.
 */
export function renderErrorPage(status: number, code: string, refusal: PageRefusal, sp: PageSpeech): string {
  const title = sp.t('dashboard.error.title', { status: String(status) });
  const langSwitch = LANGS.map((l) =>
    l === sp.lang
      ? `<b lang="${l}">${escapeHtml(sp.t(`dashboard.langName.${l}`))}</b>`
      : `<a href="?lang=${l}" hreflang="${l}" lang="${l}">${escapeHtml(sp.t(`dashboard.langName.${l}`))}</a>`,
  ).join(' | ');
  return `<!doctype html>
<html lang="${sp.lang}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>body{font:16px/1.5 system-ui,sans-serif;margin:0;color:#222;background:#fafafa}header{padding:12px 20px;background:#1a237e;color:#fff}header h1{margin:0;font-size:20px}main{padding:16px 20px;max-width:46em}small{color:#666}</style></head>
<body><header><h1>${escapeHtml(sp.t('dashboard.heading'))}</h1></header>
<main><h2>${escapeHtml(title)}</h2>
<p id="reason">${escapeHtml(sp.t(refusal.key, refusal.vars))}</p>
<p><small>${escapeHtml(sp.t('dashboard.error.code', { code }))}</small></p>
<p><small>${escapeHtml(sp.t('dashboard.language'))}: ${langSwitch}</small></p></main>
</body></html>
`;
}
