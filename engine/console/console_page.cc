#include "engine/console/console_page.h"

namespace o2c::console {

const std::string& ConsoleHtml() {
  static const std::string kPage = R"html(<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>o2c — operations console</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
 body{font:14px/1.4 system-ui,sans-serif;margin:0;color:#1d2330;background:#f6f7f9}
 header{background:#1d2330;color:#fff;padding:10px 16px;display:flex;gap:16px;align-items:center}
 header h1{font-size:16px;margin:0}
 main{display:grid;grid-template-columns:minmax(0,3fr) minmax(0,2fr);gap:12px;padding:12px}
 section{background:#fff;border:1px solid #dde1e7;border-radius:6px;padding:10px;overflow:auto}
 form{display:flex;flex-wrap:wrap;gap:8px;margin-bottom:8px}
 input,select,button{font:inherit;padding:3px 6px}
 table{border-collapse:collapse;width:100%} td,th{padding:4px 6px;border-bottom:1px solid #eef0f3;
 text-align:left;white-space:nowrap} tr.row:hover{background:#eef4ff;cursor:pointer}
 .needs_attention{color:#b00020;font-weight:600} .completed,.closed{color:#16794c}
 .running,.waiting{color:#8a6d00} pre{white-space:pre-wrap;font-size:12px}
 .err{color:#b00020}
</style></head><body>
<header><h1>o2c operations console</h1>
 <label>token <input id="token" type="password" size="28" placeholder="bearer token"></label>
 <a href="/metrics" style="color:#9cc3ff">/metrics</a></header>
<main>
<section>
 <form id="filters">
  <select name="type"><option value="">any type</option><option>order</option>
   <option>shipment</option><option>return</option><option>refund</option></select>
  <select name="status"><option value="">any status</option><option>running</option>
   <option>waiting</option><option>needs_attention</option><option>completed</option>
   <option>cancelled</option><option>compensated</option><option>failed</option>
   <option>closed</option></select>
  <label><input type="checkbox" name="stuck" value="true"> stuck</label>
  <input name="q" placeholder="business key, ERP or WMS document">
  <button>search</button> <button type="button" id="more">next page</button>
 </form>
 <div id="status"></div>
 <table><thead><tr><th>id</th><th>type</th><th>business key</th><th>state</th><th>status</th>
  <th>updated</th><th>why</th></tr></thead><tbody id="rows"></tbody></table>
</section>
<section><div id="detail">Pick a workflow to see its transitions, tasks and trace.</div></section>
</main>
<script>
const $ = s => document.querySelector(s);
$('#token').value = localStorage.getItem('o2c.token') || '';
$('#token').onchange = e => localStorage.setItem('o2c.token', e.target.value);
let cursor = null;
async function api(path) {
  const r = await fetch(path, {headers: {Authorization: 'Bearer ' + $('#token').value}});
  const body = await r.json().catch(() => ({}));
  if (!r.ok) throw new Error((body.error || r.status) + ': ' + (body.message || r.statusText));
  return body;
}
const esc = v => String(v ?? '').replace(/[&<>"]/g, c => ({'&':'&amp;','<':'&lt;','>':'&gt;','"':'&quot;'}[c]));
async function search(next) {
  const params = new URLSearchParams(new FormData($('#filters')));
  for (const [k, v] of [...params]) if (!v) params.delete(k);
  if (next && cursor) params.set('cursor', cursor);
  try {
    const data = await api('/api/workflows?' + params);
    const rows = data.workflows || data.items || [];
    cursor = data.next_cursor || data.cursor || null;
    $('#rows').innerHTML = rows.map(w => `<tr class="row" data-id="${esc(w.id)}"><td>${esc(w.id)}</td>
      <td>${esc(w.type)}</td><td>${esc(w.business_key)}</td><td>${esc(w.state)}</td>
      <td class="${esc(w.status)}">${esc(w.status)}</td><td>${esc(w.updated_at)}</td>
      <td>${esc(w.attention_reason)}</td></tr>`).join('');
    $('#status').textContent = rows.length + ' workflows' + (cursor ? ' (more: next page)' : '');
  } catch (e) { $('#status').innerHTML = '<span class="err">' + esc(e.message) + '</span>'; }
}
async function show(id) {
  try {
    const w = await api('/api/workflows/' + encodeURIComponent(id));
    const wf = w.workflow || w;
    let html = `<h3>#${esc(wf.id)} ${esc(wf.type)} — ${esc(wf.business_key)}</h3>
      <p>state <b>${esc(wf.state)}</b>, status <b class="${esc(wf.status)}">${esc(wf.status)}</b></p>`;
    const m = /^(.+)\/orders\/([^/]+)$/.exec(wf.business_key || '');
    if (wf.type === 'order' && m) {
      const t = await api(`/api/orders/${encodeURIComponent(m[1])}/${encodeURIComponent(m[2])}/trace`);
      html += '<h4>Trace</h4><pre>' + esc(t.text || JSON.stringify(t, null, 2)) + '</pre>';
    } else {
      html += '<pre>' + esc(JSON.stringify(w, null, 2)) + '</pre>';
    }
    $('#detail').innerHTML = html;
  } catch (e) { $('#detail').innerHTML = '<span class="err">' + esc(e.message) + '</span>'; }
}
$('#filters').onsubmit = e => { e.preventDefault(); cursor = null; search(false); };
$('#more').onclick = () => search(true);
$('#rows').onclick = e => { const tr = e.target.closest('tr'); if (tr) show(tr.dataset.id); };
search(false);
</script></body></html>
)html";
  return kPage;
}

}  // namespace o2c::console
