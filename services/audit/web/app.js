// The supervisors' page: pickers for district, date (a slider across the years), the recorded
// time (both clocks: the record as it stood then), a date to compare with, standard and stage;
// the indicator table coloured pass/fail and the guarantees; what changed since the recorded
// time (the corrections) and between the two dates, with the causing events; each CV over the
// years; the roster with its figures, each school's own page (lineage, figures over the years,
// its events); the event trail; a print view of the official tables. Every request goes to this
// audit service; nothing else.
//
// Signing in: every API call carries the token (Authorization: Bearer). The token is typed
// into a password field, kept in sessionStorage (this tab, until sign-out or close) and never
// put in a URL, a log or the page. A 401 clears it and asks to sign in again.
'use strict';
const $ = (id) => document.getElementById(id);
const TOKEN_KEY = 'annals.token';
const REFUSED = 'the token is not valid (unknown or revoked): sign in again';
const storedToken = () => sessionStorage.getItem(TOKEN_KEY) || '';

// The API's refusal of the credential (401): the page is back at the sign-in form.
class SignedOut extends Error {}

// Fetches `path` with the token; a 401 signs out, unless another token was signed in since.
async function authorized(path) {
  const sent = storedToken();
  const res = await fetch(path, { headers: { Authorization: `Bearer ${sent}` }, cache: 'no-store' });
  if (res.status === 401) throw sent === storedToken() ? signOut(REFUSED) : new SignedOut('signed out');
  return res;
}

// The answer's message when it is not 2xx (the API's "error", else the status).
async function refusal(res) {
  let body = {};
  try { body = await res.json(); } catch (e) { /* not JSON: the status says it */ }
  return body.error || `${res.status} ${res.statusText}`;
}

const api = async (path) => {
  const res = await authorized(path);
  if (!res.ok) throw new Error(await refusal(res));
  return res.json();
};

// Downloads an export through the API (a plain link cannot carry the token): the bytes are
// saved from a Blob URL under the name the service gives.
async function download(path) {
  try {
    const res = await authorized(path);
    if (!res.ok) throw new Error(await refusal(res));
    const named = /filename="([^"]+)"/.exec(res.headers.get('Content-Disposition') || '');
    const url = URL.createObjectURL(await res.blob());
    const a = el('a', { href: url, download: named ? named[1] : path.split('?')[0].split('/').pop() });
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 60000);
  } catch (e) {
    showError(e);
  }
}
const DAY = 86400000;
const FIRST = Date.UTC(2010, 0, 1);
const toDate = (ms) => new Date(ms).toISOString().slice(0, 10);
const fmt = (v, d = 2) => (v === null || v === undefined ? '' : typeof v === 'number' ? v.toFixed(d) : String(v));
const el = (tag, attrs = {}, ...children) => {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  for (const c of children) e.append(c);
  return e;
};
const verdictCell = (passes) =>
  passes === null || passes === undefined ? el('td', {}, '—') : el('td', { class: passes ? 'pass' : 'fail' }, passes ? '达标 pass' : '未达标 fail');

const state = { district: '', date: toDate(Date.now()), recorded: '', compare: '', standard: '', stage: 'primary', school: '', schoolKey: '', series: null, seriesKey: '' };
const districtPath = () => `/v1/districts/${encodeURIComponent(state.district)}`;

function showError(e) {
  if (e instanceof SignedOut) return;  // the sign-in form says why
  $('error').hidden = !e;
  $('error').textContent = e ? String(e.message || e) : '';
}

function query() {
  const q = new URLSearchParams({ at: state.date });
  if (state.recorded) q.set('recorded_at', state.recorded);
  if (state.standard) q.set('standard', state.standard);
  return q.toString();
}
// "&recorded_at=T" when the page looks at the record as it stood at T.
const asRecorded = () => (state.recorded ? `&recorded_at=${state.recorded}` : '');

// An event as a table row: effective date, recorded date, type (marked when retracted or a
// correction), its data cut to 160 characters.
function eventRow(e) {
  const data = Object.entries(e.data).map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`).join(' ');
  const marks = (e.retracted_at ? ' (retracted)' : '') + (e.correction ? ' (correction)' : '');
  return el('tr', { class: e.retracted_at ? 'excluded' : '' }, el('td', {}, e.effective_date), el('td', {}, e.recorded_at.slice(0, 10)),
    el('td', {}, e.type + marks), el('td', {}, data.length > 160 ? data.slice(0, 157) + '...' : data));
}

// A figure change as text: "junior students 410 -> 432".
const changeText = (c) => `${c.section === 'whole' ? '' : c.section + ' '}${c.measure.replace(/_/g, ' ')} ${fmt(c.before, c.unit === 'count' ? 0 : 2)} → ${fmt(c.after, c.unit === 'count' ? 0 : 2)}`;

// A diff answer into a summary line, a table of schools and their changes, and the events.
function showDiff(d, summary, schools, events) {
  const byType = Object.entries(d.events_by_type).map(([t, n]) => `${t} ${n}`).join(', ');
  summary.textContent = `${d.events_total} events (${byType || 'none'}); ` +
    `${d.schools_opened.length} schools opened, ${d.schools_stopped.length} stopped, ${d.schools_changed.length} changed` +
    (d.events_truncated ? `; the first ${d.events.length} events listed` : '');
  const rows = [
    ...d.schools_opened.map((s) => [s.name, `opened ${s.opened_on}`]),
    ...d.schools_stopped.map((s) => [s.name, `${s.merged_into ? `absorbed into ${s.merged_into}` : 'closed'} ${s.closed_on || ''}`]),
    ...d.schools_changed.map((s) => [s.name, [...s.record, ...s.figures.map(changeText)].join('; ')]),
  ];
  schools.tBodies[0].replaceChildren(...rows.map(([n, c]) => el('tr', {}, el('td', {}, n), el('td', {}, c))));
  events.tBodies[0].replaceChildren(...d.events.map(eventRow));
}

// Question 7: the district on the date as recorded at T against what the record says now.
async function loadSince() {
  $('since').hidden = !state.recorded;
  if (!state.recorded) return;
  const token = pending;
  const d = await api(`${districtPath()}/diff?from=${state.date}&from_recorded_at=${state.recorded}&to=${state.date}`);
  if (token !== pending) return;
  $('since-at').textContent = state.recorded;
  showDiff(d, $('since-summary'), $('since-schools'), $('since-events'));
}

// Question 8: what changed between the compared date and the date, and the causing events.
async function loadDiff() {
  $('diff').hidden = !state.compare;
  if (!state.compare) return;
  const token = pending;
  const [from, to] = state.compare <= state.date ? [state.compare, state.date] : [state.date, state.compare];
  const rec = state.recorded ? `&from_recorded_at=${state.recorded}&to_recorded_at=${state.recorded}` : '';
  const d = await api(`${districtPath()}/diff?from=${from}&to=${to}${rec}`);
  if (token !== pending) return;
  $('diff-span').textContent = `${from} → ${to}`;
  showDiff(d, $('diff-summary'), $('diff-schools'), $('diff-events'));
  $('diff-totals').tBodies[0].replaceChildren(...d.totals.map((c) => el('tr', {}, el('td', {}, c.section),
    el('td', {}, c.measure.replace(/_/g, ' ')), el('td', { class: 'num' }, fmt(c.before, c.unit === 'count' ? 0 : 2)),
    el('td', { class: 'num' }, fmt(c.after, c.unit === 'count' ? 0 : 2)), el('td', { class: 'num' }, fmt(c.change, c.unit === 'count' ? 0 : 2)))));
}

// The guarantees of the indicator answer, coloured, the failing schools named.
function showGuarantees(report) {
  const rows = ((report && report.guarantees) || []).map((g) => {
    // Shares (and growths) to four places (0.0497 is not 0.05), pupils whole, money to the fen.
    const share = g.unit === 'share';
    const amount = (v) => fmt(v, share ? 4 : Number.isInteger(v) ? 0 : 2);
    const limit = { at_most: '≤ ', at_least: '≥ ', above: '> ' }[g.comparison] + amount(g.threshold) +
      (g.threshold_both_stages ? ` (九年一贯制 ${g.threshold_both_stages})` : '') + (g.year ? ` (${g.year})` : '');
    const failing = g.failing.map((f) => `${f.name} ${amount(f.value)}`).join(', ');
    return el('tr', { 'data-guarantee': g.id }, el('td', {}, g.name), el('td', { class: 'num' }, amount(g.value)),
      el('td', {}, limit), verdictCell(g.met), el('td', {}, failing));
  });
  $('guarantees').tBodies[0].replaceChildren(...rows);
  $('guarantees-section').hidden = rows.length === 0;
}

// A school's page: its record and lineage on the date, its figures on 1 September of each
// year up to the date (one state question per year), and its own events.
async function loadSchool() {
  $('school').hidden = !state.school;
  const key = [state.district, state.school, state.date, state.recorded].join('|');
  if (!state.school || key === state.schoolKey) return;
  const token = pending;
  const id = state.school;
  const t = await api(`/v1/schools/${encodeURIComponent(id)}/timeline?at=${state.date}&district=${encodeURIComponent(state.district)}${asRecorded()}`);
  const years = [];
  for (let y = 2012; `${y}-09-01` <= state.date; y++) years.push(`${y}-09-01`);
  if (!years.includes(state.date)) years.push(state.date);
  const points = await Promise.all(years.map((at) => api(`${districtPath()}/state?at=${at}${asRecorded()}`)));
  if (token !== pending) return;
  const on = t.on || {};
  $('school-name').textContent = on.name || id;
  $('school-id').textContent = id;
  const lineage = [];
  if (on.opened_on) lineage.push(`opened ${on.opened_on}`);
  for (const a of on.absorbed || []) lineage.push(`absorbed ${a.name || a.school_id} (${a.school_id}) on ${a.on}`);
  if (on.merged_into) lineage.push(`absorbed into ${on.merged_into}`);
  if (on.held_by && on.held_by !== id) lineage.push(`now held by ${on.held_by}`);
  if (on.closed_on) lineage.push(`closed ${on.closed_on}`);
  $('school-lineage').textContent = lineage.join('; ') || (t.on ? '' : 'not open on this date');
  const sum = (f, m) => ((f.primary || {})[m] || 0) + ((f.junior || {})[m] || 0) + ((f.whole || {})[m] || 0);
  $('school-figures').tBodies[0].replaceChildren(...points.map((st) => {
    const s = st.schools.find((x) => x.school_id === id);
    const f = (s && s.figures) || {};
    return el('tr', {}, el('td', {}, st.at), ...[s ? s.students.total : 0, sum(f, 'teachers'), sum(f, 'backbone_teachers'),
      sum(f, 'migrant_students'), sum(f, 'floor_area_m2'), sum(f, 'equipment_value_yuan')].map((v) => el('td', { class: 'num' }, s ? fmt(v, 0) : '')));
  }));
  $('school-events').tBodies[0].replaceChildren(...t.events.slice().reverse().slice(0, 200).map(eventRow));
  state.schoolKey = key;
}

async function loadIndicators() {
  const base = `/v1/districts/${encodeURIComponent(state.district)}`;
  $('csv').dataset.href = `${base}/indicators.csv?${query()}`;
  $('xlsx').dataset.href = `${base}/indicators.xlsx?${query()}`;
  const tbody = $('indicators').tBodies[0];
  const token = pending;
  let r;
  try {
    r = await api(`${base}/indicators?${query()}`);
    if (token !== pending) return null;  // a later refresh owns the page
    tbody.replaceChildren();
  } catch (e) {
    if (token !== pending || e instanceof SignedOut) return null;
    tbody.replaceChildren();
    $('verdict').textContent = String(e.message);
    $('verdict').className = 'verdict';
    $('standard-why').textContent = '';
    showGuarantees(null);
    return null;
  }
  showGuarantees(r);
  $('standard-why').textContent = `${r.standard.reference} ${r.standard.title} — ${r.standard.why}`;
  $('verdict').textContent = r.complies === null ? '无可评估学校 nothing to judge' : r.complies ? '达标 the district complies' : '未达标 the district does not comply';
  $('verdict').className = 'verdict ' + (r.complies === null ? '' : r.complies ? 'pass' : 'fail');
  const stage = r.stages.find((s) => s.stage === state.stage);
  if (!stage) return r;
  for (const i of stage.indicators) {
    tbody.append(el('tr', { 'data-indicator': i.id }, el('td', {}, i.name), el('td', { class: 'num' }, fmt(i.district_value)),
      el('td', { class: 'num' }, fmt(i.cv, 4)), el('td', { class: 'num' }, fmt(i.max_cv)), verdictCell(i.passes),
      el('td', { class: 'num' }, fmt(i.minimum)), el('td', { class: 'num' }, i.minimum === null ? '' : String(i.schools_below_minimum))));
  }
  tbody.append(el('tr', { class: 'composite' }, el('td', {}, '综合差异系数 composite CV'), el('td'), el('td', { class: 'num' }, fmt(stage.composite_cv, 4)),
    el('td', { class: 'num' }, r.standard && stage.cv_rule === 'composite_cv' ? fmt(stage.max_cv) : ''),
    stage.cv_rule === 'composite_cv' ? verdictCell(stage.passes) : el('td'), el('td'), el('td')));
  return r;
}

async function loadRoster(report) {
  const token = pending;
  const st = await api(`${districtPath()}/state?at=${state.date}${asRecorded()}`);
  if (token !== pending) return;
  $('roster-count').textContent = `${st.schools.length} schools on ${st.at}`;
  const stage = report && report.stages.find((s) => s.stage === state.stage);
  const bySchool = new Map((stage ? stage.schools : []).map((s) => [s.school_id, s]));
  const ids = stage ? stage.indicators.map((i) => i.id) : [];
  const head = el('tr', {}, el('th', {}, '学校 school'), el('th', {}, '学段 stages'), el('th', {}, '学生 students'), el('th', {}, '教师 teachers'),
    ...ids.map((id) => el('th', {}, id.replace(/_/g, ' '))), el('th', {}, '达标 complies'));
  $('schools').tHead.replaceChildren(head);
  const tbody = $('schools').tBodies[0];
  tbody.replaceChildren();
  for (const s of st.schools) {
    const f = s.figures || {};
    const teachers = ((f.primary || {}).teachers || 0) + ((f.junior || {}).teachers || 0);
    const ind = bySchool.get(s.school_id);
    const cells = ids.map((id) => {
      if (!ind || ind.excluded || !ind.values) return el('td');
      const meets = ind.meets_minimum ? ind.meets_minimum[id] : undefined;
      return el('td', { class: 'num' + (meets === false ? ' fail' : '') }, fmt(ind.values[id]));
    });
    const complies = !ind ? el('td', { class: 'excluded' }, 'not in this stage')
      : ind.excluded ? el('td', { class: 'excluded' }, ind.excluded) : verdictCell(ind.complies);
    const name = el('td', { class: 'school-link', title: 'the school\'s page' }, s.name);
    name.onclick = () => { state.school = s.school_id; refresh(); };
    tbody.append(el('tr', { 'data-school': s.school_id }, name, el('td', {}, s.stages.join('+')),
      el('td', { class: 'num' }, String(s.students ? s.students.total : 0)), el('td', { class: 'num' }, String(teachers)), ...cells, complies));
  }
}

async function loadEvents() {
  const token = pending;
  const to = state.date;
  const from = toDate(Date.parse(state.date) - 365 * DAY);
  const r = await api(`${districtPath()}/events?from=${from}&to=${to}&limit=200${asRecorded()}` +
    '&type=school.opened,school.closed,school.merged,school.split,school.stages_changed,school.renamed,school.facilities_surveyed,' +
    'school.construction_completed,school.equipment_purchased,cluster.created,cluster.dissolved,school.joined_cluster,' +
    'school.left_cluster,teacher.transferred,teacher.honour_awarded,funding.allocated,record.retracted');
  if (token !== pending) return;
  const tbody = $('events').tBodies[0];
  tbody.replaceChildren();
  for (const e of r.events.reverse()) tbody.append(eventRow(e));
}

// Each indicator's CV, one point per year, as SVG lines with the threshold dashed.
async function loadChart() {
  const token = pending;
  const key = `${state.district}|${state.standard}|${state.recorded}`;
  if (state.seriesKey !== key) {
    const to = toDate(Date.now());
    const q = new URLSearchParams({ from: '2012-09-01', to, step: 'year' });
    if (state.standard) q.set('standard', state.standard);
    if (state.recorded) q.set('recorded_at', state.recorded);
    state.series = await api(`/v1/districts/${encodeURIComponent(state.district)}/indicators/series?${q}`);
    state.seriesKey = key;
  }
  if (token !== pending) return;
  const points = state.series.points.filter((p) => p.stages && p.stages[state.stage]);
  const ids = [...new Set(points.flatMap((p) => Object.keys(p.stages[state.stage].cv)))];
  const W = 900, H = 240, L = 40, B = 24, T = 10, R = 220;
  let max = 0.6;
  for (const p of points) for (const v of Object.values(p.stages[state.stage].cv)) if (v !== null && v > max) max = Math.min(v, 3);
  const x = (i) => L + (points.length > 1 ? (i * (W - L - R)) / (points.length - 1) : 0);
  const y = (v) => T + (H - T - B) * (1 - Math.min(v, max) / max);
  const NS = 'http://www.w3.org/2000/svg';
  const svg = document.createElementNS(NS, 'svg');
  svg.setAttribute('viewBox', `0 0 ${W} ${H}`);
  const add = (tag, attrs, text) => {
    const e = document.createElementNS(NS, tag);
    for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
    if (text !== undefined) e.textContent = text;
    svg.append(e);
    return e;
  };
  for (let t = 0; t <= max + 1e-9; t += 0.1) {
    add('line', { x1: L, x2: W - R, y1: y(t), y2: y(t), stroke: '#eef1f4' });
    add('text', { x: 4, y: y(t) + 4, 'font-size': 10 }, t.toFixed(1));
  }
  points.forEach((p, i) => add('text', { x: x(i) - 14, y: H - 6, 'font-size': 10 }, p.at.slice(0, 4)));
  const colours = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f', '#bcbd22', '#17becf'];
  ids.forEach((id, k) => {
    const d = points.map((p, i) => [i, p.stages[state.stage].cv[id]]).filter(([, v]) => v !== null && v !== undefined)
      .map(([i, v], j) => `${j ? 'L' : 'M'}${x(i).toFixed(1)},${y(v).toFixed(1)}`).join(' ');
    if (d) add('path', { d, fill: 'none', stroke: colours[k % colours.length], 'stroke-width': 2, 'data-indicator': id });
    add('text', { x: W - R + 10, y: T + 12 + k * 14, 'font-size': 11, fill: colours[k % colours.length], class: 'legend' }, id.replace(/_/g, ' '));
  });
  const marker = points.findIndex((p) => p.at.slice(0, 4) === state.date.slice(0, 4));
  if (marker >= 0) add('line', { x1: x(marker), x2: x(marker), y1: T, y2: H - B, stroke: '#1f3a5f', 'stroke-dasharray': '3,3' });
  $('chart').replaceChildren(svg);
}

let pending = 0;
async function refresh() {
  if (!storedToken()) return;  // signed out meanwhile (a slider's late refresh)
  const mine = ++pending;
  showError(null);
  $('print-caption').textContent = `${$('district').selectedOptions.length ? $('district').selectedOptions[0].textContent : state.district}, ` +
    `${state.date}${state.recorded ? `, as recorded at the end of ${state.recorded}` : ''}`;
  document.body.dataset.loading = 'true';
  try {
    const report = await loadIndicators();
    if (mine !== pending) return;
    // Each part on its own: one refused answer does not leave the others half-drawn.
    const parts = await Promise.allSettled([loadRoster(report), loadEvents(), loadChart(), loadSince(), loadDiff(), loadSchool()]);
    const failed = parts.find((p) => p.status === 'rejected');
    if (failed) throw failed.reason;
  } catch (e) {
    showError(e);
  } finally {
    if (mine === pending) document.body.dataset.loading = 'false';
  }
}

// Who is signed in, from /v1/whoami: "name (role: districts)".
function describe(who) {
  const districts = who.districts === '*' ? 'every district' : who.districts.join(', ');
  return `${who.name} (${who.role}: ${districts})`;
}

// Shows the sign-in form, with `message` when there is one; forgets the token and whatever
// the page showed. Returns the error that stops the caller.
function signOut(message) {
  sessionStorage.removeItem(TOKEN_KEY);
  ++pending;  // drop the answers still on their way
  state.series = null;
  state.seriesKey = '';
  for (const id of ['indicators', 'guarantees', 'schools', 'events', 'since-schools', 'since-events', 'diff-totals', 'diff-schools',
    'diff-events', 'school-figures', 'school-events']) $(id).tBodies[0].replaceChildren();
  state.school = state.schoolKey = '';
  $('since').hidden = $('diff').hidden = $('school').hidden = true;
  $('schools').tHead.replaceChildren();
  $('chart').replaceChildren();
  for (const id of ['verdict', 'standard-why', 'roster-count', 'who', 'since-summary', 'diff-summary', 'school-lineage',
    'since-at', 'diff-span', 'school-name', 'school-id', 'print-caption']) $(id).textContent = '';
  $('district').replaceChildren();
  $('standard').replaceChildren(el('option', { value: '' }, 'in force on the date'));
  $('content').hidden = $('controls').hidden = $('identity').hidden = true;
  $('error').hidden = true;
  $('signin').hidden = false;
  $('signin-message').hidden = !message;
  $('signin-message').textContent = message || '';
  document.body.dataset.signedIn = 'false';
  document.body.dataset.loading = 'false';
  $('token').focus();
  return new SignedOut(message || 'signed out');
}

// Signed in: who it is (with the sign-out button), the districts it may see, the standards;
// then the page.
async function start() {
  document.body.dataset.loading = 'true';
  let who;
  try {
    who = await api('/v1/whoami');
  } catch (e) {
    if (!(e instanceof SignedOut)) signOut(`the audit service cannot tell who this is now: ${e.message}`);
    return;
  }
  try {
    $('who').textContent = `已登录 signed in as ${describe(who)}`;
    $('signin').hidden = true;
    $('identity').hidden = $('content').hidden = false;
    document.body.dataset.signedIn = 'true';
    const [districts, standards] = await Promise.all([api('/v1/districts'), api('/v1/standards')]);
    $('district').replaceChildren();
    for (const d of districts.districts) $('district').append(el('option', { value: d.id }, `${d.name || d.id} (${d.id})`));
    for (const s of standards.standards) $('standard').append(el('option', { value: s.id }, `${s.reference} ${s.id}`));
    const params = new URLSearchParams(location.search);
    // A date of the link, only when it is one: nothing else reaches a query string.
    const dateParam = (name) => (/^\d{4}-\d{2}-\d{2}$/.test(params.get(name) || '') ? params.get(name) : '');
    state.district = params.get('district') || (districts.districts[0] || {}).id || '';
    state.date = dateParam('at') || state.date;
    state.stage = params.get('stage') || state.stage;
    state.recorded = dateParam('recorded_at');
    state.compare = dateParam('compare');
    state.school = params.get('school') || '';
    state.standard = '';
    $('recorded').value = state.recorded;
    $('compare').value = state.compare;
    $('district').value = state.district;
    $('date').value = state.date;
    $('stage').value = state.stage;
    const today = Date.now();
    $('slider').max = String(Math.floor((today - FIRST) / DAY));
    $('slider').value = String(Math.floor((Date.parse(state.date) - FIRST) / DAY));
    $('controls').hidden = false;
  } catch (e) {
    showError(e);
    if (!(e instanceof SignedOut)) document.body.dataset.loading = 'false';
    return;
  }
  refresh();
}

function init() {
  $('signin-form').onsubmit = (ev) => {
    ev.preventDefault();
    const token = $('token').value.trim();
    $('token').value = '';
    if (!token) return;
    sessionStorage.setItem(TOKEN_KEY, token);
    $('signin-message').hidden = true;
    start();
  };
  $('signout').onclick = () => signOut();
  $('csv').onclick = () => download($('csv').dataset.href);
  $('xlsx').onclick = () => download($('xlsx').dataset.href);
  $('district').onchange = () => { state.district = $('district').value; state.school = ''; refresh(); };
  $('standard').onchange = () => { state.standard = $('standard').value; refresh(); };
  $('stage').onchange = () => { state.stage = $('stage').value; refresh(); };
  $('recorded').onchange = () => { state.recorded = $('recorded').value; refresh(); };
  $('compare').onchange = () => { state.compare = $('compare').value; refresh(); };
  $('school-close').onclick = () => { state.school = ''; $('school').hidden = true; };
  $('print').onclick = () => window.print();
  $('date').onchange = () => {
    state.date = $('date').value;
    $('slider').value = String(Math.floor((Date.parse(state.date) - FIRST) / DAY));
    refresh();
  };
  let timer;
  $('slider').oninput = () => {
    state.date = toDate(FIRST + Number($('slider').value) * DAY);
    $('date').value = state.date;
    clearTimeout(timer);
    timer = setTimeout(refresh, 150);
  };
  if (storedToken()) start();
  else signOut();
}
init();
