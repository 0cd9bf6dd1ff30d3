// PaliGemma playground. Calls only the server's public endpoints: POST /v1/chat/completions (streamed) for the text
// tasks, POST /v1/vision/{detect,segment} for boxes and masks, GET /v1/models for the model id.
'use strict';

const $ = (id) => document.getElementById(id);
const COLORS = ['#e6194b', '#3cb44b', '#4363d8', '#f58231', '#911eb4', '#42d4f4', '#f032e6', '#9a6324'];
const TEXT_TASKS = new Set(['caption', 'describe', 'ocr', 'answer']);
const COORDS_HINT = $('coords').textContent;

let image = null;        // { blob, name, width, height, url }
let objects = [];        // the last detect/segment result: { label, box, mask, visible, color }
let cursor = null;       // keyboard cursor on the image, in image pixels

function headers(extra) {
  const h = Object.assign({}, extra);
  const key = $('api-key').value.trim();
  if (key) h.Authorization = 'Bearer ' + key;
  return h;
}

function setState(state) { document.body.dataset.state = state; }

function showError(message) {
  const el = $('error');
  el.textContent = message;
  el.hidden = !message;
}

// ---- Choosing an image ----

async function useImage(blob, name) {
  if (!blob.type.startsWith('image/')) { showError(`"${name}" is not an image (${blob.type || 'unknown type'}).`); return; }
  const url = URL.createObjectURL(blob);
  const img = $('image');
  await new Promise((resolve) => { img.onload = resolve; img.onerror = resolve; img.src = url; });
  if (image) URL.revokeObjectURL(image.url);
  image = { blob, name, url, width: img.naturalWidth, height: img.naturalHeight };
  img.alt = `${name}, ${image.width} × ${image.height} pixels`;
  $('stage').hidden = false;
  clearResults();
  showError('');
}

function clearResults() {
  objects = [];
  $('coords').textContent = COORDS_HINT;
  $('text').textContent = '';
  $('objects').replaceChildren();
  $('figures').replaceChildren();
  draw();
}

function firstImageFile(items) {
  for (const item of Array.from(items || [])) {
    const file = item.getAsFile ? (item.kind === 'file' ? item.getAsFile() : null) : item;
    if (file && file.type.startsWith('image/')) return file;
  }
  return null;
}

function wireImageInputs() {
  $('file').addEventListener('change', (e) => { const f = e.target.files[0]; if (f) useImage(f, f.name); });
  const drop = $('drop');
  drop.addEventListener('dragover', (e) => { e.preventDefault(); drop.classList.add('over'); });
  drop.addEventListener('dragleave', () => drop.classList.remove('over'));
  drop.addEventListener('drop', (e) => {
    e.preventDefault();
    drop.classList.remove('over');
    const f = firstImageFile(e.dataTransfer.files);
    if (f) useImage(f, f.name); else showError('Drop an image file.');
  });
  document.addEventListener('paste', (e) => {
    const f = firstImageFile(e.clipboardData && e.clipboardData.items);
    if (f) { e.preventDefault(); useImage(f, 'pasted image'); }
  });
  for (const button of document.querySelectorAll('[data-example]')) {
    button.addEventListener('click', async () => {
      const name = button.dataset.example;
      const response = await fetch('/playground/examples/' + encodeURIComponent(name));
      if (response.ok) await useImage(await response.blob(), name);
      else showError(`The example ${name} could not be loaded (${response.status}).`);
    });
  }
}

// ---- Running a task ----

function fileToDataUri(blob) {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(reader.result);
    reader.onerror = () => reject(reader.error);
    reader.readAsDataURL(blob);
  });
}

async function errorMessage(response) {
  // The typed endpoints answer {"error": "...", "code"}; the OpenAI endpoint and the guard {"error": {"message"}}.
  try {
    const body = await response.json();
    const error = body && body.error;
    if (typeof error === 'string') return error;
    if (error && error.message) return error.message;
  } catch { /* not JSON */ }
  return `The server answered ${response.status} ${response.statusText}.`;
}

function prompt(task) {
  const language = $('language').value.trim();
  switch (task) {
    case 'caption': return `caption ${language}`;
    case 'describe': return `describe ${language}`;
    case 'ocr': return 'ocr';
    default: return `answer ${language} ${$('question').value.trim()}`;
  }
}

async function runText(task) {
  const body = {
    model: 'paligemma',
    stream: true,
    stream_options: { include_usage: true },
    max_tokens: Number($('max-tokens').value) || 64,
    temperature: 0,
    messages: [{ role: 'user', content: [
      { type: 'text', text: prompt(task) },
      { type: 'image_url', image_url: { url: await fileToDataUri(image.blob) } },
    ] }],
  };
  const started = performance.now();
  const response = await fetch('/v1/chat/completions', {
    method: 'POST', headers: headers({ 'Content-Type': 'application/json' }), body: JSON.stringify(body),
  });
  if (!response.ok) throw new Error(await errorMessage(response));

  const out = $('text');
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  let metrics = null;
  let firstText = null;
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buffer += value;
    let end;
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      const event = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      if (!event.startsWith('data: ')) continue;
      const data = event.slice(6);
      if (data === '[DONE]') continue;
      const chunk = JSON.parse(data);
      if (chunk.error) throw new Error(chunk.error.message);
      const piece = chunk.choices && chunk.choices[0] && chunk.choices[0].delta.content;
      if (piece) {
        if (firstText === null) firstText = performance.now();
        out.textContent += piece;
      }
      if (chunk.paligemma_metrics) metrics = chunk.paligemma_metrics;
    }
  }
  showFigures(metrics, performance.now() - started, firstText === null ? null : firstText - started);
}

async function runVision(task) {
  const form = new FormData();
  form.append('image', image.blob, image.name);
  form.append('labels', $('labels').value);
  const started = performance.now();
  const response = await fetch('/v1/vision/' + task, { method: 'POST', headers: headers(), body: form });
  if (!response.ok) throw new Error(await errorMessage(response));
  const result = await response.json();
  $('text').textContent = result.rawText || '';
  objects = (result.objects || []).map((o, i) => ({
    label: o.label, box: o.box, mask: o.mask || null, visible: true, color: COLORS[i % COLORS.length],
  }));
  listObjects();
  draw();
  showFigures(result.metrics, performance.now() - started, null);
}

async function run(event) {
  event.preventDefault();
  if (!image) { showError('Choose an image first.'); return; }
  const task = $('task').value;
  clearResults();
  showError('');
  setState('running');
  $('run').disabled = true;
  try {
    if (TEXT_TASKS.has(task)) await runText(task); else await runVision(task);
    setState('done');
  } catch (error) {
    showError(error.message);
    setState('error');
  } finally {
    $('run').disabled = false;
  }
}

// ---- Results ----

function listObjects() {
  const list = $('objects');
  list.replaceChildren(...objects.map((o, i) => {
    const item = document.createElement('li');
    const label = document.createElement('label');
    const box = document.createElement('input');
    box.type = 'checkbox';
    box.checked = true;
    box.addEventListener('change', () => { objects[i].visible = box.checked; draw(); });
    const swatch = document.createElement('span');
    swatch.className = 'swatch';
    swatch.style.background = o.color;
    const b = o.box;
    const text = document.createTextNode(
      `${o.label}: ${Math.round(b.left)}, ${Math.round(b.top)} – ${Math.round(b.right)}, ${Math.round(b.bottom)}` +
      (o.mask ? ` (mask, ${o.mask.area} px)` : ''));
    label.append(box, swatch, text);
    item.append(label);
    return item;
  }));
}

function showFigures(metrics, roundTripMs, firstTextMs) {
  const rows = [];
  const ms = (v) => (v === null || v === undefined ? '–' : `${v.toFixed(1)} ms`);
  if (metrics) {
    rows.push(['Vision', `${ms(metrics.vision_ms)}${metrics.image_cache_hit ? ' (cache hit)' : ''}`]);
    rows.push(['Image cache', metrics.image_cache_hit ? 'hit' : 'miss']);
    rows.push(['Queue', ms(metrics.queue_ms)]);
    rows.push(['Time to first token', ms(metrics.time_to_first_token_ms)]);
    rows.push(['Decode speed', metrics.output_tokens_per_second ? `${metrics.output_tokens_per_second.toFixed(1)} tokens/s` : '–']);
    rows.push(['Input / output tokens', `${metrics.input_tokens} / ${metrics.output_tokens}`]);
    rows.push(['Model time', ms(metrics.duration_ms)]);
  }
  if (firstTextMs !== null) rows.push(['First text in the page', ms(firstTextMs)]);
  rows.push(['Round trip', ms(roundTripMs)]);
  $('figures').replaceChildren(...rows.flatMap(([k, v]) => {
    const dt = document.createElement('dt'); dt.textContent = k;
    const dd = document.createElement('dd'); dd.textContent = v;
    return [dt, dd];
  }));
}

// ---- Drawing ----

function decodeMask(mask) {
  // COCO uncompressed RLE, column-major, starting with background.
  const [height, width] = mask.size;
  const bits = new Uint8Array(width * height);
  let index = 0;
  mask.counts.forEach((run, i) => {
    if (i % 2 === 1) {
      for (let k = index; k < index + run && k < bits.length; k++) {
        const x = Math.floor(k / height);
        const y = k % height;
        bits[y * width + x] = 1;
      }
    }
    index += run;
  });
  return { width, height, bits };
}

function maskCanvas(o) {
  if (o.maskCanvas) return o.maskCanvas;
  const { width, height, bits } = decodeMask(o.mask);
  const canvas = document.createElement('canvas');
  canvas.width = width;
  canvas.height = height;
  const ctx = canvas.getContext('2d');
  const data = ctx.createImageData(width, height);
  const r = parseInt(o.color.slice(1, 3), 16), g = parseInt(o.color.slice(3, 5), 16), b = parseInt(o.color.slice(5, 7), 16);
  for (let p = 0; p < bits.length; p++) {
    if (bits[p]) { data.data.set([r, g, b, 110], p * 4); }
  }
  ctx.putImageData(data, 0, 0);
  o.maskCanvas = canvas;
  return canvas;
}

function draw() {
  const canvas = $('overlay');
  const visible = objects.filter((o) => o.visible);
  $('drawn').textContent = JSON.stringify(image ? {
    imageWidth: image.width,
    imageHeight: image.height,
    objects: visible.map((o) => ({ label: o.label, box: o.box, maskArea: o.mask ? o.mask.area : null })),
  } : null);
  if (!image) return;
  // Draw at a multiple of the image size so that lines and labels stay sharp on small images.
  const scale = Math.max(1, Math.round(640 / Math.max(image.width, image.height)));
  canvas.width = image.width * scale;
  canvas.height = image.height * scale;
  const ctx = canvas.getContext('2d');
  ctx.imageSmoothingEnabled = false;
  ctx.clearRect(0, 0, canvas.width, canvas.height);
  for (const o of visible) {
    if (o.mask) ctx.drawImage(maskCanvas(o), 0, 0, canvas.width, canvas.height);
  }
  ctx.font = '600 14px system-ui, sans-serif';
  ctx.textBaseline = 'top';
  for (const o of visible) {
    const x = o.box.left * scale, y = o.box.top * scale;
    const w = (o.box.right - o.box.left) * scale, h = (o.box.bottom - o.box.top) * scale;
    ctx.lineWidth = 2;
    ctx.strokeStyle = o.color;
    ctx.strokeRect(x, y, w, h);
    const tw = ctx.measureText(o.label).width + 8;
    const ty = y >= 20 ? y - 20 : y;
    ctx.fillStyle = o.color;
    ctx.fillRect(x, ty, tw, 20);
    ctx.fillStyle = '#fff';
    ctx.fillText(o.label, x + 4, ty + 3);
  }
  if (cursor) {
    ctx.strokeStyle = '#000';
    ctx.lineWidth = 1;
    ctx.strokeRect(cursor.x * scale, cursor.y * scale, scale, scale);
  }
}

function describePoint(x, y) {
  const inside = objects.filter((o) => o.visible && x >= o.box.left && x < o.box.right && y >= o.box.top && y < o.box.bottom);
  $('coords').textContent = `x ${x}, y ${y} px` + (inside.length ? ` — inside ${inside.map((o) => o.label).join(', ')}` : '');
}

function wireCoordinates() {
  const canvas = $('overlay');
  canvas.addEventListener('mousemove', (e) => {
    if (!image) return;
    const rect = canvas.getBoundingClientRect();
    const x = Math.min(image.width - 1, Math.floor((e.clientX - rect.left) / rect.width * image.width));
    const y = Math.min(image.height - 1, Math.floor((e.clientY - rect.top) / rect.height * image.height));
    describePoint(x, y);
  });
  canvas.addEventListener('keydown', (e) => {
    const moves = { ArrowLeft: [-1, 0], ArrowRight: [1, 0], ArrowUp: [0, -1], ArrowDown: [0, 1] };
    if (!image || !moves[e.key]) return;
    e.preventDefault();
    const step = e.shiftKey ? 10 : 1;
    cursor = cursor || { x: Math.floor(image.width / 2), y: Math.floor(image.height / 2) };
    cursor.x = Math.max(0, Math.min(image.width - 1, cursor.x + moves[e.key][0] * step));
    cursor.y = Math.max(0, Math.min(image.height - 1, cursor.y + moves[e.key][1] * step));
    describePoint(cursor.x, cursor.y);
    draw();
  });
  canvas.addEventListener('blur', () => { cursor = null; draw(); });
}

// ---- Form ----

function showFields() {
  const task = $('task').value;
  for (const el of document.querySelectorAll('[data-for]')) {
    el.hidden = !el.dataset.for.split(' ').includes(task);
  }
}

async function loadModel() {
  try {
    const response = await fetch('/v1/models', { headers: headers() });
    $('model').textContent = response.ok ? (await response.json()).data[0].id : `unknown (${await errorMessage(response)})`;
  } catch (error) {
    $('model').textContent = 'unknown (' + error.message + ')';
  }
}

$('task').addEventListener('change', showFields);
$('form').addEventListener('submit', run);
$('api-key').addEventListener('change', loadModel);
wireImageInputs();
wireCoordinates();
showFields();
loadModel();
